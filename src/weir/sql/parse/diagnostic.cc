#include "weir/sql/parse/diagnostic.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::sql {
namespace {

// Keeps snippets readable when a generated filter is one very long line.
constexpr size_t kMaxSnippetWidth = 100;
constexpr size_t kSnippetLeadIn = 60;
constexpr size_t kMaxQuotedLength = 60;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string CaretSnippet(std::string_view source, const SourcePosition& position) {
  size_t offset =
      std::min(static_cast<size_t>(std::max<int64_t>(position.offset, 0)), source.size());
  size_t line_start = offset == 0 ? 0 : source.rfind('\n', offset - 1);
  line_start = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  size_t line_end = source.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = source.size();
  if (line_end > line_start && source[line_end - 1] == '\r') --line_end;
  offset = std::min(offset, line_end);

  // Byte offsets of the code points of the line, plus the end of the line.
  std::vector<size_t> starts;
  for (size_t i = line_start; i < line_end; ++i) {
    if (!IsContinuationByte(source[i])) starts.push_back(i);
  }
  size_t caret = static_cast<size_t>(
      std::lower_bound(starts.begin(), starts.end(), offset) - starts.begin());
  starts.push_back(line_end);
  size_t count = starts.size() - 1;

  size_t lo = 0;
  size_t hi = count;
  if (count > kMaxSnippetWidth) {
    lo = caret > kSnippetLeadIn ? caret - kSnippetLeadIn : 0;
    hi = std::min(count, lo + kMaxSnippetWidth);
    lo = hi - kMaxSnippetWidth;
  }

  std::string line = "  ";
  std::string marker = "  ";
  if (lo > 0) {
    line += "...";
    marker += "   ";
  }
  for (size_t i = lo; i < hi; ++i) {
    std::string_view cp = source.substr(starts[i], starts[i + 1] - starts[i]);
    bool control = cp.size() == 1 && static_cast<unsigned char>(cp[0]) < 0x20;
    if (cp == "\t") {
      line += '\t';
    } else if (control) {
      line += ' ';
    } else {
      line += cp;
    }
    if (i < caret) marker += cp == "\t" ? '\t' : ' ';
  }
  if (hi < count) line += "...";
  marker += '^';
  return line + "\n" + marker;
}

arrow::Status ErrorAt(std::string_view source, const SourcePosition& position,
                      std::string_view what, std::string_view detail) {
  return UserError("{} at line {}, column {}{}\n{}", what, position.line, position.column,
                   detail, CaretSnippet(source, position));
}

arrow::Status SyntaxErrorAt(std::string_view source, const SourcePosition& position,
                            std::string_view message) {
  return ErrorAt(source, position, "syntax error", fmt::format(": {}", message));
}

std::string QuoteForMessage(std::string_view text) {
  std::string out = "'";
  size_t shown = std::min(text.size(), kMaxQuotedLength);
  // Do not cut a multi-byte character in half.
  while (shown < text.size() && shown > 0 && IsContinuationByte(text[shown])) --shown;
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) out += "...";
  out += "'";
  return out;
}

}  // namespace weir::sql
