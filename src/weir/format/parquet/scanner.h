#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/table.h>
#include <arrow/util/future.h>

#include "weir/format/parquet/dataset.h"
#include "weir/format/parquet/scan_options.h"

namespace arrow::internal {
class ThreadPool;
}

namespace weir::format {

struct ScanPlan;
struct ScanTask;

/// Streams the rows of a ParquetDataset that match the scan options, as record
/// batches in file and row-group order. Row groups are decoded in parallel on a
/// private thread pool, at most `readahead` at a time, so memory stays bounded by a
/// few row groups whatever the dataset size. ReadNext() must be called from one
/// thread at a time; counters() may be read from the same thread between calls.
class ParquetScanner : public arrow::RecordBatchReader {
 public:
  /// Prepares a scan: resolves the projection, binds the filter and starts no I/O
  /// beyond what the dataset already read.
  static arrow::Result<std::shared_ptr<ParquetScanner>> Make(
      std::shared_ptr<ParquetDataset> dataset, ScanOptions options);

  ~ParquetScanner() override;

  /// Returns the output schema: the projected columns in request order.
  std::shared_ptr<arrow::Schema> schema() const override;

  /// Returns the next batch, or nullptr at the end of the scan.
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;

  /// Returns true when ReadNext() would not block (a batch is decoded, the scan
  /// ended, or it failed); otherwise arranges for `on_ready` to be called from a
  /// decoding thread once it would not, and returns false. Planning the next files
  /// (opening them, reading footers and indexes) still happens on the caller's thread.
  arrow::Result<bool> IsReady(std::function<void()> on_ready);

  /// Stops the scan early; pending row-group reads are awaited and dropped.
  arrow::Status Close() override;

  /// Returns the counters of what was read and what pruning skipped so far.
  ScanCounters counters() const;

  /// Reads every remaining batch into a table.
  arrow::Result<std::shared_ptr<arrow::Table>> ToTable();

 private:
  ParquetScanner() = default;
  arrow::Status PlanMore();
  arrow::Status SubmitTasks();

  std::shared_ptr<ScanPlan> plan_;
  int64_t split_ordinal_ = 0;  // row groups seen after pruning, for split assignment
  std::shared_ptr<arrow::internal::ThreadPool> pool_;
  size_t next_file_ = 0;
  std::deque<std::shared_ptr<ScanTask>> pending_;  // planned, not yet submitted
  std::deque<arrow::Future<std::vector<std::shared_ptr<arrow::RecordBatch>>>> inflight_;
  std::vector<std::shared_ptr<arrow::RecordBatch>> ready_;
  size_t ready_pos_ = 0;
  bool failed_ = false;
  arrow::Status failure_;  // why the scan failed, when IsReady() found out
};

/// Opens `inputs` as a dataset and scans it with `options` (convenience).
arrow::Result<std::shared_ptr<ParquetScanner>> ScanParquet(
    const std::vector<std::string>& inputs, ScanOptions options,
    const DatasetOptions& dataset_options = {});

}  // namespace weir::format
