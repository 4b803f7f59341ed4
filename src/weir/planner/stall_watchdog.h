#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <arrow/result.h>
#include <arrow/table.h>

namespace weir::planner {

/// What a running batch query did lately, shared between its threads and its
/// watchdog.
struct QueryProgress {
  /// Batches read by the query's sources so far.
  std::atomic<int64_t> batches{0};
  /// Set when the watchdog abandoned the query: its threads stop at the next batch.
  std::atomic<bool> abandoned{false};
};

/// Runs `work` (a batch query) on a thread of its own and waits for it. When for
/// `timeout` its sources read no batch and the process used under 1% of a core,
/// the query cannot make progress (a read that never returns, a deadlock): it is
/// abandoned, its thread left behind, and a clear error returned instead of
/// waiting forever. A zero timeout waits as long as the query runs.
arrow::Result<std::shared_ptr<arrow::Table>> RunWithStallWatchdog(
    std::function<arrow::Result<std::shared_ptr<arrow::Table>>()> work,
    std::shared_ptr<QueryProgress> progress, std::chrono::milliseconds timeout);

}  // namespace weir::planner
