#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/format/parquet/writer.h"

namespace weir::format {

/// How to lay out a Hive-partitioned Parquet directory.
struct PartitionedWriteOptions {
  /// Columns whose values name the directories (`col=value/`), outermost first.
  /// They are not stored in the data files, as Hive does.
  std::vector<std::string> partition_by;
  /// Options for every data file.
  WriterOptions writer;
  /// Memory shared by all open files' row groups.
  int64_t memory_budget = 256LL * 1024 * 1024;
};

/// Writes batches into one Parquet file per partition under a root directory.
/// Files are written under hidden names (`.part-….inprogress`) and become visible
/// only in Commit(), so no reader ever lists a partial file; Abort() (or
/// destruction without Commit) deletes them. Not thread-safe.
class PartitionedDatasetWriter {
 public:
  /// Prepares writing `schema` under `root` (created if missing).
  static arrow::Result<std::unique_ptr<PartitionedDatasetWriter>> Open(
      const std::string& root, std::shared_ptr<arrow::Schema> schema,
      PartitionedWriteOptions options);

  ~PartitionedDatasetWriter();

  /// Routes each row of `batch` to its partition's file.
  arrow::Status Write(const arrow::RecordBatch& batch);

  /// Closes every file and renames it to its visible name.
  arrow::Status Commit();

  /// Deletes every file written so far.
  void Abort();

  /// Returns the visible paths of the committed files, sorted.
  std::vector<std::string> committed_files() const { return committed_; }

 private:
  struct OpenFile {
    std::string hidden_path;
    std::string final_path;
    std::unique_ptr<ParquetFileWriter> writer;
  };
  PartitionedDatasetWriter() = default;
  arrow::Result<OpenFile*> FileFor(const std::string& partition_dir);

  std::string root_;
  std::string run_id_;
  std::shared_ptr<arrow::Schema> schema_;       // input schema
  std::shared_ptr<arrow::Schema> file_schema_;  // without partition columns
  std::vector<int> partition_indices_;
  std::vector<int> data_indices_;
  PartitionedWriteOptions options_;
  std::shared_ptr<WriterMemoryBudget> budget_;
  std::map<std::string, OpenFile> files_;
  std::vector<std::string> committed_;
  bool done_ = false;
};

}  // namespace weir::format
