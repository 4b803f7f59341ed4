#pragma once

#include <chrono>
#include <string>

#include "weir/runtime/operator.h"

namespace weir::runtime {

/// How a stream's event time and watermarks are derived (Flink's WatermarkStrategy).
///
/// Event time comes from a timestamp column: Arrow timestamp of any unit, or int64
/// taken as epoch milliseconds (Flink's convention for BIGINT rowtimes). The watermark
/// is `max event time seen - out_of_orderness - 1µs`, emitted at most every
/// `emit_interval` of processing time (0: after every batch).
struct WatermarkStrategy {
  /// Column holding the event time; empty means the stream has no event time.
  std::string timestamp_column;
  /// How late an event may be relative to the latest seen.
  std::chrono::microseconds out_of_orderness{0};
  /// A subtask that sees no data for this long is marked idle (0: never).
  std::chrono::microseconds idleness{0};
  /// Periodic emission interval (Flink's pipeline.auto-watermark-interval).
  std::chrono::microseconds emit_interval{std::chrono::milliseconds(200)};
  /// Flink SQL's watermark (`WATERMARK FOR ts AS ts - INTERVAL …`): the expression's
  /// value at millisecond precision, so CURRENT_WATERMARK shows Flink's value and
  /// windows fire and drop late rows at Flink's boundaries. Otherwise the DataStream
  /// convention: the largest timestamp minus the delay minus one microsecond.
  bool sql_milliseconds = false;

  /// Returns the watermark after events up to `max_timestamp` (microseconds).
  EventTime WatermarkFor(EventTime max_timestamp) const {
    const EventTime bound = max_timestamp - out_of_orderness.count();
    if (!sql_milliseconds) return bound - 1;
    // Every microsecond of the bound's millisecond is covered: a window ending at
    // the next millisecond fires (its end - 1 ms <= the watermark, in Flink's terms).
    const EventTime millis = bound / 1000 - (bound % 1000 < 0 ? 1 : 0);
    return millis * 1000 + 999;
  }

  /// Returns a strategy for events at most `max_delay` out of order.
  static WatermarkStrategy ForBoundedOutOfOrderness(std::chrono::microseconds max_delay) {
    WatermarkStrategy s;
    s.out_of_orderness = max_delay;
    return s;
  }
  /// Returns a strategy for ascending timestamps.
  static WatermarkStrategy ForMonotonousTimestamps() { return WatermarkStrategy{}; }
  /// Returns a strategy without event time (processing-time jobs).
  static WatermarkStrategy NoWatermarks() { return WatermarkStrategy{}; }

  /// Returns a copy reading event time from `column`.
  WatermarkStrategy WithTimestampColumn(std::string column) const {
    WatermarkStrategy s = *this;
    s.timestamp_column = std::move(column);
    return s;
  }
  /// Returns a copy that marks a subtask idle after `timeout` without data.
  WatermarkStrategy WithIdleness(std::chrono::microseconds timeout) const {
    WatermarkStrategy s = *this;
    s.idleness = timeout;
    return s;
  }
  /// Returns a copy with Flink SQL's millisecond watermarks (`sql_milliseconds`).
  WatermarkStrategy WithSqlMilliseconds() const {
    WatermarkStrategy s = *this;
    s.sql_milliseconds = true;
    return s;
  }
  /// Returns a copy emitting watermarks every `interval` (0: after every batch).
  WatermarkStrategy WithEmitInterval(std::chrono::microseconds interval) const {
    WatermarkStrategy s = *this;
    s.emit_interval = interval;
    return s;
  }
};

/// Reads event times from each batch and emits watermarks per a WatermarkStrategy.
/// Chained right after a source. Upstream watermarks are dropped, except the final
/// one at the end of bounded input.
class WatermarkAssigner : public Operator {
 public:
  /// Makes an assigner for `strategy` (which must name a timestamp column).
  explicit WatermarkAssigner(WatermarkStrategy strategy)
      : strategy_(std::move(strategy)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;

 private:
  arrow::Status MaybeEmit(EventTime now, Output* out);
  void ScheduleCallback(EventTime now);

  WatermarkStrategy strategy_;
  OperatorContext* context_ = nullptr;
  EventTime max_timestamp_ = kMinWatermark;
  EventTime emitted_ = kMinWatermark;
  EventTime last_emit_time_ = 0;
  EventTime last_data_time_ = 0;
  bool idle_ = false;
};

/// Emits processing time as watermarks, for streams whose time attribute is
/// PROCTIME() (Flink's processing-time windows, OVER and deduplication): after every
/// batch and every `interval` without one. The watermark is the current millisecond
/// minus 1 µs, so rows whose PROCTIME() is read later (in milliseconds) are never
/// behind it. Upstream watermarks are dropped, except the final one.
class ProcessingTimeWatermarks : public Operator {
 public:
  /// Makes the operator; `interval` paces the watermarks between batches.
  explicit ProcessingTimeWatermarks(
      std::chrono::microseconds interval = std::chrono::milliseconds(200))
      : interval_(interval) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;

 private:
  arrow::Status EmitNow(EventTime now, Output* out);

  std::chrono::microseconds interval_;
  OperatorContext* context_ = nullptr;
  EventTime emitted_ = kMinWatermark;
};

/// Returns the event times of `column` in microseconds: Arrow timestamps of any unit,
/// or int64 epoch milliseconds. Nulls come back as kMinWatermark.
arrow::Result<std::vector<EventTime>> EventTimesMicros(const arrow::Array& column,
                                                       const std::string& name);

}  // namespace weir::runtime
