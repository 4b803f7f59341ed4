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
#include "weir/runtime/operators/aggregate_set.h"
#include "weir/runtime/operators/flat_int_map.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Which windows a row belongs to.
struct WindowSpec {
  /// The window shape.
  enum class Kind { kTumbling, kSliding, kSession, kGlobal };
  Kind kind = Kind::kTumbling;
  /// Window length (tumbling, sliding); the inactivity gap (session).
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
  /// Returns one window per key over the whole stream (Flink's GlobalWindows): it
  /// fires at the end of bounded input, or every `count` rows per key with
  /// WindowAggregateOptions::count_trigger (Flink's countWindow).
  static WindowSpec Global() {
    return {Kind::kGlobal, std::chrono::microseconds(0), std::chrono::microseconds(0),
            std::chrono::microseconds(0)};
  }
  /// Returns session windows that close after `gap` without events for a key
  /// (Flink's EventTimeSessionWindows::WithGap).
  static WindowSpec Session(std::chrono::microseconds gap) {
    return {Kind::kSession, gap, gap, std::chrono::microseconds(0)};
  }
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
  /// When set, rows too late for every window they belong to go to this side output
  /// (Flink's sideOutputLateData) instead of being dropped silently.
  std::string late_data_tag;
  /// Assign rows to windows by arrival (processing) time instead of the time column,
  /// and fire on the clock (Flink's TumblingProcessingTimeWindows); tumbling and
  /// sliding only. Remaining windows fire at the end of bounded input.
  bool processing_time = false;
  /// Global windows: fire and purge a key's window every this many rows (0: only at
  /// the end of input).
  int64_t count_trigger = 0;
};

/// Makes the operator for `options`: WindowAggregateOperator for tumbling and sliding
/// windows, SessionWindowOperator for sessions, GlobalWindowOperator for global ones.
std::unique_ptr<Operator> MakeWindowOperator(const WindowAggregateOptions& options);

/// Keyed tumbling/sliding event-time window aggregation (Flink's
/// `key_by(...).window(...).aggregate(...)`), vectorised per batch.
///
/// Each row's windows are computed from its event time; the row updates the
/// accumulators of its (window, key) group, found in a hash map keyed by the
/// KeyEncoder's bytes (or the integer itself for one integer key). When the watermark
/// reaches a window's last microsecond (end - 1) the window fires: one output row per
/// key with the key columns, `window_start`, `window_end` (timestamp[us]) and the
/// aggregates; windows fired together leave as one batch. Windows are kept
/// `allowed_lateness` longer; a late row within it updates the window and re-emits it;
/// later rows go to the late-data side output (or are dropped) and are counted.
class WindowAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit WindowAggregateOperator(WindowAggregateOptions options);

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;
  /// Saves every open window's groups as map state "window-aggregate" (key → window
  /// start → accumulators), under each key's key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Rebuilds the open windows from a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns how many rows arrived after every window they belong to had expired.
  int64_t late_rows() const { return late_rows_; }

 private:
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
  arrow::Status FireUntil(EventTime time, Output* out);

  WindowAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> schema_;
  std::optional<KeyEncoder> encoder_;
  std::optional<AggregateSet> aggregates_;
  int time_index_ = -1;
  std::shared_ptr<arrow::Schema> output_schema_;
  std::map<EventTime, Window> windows_;  // by window start
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
  std::string key_scratch_;
  bool int_key_ = false;  // single integer key column: the int64 fast path
};

/// Global windows: one accumulator set per key for the whole stream. Fires at the
/// end of bounded input, or — with a count trigger — whenever a key has collected that
/// many rows, then starts the key afresh (Flink's countWindow(n)). Output: the key
/// columns and the aggregates (a global window has no bounds).
class GlobalWindowOperator : public Operator {
 public:
  /// Makes the operator (options.window.kind must be kGlobal).
  explicit GlobalWindowOperator(WindowAggregateOptions options)
      : options_(std::move(options)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every key's rows and accumulators as value state "global-window".
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the keys of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

 private:
  OperatorContext* context_ = nullptr;
  struct Group {
    std::vector<Accumulator> accumulators;
    int64_t rows = 0;
  };
  arrow::Status EmitGroups(
      const std::vector<std::pair<const std::string*, Group*>>& groups, Output* out);

  WindowAggregateOptions options_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::Schema> output_schema_;
  std::optional<KeyEncoder> encoder_;
  std::optional<AggregateSet> aggregates_;
  std::unordered_map<std::string, Group> groups_;
};

/// Keyed event-time session windows: a key's events closer than the gap form one
/// session [first event, last event + gap); sessions merge when an event bridges them.
/// A session fires when the watermark passes its end; output as for
/// WindowAggregateOperator, with window_start/window_end the session bounds.
class SessionWindowOperator : public Operator {
 public:
  /// Makes the operator (options.window.kind must be kSession).
  explicit SessionWindowOperator(WindowAggregateOptions options);

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every open session as map state "session-window" (key → start → end and
  /// accumulators).
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the open sessions of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

 private:
  OperatorContext* context_ = nullptr;
  struct Session {
    EventTime start;
    EventTime end;  // exclusive: last event + gap
    std::vector<Accumulator> accumulators;
  };

  WindowAggregateOptions options_;
  std::shared_ptr<arrow::Schema> schema_;
  std::optional<KeyEncoder> encoder_;
  std::optional<AggregateSet> aggregates_;
  std::shared_ptr<arrow::Schema> output_schema_;
  // Open sessions per encoded key, by start.
  std::unordered_map<std::string, std::map<EventTime, Session>> sessions_;
  // Session ends in time order, to fire without scanning every key: (end, key).
  std::multimap<EventTime, std::string> by_end_;
  EventTime watermark_ = kMinWatermark;
  std::string key_scratch_;
};

}  // namespace weir::runtime
