#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "weir/format/parquet/writer_options.h"

namespace weir::format::testing {

/// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  /// Creates a unique empty directory.
  TempDir();
  ~TempDir();
  /// Returns the directory path.
  const std::filesystem::path& path() const { return path_; }
  /// Returns `path() / name` as a string, creating parent directories.
  std::string File(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

/// Makes a batch from a schema and one JSON array per column.
std::shared_ptr<arrow::RecordBatch> BatchFromJson(
    const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::string>& columns);

/// Makes `n` rows: id int64 = 0..n-1 (sorted), v double = id / 2, s utf8 = "s<id % 100>",
/// grp int32 = id % 7.
std::shared_ptr<arrow::RecordBatch> SequenceBatch(int64_t n, int64_t start = 0);

/// Writes batches to `path` with `options` and fails the test on error.
void WriteFile(const std::string& path,
               const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
               const WriterOptions& options = {});

/// Reads a whole file with Arrow's own reader (the reference for comparisons).
std::shared_ptr<arrow::Table> ReadWithArrow(const std::string& path);

}  // namespace weir::format::testing
