#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <parquet/arrow/writer.h>

#include "weir/format/parquet/writer_options.h"

namespace weir::format {

class WriterMemoryBudget;

/// Writes record batches to one Parquet file. Row groups are closed by row count,
/// by buffered bytes, on FlushRowGroup(), or by the shared memory budget. All
/// methods are thread-safe; a budget may flush this writer from another thread.
class ParquetFileWriter {
 public:
  /// Opens `path` for writing (truncating it). `budget` may be null.
  static arrow::Result<std::unique_ptr<ParquetFileWriter>> Open(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      const WriterOptions& options, std::shared_ptr<WriterMemoryBudget> budget = nullptr);

  /// Writes to an already open stream instead of a path.
  static arrow::Result<std::unique_ptr<ParquetFileWriter>> Open(
      std::shared_ptr<arrow::io::OutputStream> sink, std::string name,
      std::shared_ptr<arrow::Schema> schema, const WriterOptions& options,
      std::shared_ptr<WriterMemoryBudget> budget = nullptr);

  ~ParquetFileWriter();

  /// Appends a batch; its schema must equal the writer's. Zero-row batches are fine.
  arrow::Status Write(const arrow::RecordBatch& batch);

  /// Closes the open row group so its data leaves memory (no-op when empty).
  arrow::Status FlushRowGroup();

  /// Writes the footer and closes the file. Idempotent.
  arrow::Status Close();

  /// Returns the estimated bytes buffered in the open row group.
  int64_t buffered_bytes() const;
  /// Returns the memory the writer holds now, as its own memory pool counts it:
  /// buffered pages, page and level buffers, dictionaries and their hash tables.
  int64_t memory_bytes() const { return pool_ ? pool_->bytes_allocated() : 0; }
  /// Returns the rows written so far.
  int64_t rows_written() const;
  /// Returns the file's size so far: bytes already written plus the estimate of the
  /// open row group (for rolling files by size).
  int64_t estimated_file_bytes() const;
  /// Returns the file metadata; only after Close().
  std::shared_ptr<parquet::FileMetaData> metadata() const;

 private:
  ParquetFileWriter() = default;
  arrow::Status FlushLocked();

  mutable std::mutex mu_;
  std::string name_;
  WriterOptions options_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::io::OutputStream> sink_;
  // Counts what the writer allocates; declared before writer_ so it outlives it.
  std::unique_ptr<arrow::ProxyMemoryPool> pool_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  std::shared_ptr<WriterMemoryBudget> budget_;
  bool rg_full_ = false;  // the open row group reached its limits; start a new one
  int64_t rg_rows_ = 0;
  int64_t rg_bytes_ = 0;
  int64_t rows_written_ = 0;
  bool closed_ = false;
  arrow::Status close_status_;  // what Close() returned, repeated on later calls
};

/// A memory budget shared by all open writers in a process: when the sum of their
/// buffered row groups exceeds the budget, the largest open row group is flushed.
/// This is what lets a partitioned sink keep thousands of files open.
class WriterMemoryBudget : public std::enable_shared_from_this<WriterMemoryBudget> {
 public:
  /// Creates a budget of `bytes`.
  explicit WriterMemoryBudget(int64_t bytes) : limit_(bytes) {}

  /// Returns the budget in bytes.
  int64_t limit() const { return limit_; }
  /// Returns the bytes currently buffered by registered writers.
  int64_t used() const;
  /// Returns how many row groups the budget forced out.
  int64_t forced_flushes() const;

 private:
  friend class ParquetFileWriter;
  void Register(ParquetFileWriter* w);
  void Unregister(ParquetFileWriter* w);
  /// Flushes the largest writers until usage is within the budget.
  arrow::Status Enforce();

  const int64_t limit_;
  mutable std::mutex mu_;
  std::vector<ParquetFileWriter*> writers_;
  int64_t forced_flushes_ = 0;
};

/// Builds Parquet writer properties from options (exposed for tests and inspect);
/// buffers come from `pool`.
arrow::Result<std::shared_ptr<parquet::WriterProperties>> MakeWriterProperties(
    const WriterOptions& options, const arrow::Schema& schema,
    arrow::MemoryPool* pool = arrow::default_memory_pool());

}  // namespace weir::format
