#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/builder.h>
#include <arrow/datum.h>
#include <arrow/result.h>
#include <arrow/status.h>
#include <arrow/type.h>

/// Values given as text, converted into Arrow builders as Flink's text formats
/// (json, csv) convert them. Shared by the JSON and CSV decoders.
namespace weir::format::text {

/// A builder and what converting text into it needs, mirroring the type tree.
struct Node {
  /// The column's type, and the builder values go to (not owned).
  std::shared_ptr<arrow::DataType> type;
  arrow::ArrayBuilder* builder = nullptr;
  /// list: the values; struct: the fields; map: the keys, then the items.
  std::vector<Node> children;
  /// struct: the field names.
  std::vector<std::string> names;
  /// struct: the children given a value in the current row.
  std::vector<char> filled;
  /// time and timestamp: units per second.
  int64_t units_per_second = 1;
  /// decimal: precision and scale.
  int32_t precision = 0;
  int32_t scale = 0;
};

/// Fills in `node` (its type and builder set) and its children for the conversions;
/// NotImplemented for a type no text format holds.
arrow::Status Plan(Node* node);

/// Appends `text` to `node`'s builder, converted to its (scalar) type: numbers and
/// booleans (`true`/`false`, any case) from their text, surrounding spaces allowed;
/// DECIMAL exactly (rounded half up to the scale; too wide for the precision is an
/// error); DATE `yyyy-MM-dd`, TIME `HH:mm[:ss[.f]]`, TIMESTAMP
/// `yyyy-MM-dd[ T]HH:mm:ss[.f]` with an optional zone; BYTES base64; STRING as is.
/// A value that does not convert is an error quoting it and naming the type, and
/// appends nothing.
arrow::Status AppendText(Node& node, std::string_view text);

/// Returns `rows` (an array or a record batch) without the rows at the given
/// positions (ascending or not; the rows a decoder rejected after starting them).
arrow::Result<arrow::Datum> DropRows(arrow::Datum rows, const std::vector<int64_t>& drop);

/// Returns `s` without leading spaces and tabs and trailing whitespace.
std::string_view TrimSpace(std::string_view s);

}  // namespace weir::format::text
