#pragma once

#include <string>

#include <arrow/record_batch.h>
#include <arrow/status.h>

namespace weir::format {

/// Appends the rows of `batch` to `out` as JSON lines: one object per row, fields by
/// column name, NULL as `null` (Flink's `json` format). Numbers and booleans are
/// bare, decimals keep every digit, dates, times and timestamps are strings in SQL
/// form (`2024-01-31 12:00:00.000000`), BYTES base64, arrays JSON arrays, rows and
/// maps JSON objects (map keys as text). NaN and infinities are the strings "NaN",
/// "Infinity", "-Infinity".
arrow::Status AppendJsonLines(const arrow::RecordBatch& batch, std::string* out);

}  // namespace weir::format
