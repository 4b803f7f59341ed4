#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::cli {

/// Output formats of `weir parquet cat`.
enum class OutputFormat { kTable, kCsv, kJson };

/// Parses `table`, `csv` or `json`.
arrow::Result<OutputFormat> ParseOutputFormat(const std::string& text);

/// Prints record batches as they arrive: an aligned text table (column widths
/// taken from the first rows), RFC 4180 CSV with a header, or one JSON object per
/// line. Nested values print as JSON in every format.
class BatchPrinter {
 public:
  /// Prints to `out` (not owned) in `format`.
  BatchPrinter(std::FILE* out, OutputFormat format) : out_(out), format_(format) {}

  /// Prints every row of `batch`.
  arrow::Status Print(const arrow::RecordBatch& batch);

  /// Prints what must follow the last row (the table's closing rule and row count).
  arrow::Status Finish(const arrow::Schema& schema, int64_t total_rows);

 private:
  std::vector<std::vector<std::string>> Cells(const arrow::RecordBatch& batch);
  void PrintRule();

  std::FILE* out_;
  OutputFormat format_;
  bool header_done_ = false;
  std::vector<size_t> widths_;
};

}  // namespace weir::cli
