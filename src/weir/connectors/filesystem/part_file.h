#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/format/parquet/writer_options.h"

namespace weir::connectors {

/// Encodes rows in a row format (CSV, JSON lines), appending them to `out`.
using RowEncoder = std::function<arrow::Status(const arrow::RecordBatch&, std::string*)>;

/// A part file the file sink is writing: a segmented Parquet file, or a row-format
/// file whose checkpointed prefix is a valid file by itself.
class PartFile {
 public:
  virtual ~PartFile() = default;
  /// Appends rows.
  virtual arrow::Status Write(const arrow::RecordBatch& batch) = 0;
  /// Makes everything written so far durable (fsync unless `sync` is false) and
  /// returns the valid length: the prefix RecoverPartFile() turns into a complete file.
  virtual arrow::Result<int64_t> Checkpoint(bool sync) = 0;
  /// Writes out and frees every buffer (and encoder); the next Write starts afresh.
  virtual arrow::Status Release() = 0;
  /// Returns whether the file holds buffers or an encoder in memory.
  virtual bool holds_memory() const = 0;
  /// Completes the file (fsync unless `sync` is false). It must hold a row.
  virtual arrow::Status Finish(bool sync) = 0;
  /// Returns the rows written so far.
  virtual int64_t rows() const = 0;
  /// Returns the rows covered by the last Checkpoint().
  virtual int64_t checkpointed_rows() const = 0;
  /// Returns the file's size so far including what is buffered.
  virtual int64_t estimated_bytes() const = 0;
  /// Returns the memory held: buffered data and what the encoder holds.
  virtual int64_t memory_bytes() const = 0;
};

/// Creates (truncating) a segmented Parquet part file (format/parquet/segmented_file.h).
/// Its columns are encoded on the calling thread (`parallel_columns` is ignored).
arrow::Result<std::unique_ptr<PartFile>> CreateParquetPartFile(
    const std::string& path, std::shared_ptr<arrow::Schema> schema,
    format::WriterOptions options);

/// Creates (truncating) a row-format part file: rows are encoded by `encoder` into a
/// buffer that is appended to the file once it reaches 1 MiB, at checkpoints and at
/// the end. No descriptor is held between writes.
arrow::Result<std::unique_ptr<PartFile>> CreateRowPartFile(const std::string& path,
                                                           RowEncoder encoder);

/// Turns the prefix `[0, valid_length)` of an unfinished part file into a complete
/// file: a Parquet file gets its combined footer, a row-format file (`row_format`)
/// is cut back to the length. Idempotent.
arrow::Status RecoverPartFile(const std::string& path, int64_t valid_length,
                              bool row_format);

}  // namespace weir::connectors
