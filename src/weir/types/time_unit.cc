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

int64_t FromMicros(int64_t micros, arrow::TimeUnit::type unit) {
  auto floor_div = [](int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); };
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return floor_div(micros, 1'000'000);
    case arrow::TimeUnit::MILLI:
      return floor_div(micros, 1'000);
    case arrow::TimeUnit::MICRO:
      return micros;
    case arrow::TimeUnit::NANO:
      return micros * 1000;
  }
  return micros;
}

}  // namespace weir::types
