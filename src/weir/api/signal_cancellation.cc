#include "weir/api/signal_cancellation.h"

#include <atomic>
#include <csignal>

#include "weir/common/log.h"

namespace weir::api {

namespace {

std::atomic<int> g_signal{0};

extern "C" void RecordSignal(int sig) { g_signal.store(sig); }

}  // namespace

arrow::Result<runtime::JobResult> WaitOnSignal(
    const std::shared_ptr<runtime::JobClient>& client, const std::string* savepoint_dir);

arrow::Result<runtime::JobResult> WaitCancellingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client) {
  return WaitOnSignal(client, nullptr);
}

arrow::Result<runtime::JobResult> WaitStoppingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client, const std::string& savepoint_dir) {
  return WaitOnSignal(client, &savepoint_dir);
}

arrow::Result<runtime::JobResult> WaitOnSignal(
    const std::shared_ptr<runtime::JobClient>& client, const std::string* savepoint_dir) {
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = RecordSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  // Signal handlers may only touch atomics; this thread polls the flag and cancels.
  while (!client->WaitFor(std::chrono::milliseconds(50))) {
    const int sig = g_signal.load();
    if (sig == 0) continue;
    if (sig == SIGTERM && savepoint_dir) {
      auto savepoint = client->StopWithSavepoint(*savepoint_dir);
      if (savepoint.ok()) {
        LogInfo("stopped with savepoint '{}'", *savepoint);
        break;
      }
      LogWarning("stop with savepoint failed ({}); cancelling",
                 savepoint.status().message());
    }
    client->Cancel();
    break;
  }
  auto result = client->Wait();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace weir::api
