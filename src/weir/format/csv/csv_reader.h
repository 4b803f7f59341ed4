#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::format {

/// Options for reading CSV.
struct CsvReadOptions {
  char delimiter = ',';
  /// Whether the first line holds column names (otherwise f0, f1, …).
  bool header = true;
  /// Bytes per block parsed at once (bounds memory, sets batch size).
  int32_t block_size = 1 << 20;
};

/// Opens a CSV file as a stream of record batches with inferred column types
/// (from the first block). Errors name the file and, for bad rows, the line.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenCsvReader(
    const std::string& path, const CsvReadOptions& options = {});

}  // namespace weir::format
