#pragma once

#include <cstdint>
#include <string>

#include "weir/runtime/operator.h"

namespace weir::runtime {

/// The windows a windowing table function assigns (Flink's window TVFs).
struct WindowTvfOptions {
  /// The window shape.
  /// kSession gives each row its own session [time, time + size) (size is the gap):
  /// the session window aggregation merges them.
  enum class Kind { kTumble, kHop, kCumulate, kSession };
  /// The shape of this function's windows.
  Kind kind = Kind::kTumble;
  /// The time column (a timestamp of any unit).
  std::string time_column;
  /// Window length (CUMULATE: the largest window), microseconds.
  int64_t size = 0;
  /// HOP: distance between window starts; CUMULATE: the step; microseconds.
  int64_t slide = 0;
  /// Shift of window boundaries from the epoch, microseconds.
  int64_t offset = 0;
  /// Names of the appended columns.
  std::string start_column = "window_start";
  std::string end_column = "window_end";
  std::string time_out_column = "window_time";
  /// Whether window_time carries a time zone (TIMESTAMP_LTZ) and which.
  std::string time_zone;
};

/// Appends window_start, window_end (timestamp[ms]) and window_time (window_end minus
/// 1 ms, the window's rowtime) to every row, once per window the row belongs to:
/// one window for TUMBLE, size/slide for HOP, and for CUMULATE every window of the
/// row's cycle that ends after it. Rows whose time is NULL belong to no window.
/// Stateless; watermarks pass through.
class WindowTvfOperator : public Operator {
 public:
  /// Makes the operator.
  explicit WindowTvfOperator(WindowTvfOptions options) : options_(std::move(options)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

 private:
  WindowTvfOptions options_;
};

}  // namespace weir::runtime
