#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>

namespace weir::format {

/// Appends the rows of `batch` to `out` as JSON lines: one object per row, fields by
/// column name, NULL as `null` (Flink's `json` format). Numbers and booleans are
/// bare, decimals keep every digit, dates, times and timestamps are strings in SQL
/// form (`2024-01-31 12:00:00.000000`), BYTES base64, arrays JSON arrays, rows and
/// maps JSON objects (map keys as text). NaN and infinities are the strings "NaN",
/// "Infinity", "-Infinity".
arrow::Status AppendJsonLines(const arrow::RecordBatch& batch, std::string* out);

/// Encodes single rows of one batch as JSON objects (as AppendJsonLines, without the
/// line break), for formats that frame each row (Kafka records).
class JsonRowEncoder {
 public:
  /// Prepares the columns of `batch`, which must outlive the encoder.
  static arrow::Result<JsonRowEncoder> Make(const arrow::RecordBatch& batch);
  /// Appends row `row` as a JSON object to `out`.
  arrow::Status Append(int64_t row, std::string* out) const;

 private:
  std::vector<std::shared_ptr<arrow::Array>> columns_;
  std::vector<std::string> keys_;  // `"name":`
};

}  // namespace weir::format
