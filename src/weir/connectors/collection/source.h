#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>

#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Emits a fixed list of batches (Flink's fromCollection). Subtask i of p emits
/// batches i, i+p, i+2p, … then ends.
class CollectionSource : public runtime::SourceReader {
 public:
  /// Makes the reader of subtask `info` over `batches`.
  CollectionSource(std::vector<std::shared_ptr<arrow::RecordBatch>> batches,
                   const runtime::SubtaskInfo& info);

  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override;

 private:
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches_;
  size_t next_;
  size_t step_;
};

/// Returns a source factory over `batches` for a job graph.
runtime::SourceFactory MakeCollectionSource(
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches);

/// Returns a source factory that emits the batches of `reader` as it produces them
/// (subtask 0 reads; the others end at once), for rows computed elsewhere (a batch
/// query feeding an INSERT). A read error fails the job.
runtime::SourceFactory MakeReaderSource(std::shared_ptr<arrow::RecordBatchReader> reader);

}  // namespace weir::connectors
