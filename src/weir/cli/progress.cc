#include "weir/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace weir::cli {

Progress::Progress(std::string what, bool quiet)
    : what_(std::move(what)),
      enabled_(!quiet && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { Done(); }

void Progress::Update(int64_t rows, int64_t total_rows) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  std::string line;
  if (total_rows > 0) {
    int pct = static_cast<int>(100.0 * static_cast<double>(rows) /
                               static_cast<double>(total_rows));
    int filled = pct / 5;
    line = fmt::format("\r{} [{}{}] {:3d}% {} rows, {:.1f}s", what_,
                       std::string(filled, '#'), std::string(20 - filled, ' '), pct, rows,
                       secs);
  } else {
    line = fmt::format("\r{} {} rows, {:.1f}s", what_, rows, secs);
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Done() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace weir::cli
