#include "weir/sql/functions/java_date_format.h"

#include <array>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace weir::sql {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
// Indexed by days since a Sunday.
constexpr std::array<std::string_view, 7> kDays = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::string_view kLetters = "GyuYMLQdDEaHkKhmsS";

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool IsLeap(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDaysIn[month - 1];
}

void AppendNumber(int64_t value, int width, std::string* out) {
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) out->append(width - digits.size(), '0');
  out->append(digits);
}

// Matches `candidates` (full names, or their first three letters when `short_form`)
// case-insensitively at `text[*pos]`; returns the index or -1.
template <size_t N>
int MatchName(const std::array<std::string_view, N>& candidates, bool short_form,
              std::string_view text, size_t* pos) {
  for (size_t i = 0; i < N; ++i) {
    std::string_view name = short_form ? candidates[i].substr(0, 3) : candidates[i];
    if (text.size() - *pos < name.size()) continue;
    bool equal = true;
    for (size_t k = 0; k < name.size() && equal; ++k) {
      equal = std::tolower(static_cast<unsigned char>(text[*pos + k])) ==
              std::tolower(static_cast<unsigned char>(name[k]));
    }
    if (equal) {
      *pos += name.size();
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool MatchWord(std::string_view word, std::string_view text, size_t* pos) {
  std::array<std::string_view, 1> one = {word};
  return MatchName(one, false, text, pos) == 0;
}

}  // namespace

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = FloorDiv(year, 400);
  auto yoe = static_cast<unsigned>(year - era * 400);
  unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

arrow::Result<JavaDateFormat> JavaDateFormat::Compile(std::string_view pattern) {
  JavaDateFormat format;
  auto literal = [&](char c) {
    if (format.parts_.empty() || format.parts_.back().letter != 0) {
      format.parts_.push_back(Part{});
    }
    format.parts_.back().literal.push_back(c);
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        literal('\'');
        ++i;
        continue;
      }
      size_t end = i + 1;
      for (; end < pattern.size(); ++end) {
        if (pattern[end] != '\'') {
          literal(pattern[end]);
        } else if (end + 1 < pattern.size() && pattern[end + 1] == '\'') {
          literal('\'');
          ++end;
        } else {
          break;
        }
      }
      if (end >= pattern.size()) {
        return arrow::Status::Invalid(
            fmt::format("unterminated quote in date pattern '{}'", pattern));
      }
      i = end;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      literal(c);
      continue;
    }
    if (kLetters.find(c) == std::string_view::npos) {
      return arrow::Status::Invalid(fmt::format(
          "unsupported letter '{}' in date pattern '{}' (supported: {}; quote literal "
          "text like 'T')",
          c, pattern, kLetters));
    }
    Part part;
    part.letter = c;
    while (i < pattern.size() && pattern[i] == c) {
      ++part.count;
      ++i;
    }
    --i;
    format.parts_.push_back(std::move(part));
  }
  return format;
}

bool JavaDateFormat::IsNumeric(const Part& part) const {
  switch (part.letter) {
    case 0:
    case 'G':
    case 'E':
    case 'a':
      return false;
    case 'M':
    case 'L':
      return part.count <= 2;
    default:
      return true;
  }
}

void JavaDateFormat::Format(int64_t seconds, int32_t nanos, std::string* out) const {
  int64_t days = FloorDiv(seconds, 86400);
  int64_t second_of_day = seconds - days * 86400;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  int hour = static_cast<int>(second_of_day / 3600);
  for (const Part& part : parts_) {
    int n = part.count;
    switch (part.letter) {
      case 0:
        out->append(part.literal);
        break;
      case 'G':
        out->append(year > 0 ? "AD" : "BC");
        break;
      case 'y':
      case 'u':
      case 'Y':
        if (n == 2) {
          AppendNumber(((year % 100) + 100) % 100, 2, out);
        } else {
          AppendNumber(year, n, out);
        }
        break;
      case 'M':
      case 'L':
        if (n >= 4) {
          out->append(kMonths[month - 1]);
        } else if (n == 3) {
          out->append(kMonths[month - 1].substr(0, 3));
        } else {
          AppendNumber(month, n, out);
        }
        break;
      case 'Q':
        AppendNumber((month - 1) / 3 + 1, n, out);
        break;
      case 'd':
        AppendNumber(day, n, out);
        break;
      case 'D':
        AppendNumber(days - DaysFromCivil(year, 1, 1) + 1, n, out);
        break;
      case 'E': {
        std::string_view name = kDays[((days + 4) % 7 + 7) % 7];
        out->append(n >= 4 ? name : name.substr(0, 3));
        break;
      }
      case 'a':
        out->append(hour < 12 ? "AM" : "PM");
        break;
      case 'H':
        AppendNumber(hour, n, out);
        break;
      case 'k':
        AppendNumber(hour == 0 ? 24 : hour, n, out);
        break;
      case 'K':
        AppendNumber(hour % 12, n, out);
        break;
      case 'h':
        AppendNumber(hour % 12 == 0 ? 12 : hour % 12, n, out);
        break;
      case 'm':
        AppendNumber(second_of_day / 60 % 60, n, out);
        break;
      case 's':
        AppendNumber(second_of_day % 60, n, out);
        break;
      case 'S': {
        std::string fraction = fmt::format("{:09d}", nanos);
        fraction.resize(static_cast<size_t>(n), '0');
        out->append(fraction);
        break;
      }
    }
  }
}

std::optional<TimestampValue> JavaDateFormat::Parse(std::string_view text) const {
  int64_t year = 1970;
  int month = 1, day = 1, day_of_year = 0, hour = 0, minute = 0, second = 0;
  int32_t nanos = 0;
  int hour12 = -1;
  bool pm = false;
  bool has_month_or_day = false;
  size_t pos = 0;
  for (size_t p = 0; p < parts_.size(); ++p) {
    const Part& part = parts_[p];
    if (part.letter == 0) {
      if (text.substr(pos, part.literal.size()) != part.literal) return std::nullopt;
      pos += part.literal.size();
      continue;
    }
    int n = part.count;
    if (!IsNumeric(part)) {
      int index = -1;
      if (part.letter == 'M' || part.letter == 'L') {
        index = MatchName(kMonths, n == 3, text, &pos);
        month = index + 1;
        has_month_or_day = true;
      } else if (part.letter == 'E') {
        index = MatchName(kDays, n < 4, text, &pos);
      } else if (part.letter == 'a') {
        index = MatchWord("AM", text, &pos) ? 0 : MatchWord("PM", text, &pos) ? 1 : -1;
        pm = index == 1;
      } else {  // G
        index = MatchWord("AD", text, &pos) ? 0 : -1;
      }
      if (index < 0) return std::nullopt;
      continue;
    }
    // Numbers: a fixed width when the next field follows without a separator or
    // the pattern repeats the letter (yy, MM, dd, HH, SSS); else 1 to 10 digits.
    bool year_field = part.letter == 'y' || part.letter == 'u' || part.letter == 'Y';
    bool adjacent = p + 1 < parts_.size() && IsNumeric(parts_[p + 1]);
    size_t min_digits = 1;
    size_t max_digits = 10;
    if (part.letter == 'S' || adjacent || (n >= 2 && !year_field) ||
        (year_field && n == 2)) {
      min_digits = max_digits = static_cast<size_t>(n);
    } else if (year_field) {
      min_digits = static_cast<size_t>(n);
    }
    size_t end = pos;
    while (end < text.size() && end - pos < max_digits &&
           std::isdigit(static_cast<unsigned char>(text[end]))) {
      ++end;
    }
    if (end - pos < min_digits) return std::nullopt;
    int64_t value = 0;
    for (size_t k = pos; k < end; ++k) value = value * 10 + (text[k] - '0');
    pos = end;
    switch (part.letter) {
      case 'y':
      case 'u':
      case 'Y':
        year = n == 2 ? 2000 + value : value;
        break;
      case 'M':
      case 'L':
        month = static_cast<int>(value);
        has_month_or_day = true;
        break;
      case 'Q':
        break;
      case 'd':
        day = static_cast<int>(value);
        has_month_or_day = true;
        break;
      case 'D':
        day_of_year = static_cast<int>(value);
        break;
      case 'H':
        hour = static_cast<int>(value);
        break;
      case 'k':
        hour = value == 24 ? 0 : static_cast<int>(value);
        if (value == 0) return std::nullopt;
        break;
      case 'K':
        hour12 = static_cast<int>(value);
        if (value > 11) return std::nullopt;
        break;
      case 'h':
        hour12 = static_cast<int>(value % 12);
        if (value < 1 || value > 12) return std::nullopt;
        break;
      case 'm':
        minute = static_cast<int>(value);
        break;
      case 's':
        second = static_cast<int>(value);
        break;
      case 'S': {
        int64_t scaled = value;
        for (int k = n; k < 9; ++k) scaled *= 10;
        for (int k = 9; k < n; ++k) scaled /= 10;
        nanos = static_cast<int32_t>(scaled);
        break;
      }
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (hour12 >= 0) hour = hour12 + (pm ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, month, day);
  if (day_of_year > 0 && !has_month_or_day) {
    if (day_of_year > (IsLeap(year) ? 366 : 365)) return std::nullopt;
    days = DaysFromCivil(year, 1, 1) + day_of_year - 1;
  }
  TimestampValue value;
  value.seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  value.nanos = nanos;
  return value;
}

}  // namespace weir::sql
