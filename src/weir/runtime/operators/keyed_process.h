#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/key_encoder.h"
#include "weir/runtime/operators/row_view.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

/// Which clock a timer follows.
enum class TimeDomain { kEventTime, kProcessingTime };

/// What a KeyedProcessFunction may use while it handles a row or a timer.
class KeyedContext {
 public:
  virtual ~KeyedContext() = default;
  /// Returns the keyed state of this subtask, set to the current key.
  virtual state::KeyedStateBackend* state() = 0;
  /// Returns the current key's column values.
  virtual arrow::Result<std::vector<std::shared_ptr<arrow::Scalar>>> key() = 0;
  /// Returns the current row's event time (µs), or the firing timer's time.
  virtual std::optional<EventTime> timestamp() const = 0;
  /// Returns the current watermark.
  virtual EventTime current_watermark() const = 0;
  /// Returns processing time in µs since the epoch.
  virtual EventTime current_processing_time() const = 0;
  /// Registers an event-time timer for the current key (fires once the watermark
  /// reaches `time`); registering the same (key, time) twice fires once.
  virtual void RegisterEventTimeTimer(EventTime time) = 0;
  /// Deletes an event-time timer of the current key.
  virtual void DeleteEventTimeTimer(EventTime time) = 0;
  /// Registers a processing-time timer for the current key.
  virtual void RegisterProcessingTimeTimer(EventTime time) = 0;
  /// Deletes a processing-time timer of the current key.
  virtual void DeleteProcessingTimeTimer(EventTime time) = 0;
};

/// A user function over a keyed stream, row at a time, with keyed state and timers
/// (Flink's KeyedProcessFunction). One instance per subtask; called from one thread.
class KeyedProcessFunction {
 public:
  virtual ~KeyedProcessFunction() = default;
  /// Returns the schema of the rows the function collects.
  virtual std::shared_ptr<arrow::Schema> output_schema() const = 0;
  /// Registers state (through context.state()); called once before any row.
  virtual arrow::Status Open(KeyedContext& context) {
    (void)context;
    return arrow::Status::OK();
  }
  /// Handles one row; state and timers address the row's key.
  virtual arrow::Status ProcessElement(const RowView& row, KeyedContext& context,
                                       RowCollector& out) = 0;
  /// Handles a timer of the current key.
  virtual arrow::Status OnTimer(EventTime time, TimeDomain domain, KeyedContext& context,
                                RowCollector& out) {
    (void)time;
    (void)domain;
    (void)context;
    (void)out;
    return arrow::Status::OK();
  }
};

/// Runs a KeyedProcessFunction: sets the current key (and its key group, the same the
/// hash exchange used) for every row, keeps timers per key in time order, fires
/// event-time timers as the watermark passes them (all remaining ones at the end of
/// bounded input) and processing-time timers on the clock.
class KeyedProcessOperator : public Operator {
 public:
  /// Makes the operator; `keys` are the key columns, `time_column` (optional) gives
  /// rows their event time.
  KeyedProcessOperator(std::unique_ptr<KeyedProcessFunction> function,
                       std::vector<std::string> keys, std::string time_column = "");
  ~KeyedProcessOperator() override;

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;
  /// Copies the function's keyed state into `backend` and saves the timers there as
  /// map state "keyed-process-timers" (key → domain and time).
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Loads keyed state and timers from a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

 private:
  class Context;
  arrow::Status FireTimers(TimeDomain domain, EventTime until, Output* out);
  arrow::Status FlushOutput(Output* out);

  std::unique_ptr<KeyedProcessFunction> function_;
  std::vector<std::string> keys_;
  std::string time_column_;
  std::unique_ptr<Context> context_;
};

}  // namespace weir::runtime
