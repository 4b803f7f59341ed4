#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// How a batch plan runs.
struct BatchOptions {
  /// Parallelism of the jobs run for non-Parquet sources (0: one per core).
  int parallelism = 0;
  /// When given and it becomes true, the query stops within a batch and the result
  /// is a Cancelled status.
  const std::atomic<bool>* cancel = nullptr;
  /// A query whose sources read nothing while the process idles this long fails
  /// with an error (RunWithStallWatchdog); zero waits forever.
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(2)};
};

/// Runs a logical plan in batch mode and returns its rows (docs/design/sql.md).
///
/// Relational operators run on Arrow Acero with all cores: Parquet scans stream
/// from weir's reader (projection and filter pushed down, row groups decoded in
/// parallel) into filter, project, hash aggregate, hash join and union nodes;
/// sorts and limits materialise their input and use Arrow's sort kernels. Other
/// sources (datagen) run as bounded weir jobs.
arrow::Result<std::shared_ptr<arrow::Table>> ExecuteBatchPlan(
    const sql::PlanPtr& plan, const BatchOptions& options);

/// Like ExecuteBatchPlan, but returns the rows as they are produced (an INSERT
/// streams them into its sink; only a Sort or LIMIT at the top holds its input).
/// The reader keeps the plan running; destroying it stops it. Not watched by the
/// stall watchdog: its consumer decides when to read.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> StreamBatchPlan(
    const sql::PlanPtr& plan, const BatchOptions& options);

}  // namespace weir::planner
