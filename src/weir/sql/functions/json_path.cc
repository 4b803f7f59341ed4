#include "weir/sql/functions/json_path.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace weir::sql {

arrow::Result<JsonPath> ParseJsonPath(std::string_view text) {
  std::string_view rest = text;
  auto trim = [&] {
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  };
  trim();
  for (std::string_view mode : {"lax ", "strict "}) {
    if (rest.substr(0, mode.size()) == mode) rest.remove_prefix(mode.size());
  }
  trim();
  auto bad = [&](std::string_view why) {
    return arrow::Status::Invalid(fmt::format("invalid JSON path '{}': {}", text, why));
  };
  if (rest.empty() || rest.front() != '$') return bad("it must start with $");
  rest.remove_prefix(1);
  JsonPath path;
  while (!rest.empty()) {
    if (rest.front() == '.') {
      rest.remove_prefix(1);
      if (!rest.empty() && rest.front() == '[') continue;  // `$.["a.b"]`
      size_t end = 0;
      while (end < rest.size() && rest[end] != '.' && rest[end] != '[') ++end;
      std::string key(rest.substr(0, end));
      if (key.empty()) return bad("a '.' must be followed by a key");
      if (key == "*") return bad("wildcards are not supported");
      path.steps.emplace_back(std::move(key));
      rest.remove_prefix(end);
    } else if (rest.front() == '[') {
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) return bad("a '[' is not closed");
      std::string_view inside = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
      if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
          inside.back() == inside.front()) {
        path.steps.emplace_back(std::string(inside.substr(1, inside.size() - 2)));
        continue;
      }
      int64_t index = 0;
      auto [ptr, ec] =
          std::from_chars(inside.data(), inside.data() + inside.size(), index);
      if (ec != std::errc() || ptr != inside.data() + inside.size() || index < 0) {
        return bad(
            fmt::format("'[{}]' is not an array index or a quoted key "
                        "(wildcards, slices and filters are not supported)",
                        inside));
      }
      path.steps.emplace_back(index);
    } else {
      return bad(fmt::format("unexpected '{}'", rest.front()));
    }
  }
  return path;
}

}  // namespace weir::sql
