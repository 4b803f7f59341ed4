#include "weir/runtime/job_state.h"

namespace weir::runtime {

void JobState::Fail(const arrow::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure_.ok() && !cancelled_) failure_ = status;
  }
  Stop();
}

void JobState::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (remaining_ == 0) return;  // finished already: its result stands
    if (failure_.ok()) cancelled_ = true;
  }
  Stop();
}

void JobState::Stop() {
  if (stopping_.exchange(true)) return;
  // Closing the gates fails pushes into them; waking every task makes each one see
  // stopping() at its next step and shut down, wherever it was parked.
  for (InputGate* g : gates_) g->Close();
  for (Waker* t : tasks_) t->Wake();
}

void JobState::TaskDone() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--remaining_ == 0) done_cv_.notify_all();
}

void JobState::WaitAllDone() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return remaining_ == 0; });
}

bool JobState::WaitAllDoneFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return done_cv_.wait_for(lock, timeout, [&] { return remaining_ == 0; });
}

bool JobState::all_done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return remaining_ == 0;
}

arrow::Status JobState::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

bool JobState::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

}  // namespace weir::runtime
