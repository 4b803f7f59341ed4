#pragma once

#include <cstdint>

#include <arrow/type_fwd.h>

namespace weir::types {

/// Returns how many ticks of `unit` make a second (1, 1000, 10^6 or 10^9).
int64_t TicksPerSecond(arrow::TimeUnit::type unit);

/// Returns `ticks` of `unit` in microseconds (nanoseconds round toward minus
/// infinity).
int64_t ToMicros(int64_t ticks, arrow::TimeUnit::type unit);

/// Returns `micros` microseconds in ticks of `unit` (seconds and milliseconds round
/// toward minus infinity).
int64_t FromMicros(int64_t micros, arrow::TimeUnit::type unit);

}  // namespace weir::types
