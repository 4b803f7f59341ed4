#include "weir/runtime/scheduler.h"

namespace weir::runtime {

void Schedulable::Wake() {
  int s = state_.load(std::memory_order_acquire);
  while (true) {
    if (s == kIdle) {
      if (state_.compare_exchange_weak(s, kQueued, std::memory_order_acq_rel)) {
        scheduler_->Enqueue(this);
        return;
      }
    } else if (s == kRunning) {
      if (state_.compare_exchange_weak(s, kRunningWoken, std::memory_order_acq_rel)) {
        return;
      }
    } else {
      return;  // already queued, already woken, or done
    }
  }
}

TaskScheduler::TaskScheduler(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

TaskScheduler::~TaskScheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& t : workers_) t.join();
  timer_thread_.join();
}

void TaskScheduler::Register(Schedulable* unit) {
  unit->scheduler_ = this;
  unit->state_.store(Schedulable::kQueued, std::memory_order_release);
}

void TaskScheduler::Start(Schedulable* unit) { Enqueue(unit); }

void TaskScheduler::Enqueue(Schedulable* unit) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(unit);
  }
  ready_cv_.notify_one();
}

void TaskScheduler::WorkerLoop() {
  while (true) {
    Schedulable* unit;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      unit = ready_.front();
      ready_.pop_front();
    }
    unit->state_.store(Schedulable::kRunning, std::memory_order_release);
    AfterStep(unit, unit->Step());
  }
}

void TaskScheduler::AfterStep(Schedulable* unit, const StepResult& result) {
  using Kind = StepResult::Kind;
  if (result.kind == Kind::kFinished) {
    unit->state_.store(Schedulable::kDone, std::memory_order_release);
    return;
  }
  if (result.kind == Kind::kReady) {
    unit->state_.store(Schedulable::kQueued, std::memory_order_release);
    Enqueue(unit);
    return;
  }
  if (result.kind == Kind::kWaitUntil) {
    bool pushed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // An armed timer at or before this deadline already wakes the unit in time (an
      // early wake-up only makes it ask again).
      if (!unit->timer_armed_ || result.deadline < unit->timer_deadline_) {
        unit->timer_armed_ = true;
        unit->timer_deadline_ = result.deadline;
        timers_.push({result.deadline, unit, ++unit->timer_generation_});
        pushed = true;
      }
    }
    if (pushed) timer_cv_.notify_one();
  }
  // Park, unless a Wake() arrived while the step ran.
  int expected = Schedulable::kRunning;
  if (!unit->state_.compare_exchange_strong(expected, Schedulable::kIdle,
                                            std::memory_order_acq_rel)) {
    unit->state_.store(Schedulable::kQueued, std::memory_order_release);
    Enqueue(unit);
  }
}

void TaskScheduler::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    auto next = timers_.top().deadline;
    if (SteadyClock::now() < next) {
      timer_cv_.wait_until(lock, next);
      continue;
    }
    const Timer timer = timers_.top();
    timers_.pop();
    Schedulable* unit = timer.unit;
    if (!unit->timer_armed_ || timer.generation != unit->timer_generation_)
      continue;  // stale
    unit->timer_armed_ = false;
    lock.unlock();
    unit->Wake();  // a no-op if it already runs for another reason
    lock.lock();
  }
}

}  // namespace weir::runtime
