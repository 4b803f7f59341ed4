#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <arrow/status.h>

#include "weir/runtime/channel.h"

namespace weir::runtime {

/// What the tasks of one running job share: cancellation, the first failure, and
/// the count of tasks still running. Thread-safe.
class JobState {
 public:
  /// Makes the state of a job with `num_tasks` tasks whose inputs are `gates`.
  JobState(int num_tasks, std::vector<InputGate*> gates)
      : remaining_(num_tasks), gates_(std::move(gates)) {}

  /// Adds a task to wake when the job stops (so a task parked on a timer notices at
  /// once). Call before the job starts.
  void AddTask(Waker* task) { tasks_.push_back(task); }

  /// Returns whether the job was cancelled or failed: tasks stop at their next step.
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  /// Records `status` as the job's failure (the first one wins) and stops the job.
  void Fail(const arrow::Status& status);

  /// Stops the job without a failure.
  void Cancel();

  /// Marks one task finished; wakes waiters when it was the last.
  void TaskDone();

  /// Blocks until every task finished.
  void WaitAllDone();

  /// Waits at most `timeout`; returns whether every task finished.
  bool WaitAllDoneFor(std::chrono::milliseconds timeout);

  /// Returns whether every task finished.
  bool all_done() const;

  /// Returns the failure, or OK.
  arrow::Status failure() const;

  /// Returns whether Cancel() was called (before any failure).
  bool cancelled() const;

 private:
  void Stop();

  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  int remaining_;
  arrow::Status failure_;
  bool cancelled_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<InputGate*> gates_;
  std::vector<Waker*> tasks_;
};

}  // namespace weir::runtime
