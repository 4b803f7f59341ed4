#include "weir/planner/stall_watchdog.h"

#include <sys/resource.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace weir::planner {

namespace {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The result of the query's thread, kept alive by whichever of the two threads
// ends last.
struct Outcome {
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
  arrow::Result<std::shared_ptr<arrow::Table>> result =
      arrow::Status::UnknownError("the query did not run");
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::Table>> RunWithStallWatchdog(
    std::function<arrow::Result<std::shared_ptr<arrow::Table>>()> work,
    std::shared_ptr<QueryProgress> progress, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return work();
  auto outcome = std::make_shared<Outcome>();
  std::thread worker([outcome, work = std::move(work)]() {
    auto result = work();
    std::lock_guard<std::mutex> lock(outcome->mutex);
    outcome->result = std::move(result);
    outcome->done = true;
    outcome->done_changed.notify_all();
  });
  using Clock = std::chrono::steady_clock;
  auto quiet_since = Clock::now();
  double cpu_then = ProcessCpuSeconds();
  int64_t batches_then = progress->batches.load();
  std::unique_lock<std::mutex> lock(outcome->mutex);
  while (!outcome->done) {
    outcome->done_changed.wait_for(lock, std::chrono::milliseconds(200));
    if (outcome->done) break;
    auto now = Clock::now();
    double quiet = std::chrono::duration<double>(now - quiet_since).count();
    int64_t batches = progress->batches.load();
    double cpu = ProcessCpuSeconds();
    if (batches != batches_then || cpu - cpu_then > 0.01 * quiet) {
      quiet_since = now;
      cpu_then = cpu;
      batches_then = batches;
      continue;
    }
    if (now - quiet_since >= timeout) {
      progress->abandoned = true;
      lock.unlock();
      worker.detach();
      return arrow::Status::IOError(fmt::format(
          "the query made no progress for {:.0f} s (no batch read, under 1% of a core "
          "busy): a read that never returns (a FIFO, a hung network mount) or a "
          "deadlock; it was abandoned. SET 'weir.execution.stall-timeout' changes the "
          "limit ('0' waits forever)",
          quiet));
    }
  }
  lock.unlock();
  worker.join();
  return std::move(outcome->result);
}

}  // namespace weir::planner
