#pragma once

#include <cstdint>
#include <string>

#include <arrow/array.h>

namespace weir::cli {

/// Appends element `i` of `array` as JSON: numbers and booleans bare, strings and
/// temporal values quoted, lists as arrays, structs and maps as objects.
void AppendJsonValue(const arrow::Array& array, int64_t i, std::string* out);

/// Appends element `i` of `array` as plain text for tables and CSV: like JSON but
/// top-level strings unquoted and null as an empty string (`null_text`).
void AppendTextValue(const arrow::Array& array, int64_t i, std::string* out,
                     const std::string& null_text);

/// Returns the display width of UTF-8 text (code points; good enough for a
/// terminal table).
size_t DisplayWidth(const std::string& text);

/// Returns `text` cut to `max_width` code points, the last one an ellipsis when cut.
std::string TruncateText(const std::string& text, size_t max_width);

}  // namespace weir::cli
