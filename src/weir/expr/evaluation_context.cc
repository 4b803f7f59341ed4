#include "weir/expr/evaluation_context.h"

namespace weir::expr {
namespace {
thread_local std::optional<int64_t> current_watermark;
}  // namespace

WatermarkScope::WatermarkScope(std::optional<int64_t> watermark_micros)
    : previous_(current_watermark) {
  current_watermark = watermark_micros;
}

WatermarkScope::~WatermarkScope() { current_watermark = previous_; }

std::optional<int64_t> CurrentWatermark() { return current_watermark; }

}  // namespace weir::expr
