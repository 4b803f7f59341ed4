#include "weir/sql/parse/temporal_literal.h"

#include <chrono>

#include "weir/common/error.h"

namespace weir::sql {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Reads between `min_digits` and `max_digits` decimal digits from the front of `text`.
std::optional<int32_t> ReadDigits(std::string_view& text, size_t min_digits,
                                  size_t max_digits) {
  size_t n = 0;
  int32_t value = 0;
  while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9') {
    value = value * 10 + (text[n] - '0');
    ++n;
  }
  if (n < min_digits) return std::nullopt;
  text.remove_prefix(n);
  return value;
}

bool Consume(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Parses the date at the front of `text`, leaving the rest in `text`.
arrow::Result<int32_t> ParseDatePrefix(std::string_view& text) {
  auto year = ReadDigits(text, 4, 4);
  if (!year || !Consume(text, '-')) return UserError("expected a date as YYYY-MM-DD");
  auto month = ReadDigits(text, 1, 2);
  if (!month || !Consume(text, '-')) return UserError("expected a date as YYYY-MM-DD");
  auto day = ReadDigits(text, 1, 2);
  if (!day) return UserError("expected a date as YYYY-MM-DD");
  if (*month < 1 || *month > 12) return UserError("month {} is out of range", *month);
  std::chrono::year_month_day ymd{std::chrono::year{*year},
                                  std::chrono::month{static_cast<unsigned>(*month)},
                                  std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) {
    return UserError("day {} is out of range for {:04d}-{:02d}", *day, *year, *month);
  }
  return static_cast<int32_t>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

}  // namespace

arrow::Result<int32_t> ParseDate(std::string_view text) {
  std::string_view rest = Trim(text);
  ARROW_ASSIGN_OR_RAISE(int32_t days, ParseDatePrefix(rest));
  if (!rest.empty()) return UserError("unexpected text after the date");
  return days;
}

arrow::Result<TimestampValue> ParseTimestamp(std::string_view text) {
  std::string_view rest = Trim(text);
  ARROW_ASSIGN_OR_RAISE(int32_t days, ParseDatePrefix(rest));
  TimestampValue value;
  value.seconds = static_cast<int64_t>(days) * 86400;
  if (rest.empty()) return value;
  if (!Consume(rest, ' ') && !Consume(rest, 'T')) {
    return UserError("expected a timestamp as YYYY-MM-DD HH:MM:SS[.fffffffff]");
  }
  auto hour = ReadDigits(rest, 1, 2);
  std::optional<int32_t> minute;
  if (hour && Consume(rest, ':')) minute = ReadDigits(rest, 2, 2);
  if (!minute) return UserError("expected a time as HH:MM:SS[.fffffffff]");
  int32_t second = 0;
  if (Consume(rest, ':')) {
    auto s = ReadDigits(rest, 2, 2);
    if (!s) return UserError("expected a time as HH:MM:SS[.fffffffff]");
    second = *s;
    if (Consume(rest, '.')) {
      size_t before = rest.size();
      auto fraction = ReadDigits(rest, 1, 9);
      if (!fraction) return UserError("expected digits after the decimal point");
      value.fraction_digits = static_cast<int32_t>(before - rest.size());
      int32_t nanos = *fraction;
      for (int32_t i = value.fraction_digits; i < 9; ++i) nanos *= 10;
      value.nanos = nanos;
      if (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
        return UserError("more than 9 fractional-second digits");
      }
    }
  }
  if (*hour > 23) return UserError("hour {} is out of range", *hour);
  if (*minute > 59) return UserError("minute {} is out of range", *minute);
  if (second > 59) return UserError("second {} is out of range", second);
  value.seconds += *hour * 3600 + *minute * 60 + second;
  if (rest.empty()) return value;

  int32_t offset_seconds = 0;
  if (!Consume(rest, 'Z')) {
    int32_t sign = rest.front() == '-' ? -1 : 1;
    if (!Consume(rest, '+') && !Consume(rest, '-')) {
      return UserError("unexpected text after the timestamp");
    }
    auto offset_hours = ReadDigits(rest, 2, 2);
    std::optional<int32_t> offset_minutes = 0;
    if (offset_hours && Consume(rest, ':')) offset_minutes = ReadDigits(rest, 2, 2);
    if (!offset_hours || !offset_minutes || *offset_hours > 18 || *offset_minutes > 59) {
      return UserError("expected a zone offset as +HH:MM");
    }
    offset_seconds = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  }
  if (!rest.empty()) return UserError("unexpected text after the timestamp");
  value.seconds -= offset_seconds;
  value.has_offset = true;
  return value;
}

namespace {

int64_t TicksPerSecond(arrow::TimeUnit::type unit) {
  int64_t ticks_per_second = 1;
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      ticks_per_second = 1;
      break;
    case arrow::TimeUnit::MILLI:
      ticks_per_second = 1'000;
      break;
    case arrow::TimeUnit::MICRO:
      ticks_per_second = 1'000'000;
      break;
    case arrow::TimeUnit::NANO:
      ticks_per_second = kNanosPerSecond;
      break;
  }
  return ticks_per_second;
}

}  // namespace

arrow::Result<std::optional<int64_t>> TimestampTicks(const TimestampValue& value,
                                                     arrow::TimeUnit::type unit,
                                                     bool truncate) {
  int64_t ticks_per_second = TicksPerSecond(unit);
  int64_t nanos_per_tick = kNanosPerSecond / ticks_per_second;
  if (value.nanos % nanos_per_tick != 0 && !truncate) return std::optional<int64_t>();
  int64_t ticks = 0;
  if (__builtin_mul_overflow(value.seconds, ticks_per_second, &ticks) ||
      __builtin_add_overflow(ticks, value.nanos / nanos_per_tick, &ticks)) {
    return UserError("the timestamp is out of range for this time unit");
  }
  return std::optional<int64_t>(ticks);
}

TimestampValue TimestampFromTicks(int64_t ticks, arrow::TimeUnit::type unit) {
  int64_t per_second = TicksPerSecond(unit);
  int64_t seconds = ticks / per_second;
  int64_t rest = ticks % per_second;
  if (rest < 0) {
    rest += per_second;
    --seconds;
  }
  TimestampValue value;
  value.seconds = seconds;
  value.nanos = static_cast<int32_t>(rest * (kNanosPerSecond / per_second));
  value.fraction_digits = value.nanos == 0 ? 0 : value.nanos % 1000 != 0 ? 9 : 6;
  return value;
}

arrow::TimeUnit::type DefaultTimestampUnit(const TimestampValue& value) {
  return value.fraction_digits > 6 ? arrow::TimeUnit::NANO : arrow::TimeUnit::MICRO;
}

}  // namespace weir::sql
