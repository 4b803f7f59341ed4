#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "weir/sql/parse/temporal_literal.h"

namespace weir::sql {

/// Formats and parses wall-clock times with the date-time patterns of Java's
/// DateTimeFormatter, which Flink's DATE_FORMAT, TO_TIMESTAMP and TO_DATE take,
/// e.g. 'yyyy-MM-dd HH:mm:ss.SSS'.
///
/// Letters: G (era), y / u (year; yy is two digits from 2000), M / L (month; MMM
/// "Jan", MMMM "January"), Q (quarter), d (day of month), D (day of year), E (day
/// name; EEEE in full), a (AM/PM), H (0-23), k (1-24), K (0-11), h (1-12), m, s, and
/// S (fraction of a second: SSS milliseconds, SSSSSS microseconds). Text in single
/// quotes is literal ('' is a quote); other non-letters are literal. Time zone
/// letters are not supported: the values are wall-clock times.
class JavaDateFormat {
 public:
  /// Compiles `pattern`, failing with a message naming an unsupported letter or an
  /// unterminated quote.
  static arrow::Result<JavaDateFormat> Compile(std::string_view pattern);

  /// Appends the time `seconds` since 1970-01-01 00:00:00 plus `nanos` to `out`.
  void Format(int64_t seconds, int32_t nanos, std::string* out) const;

  /// Parses all of `text`; returns nullopt when it does not match the pattern or
  /// names no valid date (month 13, February 30, …). Fields the pattern lacks take
  /// their values from 1970-01-01 00:00:00.
  std::optional<TimestampValue> Parse(std::string_view text) const;

 private:
  struct Part {
    char letter = 0;  // 0 for literal text
    int count = 0;
    std::string literal;
  };

  bool IsNumeric(const Part& part) const;

  std::vector<Part> parts_;
};

/// Converts days since 1970-01-01 to a proleptic Gregorian year, month and day.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

/// Converts a proleptic Gregorian date to days since 1970-01-01.
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace weir::sql
