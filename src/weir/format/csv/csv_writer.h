#pragma once

#include <string>

#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <arrow/type_fwd.h>

namespace weir::format {

/// How rows are written as CSV (Flink's `csv` format options).
struct CsvWriteOptions {
  /// Field separator (`csv.field-delimiter`).
  char delimiter = ',';
  /// Encloses fields that hold the delimiter, the quote or a line break; a quote
  /// inside is doubled (`csv.quote-character`).
  char quote = '"';
  /// Written for NULL (`csv.null-literal`); empty by default, as in Flink.
  std::string null_literal;
};

/// Returns an error naming the first column CSV cannot hold (arrays, maps, rows).
arrow::Status CheckCsvWritable(const arrow::Schema& schema);

/// Appends the rows of `batch` to `out` as CSV lines ending in '\n', without a
/// header. Numbers, booleans, decimals and temporal values are written as Arrow
/// casts them to text (`2024-01-31`, `2024-01-31 12:00:00.000000`); BYTES as base64,
/// as Flink does.
arrow::Status AppendCsvRows(const arrow::RecordBatch& batch,
                            const CsvWriteOptions& options, std::string* out);

}  // namespace weir::format
