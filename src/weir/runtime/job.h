#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arrow/result.h>

#include "weir/runtime/channel.h"
#include "weir/runtime/checkpoint/coordinator.h"
#include "weir/runtime/checkpoint/options.h"
#include "weir/runtime/job_graph.h"
#include "weir/runtime/metrics.h"

namespace weir::runtime {

class JobState;
class Task;
class TaskScheduler;

/// How a job runs.
struct RuntimeOptions {
  /// Worker threads; 0 means one per hardware thread.
  int threads = 0;
  /// Capacity of every channel between tasks.
  ChannelCapacity channel_capacity;
  /// Number of key groups (max parallelism of keyed operators).
  int max_parallelism = 128;
  /// Elements a task handles before yielding its thread.
  int quantum = 16;
  /// Fuse forward-connected operators into one task.
  bool chaining = true;
  /// Checkpoints, restore and their storage.
  CheckpointingOptions checkpointing;
  /// What happens when a task fails.
  RestartStrategy restart;
};

/// Where a job is.
enum class JobStatus { kRunning, kFinished, kFailed, kCancelled };

/// Returns the status name: RUNNING, FINISHED, FAILED, CANCELED (Flink's names).
const char* JobStatusName(JobStatus status);

/// What a finished job reports.
struct JobResult {
  std::string job_name;
  /// Wall time from start to the last task finishing.
  std::chrono::microseconds duration{0};
  /// Counters per operator subtask.
  std::vector<OperatorMetricsSnapshot> subtask_metrics;
  /// Returns the counters of operator `name` summed over its subtasks (all zero with
  /// an empty name when there is no such operator).
  OperatorMetricsSnapshot Totals(const std::string& name) const;
};

/// A handle on a running job: status, metrics, checkpoints, cancellation, stop with
/// savepoint, and waiting. Thread-safe. Destroying it cancels the job if it still
/// runs and waits for it.
///
/// A job runs as one or more attempts: when a task fails and the restart strategy
/// allows, the attempt is torn down and a new one starts from the latest completed
/// checkpoint.
class JobClient {
 public:
  ~JobClient();

  /// Returns the job's current status.
  JobStatus status() const;

  /// Stops the job: tasks stop at their next step (well under a second). Wait()
  /// then returns a Cancelled status.
  void Cancel();

  /// Takes a savepoint into `dir` (`savepoint-<id>/`), lets transactional sinks
  /// commit what it covers, and ends the job (status FINISHED). Returns the
  /// savepoint folder, from which the job can be started again.
  arrow::Result<std::string> StopWithSavepoint(
      const std::string& dir,
      std::chrono::milliseconds timeout = std::chrono::minutes(10));

  /// Blocks until the job ends. Returns its result, or the failure (which names the
  /// operator and subtask), or Cancelled.
  arrow::Result<JobResult> Wait();

  /// Waits at most `timeout`; returns whether the job ended.
  bool WaitFor(std::chrono::milliseconds timeout);

  /// Returns the counters of every operator subtask of the current attempt now.
  std::vector<OperatorMetricsSnapshot> Metrics() const;

  /// Returns the figures of every checkpoint of this run, oldest first.
  std::vector<CheckpointStats> Checkpoints() const;

  /// Returns how many times the job was restarted after a failure.
  int restarts() const;

  /// Returns the checkpoint folder the job started from, or empty.
  std::string restored_from() const;

  /// Returns the job graph as planned, with chains marked (for EXPLAIN and logs).
  const std::string& plan() const { return plan_; }

 private:
  struct Attempt;
  friend arrow::Result<std::shared_ptr<JobClient>> ExecuteAsync(const JobGraph&,
                                                                const RuntimeOptions&,
                                                                std::string);
  JobClient();
  void Supervise();
  void Join();
  arrow::Result<std::unique_ptr<Attempt>> StartAttempt(
      const std::optional<std::string>& restore);

  std::string name_;
  std::string plan_;
  JobGraph graph_;
  RuntimeOptions options_;
  std::unique_ptr<CheckpointHistory> history_;
  std::string restored_from_;
  std::chrono::steady_clock::time_point start_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<Attempt> attempt_;  // the current one
  bool cancelled_ = false;
  bool done_ = false;
  arrow::Status failure_;
  bool attempt_cancelled_ = false;
  int restarts_ = 0;
  std::chrono::microseconds duration_{0};
  std::vector<OperatorMetricsSnapshot> final_metrics_;

  std::mutex join_mu_;
  std::thread supervisor_;
};

/// Starts `graph` and returns a client for it. Fails before starting on an invalid
/// graph or when an operator or source factory fails.
arrow::Result<std::shared_ptr<JobClient>> ExecuteAsync(const JobGraph& graph,
                                                       const RuntimeOptions& options,
                                                       std::string name);

/// Runs `graph` to completion (bounded sources) and returns its result.
arrow::Result<JobResult> Execute(const JobGraph& graph, const RuntimeOptions& options,
                                 std::string name);

}  // namespace weir::runtime
