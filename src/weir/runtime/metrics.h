#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "weir/runtime/stream_element.h"

namespace weir::runtime {

/// A consistent-enough copy of one operator subtask's counters.
struct OperatorMetricsSnapshot {
  /// Operator (vertex) name.
  std::string name;
  /// Subtask index.
  int subtask = 0;
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t batches_in = 0;
  int64_t batches_out = 0;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  /// Time the task running this operator spent running (whole chain).
  int64_t busy_micros = 0;
  /// Time the task spent waiting for room in a full output channel (whole chain).
  int64_t backpressured_micros = 0;
  /// Watermark last delivered to the operator (kMinWatermark before any).
  EventTime watermark = kMinWatermark;
};

/// Live counters of one operator subtask; written by its task, read by anyone.
struct OperatorMetrics {
  std::string name;
  int subtask = 0;
  std::atomic<int64_t> records_in{0};
  std::atomic<int64_t> records_out{0};
  std::atomic<int64_t> batches_in{0};
  std::atomic<int64_t> batches_out{0};
  std::atomic<int64_t> bytes_in{0};
  std::atomic<int64_t> bytes_out{0};
  std::atomic<int64_t> watermark{kMinWatermark};
  /// Shared by every operator of a chain (they run in one task).
  std::atomic<int64_t>* busy_micros = nullptr;
  std::atomic<int64_t>* backpressured_micros = nullptr;

  /// Returns a copy of the counters.
  OperatorMetricsSnapshot Snapshot() const {
    OperatorMetricsSnapshot s;
    s.name = name;
    s.subtask = subtask;
    s.records_in = records_in.load(std::memory_order_relaxed);
    s.records_out = records_out.load(std::memory_order_relaxed);
    s.batches_in = batches_in.load(std::memory_order_relaxed);
    s.batches_out = batches_out.load(std::memory_order_relaxed);
    s.bytes_in = bytes_in.load(std::memory_order_relaxed);
    s.bytes_out = bytes_out.load(std::memory_order_relaxed);
    s.watermark = watermark.load(std::memory_order_relaxed);
    if (busy_micros) s.busy_micros = busy_micros->load(std::memory_order_relaxed);
    if (backpressured_micros)
      s.backpressured_micros = backpressured_micros->load(std::memory_order_relaxed);
    return s;
  }
};

/// Sums the subtasks of each operator into one snapshot per operator name (subtask
/// -1), in first-seen order.
std::vector<OperatorMetricsSnapshot> SumBySubtask(
    const std::vector<OperatorMetricsSnapshot>& per_subtask);

}  // namespace weir::runtime
