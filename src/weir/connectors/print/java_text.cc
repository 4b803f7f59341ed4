#include "weir/connectors/print/java_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <arrow/scalar.h>
#include <arrow/type.h>
#include <fmt/format.h>

namespace weir::connectors {
namespace {

// Java's Double.toString / Float.toString: the shortest digits that read back,
// plain for 1e-3 <= |x| < 1e7 with at least one digit after the point, else
// d.dddE±n.
template <typename Float>
void AppendJavaFloat(Float value, std::string* out) {
  if (std::isnan(value)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    *out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  if (value == 0) {
    *out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  // The shortest round-trip digits in scientific form: "d.dddde±xx".
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value,
                                 std::chars_format::scientific);
  std::string sci(buffer, end);
  const size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exponent = std::atoi(sci.c_str() + e + 1);
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  if (negative) *out += '-';
  const double magnitude = std::fabs(static_cast<double>(value));
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    // Plain: the point after digit exponent+1 (padding with zeros as needed).
    const int point = exponent + 1;
    if (point <= 0) {
      *out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    } else if (static_cast<size_t>(point) >= digits.size()) {
      *out +=
          digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
    } else {
      *out += digits.substr(0, static_cast<size_t>(point)) + "." +
              digits.substr(static_cast<size_t>(point));
    }
    return;
  }
  *out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
          std::to_string(exponent);
}

// The fraction of a second as Java's LocalTime.toString writes it: nothing when
// zero, else 3, 6 or 9 digits.
std::string JavaFraction(int64_t nanos) {
  if (nanos == 0) return "";
  if (nanos % 1'000'000 == 0) return fmt::format(".{:03d}", nanos / 1'000'000);
  if (nanos % 1'000 == 0) return fmt::format(".{:06d}", nanos / 1'000);
  return fmt::format(".{:09d}", nanos);
}

void AppendJavaTimestamp(const arrow::TimestampArray& array, int64_t row,
                         std::string* out) {
  const auto& type = static_cast<const arrow::TimestampType&>(*array.type());
  const int64_t per_second = type.unit() == arrow::TimeUnit::SECOND  ? 1
                             : type.unit() == arrow::TimeUnit::MILLI ? 1'000
                             : type.unit() == arrow::TimeUnit::MICRO ? 1'000'000
                                                                     : 1'000'000'000;
  const int64_t value = array.Value(row);
  int64_t seconds = value / per_second;
  int64_t sub = value % per_second;
  if (sub < 0) {
    sub += per_second;
    --seconds;
  }
  const int64_t nanos = sub * (1'000'000'000 / per_second);
  int64_t days = seconds / 86400;
  int64_t of_day = seconds % 86400;
  if (of_day < 0) {
    of_day += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const int64_t hour = of_day / 3600;
  const int64_t minute = of_day / 60 % 60;
  const int64_t second = of_day % 60;
  *out += fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}", y, m, d, hour, minute);
  const bool instant = !type.timezone().empty();
  // LocalDateTime leaves out zero seconds (with no fraction); Instant never does.
  if (instant || second != 0 || nanos != 0) *out += fmt::format(":{:02d}", second);
  *out += JavaFraction(nanos);
  if (instant) *out += "Z";
}

}  // namespace

void AppendJavaText(const arrow::Array& array, int64_t row, std::string* out) {
  switch (array.type_id()) {
    case arrow::Type::DOUBLE:
      AppendJavaFloat(static_cast<const arrow::DoubleArray&>(array).Value(row), out);
      return;
    case arrow::Type::FLOAT:
      AppendJavaFloat(static_cast<const arrow::FloatArray&>(array).Value(row), out);
      return;
    case arrow::Type::TIMESTAMP:
      AppendJavaTimestamp(static_cast<const arrow::TimestampArray&>(array), row, out);
      return;
    case arrow::Type::LIST: {
      const auto& list = static_cast<const arrow::ListArray&>(array);
      const auto values = list.values();
      *out += "[";
      for (int64_t i = list.value_offset(row); i < list.value_offset(row + 1); ++i) {
        if (i > list.value_offset(row)) *out += ", ";
        if (values->IsNull(i)) {
          *out += "null";
        } else {
          AppendJavaText(*values, i, out);
        }
      }
      *out += "]";
      return;
    }
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapArray&>(array);
      *out += "{";
      for (int64_t i = map.value_offset(row); i < map.value_offset(row + 1); ++i) {
        if (i > map.value_offset(row)) *out += ", ";
        if (map.keys()->IsNull(i)) {
          *out += "null";
        } else {
          AppendJavaText(*map.keys(), i, out);
        }
        *out += "=";
        if (map.items()->IsNull(i)) {
          *out += "null";
        } else {
          AppendJavaText(*map.items(), i, out);
        }
      }
      *out += "}";
      return;
    }
    case arrow::Type::STRUCT: {
      // A nested ROW prints as Flink's Row.toString: +I[f0, f1, …].
      const auto& row_array = static_cast<const arrow::StructArray&>(array);
      *out += "+I[";
      for (int f = 0; f < row_array.num_fields(); ++f) {
        if (f > 0) *out += ", ";
        const auto& field = *row_array.field(f);
        if (field.IsNull(row)) {
          *out += "null";
        } else {
          AppendJavaText(field, row, out);
        }
      }
      *out += "]";
      return;
    }
    default: {
      auto scalar = array.GetScalar(row);
      *out += scalar.ok() ? (*scalar)->ToString() : "?";
      return;
    }
  }
}

}  // namespace weir::connectors
