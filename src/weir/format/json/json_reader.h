#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::format {

/// Options for reading newline-delimited JSON.
struct JsonReadOptions {
  /// Bytes per block parsed at once (bounds memory, sets batch size).
  int32_t block_size = 1 << 20;
};

/// Opens a newline-delimited JSON file (one object per line) as a stream of
/// record batches with types inferred from the first block.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenJsonReader(
    const std::string& path, const JsonReadOptions& options = {});

}  // namespace weir::format
