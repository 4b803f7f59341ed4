#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>
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
  /// Fields are never quoted (`csv.disable-quote-character`): a delimiter, line break
  /// or escape character inside is escaped, which needs `escape`.
  bool disable_quote = false;
  /// Written before a quote (inside quotes) or, without quoting, before a delimiter,
  /// line break or escape character (`csv.escape-character`); '\0': none.
  char escape = '\0';
  /// Written for NULL (`csv.null-literal`); empty by default, as in Flink.
  std::string null_literal;
};

/// Returns an error naming the first column CSV cannot hold (arrays, maps, rows).
arrow::Status CheckCsvWritable(const arrow::Schema& schema);

/// Encodes the rows of one batch as CSV records, one at a time (a Kafka record's
/// value, say). Text conversions as AppendCsvRows.
class CsvRowEncoder {
 public:
  /// Prepares `batch`'s columns; fails for a column CSV cannot hold.
  static arrow::Result<CsvRowEncoder> Make(const arrow::RecordBatch& batch,
                                           CsvWriteOptions options);
  /// Appends row `row` to `out`, without a line break. Fails for a value that needs
  /// quoting when quoting is disabled and there is no escape character.
  arrow::Status Append(int64_t row, std::string* out);
  ~CsvRowEncoder();
  CsvRowEncoder(CsvRowEncoder&&) noexcept;
  CsvRowEncoder& operator=(CsvRowEncoder&&) noexcept;

 private:
  struct Columns;
  CsvRowEncoder() = default;
  CsvWriteOptions options_;
  std::unique_ptr<Columns> columns_;
  std::string scratch_;
};

/// Appends the rows of `batch` to `out` as CSV lines ending in '\n', without a
/// header. Numbers, booleans, decimals and temporal values are written as Arrow
/// casts them to text (`2024-01-31`, `2024-01-31 12:00:00.000000`); BYTES as base64,
/// as Flink does.
arrow::Status AppendCsvRows(const arrow::RecordBatch& batch,
                            const CsvWriteOptions& options, std::string* out);

}  // namespace weir::format
