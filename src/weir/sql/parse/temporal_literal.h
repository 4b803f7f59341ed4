#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace weir::sql {

/// Holds the value of a TIMESTAMP literal as seconds and nanoseconds since
/// 1970-01-01 00:00:00. Without an explicit offset the value is a wall-clock time;
/// with one ('Z' or +HH:MM) it has been converted to UTC.
struct TimestampValue {
  /// Whole seconds since the epoch.
  int64_t seconds = 0;
  /// Sub-second part, 0..999'999'999.
  int32_t nanos = 0;
  /// How many fractional-second digits were written (0..9).
  int32_t fraction_digits = 0;
  /// Whether the text carried a zone offset.
  bool has_offset = false;
};

/// Parses 'YYYY-MM-DD' (one-digit month and day allowed, surrounding spaces
/// ignored) into days since 1970-01-01. The error message says what is wrong but
/// carries no position; callers add it.
arrow::Result<int32_t> ParseDate(std::string_view text);

/// Parses 'YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][Z|(+|-)HH[:MM]]'. A date alone
/// means midnight.
arrow::Result<TimestampValue> ParseTimestamp(std::string_view text);

/// Converts `value` to a count of `unit` ticks; when the unit is too coarse to hold
/// the value exactly, returns nullopt or, with `truncate`, drops the excess digits.
/// Fails when the count overflows int64.
arrow::Result<std::optional<int64_t>> TimestampTicks(const TimestampValue& value,
                                                     arrow::TimeUnit::type unit,
                                                     bool truncate = false);

/// Splits a count of `unit` ticks back into a TimestampValue (without offset).
TimestampValue TimestampFromTicks(int64_t ticks, arrow::TimeUnit::type unit);

/// Returns the Arrow unit a standalone TIMESTAMP literal gets: microseconds, or
/// nanoseconds when it has more than six fractional digits.
arrow::TimeUnit::type DefaultTimestampUnit(const TimestampValue& value);

}  // namespace weir::sql
