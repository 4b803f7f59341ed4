#pragma once

#include <functional>

#include <memory>
#include <mutex>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// What a collect sink gathered, shared between the job's subtasks and the caller.
/// Thread-safe.
class CollectedBatches {
 public:
  /// Appends a batch (called by sink subtasks).
  void Add(std::shared_ptr<arrow::RecordBatch> batch);
  /// Returns the batches so far, in arrival order.
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches() const;
  /// Returns the rows so far.
  int64_t num_rows() const;
  /// Returns everything as one table; `schema` is used when nothing arrived.
  arrow::Result<std::shared_ptr<arrow::Table>> ToTable(
      const std::shared_ptr<arrow::Schema>& schema = nullptr) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches_;
  int64_t rows_ = 0;
};

/// Returns a sink factory that calls `fn` with every batch, from the sink subtask's
/// thread (run it at parallelism 1, or make `fn` thread-safe); an error fails the job.
runtime::OperatorFactory MakeCallbackSink(
    std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)> fn);

/// Returns a sink factory that hands every batch to `target` (Flink's
/// executeAndCollect); meant for tests and small results.
runtime::OperatorFactory MakeCollectSink(std::shared_ptr<CollectedBatches> target);

}  // namespace weir::connectors
