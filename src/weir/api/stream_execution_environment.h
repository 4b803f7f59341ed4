#pragma once

#include <atomic>

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "weir/api/data_stream.h"
#include "weir/runtime/job.h"
#include "weir/runtime/job_graph.h"
#include "weir/runtime/operators/watermark_strategy.h"

namespace weir::api {

/// How a job treats time (Flink's execution.runtime-mode).
enum class RuntimeMode {
  /// Watermarks advance as data arrives; windows fire as soon as they are complete.
  kStreaming,
  /// Every source is bounded; event-time operators see only the final watermark, so
  /// no row is ever late and results are complete.
  kBatch,
};

/// Where a job is built and run (Flink's StreamExecutionEnvironment).
///
/// Not thread-safe while building; Execute may be called from any thread.
class StreamExecutionEnvironment
    : public std::enable_shared_from_this<StreamExecutionEnvironment> {
 public:
  /// Makes an environment with the machine's core count as default parallelism.
  static std::shared_ptr<StreamExecutionEnvironment> Create();

  /// Sets the default parallelism of operators added from now on.
  StreamExecutionEnvironment& SetParallelism(int parallelism);
  /// Returns the default parallelism.
  int parallelism() const { return parallelism_; }
  /// Sets streaming or batch execution.
  StreamExecutionEnvironment& SetRuntimeMode(RuntimeMode mode);
  /// Returns the runtime mode.
  RuntimeMode runtime_mode() const { return mode_; }
  /// Sets the number of key groups (the most subtasks keyed state can be rescaled to).
  StreamExecutionEnvironment& SetMaxParallelism(int max_parallelism);
  /// Returns the runtime options (threads, channel capacity, …) to adjust.
  runtime::RuntimeOptions& runtime_options() { return options_; }
  /// Takes a checkpoint every `interval` into `dir` (Flink's enableCheckpointing
  /// plus state.checkpoints.dir); a job started again with the same directory
  /// restores its newest completed checkpoint.
  StreamExecutionEnvironment& EnableCheckpointing(std::chrono::milliseconds interval,
                                                  std::string dir);
  /// Returns the checkpoint settings to adjust (timeout, pause, retention, restore).
  runtime::CheckpointingOptions& checkpoint_config() { return options_.checkpointing; }
  /// Sets what happens when a task fails (Flink's setRestartStrategy).
  StreamExecutionEnvironment& SetRestartStrategy(runtime::RestartStrategy strategy);

  /// Adds a source; when `watermarks` names a timestamp column, event time and
  /// watermarks are assigned right after it.
  DataStream FromSource(runtime::SourceFactory source,
                        const runtime::WatermarkStrategy& watermarks, std::string name);
  /// Adds a source over fixed batches.
  DataStream FromCollection(std::vector<std::shared_ptr<arrow::RecordBatch>> batches,
                            std::string name = "Collection");

  /// Makes Execute (and DataStream::ExecuteAndCollect) cancel the job soon after
  /// `*flag` becomes true; the Python binding sets it on Ctrl-C. Null disables.
  void SetCancelFlag(const std::atomic<bool>* flag) { cancel_ = flag; }

  /// Runs the job to the end and returns its result.
  arrow::Result<runtime::JobResult> Execute(std::string job_name = "weir job");
  /// Starts the job and returns a client to watch or cancel it.
  arrow::Result<std::shared_ptr<runtime::JobClient>> ExecuteAsync(
      std::string job_name = "weir job");

  /// Returns the job graph built so far.
  const runtime::JobGraph& graph() const { return graph_; }
  /// Returns the job graph for the planner to add a translated query to
  /// (planner::TranslateToStream); StreamOf then continues from its output.
  runtime::JobGraph* mutable_graph() { return &graph_; }
  /// Returns the stream a vertex of the graph produces.
  DataStream StreamOf(int vertex);

 private:
  friend class DataStream;
  friend class KeyedStream;
  friend class WindowedStream;
  StreamExecutionEnvironment();
  void Record(const arrow::Status& status);

  runtime::JobGraph graph_;
  runtime::RuntimeOptions options_;
  int parallelism_;
  RuntimeMode mode_ = RuntimeMode::kStreaming;
  arrow::Status build_error_;
  std::string event_time_column_;  // from the last watermark strategy
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace weir::api
