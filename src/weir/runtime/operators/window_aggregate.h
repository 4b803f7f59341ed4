#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/flat_int_map.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Which windows a row belongs to.
struct WindowSpec {
  /// The window shape.
  enum class Kind { kTumbling, kSliding };
  Kind kind = Kind::kTumbling;
  /// Window length.
  std::chrono::microseconds size{0};
  /// Distance between window starts (sliding only; equals size for tumbling).
  std::chrono::microseconds slide{0};
  /// Shift of window boundaries from the epoch (e.g. time zones).
  std::chrono::microseconds offset{0};

  /// Returns tumbling windows of `size` (Flink's TumblingEventTimeWindows::Of).
  static WindowSpec Tumbling(std::chrono::microseconds size) {
    return {Kind::kTumbling, size, size, std::chrono::microseconds(0)};
  }
  /// Returns sliding windows of `size` every `slide`.
  static WindowSpec Sliding(std::chrono::microseconds size,
                            std::chrono::microseconds slide) {
    return {Kind::kSliding, size, slide, std::chrono::microseconds(0)};
  }
};

/// One aggregate of a window: a function over a column, and its output name.
struct AggregateSpec {
  /// The aggregate function.
  enum class Kind { kCount, kSum, kMin, kMax, kAvg };
  Kind kind = Kind::kCount;
  /// Input column; empty for COUNT(*).
  std::string column;
  /// Output column name.
  std::string name;
};

/// Everything a keyed event-time window aggregation needs.
struct WindowAggregateOptions {
  /// Key columns (empty: one global group per window).
  std::vector<std::string> keys;
  /// Event-time column (timestamp, or int64 epoch milliseconds).
  std::string time_column;
  WindowSpec window;
  std::vector<AggregateSpec> aggregates;
  /// How long after a window fired late rows still update it (re-emitting the window).
  std::chrono::microseconds allowed_lateness{0};
};

/// Keyed tumbling/sliding event-time window aggregation (Flink's
/// `key_by(...).window(...).aggregate(...)`), vectorised per batch.
///
/// Each row's windows are computed from its event time; the row updates the
/// accumulators of its (window, key) group, found in a hash map keyed by the
/// KeyEncoder's bytes. When the watermark reaches a window's last microsecond
/// (end - 1) the window fires: one output row per key with the key columns,
/// `window_start`, `window_end` (timestamp[us]) and the aggregates. Windows are kept
/// `allowed_lateness` longer; a late row within it updates the window and re-emits
/// it; later rows are dropped and counted in `late_rows_dropped()`.
///
/// Aggregate types: COUNT → int64; SUM of integers → int64, of floats → double;
/// MIN/MAX keep int64 or double; AVG → double. Nulls are ignored (COUNT(col) counts
/// non-null values; COUNT(*) counts rows).
class WindowAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit WindowAggregateOperator(WindowAggregateOptions options);

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;

  /// Returns how many rows arrived after their window's allowed lateness.
  int64_t late_rows_dropped() const { return late_rows_dropped_; }

 private:
  struct Accumulator {
    int64_t count = 0;
    int64_t isum = 0;
    double dsum = 0;
    int64_t imin = INT64_MAX, imax = INT64_MIN;
    double dmin = 0, dmax = 0;
  };
  struct BytesHash {
    size_t operator()(std::string_view s) const;
  };
  struct Window {
    std::deque<std::string> key_storage;  // encoded keys; stable addresses
    std::unordered_map<std::string_view, uint32_t, BytesHash> group_of;
    FlatInt64Map int_group_of;              // single integer keys
    std::vector<const std::string*> keys;   // group id → encoded key
    std::vector<Accumulator> accumulators;  // group id * num_aggregates + aggregate
    bool fired = false;
    bool dirty = false;  // updated by late rows after firing
  };

  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  uint32_t GroupFor(Window* w, const std::vector<const arrow::Array*>& key_columns,
                    const int64_t* int_keys, int64_t row);
  arrow::Status Emit(const std::vector<std::pair<EventTime, Window*>>& windows,
                     Output* out);

  WindowAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> schema_;
  std::optional<KeyEncoder> encoder_;
  int time_index_ = -1;
  std::vector<int> agg_index_;      // input column per aggregate (-1: COUNT(*))
  std::vector<bool> agg_floating_;  // input column is floating point
  std::shared_ptr<arrow::Schema> output_schema_;
  std::map<EventTime, Window> windows_;  // by window start
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_dropped_ = 0;
  std::string key_scratch_;
  bool int_key_ = false;  // single integer key column: the int64 fast path
};

}  // namespace weir::runtime
