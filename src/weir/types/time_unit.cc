#include "weir/types/time_unit.h"

#include <arrow/type.h>

namespace weir::types {

int64_t TicksPerSecond(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 1;
    case arrow::TimeUnit::MILLI:
      return 1000;
    case arrow::TimeUnit::MICRO:
      return 1000000;
    case arrow::TimeUnit::NANO:
      return 1000000000;
  }
  return 1;
}

int64_t ToMicros(int64_t ticks, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return ticks * 1'000'000;
    case arrow::TimeUnit::MILLI:
      return ticks * 1'000;
    case arrow::TimeUnit::MICRO:
      return ticks;
    case arrow::TimeUnit::NANO:
      return ticks / 1000 - (ticks % 1000 < 0 ? 1 : 0);
  }
  return ticks;
}

}  // namespace weir::types
