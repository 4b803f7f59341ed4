#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace weir::cli {

/// A one-line progress display on stderr, shown only when stderr is a terminal
/// and not silenced; redraws at most ten times a second.
class Progress {
 public:
  /// Creates a display labelled `what`; `quiet` disables it.
  Progress(std::string what, bool quiet);
  ~Progress();

  /// Reports the rows done so far and, when known, the total.
  void Update(int64_t rows, int64_t total_rows = -1);

  /// Clears the line.
  void Done();

 private:
  std::string what_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace weir::cli
