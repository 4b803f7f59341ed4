#pragma once
// Values as Flink's print connector shows them: the Java objects' toString() of
// Flink's internal row (LocalDateTime, Instant, Double, Float, BigDecimal, …).

#include <cstdint>
#include <string>

#include <arrow/array.h>

namespace weir::connectors {

/// Appends value `row` of `array` (not NULL) as Java's toString() of the value
/// Flink hands its print sink: `2024-01-31T12:00` (LocalDateTime), `1970-01-01T00:00:03Z`
/// (Instant, for TIMESTAMP_LTZ), `1.0`, `1.0E10` (Double), `46.300003` (Float),
/// `[1, 2]` (arrays), `{k=v}` (maps), `+I[…]` (nested rows).
void AppendJavaText(const arrow::Array& array, int64_t row, std::string* out);

}  // namespace weir::connectors
