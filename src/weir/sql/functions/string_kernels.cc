// Kernels for Flink's string functions whose edge cases Arrow's kernels do not
// share: positions and lengths count characters (UTF-8 code points), start indexes
// are 1-based, and out-of-range arguments give empty strings or NULL as in Flink's
// runtime (BinaryStringDataUtil, SqlFunctionUtils).

#include <algorithm>
#include <string>
#include <string_view>

#include <arrow/builder.h>
#include <arrow/compute/registry.h>

#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/row_kernel.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int64_t CountChars(std::string_view text) {
  int64_t count = 0;
  for (char c : text) count += IsContinuation(c) ? 0 : 1;
  return count;
}

// Returns the byte offset of character `chars` (the size when past the end).
size_t ByteOffset(std::string_view text, int64_t chars) {
  size_t i = 0;
  while (i < text.size() && chars > 0) {
    ++i;
    while (i < text.size() && IsContinuation(text[i])) ++i;
    --chars;
  }
  return i;
}

// Returns the characters of `text` between character indexes [begin, end).
std::string_view Chars(std::string_view text, int64_t begin, int64_t end) {
  size_t from = ByteOffset(text, begin);
  size_t to = from + ByteOffset(text.substr(from), end - begin);
  return text.substr(from, to - from);
}

// Splits `text` into its characters.
std::vector<std::string_view> SplitChars(std::string_view text) {
  std::vector<std::string_view> chars;
  size_t i = 0;
  while (i < text.size()) {
    size_t next = i + 1;
    while (next < text.size() && IsContinuation(text[next])) ++next;
    chars.push_back(text.substr(i, next - i));
    i = next;
  }
  return chars;
}

// SUBSTRING(s, pos, len): pos 1-based, negative from the end (a start before the
// beginning gives ''), len counted in characters; a negative len gives NULL.
arrow::Status SubstringRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row) || args.Int64(2, row) < 0) return out->AppendNull();
  std::string_view text = args.String(0, row);
  int64_t pos = args.Int64(1, row);
  int64_t length = args.Int64(2, row);
  int64_t count = CountChars(text);
  int64_t start = 0;
  if (pos > 0) {
    start = pos - 1;
  } else if (pos < 0) {
    start = count + pos;
  }
  if (start < 0 || start >= count) return out->Append(std::string_view());
  int64_t end = count - start < length ? count : start + length;
  return out->Append(Chars(text, start, end));
}

// LEFT(s, n) and RIGHT(s, n): a negative n gives ''.
arrow::Status LeftRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view text = args.String(0, row);
  int64_t n = std::max<int64_t>(args.Int64(1, row), 0);
  return out->Append(text.substr(0, ByteOffset(text, n)));
}

arrow::Status RightRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view text = args.String(0, row);
  int64_t n = std::max<int64_t>(args.Int64(1, row), 0);
  int64_t skip = std::max<int64_t>(CountChars(text) - n, 0);
  return out->Append(text.substr(ByteOffset(text, skip)));
}

// LPAD(s, len, pad) and RPAD: the result has exactly len characters (s is cut
// when longer); NULL for a negative len or an empty pad.
arrow::Status PadRow(const RowArgs& args, int64_t row, bool left,
                     arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view text = args.String(0, row);
  int64_t length = args.Int64(1, row);
  std::vector<std::string_view> pad = SplitChars(args.String(2, row));
  if (length < 0 || pad.empty()) return out->AppendNull();
  int64_t kept = std::min(CountChars(text), length);
  std::string_view body = text.substr(0, ByteOffset(text, kept));
  std::string padding;
  for (int64_t i = 0; i < length - kept; ++i) {
    padding.append(pad[static_cast<size_t>(i) % pad.size()]);
  }
  std::string result = left ? padding + std::string(body) : std::string(body) + padding;
  return out->Append(result);
}

arrow::Status LpadRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  return PadRow(args, row, /*left=*/true, out);
}

arrow::Status RpadRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  return PadRow(args, row, /*left=*/false, out);
}

bool IsJavaWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         (c >= 0x1C && c <= 0x1F);
}

// SPLIT_INDEX(s, delimiter, i): token i (0-based) of s split at every delimiter,
// keeping empty tokens; NULL for a negative or too large i or an empty s. An empty
// delimiter splits at each whitespace character (Commons Lang's rule).
arrow::Status SplitIndexRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view text = args.String(0, row);
  std::string_view delimiter = args.String(1, row);
  int64_t index = args.Int64(2, row);
  if (index < 0 || text.empty()) return out->AppendNull();
  size_t begin = 0;
  for (int64_t token = 0;; ++token) {
    size_t end;
    size_t skip;
    if (delimiter.empty()) {
      end = begin;
      while (end < text.size() && !IsJavaWhitespace(text[end])) ++end;
      skip = 1;
    } else {
      end = text.find(delimiter, begin);
      skip = delimiter.size();
    }
    if (end == std::string_view::npos) end = text.size();
    if (token == index) return out->Append(text.substr(begin, end - begin));
    if (end >= text.size()) return out->AppendNull();
    begin = end + skip;
  }
}

// LISTAGG's last step in batch: the non-null strings of a list joined by a
// separator; NULL when there are none.
arrow::Status ListJoinRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::vector<std::string_view> values;
  args.ListStrings(0, row, &values);
  if (values.empty()) return out->AppendNull();
  const std::string_view separator = args.String(1, row);
  std::string joined;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) joined += separator;
    joined += values[i];
  }
  return out->Append(joined);
}

// POSITION(needle IN haystack): 1-based character index, 0 when absent.
arrow::Status PositionRow(const RowArgs& args, int64_t row, arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view needle = args.String(0, row);
  std::string_view haystack = args.String(1, row);
  size_t at = haystack.find(needle);
  if (at == std::string_view::npos) return out->Append(0);
  return out->Append(static_cast<int32_t>(CountChars(haystack.substr(0, at)) + 1));
}

// LOCATE(needle, haystack, start): the 1-based character position of the first
// `needle` at or after character `start`; 0 when there is none or `start` < 1.
arrow::Status LocateRow(const RowArgs& args, int64_t row, arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string_view needle = args.String(0, row);
  std::string_view haystack = args.String(1, row);
  const int64_t start = args.Int64(2, row);
  if (start < 1) return out->Append(0);
  // The byte offset of character `start`.
  size_t offset = 0;
  for (int64_t c = 1; c < start && offset < haystack.size(); ++c) {
    ++offset;
    while (offset < haystack.size() &&
           (static_cast<unsigned char>(haystack[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  if (CountChars(haystack.substr(0, offset)) + 1 < start) return out->Append(0);
  size_t at = haystack.find(needle, offset);
  if (at == std::string_view::npos) return out->Append(0);
  return out->Append(static_cast<int32_t>(CountChars(haystack.substr(0, at)) + 1));
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// INITCAP(s): the first letter of each word upper case, the rest lower case; a word
// is a run of ASCII letters and digits.
arrow::Status InitcapRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  std::string text(args.String(0, row));
  bool word_start = true;
  for (char& c : text) {
    if (!IsAsciiAlnum(c)) {
      word_start = true;
      continue;
    }
    if (word_start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!word_start && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    word_start = false;
  }
  return out->Append(text);
}

cp::FunctionDoc Doc(std::string summary, std::vector<std::string> arg_names) {
  return cp::FunctionDoc(std::move(summary), "", std::move(arg_names));
}

}  // namespace

arrow::Status RegisterStringKernels(cp::FunctionRegistry* registry) {
  auto utf8 = arrow::utf8();
  auto int64 = arrow::int64();
  using arrow::StringBuilder;
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, SubstringRow>(
      registry, "weir_substring", {utf8, int64, int64}, utf8,
      Doc("Flink SUBSTRING: 1-based, negative start from the end",
          {"string", "start", "length"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, LeftRow>(
      registry, "weir_left", {utf8, int64}, utf8,
      Doc("Flink LEFT: the first n characters", {"string", "n"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, RightRow>(
      registry, "weir_right", {utf8, int64}, utf8,
      Doc("Flink RIGHT: the last n characters", {"string", "n"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, LpadRow>(
      registry, "weir_lpad", {utf8, int64, utf8}, utf8,
      Doc("Flink LPAD: pad or cut to a length", {"string", "length", "pad"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, RpadRow>(
      registry, "weir_rpad", {utf8, int64, utf8}, utf8,
      Doc("Flink RPAD: pad or cut to a length", {"string", "length", "pad"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, SplitIndexRow>(
      registry, "weir_split_index", {utf8, utf8, int64}, utf8,
      Doc("Flink SPLIT_INDEX: 0-based token", {"string", "delimiter", "index"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int32Builder, PositionRow>(
      registry, "weir_position", {utf8, utf8}, arrow::int32(),
      Doc("Flink POSITION: 1-based character index, 0 when absent",
          {"needle", "haystack"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int32Builder, LocateRow>(
      registry, "weir_locate", {utf8, utf8, int64}, arrow::int32(),
      Doc("Flink LOCATE: 1-based character index at or after a start, 0 when absent",
          {"needle", "haystack", "start"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, ListJoinRow>(
      registry, "weir_list_join", {arrow::list(utf8), utf8}, utf8,
      Doc("LISTAGG in batch: join a list's non-null strings", {"list", "separator"}))));
  return AddRowFunction<StringBuilder, InitcapRow>(
      registry, "weir_initcap", {utf8}, utf8,
      Doc("Flink INITCAP: capitalise each word", {"string"}));
}

}  // namespace weir::sql
