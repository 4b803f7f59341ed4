#pragma once
// What an expression may read besides its input batch: the watermark of the operator
// evaluating it (Flink's CURRENT_WATERMARK). Operators set it for the duration of one
// evaluation on their thread; kernels read it.

#include <cstdint>
#include <optional>

namespace weir::expr {

/// Sets the current watermark (microseconds since the epoch; nullopt before the
/// operator has seen one) for expressions evaluated on this thread while the scope
/// lives, and restores the previous value when it ends.
class WatermarkScope {
 public:
  /// Makes `watermark_micros` the current watermark of this thread.
  explicit WatermarkScope(std::optional<int64_t> watermark_micros);
  ~WatermarkScope();
  WatermarkScope(const WatermarkScope&) = delete;
  WatermarkScope& operator=(const WatermarkScope&) = delete;

 private:
  std::optional<int64_t> previous_;
};

/// Returns the watermark of the operator evaluating an expression on this thread, in
/// microseconds, or nullopt outside a WatermarkScope (batch mode: no watermarks) and
/// before the first watermark.
std::optional<int64_t> CurrentWatermark();

}  // namespace weir::expr
