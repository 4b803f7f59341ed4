#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/runtime/channel.h"
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

/// A handle on a running job: status, metrics, cancellation, and waiting.
/// Thread-safe. Destroying it cancels the job if it still runs and waits for it.
class JobClient {
 public:
  ~JobClient();

  /// Returns the job's current status.
  JobStatus status() const;

  /// Stops the job: tasks stop at their next step (well under a second). Wait()
  /// then returns a Cancelled status.
  void Cancel();

  /// Blocks until the job ends. Returns its result, or the failure (which names the
  /// operator and subtask), or Cancelled.
  arrow::Result<JobResult> Wait();

  /// Waits at most `timeout`; returns whether the job ended.
  bool WaitFor(std::chrono::milliseconds timeout);

  /// Returns the counters of every operator subtask now.
  std::vector<OperatorMetricsSnapshot> Metrics() const;

  /// Returns the job graph as planned, with chains marked (for EXPLAIN and logs).
  const std::string& plan() const { return plan_; }

 private:
  friend arrow::Result<std::shared_ptr<JobClient>> ExecuteAsync(const JobGraph&,
                                                                const RuntimeOptions&,
                                                                std::string);
  JobClient() = default;
  void Join();

  std::string name_;
  std::string plan_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::microseconds duration_{0};
  // Destroyed in reverse order: the scheduler (which joins its threads) goes first,
  // then the tasks it ran, then what they referenced.
  std::deque<OperatorMetrics> metrics_;
  std::deque<std::atomic<int64_t>> task_counters_;
  std::vector<std::unique_ptr<InputGate>> gates_;
  std::unique_ptr<JobState> state_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::unique_ptr<TaskScheduler> scheduler_;
  mutable std::mutex join_mu_;
  bool joined_ = false;
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
