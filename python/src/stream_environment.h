#pragma once

// The job builder Python's StreamExecutionEnvironment drives; a
// StreamTableEnvironment made from it adds its tables' jobs to the same graph.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <arrow/table.h>
#include <nanobind/nanobind.h>

#include "arrow_interop.h"
#include "errors.h"
#include "interrupt.h"
#include "weir/api/stream_execution_environment.h"

namespace weir::python {

/// A job being built, whose runs release the GIL and stop on Ctrl-C.
class PyStreamEnvironment {
 public:
  /// Makes an environment (`parallelism` 0: one per core).
  PyStreamEnvironment(int parallelism, bool batch)
      : env_(api::StreamExecutionEnvironment::Create()),
        cancel_(std::make_shared<std::atomic<bool>>(false)) {
    if (parallelism > 0) env_->SetParallelism(parallelism);
    env_->SetRuntimeMode(batch ? api::RuntimeMode::kBatch : api::RuntimeMode::kStreaming);
    env_->SetCancelFlag(cancel_.get());
  }

  /// Sets the parallelism of operators added from now on.
  void SetParallelism(int parallelism) { env_->SetParallelism(parallelism); }

  /// Checkpoints every `interval_ms` into `dir`.
  void EnableCheckpointing(int64_t interval_ms, const std::string& dir) {
    env_->EnableCheckpointing(std::chrono::milliseconds(interval_ms), dir);
  }

  /// Restarts a failed job from its latest checkpoint up to `attempts` times,
  /// `delay_ms` apart (0 attempts: fail at once).
  void SetRestartStrategy(int attempts, int64_t delay_ms) {
    runtime::RestartStrategy strategy;
    strategy.kind = attempts > 0 ? runtime::RestartStrategy::Kind::kFixedDelay
                                 : runtime::RestartStrategy::Kind::kNone;
    strategy.attempts = attempts;
    strategy.delay = std::chrono::milliseconds(delay_ms);
    env_->SetRestartStrategy(strategy);
  }

  /// A bounded stream of the batches of Arrow data (`__arrow_c_stream__`).
  api::DataStream FromArrow(const nanobind::handle& data, const std::string& name) {
    std::shared_ptr<arrow::Table> table = TableFrom(data);
    arrow::TableBatchReader reader(*table);
    reader.set_chunksize(64 * 1024);
    return env_->FromCollection(Unwrap(reader.ToRecordBatches()), name);
  }

  /// Runs the job to its end (interruptible).
  void Execute(const std::string& job_name) {
    Check(RunInterruptible([&]() { return env_->Execute(job_name).status(); },
                           cancel_.get()));
  }

  /// Runs the job and returns `stream`'s rows as an arrow_array_stream capsule.
  nanobind::object ExecuteAndCollect(const api::DataStream& stream,
                                     const std::string& job_name) {
    std::shared_ptr<arrow::Table> table;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(table, stream.ExecuteAndCollect(job_name));
          return arrow::Status::OK();
        },
        cancel_.get()));
    return StreamCapsule(table);
  }

  /// Cancels the job running now (from another thread: execute_async's client).
  void Cancel() { cancel_->store(true); }

  /// Returns the engine's environment.
  const std::shared_ptr<api::StreamExecutionEnvironment>& env() const { return env_; }

 private:
  std::shared_ptr<api::StreamExecutionEnvironment> env_;
  std::shared_ptr<std::atomic<bool>> cancel_;
};

}  // namespace weir::python
