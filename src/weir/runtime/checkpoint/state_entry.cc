#include "weir/runtime/checkpoint/state_entry.h"

#include <charconv>

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

constexpr std::string_view kMagic = "weir-state-entry 1 ";

bool ParseInt(std::string_view text, int64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

StateEntry::StateEntry(std::string kind) : kind_(std::move(kind)) {}

StateEntry& StateEntry::Add(std::string key, std::string value) {
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

StateEntry& StateEntry::Add(std::string key, int64_t value) {
  return Add(std::move(key), std::to_string(value));
}

std::string StateEntry::Encode() const {
  std::string out(kMagic);
  out += kind_;
  out += '\n';
  for (const auto& [key, value] : fields_) {
    out += fmt::format("{} {}\n", key, value.size());
    out += value;
    out += '\n';
  }
  return out;
}

arrow::Result<StateEntry> StateEntry::Decode(std::string_view bytes,
                                             std::string_view owner) {
  auto damaged = [&](std::string_view why) {
    return UserError("{}: unreadable checkpoint entry ({})", owner, why);
  };
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return damaged("not a weir state entry: written by another version?");
  }
  size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos) return damaged("no header line");
  StateEntry entry(std::string(bytes.substr(kMagic.size(), eol - kMagic.size())));
  entry.owner_ = std::string(owner);
  size_t at = eol + 1;
  while (at < bytes.size()) {
    size_t line_end = bytes.find('\n', at);
    if (line_end == std::string_view::npos) return damaged("a field line is cut");
    std::string_view line = bytes.substr(at, line_end - at);
    size_t space = line.rfind(' ');
    int64_t length = 0;
    if (space == std::string_view::npos || space == 0 ||
        !ParseInt(line.substr(space + 1), &length) || length < 0) {
      return damaged(fmt::format("bad field line '{}'", line.substr(0, 80)));
    }
    size_t value_at = line_end + 1;
    if (value_at + static_cast<size_t>(length) + 1 > bytes.size() ||
        bytes[value_at + static_cast<size_t>(length)] != '\n') {
      return damaged(fmt::format("field '{}' is cut", line.substr(0, space)));
    }
    entry.fields_.emplace_back(
        std::string(line.substr(0, space)),
        std::string(bytes.substr(value_at, static_cast<size_t>(length))));
    at = value_at + static_cast<size_t>(length) + 1;
  }
  return entry;
}

std::optional<std::string> StateEntry::Find(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

arrow::Result<std::string> StateEntry::String(std::string_view key) const {
  auto value = Find(key);
  if (!value) {
    return UserError("{}: unreadable checkpoint entry ('{}' has no field '{}')",
                     owner_.empty() ? "state" : owner_, kind_, key);
  }
  return *value;
}

arrow::Result<int64_t> StateEntry::Int(std::string_view key) const {
  ARROW_ASSIGN_OR_RAISE(std::string text, String(key));
  int64_t value = 0;
  if (!ParseInt(text, &value)) {
    return UserError(
        "{}: unreadable checkpoint entry (field '{}' of '{}' is '{}', not "
        "an integer)",
        owner_.empty() ? "state" : owner_, key, kind_, text.substr(0, 40));
  }
  return value;
}

std::vector<std::string> StateEntry::All(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

}  // namespace weir::runtime
