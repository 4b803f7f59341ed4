#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weir/connectors/datagen/options.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Generates rows per DatagenOptions, vectorised a batch at a time.
///
/// The total row count, rate and every sequence range are split between subtasks:
/// subtask i of p generates rows i*n/p … (i+1)*n/p-1 of the whole stream, so a job's
/// output does not depend on its parallelism except for order. Random fields use a
/// generator seeded by (seed, subtask, field).
class DatagenSource : public runtime::SourceReader {
 public:
  /// Makes the reader of subtask `info`; the options were checked by
  /// MakeDatagenSource.
  DatagenSource(DatagenOptions options, const runtime::SubtaskInfo& info);

  arrow::Status Open(runtime::OperatorContext* context) override;
  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override;
  /// Writes the rows still to generate: one entry per remaining range of row
  /// ordinals (bounded), or the next ordinal (unbounded).
  arrow::Status SnapshotOperatorState(runtime::CheckpointId id,
                                      std::vector<std::string>* entries) override;
  /// Continues with the ranges restored; a bounded source restored at another
  /// parallelism generates whatever ranges it was dealt.
  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override;

 private:
  arrow::Result<std::shared_ptr<arrow::Array>> Generate(int field, int64_t first_row,
                                                        int64_t rows);

  DatagenOptions options_;
  runtime::SubtaskInfo info_;
  runtime::OperatorContext* context_ = nullptr;
  int64_t first_ = 0;  // first row ordinal of this subtask
  int64_t end_ = 0;    // one past the last (INT64_MAX when unbounded)
  int64_t next_ = 0;
  std::vector<std::pair<int64_t, int64_t>> queued_;  // restored ranges still to do
  double rate_ = 0;  // rows per second for this subtask; 0 = unthrottled
  int64_t started_micros_ = 0;
  int64_t emitted_ = 0;  // rows since started_micros_ (for the rate)
};

/// Checks `options` and returns a source factory. Errors name the offending field.
arrow::Result<runtime::SourceFactory> MakeDatagenSource(DatagenOptions options);

}  // namespace weir::connectors
