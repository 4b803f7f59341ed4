#include "weir/api/signal_cancellation.h"

#include <atomic>
#include <csignal>

namespace weir::api {

namespace {

std::atomic<int> g_signal{0};

extern "C" void RecordSignal(int sig) { g_signal.store(sig); }

}  // namespace

arrow::Result<runtime::JobResult> WaitCancellingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client) {
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
    if (g_signal.load() != 0) {
      client->Cancel();
      break;
    }
  }
  auto result = client->Wait();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace weir::api
