#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "weir/runtime/channel.h"

namespace weir::runtime {

/// Monotonic clock used for scheduling and processing time.
using SteadyClock = std::chrono::steady_clock;

/// What a unit of cooperative work reports after running one quantum.
struct StepResult {
  /// The kind of outcome.
  enum class Kind {
    kReady,      ///< more work is available now; run again soon
    kBlocked,    ///< waits for a channel; a Waker will re-schedule it
    kWaitUntil,  ///< nothing to do before `deadline` (or an earlier Wake)
    kFinished,   ///< done for good
  };
  Kind kind = Kind::kReady;
  /// For kWaitUntil.
  SteadyClock::time_point deadline{};

  /// Returns a kReady result.
  static StepResult Ready() { return {Kind::kReady, {}}; }
  /// Returns a kBlocked result.
  static StepResult Blocked() { return {Kind::kBlocked, {}}; }
  /// Returns a kWaitUntil result.
  static StepResult WaitUntil(SteadyClock::time_point t) { return {Kind::kWaitUntil, t}; }
  /// Returns a kFinished result.
  static StepResult Finished() { return {Kind::kFinished, {}}; }
};

class TaskScheduler;

/// A unit of cooperative work run by a TaskScheduler: Step() runs a bounded quantum
/// and never blocks. Step() is never run concurrently with itself; a Wake() that
/// arrives while Step() runs makes the scheduler run it again afterwards.
class Schedulable : public Waker {
 public:
  /// Runs one quantum of work.
  virtual StepResult Step() = 0;

  /// Schedules this unit to run (again); safe from any thread.
  void Wake() final;

 private:
  friend class TaskScheduler;
  enum State : int { kIdle, kQueued, kRunning, kRunningWoken, kDone };
  std::atomic<int> state_{kIdle};
  TaskScheduler* scheduler_ = nullptr;
  // The one timer that may wake this unit (guarded by the scheduler's mutex): a newer
  // deadline replaces it, and entries of older generations are skipped when they pop,
  // so timers do not pile up when a unit is woken early again and again.
  bool timer_armed_ = false;
  SteadyClock::time_point timer_deadline_{};
  uint64_t timer_generation_ = 0;
};

/// Runs Schedulables on a fixed pool of worker threads plus one timer thread for
/// kWaitUntil deadlines. No thread per task, no busy waiting.
class TaskScheduler {
 public:
  /// Starts `threads` workers (at least 1).
  explicit TaskScheduler(int threads);
  /// Stops the threads; work not finished is dropped.
  ~TaskScheduler();

  /// Binds `unit` to this scheduler without running it; Wake() calls before Start()
  /// are absorbed. Register every unit of a job before starting any, since a started
  /// unit may wake another. `unit` must outlive the scheduler.
  void Register(Schedulable* unit);

  /// Queues a registered unit to run for the first time.
  void Start(Schedulable* unit);

  /// Returns the number of worker threads.
  int num_threads() const { return static_cast<int>(workers_.size()); }

 private:
  friend class Schedulable;
  void Enqueue(Schedulable* unit);
  void WorkerLoop();
  void TimerLoop();
  void AfterStep(Schedulable* unit, const StepResult& result);

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<Schedulable*> ready_;
  bool stopping_ = false;

  struct Timer {
    SteadyClock::time_point deadline;
    Schedulable* unit;
    uint64_t generation;
    bool operator>(const Timer& o) const { return deadline > o.deadline; }
  };
  std::condition_variable timer_cv_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;

  std::vector<std::thread> workers_;
  std::thread timer_thread_;
};

}  // namespace weir::runtime
