#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/table.h>

#include "weir/runtime/job.h"
#include "weir/runtime/operators/keyed_process.h"
#include "weir/runtime/operators/project_operator.h"
#include "weir/runtime/operators/row_function_operator.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/runtime/operators/window_aggregate.h"

namespace weir::api {

class StreamExecutionEnvironment;

/// A window shape and its time domain, as Flink's window assigners describe it.
struct WindowAssigner {
  runtime::WindowSpec spec;
  bool processing_time = false;
};

/// Flink's TumblingEventTimeWindows.
struct TumblingEventTimeWindows {
  /// Returns tumbling event-time windows of `size`.
  static WindowAssigner Of(std::chrono::microseconds size) {
    return {runtime::WindowSpec::Tumbling(size), false};
  }
};
/// Flink's SlidingEventTimeWindows.
struct SlidingEventTimeWindows {
  /// Returns sliding event-time windows of `size` every `slide`.
  static WindowAssigner Of(std::chrono::microseconds size,
                           std::chrono::microseconds slide) {
    return {runtime::WindowSpec::Sliding(size, slide), false};
  }
};
/// Flink's EventTimeSessionWindows.
struct EventTimeSessionWindows {
  /// Returns event-time session windows closing after `gap` without events.
  static WindowAssigner WithGap(std::chrono::microseconds gap) {
    return {runtime::WindowSpec::Session(gap), false};
  }
};
/// Flink's TumblingProcessingTimeWindows.
struct TumblingProcessingTimeWindows {
  /// Returns tumbling processing-time windows of `size`.
  static WindowAssigner Of(std::chrono::microseconds size) {
    return {runtime::WindowSpec::Tumbling(size), true};
  }
};
/// Flink's SlidingProcessingTimeWindows.
struct SlidingProcessingTimeWindows {
  /// Returns sliding processing-time windows of `size` every `slide`.
  static WindowAssigner Of(std::chrono::microseconds size,
                           std::chrono::microseconds slide) {
    return {runtime::WindowSpec::Sliding(size, slide), true};
  }
};
/// Flink's GlobalWindows (fire at the end of bounded input).
struct GlobalWindows {
  /// Returns the global window assigner.
  static WindowAssigner Create() { return {runtime::WindowSpec::Global(), false}; }
};
class KeyedStream;

/// A stream of Arrow record batches in a job being built (Flink's DataStream).
///
/// Operations append operators to the environment's job graph and return the new
/// stream; nothing runs until the environment executes. Errors in building (an
/// invalid option, an unknown column found at planning time) are kept and reported
/// by Execute(), so a pipeline reads as one expression.
class DataStream {
 public:
  /// Keeps the rows where `predicate` is true (vectorised).
  DataStream Filter(arrow::compute::Expression predicate,
                    std::string name = "Filter") const;
  /// Computes new columns (the vectorised Map/Project).
  DataStream Select(std::vector<runtime::NamedExpression> columns,
                    std::string name = "Select") const;
  /// Appends a custom operator.
  DataStream Process(runtime::OperatorFactory op, std::string name) const;
  /// Runs a row-at-a-time function collecting rows of `output_schema` (Map when it
  /// collects one row per input row, FlatMap when any number).
  DataStream MapRows(std::shared_ptr<arrow::Schema> output_schema,
                     runtime::RowFunction function, std::string name = "Map") const;
  /// Flink's map: one output row per input row, by a row function.
  DataStream Map(std::shared_ptr<arrow::Schema> output_schema,
                 runtime::RowFunction function, std::string name = "Map") const {
    return MapRows(std::move(output_schema), std::move(function), std::move(name));
  }
  /// Flink's flatMap: any number of output rows per input row.
  DataStream FlatMap(std::shared_ptr<arrow::Schema> output_schema,
                     runtime::RowFunction function, std::string name = "FlatMap") const {
    return MapRows(std::move(output_schema), std::move(function), std::move(name));
  }
  /// Keeps the rows a row-at-a-time predicate accepts.
  DataStream FilterRows(runtime::RowPredicate predicate,
                        std::string name = "Filter") const;
  /// Connects this stream (input 0) with `other` (input 1) for a two-input operator
  /// (Flink's connect + CoProcessFunction): the operator's ProcessBatch sees which
  /// input each batch came from; watermarks are the minimum of both.
  DataStream Connect(const DataStream& other, runtime::OperatorFactory op,
                     std::string name = "CoProcess") const;
  /// Assigns event time and watermarks from a column (usually done in FromSource).
  DataStream AssignTimestampsAndWatermarks(runtime::WatermarkStrategy strategy) const;
  /// Partitions by the hash of key columns.
  KeyedStream KeyBy(std::vector<std::string> keys) const;
  /// Spreads batches round-robin over the next operator's subtasks.
  DataStream Rebalance() const;
  /// Sends every batch to every subtask of the next operator.
  DataStream Broadcast() const;
  /// Merges this stream with others of the same schema.
  DataStream Union(const std::vector<DataStream>& others) const;
  /// Sets the parallelism of the operator that produces this stream.
  DataStream SetParallelism(int parallelism) const;
  /// Ends the stream in a sink; returns the sink's stream (for SetParallelism).
  DataStream SinkTo(runtime::OperatorFactory sink, std::string name = "Sink") const;
  /// Prints every row to stdout as Flink's print() does (`identifier> +I[…]`).
  DataStream Print(std::string identifier = "") const;
  /// Collects the stream, runs the job and returns everything it produced
  /// (Flink's executeAndCollect; for bounded jobs and small results).
  arrow::Result<std::shared_ptr<arrow::Table>> ExecuteAndCollect(
      std::string job_name = "collect") const;

  /// Returns the side output `tag` of the operator producing this stream (e.g. the
  /// late data of a window) as a stream of its own.
  DataStream GetSideOutput(const std::string& tag) const;

  /// Returns the id of the vertex producing this stream.
  int vertex() const { return vertex_; }

 private:
  friend class StreamExecutionEnvironment;
  friend class KeyedStream;
  friend class WindowedStream;
  DataStream(std::shared_ptr<StreamExecutionEnvironment> env, int vertex,
             runtime::Partitioning next = runtime::Partitioning::Forward(),
             std::string side_tag = "")
      : env_(std::move(env)),
        vertex_(vertex),
        next_(std::move(next)),
        side_tag_(std::move(side_tag)) {}
  DataStream Append(runtime::OperatorFactory op, std::string name, int parallelism) const;

  std::shared_ptr<StreamExecutionEnvironment> env_;
  int vertex_;
  runtime::Partitioning next_;  // how the next operator is connected
  std::string side_tag_;        // which output of vertex_ this stream is (empty: main)
};

class WindowedStream;

/// A stream partitioned by key (Flink's KeyedStream).
class KeyedStream {
 public:
  /// Groups the stream into event-time windows over `time_column`.
  WindowedStream Window(runtime::WindowSpec window, std::string time_column) const;
  /// Groups the stream into windows: event-time ones over the column named by the
  /// stream's watermark strategy, processing-time ones by arrival
  /// (e.g. `Window(TumblingEventTimeWindows::Of(1min))`).
  WindowedStream Window(const struct WindowAssigner& assigner) const;
  /// Groups the stream into processing-time (arrival time) tumbling or sliding windows.
  WindowedStream ProcessingTimeWindow(runtime::WindowSpec window) const;
  /// Groups every `count` rows of a key into a window (Flink's countWindow).
  WindowedStream CountWindow(int64_t count) const;
  /// Appends a keyed operator (receives whole key groups).
  DataStream Process(runtime::OperatorFactory op, std::string name) const;
  /// Runs a KeyedProcessFunction (state and timers per key); `make` creates one
  /// instance per subtask, `time_column` (optional) gives rows their event time.
  DataStream Process(std::function<std::unique_ptr<runtime::KeyedProcessFunction>()> make,
                     std::string name, std::string time_column = "") const;
  /// Aggregates per key over everything seen so far (Flink's rolling sum/min/max/
  /// aggregate); emits the updated rows of the keys each batch touched.
  DataStream Aggregate(std::vector<runtime::AggregateSpec> aggregates,
                       std::string name = "Aggregate") const;
  /// Returns the key columns.
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  friend class DataStream;
  KeyedStream(DataStream input, std::vector<std::string> keys)
      : input_(std::move(input)), keys_(std::move(keys)) {}
  DataStream input_;
  std::vector<std::string> keys_;
};

/// A keyed stream grouped into windows (Flink's WindowedStream).
class WindowedStream {
 public:
  /// Keeps windows this long after they fire; late rows update and re-emit them.
  WindowedStream AllowedLateness(std::chrono::microseconds lateness) const;
  /// Sends rows too late for their windows to side output `tag` (read it with
  /// GetSideOutput on the aggregated stream) instead of dropping them.
  WindowedStream SideOutputLateData(std::string tag) const;
  /// Aggregates every (key, window) into one row:
  /// keys…, window_start, window_end, aggregates….
  DataStream Aggregate(std::vector<runtime::AggregateSpec> aggregates,
                       std::string name = "Window") const;

 private:
  friend class KeyedStream;
  WindowedStream(DataStream input, runtime::WindowAggregateOptions options)
      : input_(std::move(input)), options_(std::move(options)) {}
  DataStream input_;
  runtime::WindowAggregateOptions options_;
};

}  // namespace weir::api
