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

}  // namespace weir::cli
