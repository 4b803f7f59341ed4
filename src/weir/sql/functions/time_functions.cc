// Date and time functions with Flink's semantics: EXTRACT and its shorthands
// (YEAR(x), HOUR(x), …), TIMESTAMPADD/TIMESTAMPDIFF, FLOOR/CEIL to a unit, DATE_FORMAT /
// TO_TIMESTAMP / TO_DATE with Java date patterns, and the current time.

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/sql/bind/type_unify.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/java_date_format.h"
#include "weir/sql/functions/special_functions.h"
#include "weir/types/time_unit.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

constexpr std::string_view kDefaultTimestampPattern = "yyyy-MM-dd HH:mm:ss";

bool IsTimeOfDay(std::string_view unit) {
  return unit == "HOUR" || unit == "MINUTE" || unit == "SECOND" ||
         unit == "MILLISECOND" || unit == "MICROSECOND" || unit == "NANOSECOND";
}

TypedExpr IntConstant(int64_t value, const FunctionCallExpr& call) {
  return ConstantOf(arrow::MakeScalar(value), call);
}

// Returns a + b * k (int64 arithmetic on extracted fields).
arrow::Result<TypedExpr> Combine(CallBuilder& builder, const FunctionCallExpr& call,
                                 TypedExpr a, int64_t k, TypedExpr b) {
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr scaled,
      CallArrow(builder, call, "multiply", {std::move(a), IntConstant(k, call)}));
  return CallArrow(builder, call, "add", {std::move(scaled), std::move(b)});
}

// EXTRACT(unit FROM value) as BIGINT; `arg` is the index of the value, for errors.
arrow::Result<TypedExpr> Extract(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr>& args, size_t arg,
                                 std::string_view unit) {
  TypedExpr value = args[arg];
  if (value.is_bare_null()) return NullOf(arrow::int64(), call);
  TypeCategory category = CategoryOf(value.type);
  if (category != TypeCategory::kDateTime && category != TypeCategory::kTime) {
    return ArgTypeError(builder, call, args, arg, "a date, time or timestamp");
  }
  bool is_date =
      value.type->id() == arrow::Type::DATE32 || value.type->id() == arrow::Type::DATE64;
  if (is_date && (IsTimeOfDay(unit) || unit == "EPOCH")) {
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value),
                                           arrow::timestamp(arrow::TimeUnit::SECOND)));
  }
  auto field = [&](std::string_view function,
                   std::shared_ptr<cp::FunctionOptions> options = nullptr) {
    return CallArrow(builder, call, function, {value}, std::move(options));
  };
  static constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"YEAR", "year"},       {"QUARTER", "quarter"}, {"MONTH", "month"},
      {"WEEK", "iso_week"},   {"DAY", "day"},         {"HOUR", "hour"},
      {"MINUTE", "minute"},   {"SECOND", "second"},   {"MILLISECOND", "millisecond"},
      {"DOY", "day_of_year"}, {"ISOYEAR", "iso_year"}};
  for (const auto& [name, function] : kFields) {
    if (unit == name) return field(function);
  }
  if (unit == "DOW" || unit == "ISODOW") {
    // Flink's DOW counts Sunday as 1; ISODOW Monday as 1.
    return field("day_of_week", std::make_shared<cp::DayOfWeekOptions>(
                                    /*count_from_zero=*/false,
                                    /*week_start=*/unit == "DOW" ? 7 : 1));
  }
  if (unit == "MICROSECOND" || unit == "NANOSECOND") {
    ARROW_ASSIGN_OR_RAISE(TypedExpr millis, field("millisecond"));
    ARROW_ASSIGN_OR_RAISE(TypedExpr micros, field("microsecond"));
    ARROW_ASSIGN_OR_RAISE(micros, Combine(builder, call, millis, 1000, micros));
    if (unit == "MICROSECOND") return micros;
    ARROW_ASSIGN_OR_RAISE(TypedExpr nanos, field("nanosecond"));
    return Combine(builder, call, micros, 1000, nanos);
  }
  if (unit == "DECADE" || unit == "CENTURY") {
    ARROW_ASSIGN_OR_RAISE(TypedExpr year, field("year"));
    if (unit == "CENTURY") {
      ARROW_ASSIGN_OR_RAISE(
          year, CallArrow(builder, call, "add", {year, IntConstant(99, call)}));
    }
    return CallArrow(builder, call, "divide",
                     {year, IntConstant(unit == "DECADE" ? 10 : 100, call)});
  }
  if (unit == "EPOCH" && value.type->id() == arrow::Type::TIMESTAMP) {
    auto seconds = arrow::timestamp(
        arrow::TimeUnit::SECOND,
        static_cast<const arrow::TimestampType&>(*value.type).timezone());
    auto options = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(seconds));
    options->allow_time_truncate = true;
    ARROW_ASSIGN_OR_RAISE(TypedExpr truncated, field("cast", options));
    return CallArrow(
        builder, call, "cast", {truncated},
        std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(arrow::int64())));
  }
  return builder.TypeError(StartPosition(*call.args()[0]),
                           fmt::format("{} cannot extract {} from {}", CalledName(call),
                                       unit, Describe(args[arg])));
}

// EXTRACT(unit FROM x), which the parser passes as EXTRACT(unit, x).
arrow::Result<TypedExpr> BindExtract(CallBuilder& builder, const FunctionCallExpr& call,
                                     std::vector<TypedExpr> args) {
  std::optional<std::string> unit = SymbolArg(call, args, 0);
  if (!unit) return ArgTypeError(builder, call, args, 0, "a time unit");
  for (char& c : *unit)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Extract(builder, call, args, 1, *unit);
}

// YEAR(x), MONTH(x), DAYOFWEEK(x), HOUR(x), …: EXTRACT of one unit.
arrow::Result<TypedExpr> BindExtractShorthand(CallBuilder& builder,
                                              const FunctionCallExpr& call,
                                              std::vector<TypedExpr> args) {
  static constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
      {"DAYOFYEAR", "DOY"}, {"DAYOFMONTH", "DAY"}, {"DAYOFWEEK", "DOW"}};
  std::string unit = CalledName(call);
  for (const auto& [name, alias] : kUnits) {
    if (unit == name) unit = alias;
  }
  return Extract(builder, call, args, 0, unit);
}

std::optional<std::string> UpperSymbol(const FunctionCallExpr& call,
                                       const std::vector<TypedExpr>& args, size_t i) {
  std::optional<std::string> unit = SymbolArg(call, args, i);
  if (unit) {
    for (char& c : *unit)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return unit;
}

// The units of TIMESTAMPADD and TIMESTAMPDIFF: months, or seconds, per unit.
struct StepUnit {
  std::string_view name;
  int64_t months;
  int64_t seconds;
};
constexpr StepUnit kStepUnits[] = {
    {"SECOND", 0, 1},       {"MINUTE", 0, 60}, {"HOUR", 0, 3600}, {"DAY", 0, 86400},
    {"WEEK", 0, 7 * 86400}, {"MONTH", 1, 0},   {"QUARTER", 3, 0}, {"YEAR", 12, 0}};

// The unit (first argument) of TIMESTAMPADD or TIMESTAMPDIFF.
arrow::Result<const StepUnit*> StepUnitArg(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr>& args) {
  std::optional<std::string> name = UpperSymbol(call, args, 0);
  for (const StepUnit& unit : kStepUnits) {
    if (name && *name == unit.name) return &unit;
  }
  return ArgTypeError(
      builder, call, args, 0,
      "a unit from SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR");
}

bool IsDateOrTimestamp(const TypedExpr& value) {
  return value.type->id() == arrow::Type::DATE32 ||
         value.type->id() == arrow::Type::TIMESTAMP;
}

// TIMESTAMPADD(unit, count, t): t moved by count units. A DATE stays a DATE for
// DAY and longer units and becomes a TIMESTAMP for shorter ones; month units clamp
// the day to the end of the month (as Flink).
arrow::Result<TypedExpr> BindTimestampAdd(CallBuilder& builder,
                                          const FunctionCallExpr& call,
                                          std::vector<TypedExpr> args) {
  ARROW_ASSIGN_OR_RAISE(const StepUnit* unit, StepUnitArg(builder, call, args));
  TypedExpr count = args[1];
  TypedExpr value = args[2];
  if (!value.is_bare_null() && !IsDateOrTimestamp(value)) {
    return ArgTypeError(builder, call, args, 2, "a date or timestamp");
  }
  bool is_date = value.type->id() == arrow::Type::DATE32 || value.is_bare_null();
  bool stays_date = is_date && (unit->months > 0 || unit->seconds >= 86400);
  auto result_type = stays_date ? arrow::date32()
                     : is_date  ? arrow::timestamp(arrow::TimeUnit::MICRO)
                                : value.type;
  if (count.is_null_constant() || value.is_bare_null()) return NullOf(result_type, call);
  ARROW_ASSIGN_OR_RAISE(count, ConvertTo(builder, std::move(count), arrow::int64()));
  if (unit->months > 0) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr months,
                          CallArrow(builder, call, "multiply_checked",
                                    {std::move(count), IntConstant(unit->months, call)}));
    ARROW_ASSIGN_OR_RAISE(months, ConvertTo(builder, std::move(months), arrow::int32()));
    return CallArrow(builder, call, "weir_add_months",
                     {std::move(value), std::move(months)});
  }
  if (stays_date) {
    ARROW_ASSIGN_OR_RAISE(
        TypedExpr days,
        CallArrow(builder, call, "multiply_checked",
                  {std::move(count), IntConstant(unit->seconds / 86400, call)}));
    ARROW_ASSIGN_OR_RAISE(TypedExpr day,
                          ConvertTo(builder, std::move(value), arrow::int32()));
    ARROW_ASSIGN_OR_RAISE(day, ConvertTo(builder, std::move(day), arrow::int64()));
    ARROW_ASSIGN_OR_RAISE(TypedExpr sum, CallArrow(builder, call, "add_checked",
                                                   {std::move(day), std::move(days)}));
    ARROW_ASSIGN_OR_RAISE(sum, ConvertTo(builder, std::move(sum), arrow::int32()));
    return ConvertTo(builder, std::move(sum), arrow::date32());
  }
  if (is_date) {
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value), result_type));
  }
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr delta,
      CallArrow(
          builder, call, "multiply_checked",
          {std::move(count),
           IntConstant(
               unit->seconds *
                   types::TicksPerSecond(
                       static_cast<const arrow::TimestampType&>(*result_type).unit()),
               call)}));
  ARROW_ASSIGN_OR_RAISE(TypedExpr ticks,
                        ConvertTo(builder, std::move(value), arrow::int64()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr sum, CallArrow(builder, call, "add_checked",
                                                 {std::move(ticks), std::move(delta)}));
  return ConvertTo(builder, std::move(sum), result_type);
}

// TIMESTAMPDIFF(unit, from, to): whole units from `from` to `to` as INT, truncated
// toward zero; months as Flink counts them (weir_months_between).
arrow::Result<TypedExpr> BindTimestampDiff(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args) {
  ARROW_ASSIGN_OR_RAISE(const StepUnit* unit, StepUnitArg(builder, call, args));
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (!args[i].is_bare_null() && !IsDateOrTimestamp(args[i])) {
      return ArgTypeError(builder, call, args, i, "a date or timestamp");
    }
  }
  if (args[1].is_bare_null() || args[2].is_bare_null())
    return NullOf(arrow::int32(), call);
  auto micros = arrow::timestamp(arrow::TimeUnit::MICRO);
  ARROW_ASSIGN_OR_RAISE(TypedExpr from, ConvertTo(builder, args[1], micros));
  ARROW_ASSIGN_OR_RAISE(TypedExpr to, ConvertTo(builder, args[2], micros));
  if (unit->months > 0) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr months,
                          CallArrow(builder, call, "weir_months_between",
                                    {std::move(from), std::move(to)}));
    if (unit->months == 1) return months;
    return CallArrow(
        builder, call, "divide",
        {std::move(months), ConstantOf(std::make_shared<arrow::Int32Scalar>(
                                           static_cast<int32_t>(unit->months)),
                                       call)});
  }
  ARROW_ASSIGN_OR_RAISE(from, ConvertTo(builder, std::move(from), arrow::int64()));
  ARROW_ASSIGN_OR_RAISE(to, ConvertTo(builder, std::move(to), arrow::int64()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr ticks, CallArrow(builder, call, "subtract_checked",
                                                   {std::move(to), std::move(from)}));
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr units,
      CallArrow(builder, call, "divide",
                {std::move(ticks), IntConstant(unit->seconds * 1000000, call)}));
  return ConvertTo(builder, std::move(units), arrow::int32());
}

std::optional<cp::CalendarUnit> CalendarUnitOf(std::string_view unit) {
  static constexpr std::pair<std::string_view, cp::CalendarUnit> kUnits[] = {
      {"YEAR", cp::CalendarUnit::YEAR},
      {"QUARTER", cp::CalendarUnit::QUARTER},
      {"MONTH", cp::CalendarUnit::MONTH},
      {"WEEK", cp::CalendarUnit::WEEK},
      {"DAY", cp::CalendarUnit::DAY},
      {"HOUR", cp::CalendarUnit::HOUR},
      {"MINUTE", cp::CalendarUnit::MINUTE},
      {"SECOND", cp::CalendarUnit::SECOND},
      {"MILLISECOND", cp::CalendarUnit::MILLISECOND},
      {"MICROSECOND", cp::CalendarUnit::MICROSECOND},
      {"NANOSECOND", cp::CalendarUnit::NANOSECOND}};
  for (const auto& [name, value] : kUnits) {
    if (name == unit) return value;
  }
  return std::nullopt;
}

// Validates a constant pattern at bind time so mistakes point into the SQL.
arrow::Status CheckPattern(CallBuilder& builder, const FunctionCallExpr& call,
                           const std::vector<TypedExpr>& args, size_t i) {
  std::optional<std::string> pattern = ConstantString(args[i]);
  if (!pattern) return arrow::Status::OK();
  auto compiled = JavaDateFormat::Compile(*pattern);
  if (compiled.ok()) return arrow::Status::OK();
  return builder.TypeError(
      StartPosition(*call.args()[i]),
      fmt::format("{}: {}", CalledName(call), compiled.status().message()));
}

// DATE_FORMAT(value[, pattern]): a timestamp, date or timestamp string formatted
// with a Java pattern ('yyyy-MM-dd HH:mm:ss' by default).
arrow::Result<TypedExpr> BindDateFormat(CallBuilder& builder,
                                        const FunctionCallExpr& call,
                                        std::vector<TypedExpr> args) {
  if (args.size() == 1) {
    args.push_back(ConstantOf(
        std::make_shared<arrow::StringScalar>(std::string(kDefaultTimestampPattern)),
        call));
  }
  ARROW_RETURN_NOT_OK(CheckPattern(builder, call, args, 1));
  TypedExpr value = args[0];
  if (value.is_bare_null()) return NullOf(arrow::utf8(), call);
  TypeCategory category = CategoryOf(value.type);
  if (category == TypeCategory::kString) {
    ARROW_RETURN_NOT_OK(RequireString(builder, call, args, 0));
    ARROW_ASSIGN_OR_RAISE(value,
                          CallArrow(builder, call, "weir_to_timestamp", {args[0]}));
  } else if (category != TypeCategory::kDateTime) {
    return ArgTypeError(builder, call, args, 0, "a timestamp, date or string");
  } else if (value.type->id() != arrow::Type::TIMESTAMP) {
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value),
                                           arrow::timestamp(arrow::TimeUnit::SECOND)));
  } else if (!static_cast<const arrow::TimestampType&>(*value.type).timezone().empty()) {
    // Format the wall-clock time of the value's zone.
    ARROW_ASSIGN_OR_RAISE(value, CallArrow(builder, call, "local_timestamp", {value}));
  }
  return CallArrow(builder, call, "weir_date_format", {value, args[1]});
}

// FROM_UNIXTIME(seconds[, pattern]): the epoch seconds formatted as UTC wall-clock
// time (weir's session time zone) with a Java pattern ('yyyy-MM-dd HH:mm:ss').
arrow::Result<TypedExpr> BindFromUnixtime(CallBuilder& builder,
                                          const FunctionCallExpr& call,
                                          std::vector<TypedExpr> args) {
  if (args[0].is_bare_null()) return NullOf(arrow::utf8(), call);
  if (CategoryOf(args[0].type) != TypeCategory::kNumeric) {
    return ArgTypeError(builder, call, args, 0, "a number of seconds");
  }
  if (args.size() == 1) {
    args.push_back(ConstantOf(
        std::make_shared<arrow::StringScalar>(std::string(kDefaultTimestampPattern)),
        call));
  }
  ARROW_RETURN_NOT_OK(CheckPattern(builder, call, args, 1));
  ARROW_ASSIGN_OR_RAISE(TypedExpr seconds, ConvertTo(builder, args[0], arrow::int64()));
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr time,
      ConvertTo(builder, seconds, arrow::timestamp(arrow::TimeUnit::SECOND)));
  return CallArrow(builder, call, "weir_date_format", {time, args[1]});
}

// UNIX_TIMESTAMP(): the current epoch seconds (read once per batch, as NOW());
// UNIX_TIMESTAMP(text[, pattern]): the seconds of UTC wall-clock text, NULL when it
// does not parse.
arrow::Result<TypedExpr> BindUnixTimestamp(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args) {
  TypedExpr time;
  if (args.empty()) {
    ARROW_ASSIGN_OR_RAISE(time, CallArrow(builder, call, "weir_current_timestamp", {}));
  } else {
    ARROW_RETURN_NOT_OK(RequireString(builder, call, args, 0));
    std::string kernel = "weir_to_timestamp";
    if (args.size() == 2) {
      ARROW_RETURN_NOT_OK(CheckPattern(builder, call, args, 1));
      kernel += "_format";
    }
    ARROW_ASSIGN_OR_RAISE(time, CallArrow(builder, call, kernel, std::move(args)));
  }
  // Seconds, rounded down also before 1970: floor(millis / 1000).
  auto cast_to = [&](TypedExpr value, std::shared_ptr<arrow::DataType> type) {
    return CallArrow(builder, call, "cast", {std::move(value)},
                     std::make_shared<cp::CastOptions>(cp::CastOptions::Unsafe(type)));
  };
  ARROW_ASSIGN_OR_RAISE(TypedExpr millis, cast_to(time, arrow::int64()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr real, cast_to(millis, arrow::float64()));
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr seconds,
      CallArrow(builder, call, "divide",
                {real, ConstantOf(std::make_shared<arrow::DoubleScalar>(1000.0), call)}));
  ARROW_ASSIGN_OR_RAISE(TypedExpr floored, CallArrow(builder, call, "floor", {seconds}));
  return cast_to(floored, arrow::int64());
}

// TO_TIMESTAMP(text[, pattern]) as TIMESTAMP(3) and TO_DATE(text[, pattern]);
// text that does not parse gives NULL.
arrow::Result<TypedExpr> BindParseTime(CallBuilder& builder, const FunctionCallExpr& call,
                                       std::vector<TypedExpr> args) {
  std::string kernel =
      CalledName(call) == "TO_DATE" ? "weir_to_date" : "weir_to_timestamp";
  if (args.size() == 2) {
    ARROW_RETURN_NOT_OK(CheckPattern(builder, call, args, 1));
    kernel += "_format";
  }
  return CallArrow(builder, call, kernel, std::move(args));
}

// TO_TIMESTAMP_LTZ(epoch[, precision]): epoch seconds (precision 0) or milliseconds
// (3, the default) as TIMESTAMP_LTZ(3).
arrow::Result<TypedExpr> BindToTimestampLtz(CallBuilder& builder,
                                            const FunctionCallExpr& call,
                                            std::vector<TypedExpr> args) {
  int64_t precision = 3;
  if (args.size() == 2) {
    std::optional<int64_t> given = ConstantInteger(args[1]);
    if (!given || (*given != 0 && *given != 3)) {
      return ArgTypeError(builder, call, args, 1, "the precision 0 or 3");
    }
    precision = *given;
  }
  TypedExpr millis = args[0];
  if (precision == 0) {
    TypedExpr thousand;
    thousand.expr = cp::literal(int64_t{1000});
    thousand.type = arrow::int64();
    ARROW_ASSIGN_OR_RAISE(
        millis, CallArrow(builder, call, "multiply_checked", {millis, thousand}));
  }
  auto type = arrow::timestamp(arrow::TimeUnit::MILLI, "UTC");
  return CallArrow(builder, call, "cast", {millis},
                   std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(type)));
}

// CURRENT_TIMESTAMP(), NOW(), LOCALTIMESTAMP(), CURRENT_DATE(): read for every
// batch, as Flink's streaming mode reads them for every record.
arrow::Result<TypedExpr> BindNow(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr>) {
  std::string name = CalledName(call);
  std::string_view kernel = name == "CURRENT_DATE"     ? "weir_current_date"
                            : name == "LOCALTIMESTAMP" ? "weir_local_timestamp"
                            : name == "PROCTIME"       ? "weir_proctime"
                                                       : "weir_current_timestamp";
  return CallArrow(builder, call, kernel, {});
}

// CURRENT_WATERMARK(rowtime): the watermark of the operator evaluating it, typed as
// its argument (the time attribute is checked when the job is built).
arrow::Result<TypedExpr> BindCurrentWatermark(CallBuilder& builder,
                                              const FunctionCallExpr& call,
                                              std::vector<TypedExpr> args) {
  if (args[0].type->id() != arrow::Type::TIMESTAMP) {
    return ArgTypeError(builder, call, args, 0,
                        "a rowtime attribute (TIMESTAMP(3) or "
                        "TIMESTAMP_LTZ(3))");
  }
  return CallArrow(builder, call, "weir_current_watermark", {args[0]});
}

constexpr FunctionEntry kTimeFunctions[] = {
    {"EXTRACT", "SYMBOL, TEMPORAL", BindExtract},
    {"TIMESTAMPADD", "SYMBOL, INTEGER, ANY", BindTimestampAdd},
    {"TIMESTAMPDIFF", "SYMBOL, ANY, ANY", BindTimestampDiff},
    {"YEAR", "TEMPORAL", BindExtractShorthand},
    {"QUARTER", "TEMPORAL", BindExtractShorthand},
    {"MONTH", "TEMPORAL", BindExtractShorthand},
    {"WEEK", "TEMPORAL", BindExtractShorthand},
    {"DAYOFYEAR", "TEMPORAL", BindExtractShorthand},
    {"DAYOFMONTH", "TEMPORAL", BindExtractShorthand},
    {"DAYOFWEEK", "TEMPORAL", BindExtractShorthand},
    {"HOUR", "TEMPORAL", BindExtractShorthand},
    {"MINUTE", "TEMPORAL", BindExtractShorthand},
    {"SECOND", "TEMPORAL", BindExtractShorthand},
    {"DATE_FORMAT", "ANY | ANY, STRING", BindDateFormat},
    {"TO_TIMESTAMP", "STRING | STRING, STRING", BindParseTime},
    {"TO_DATE", "STRING | STRING, STRING", BindParseTime},
    {"TO_TIMESTAMP_LTZ", "INTEGER | INTEGER, ANY", BindToTimestampLtz},
    {"FROM_UNIXTIME", "NUMERIC | NUMERIC, STRING", BindFromUnixtime},
    {"UNIX_TIMESTAMP", " | STRING | STRING, STRING", BindUnixTimestamp},
    {"CURRENT_TIMESTAMP", "", BindNow},
    {"CURRENT_ROW_TIMESTAMP", "", BindNow},
    {"NOW", "", BindNow},
    {"LOCALTIMESTAMP", "", BindNow},
    {"CURRENT_DATE", "", BindNow},
    {"PROCTIME", "", BindNow},
    {"CURRENT_WATERMARK", "ANY", BindCurrentWatermark},
};

}  // namespace

arrow::Result<TypedExpr> BindTemporalRound(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args, bool ceil) {
  std::optional<std::string> unit = SymbolArg(call, args, 1);
  if (unit) {
    for (char& c : *unit)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  std::optional<cp::CalendarUnit> calendar_unit =
      unit ? CalendarUnitOf(*unit) : std::nullopt;
  if (!calendar_unit) {
    return ArgTypeError(builder, call, args, 1,
                        "a unit from YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, "
                        "SECOND, MILLISECOND, MICROSECOND");
  }
  if (args[0].is_bare_null()) return args[0];
  TypeCategory category = CategoryOf(args[0].type);
  if (category != TypeCategory::kDateTime && category != TypeCategory::kTime) {
    return ArgTypeError(builder, call, args, 0, "a date, time or timestamp");
  }
  // Weeks start on Sunday, as in Flink (Calcite).
  auto options = std::make_shared<cp::RoundTemporalOptions>(1, *calendar_unit,
                                                            /*week_starts_monday=*/false);
  return CallArrow(builder, call, ceil ? "ceil_temporal" : "floor_temporal", {args[0]},
                   std::move(options));
}

std::span<const FunctionEntry> TimeFunctionEntries() { return kTimeFunctions; }

}  // namespace weir::sql
