// Kernels for Flink's DATE_FORMAT, TO_TIMESTAMP, TO_DATE (Java date patterns;
// unparsable text gives NULL as in Flink), year-month interval arithmetic and the
// current-time functions.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include <arrow/builder.h>
#include <arrow/compute/registry.h>
#include <fmt/format.h>

#include "weir/expr/evaluation_context.h"
#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/java_date_format.h"
#include "weir/sql/functions/row_kernel.h"
#include "weir/sql/parse/temporal_literal.h"
#include "weir/types/time_unit.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// Compiles the pattern of `row`, reusing the previous compilation: patterns are
// nearly always constant.
arrow::Result<const JavaDateFormat*> PatternOf(const RowArgs& args, int arg,
                                               int64_t row) {
  thread_local std::string last_pattern;
  thread_local std::optional<JavaDateFormat> last_format;
  std::string_view pattern = args.String(arg, row);
  if (!last_format || pattern != last_pattern) {
    last_format.reset();
    ARROW_ASSIGN_OR_RAISE(JavaDateFormat format, JavaDateFormat::Compile(pattern));
    last_format = std::move(format);
    last_pattern = std::string(pattern);
  }
  return &*last_format;
}

// DATE_FORMAT(timestamp, pattern) on wall-clock timestamps of any unit.
arrow::Status DateFormatRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  ARROW_ASSIGN_OR_RAISE(const JavaDateFormat* format, PatternOf(args, 1, row));
  int64_t per_second = types::TicksPerSecond(
      static_cast<const arrow::TimestampType&>(args.type(0)).unit());
  int64_t ticks = args.Int64(0, row);
  int64_t seconds = ticks / per_second;
  int64_t rest = ticks % per_second;
  if (rest < 0) {
    rest += per_second;
    --seconds;
  }
  std::string text;
  format->Format(seconds, static_cast<int32_t>(rest * (1000000000 / per_second)), &text);
  return out->Append(text);
}

arrow::Status AppendMillis(const std::optional<TimestampValue>& value,
                           arrow::Int64Builder* out) {
  if (!value || value->has_offset) return out->AppendNull();
  auto ticks = TimestampTicks(*value, arrow::TimeUnit::MILLI, /*truncate=*/true);
  if (!ticks.ok() || !ticks->has_value()) return out->AppendNull();
  return out->Append(**ticks);
}

arrow::Status AppendDay(const std::optional<TimestampValue>& value,
                        arrow::Int32Builder* out) {
  if (!value || value->has_offset) return out->AppendNull();
  int64_t days = value->seconds / 86400 - (value->seconds % 86400 < 0 ? 1 : 0);
  return out->Append(static_cast<int32_t>(days));
}

std::optional<TimestampValue> ParseDefault(std::string_view text) {
  auto value = ParseTimestamp(text);
  if (!value.ok()) return std::nullopt;
  return *value;
}

// TO_TIMESTAMP(text): 'yyyy-MM-dd HH:mm:ss[.fff]' (a date alone is midnight).
arrow::Status ToTimestampRow(const RowArgs& args, int64_t row, arrow::Int64Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  return AppendMillis(ParseDefault(args.String(0, row)), out);
}

arrow::Status ToTimestampFormatRow(const RowArgs& args, int64_t row,
                                   arrow::Int64Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  ARROW_ASSIGN_OR_RAISE(const JavaDateFormat* format, PatternOf(args, 1, row));
  return AppendMillis(format->Parse(args.String(0, row)), out);
}

// TO_DATE(text): 'yyyy-MM-dd'.
arrow::Status ToDateRow(const RowArgs& args, int64_t row, arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  auto days = ParseDate(args.String(0, row));
  if (!days.ok()) return out->AppendNull();
  return out->Append(*days);
}

arrow::Status ToDateFormatRow(const RowArgs& args, int64_t row,
                              arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  ARROW_ASSIGN_OR_RAISE(const JavaDateFormat* format, PatternOf(args, 1, row));
  return AppendDay(format->Parse(args.String(0, row)), out);
}

enum class Clock { kTimestamp, kDate };

// The current time, the same for every row of one call. The session time zone is
// UTC, so local and zoned values share the clock reading.
template <Clock kClock>
arrow::Status NowExec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                      cp::ExecResult* out) {
  int64_t millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::shared_ptr<arrow::ArrayData> data;
  if constexpr (kClock == Clock::kDate) {
    arrow::Int32Builder builder(ctx->memory_pool());
    int64_t days = millis / 86400000 - (millis % 86400000 < 0 ? 1 : 0);
    ARROW_RETURN_NOT_OK(builder.AppendValues(std::vector<int32_t>(
        static_cast<size_t>(batch.length), static_cast<int32_t>(days))));
    ARROW_RETURN_NOT_OK(builder.FinishInternal(&data));
  } else {
    arrow::Int64Builder builder(ctx->memory_pool());
    ARROW_RETURN_NOT_OK(builder.AppendValues(
        std::vector<int64_t>(static_cast<size_t>(batch.length), millis)));
    ARROW_RETURN_NOT_OK(builder.FinishInternal(&data));
  }
  data->type = ctx->kernel()->signature->out_type().type();
  out->value = std::move(data);
  return arrow::Status::OK();
}

arrow::Status AddNow(cp::FunctionRegistry* registry, std::string name,
                     std::shared_ptr<arrow::DataType> type, cp::ArrayKernelExec exec,
                     std::string summary) {
  // Not pure: Arrow must not fold it into a constant when simplifying.
  auto function = std::make_shared<cp::ScalarFunction>(
      std::move(name), cp::Arity::Nullary(), cp::FunctionDoc(std::move(summary), "", {}),
      /*default_options=*/nullptr, /*is_pure=*/false);
  cp::ScalarKernel kernel({}, std::move(type), exec);
  kernel.null_handling = cp::NullHandling::OUTPUT_NOT_NULL;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

// CURRENT_WATERMARK(rowtime): the evaluating operator's watermark in the argument's
// type, NULL for every row before the first watermark and in batch mode.
arrow::Status CurrentWatermarkExec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                                   cp::ExecResult* out) {
  const auto& type = static_cast<const arrow::TimestampType&>(*batch[0].type());
  std::optional<int64_t> micros = expr::CurrentWatermark();
  const auto length = static_cast<size_t>(batch.length);
  arrow::Int64Builder builder(ctx->memory_pool());
  if (micros) {
    int64_t value = *micros;
    switch (type.unit()) {
      case arrow::TimeUnit::SECOND:
        value = value / 1000000 - (value % 1000000 < 0 ? 1 : 0);
        break;
      case arrow::TimeUnit::MILLI:
        value = value / 1000 - (value % 1000 < 0 ? 1 : 0);
        break;
      case arrow::TimeUnit::MICRO:
        break;
      case arrow::TimeUnit::NANO:
        value = value > INT64_MAX / 1000 ? INT64_MAX : value * 1000;
        break;
    }
    ARROW_RETURN_NOT_OK(builder.AppendValues(std::vector<int64_t>(length, value)));
  } else {
    ARROW_RETURN_NOT_OK(builder.AppendNulls(batch.length));
  }
  std::shared_ptr<arrow::ArrayData> data;
  ARROW_RETURN_NOT_OK(builder.FinishInternal(&data));
  data->type = batch[0].type()->GetSharedPtr();
  out->value = std::move(data);
  return arrow::Status::OK();
}

arrow::Status CurrentWatermarkFunction(cp::FunctionRegistry* registry) {
  // Not pure: its value changes with the watermark, so Arrow must not fold it.
  auto function = std::make_shared<cp::ScalarFunction>(
      "weir_current_watermark", cp::Arity::Unary(),
      cp::FunctionDoc("CURRENT_WATERMARK(rowtime): the current watermark, NULL before "
                      "the first one",
                      "", {"rowtime"}),
      /*default_options=*/nullptr, /*is_pure=*/false);
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::TIMESTAMP)},
      cp::OutputType([](cp::KernelContext*, const std::vector<arrow::TypeHolder>& types)
                         -> arrow::Result<arrow::TypeHolder> { return types[0]; }),
      CurrentWatermarkExec);
  kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

// Adds `months` to the day `day` (days since the epoch). A day past the end of the
// target month becomes its last day, as Flink's (Calcite's) addMonths does:
// 2024-01-31 + 1 month is 2024-02-29.
int32_t AddMonthsToDay(int32_t day, int64_t months) {
  namespace ch = std::chrono;
  ch::year_month_day date{ch::sys_days{ch::days{day}}};
  int64_t index = static_cast<int64_t>(static_cast<int>(date.year())) * 12 +
                  static_cast<unsigned>(date.month()) - 1 + months;
  int64_t year_number = index >= 0 ? index / 12 : (index - 11) / 12;
  ch::year year{static_cast<int>(year_number)};
  ch::month month{static_cast<unsigned>(index - year_number * 12) + 1};
  ch::year_month_day_last last{year / month / ch::last};
  ch::day day_of_month = std::min(date.day(), last.day());
  return static_cast<int32_t>(ch::sys_days{ch::year_month_day{year, month, day_of_month}}
                                  .time_since_epoch()
                                  .count());
}

arrow::Status DateAddMonthsRow(const RowArgs& args, int64_t row,
                               arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  return out->Append(AddMonthsToDay(args.Int32(0, row), args.Int32(1, row)));
}

arrow::Status TimestampAddMonthsRow(const RowArgs& args, int64_t row,
                                    arrow::Int64Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  int64_t per_day =
      86400 * types::TicksPerSecond(
                  static_cast<const arrow::TimestampType&>(args.type(0)).unit());
  int64_t ticks = args.Int64(0, row);
  int64_t day = ticks / per_day - (ticks % per_day < 0 ? 1 : 0);
  int64_t time_of_day = ticks - day * per_day;
  int64_t moved = AddMonthsToDay(static_cast<int32_t>(day), args.Int32(1, row));
  return out->Append(moved * per_day + time_of_day);
}

// The row loop builds int64; the result has the timestamp type of the input.
arrow::Status TimestampAddMonthsExec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                                     cp::ExecResult* out) {
  ARROW_RETURN_NOT_OK(
      (RowExec<arrow::Int64Builder, TimestampAddMonthsRow>(ctx, batch, out)));
  out->array_data()->type = batch[0].type()->GetSharedPtr();
  return arrow::Status::OK();
}

arrow::Status AddMonthsFunction(cp::FunctionRegistry* registry) {
  auto function = std::make_shared<cp::ScalarFunction>(
      "weir_add_months", cp::Arity::Binary(),
      cp::FunctionDoc("Adds a number of months to a date or timestamp (the day is "
                      "clamped to the end of the month)",
                      "", {"datetime", "months"}));
  auto add = [&](cp::InputType input, cp::OutputType output,
                 cp::ArrayKernelExec exec) -> arrow::Status {
    cp::ScalarKernel kernel({std::move(input), arrow::int32()}, std::move(output), exec);
    kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
    kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
    kernel.can_write_into_slices = false;
    return function->AddKernel(std::move(kernel));
  };
  ARROW_RETURN_NOT_OK(add(arrow::date32(), arrow::date32(),
                          RowExec<arrow::Int32Builder, DateAddMonthsRow>));
  ARROW_RETURN_NOT_OK(add(
      cp::InputType(arrow::Type::TIMESTAMP),
      cp::OutputType([](cp::KernelContext*, const std::vector<arrow::TypeHolder>& types)
                         -> arrow::Result<arrow::TypeHolder> { return types[0]; }),
      TimestampAddMonthsExec));
  return registry->AddFunction(std::move(function));
}

// Whole months from day `d1` to day `d0`: the largest m with d1 + m months <= d0
// (Calcite's subtractMonths, which Flink's TIMESTAMPDIFF uses: 01-31 to 02-28 is one
// month, as 01-31 + 1 month is 02-28).
int64_t SubtractMonths(int32_t d0, int32_t d1) {
  if (d0 < d1) return -SubtractMonths(d1, d0);
  int64_t months = (d0 - d1) / 31;  // no month is longer: never too many
  while (AddMonthsToDay(d1, months + 1) <= d0) ++months;
  return months;
}

// TIMESTAMPDIFF(MONTH, from, to) on timestamps of one unit: the months between the
// days, one fewer when `to` falls on the month-aligned day but earlier in it.
arrow::Status MonthsBetweenRow(const RowArgs& args, int64_t row,
                               arrow::Int32Builder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  int64_t per_day =
      86400 * types::TicksPerSecond(
                  static_cast<const arrow::TimestampType&>(args.type(0)).unit());
  auto split = [per_day](int64_t ticks) {
    int64_t day = ticks / per_day - (ticks % per_day < 0 ? 1 : 0);
    return std::make_pair(static_cast<int32_t>(day), ticks - day * per_day);
  };
  auto [from_day, from_time] = split(args.Int64(0, row));
  auto [to_day, to_time] = split(args.Int64(1, row));
  int64_t months = SubtractMonths(to_day, from_day);
  if (AddMonthsToDay(from_day, months) == to_day && to_time < from_time) --months;
  return out->Append(static_cast<int32_t>(months));
}

arrow::Status MonthsBetweenFunction(cp::FunctionRegistry* registry) {
  auto function = std::make_shared<cp::ScalarFunction>(
      "weir_months_between", cp::Arity::Binary(),
      cp::FunctionDoc("Whole months from the first timestamp to the second (Flink's "
                      "TIMESTAMPDIFF with MONTH)",
                      "", {"from", "to"}));
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::TIMESTAMP), cp::InputType(arrow::Type::TIMESTAMP)},
      arrow::int32(), RowExec<arrow::Int32Builder, MonthsBetweenRow>);
  kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

cp::FunctionDoc Doc(std::string summary, std::vector<std::string> arg_names) {
  return cp::FunctionDoc(std::move(summary), "", std::move(arg_names));
}

}  // namespace

arrow::Status RegisterDatetimeKernels(cp::FunctionRegistry* registry) {
  auto utf8 = arrow::utf8();
  auto millis = arrow::timestamp(arrow::TimeUnit::MILLI);
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::StringBuilder, DateFormatRow>(
      registry, "weir_date_format", {cp::InputType(arrow::Type::TIMESTAMP), utf8}, utf8,
      Doc("Flink DATE_FORMAT with a Java date pattern", {"timestamp", "pattern"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int64Builder, ToTimestampRow>(
      registry, "weir_to_timestamp", {utf8}, millis,
      Doc("Flink TO_TIMESTAMP: NULL when unparsable", {"text"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int64Builder, ToTimestampFormatRow>(
      registry, "weir_to_timestamp_format", {utf8, utf8}, millis,
      Doc("Flink TO_TIMESTAMP with a Java date pattern: NULL when unparsable",
          {"text", "pattern"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int32Builder, ToDateRow>(
      registry, "weir_to_date", {utf8}, arrow::date32(),
      Doc("Flink TO_DATE: NULL when unparsable", {"text"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::Int32Builder, ToDateFormatRow>(
      registry, "weir_to_date_format", {utf8, utf8}, arrow::date32(),
      Doc("Flink TO_DATE with a Java date pattern: NULL when unparsable",
          {"text", "pattern"}))));
  ARROW_RETURN_NOT_OK(AddMonthsFunction(registry));
  ARROW_RETURN_NOT_OK(MonthsBetweenFunction(registry));
  ARROW_RETURN_NOT_OK(CurrentWatermarkFunction(registry));
  ARROW_RETURN_NOT_OK(AddNow(
      registry, "weir_current_timestamp", arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"),
      NowExec<Clock::kTimestamp>, "The current time as TIMESTAMP_LTZ(3)"));
  ARROW_RETURN_NOT_OK(
      AddNow(registry, "weir_proctime", arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"),
             NowExec<Clock::kTimestamp>,
             "PROCTIME(): the processing time as TIMESTAMP_LTZ(3), a time attribute"));
  ARROW_RETURN_NOT_OK(AddNow(registry, "weir_local_timestamp", millis,
                             NowExec<Clock::kTimestamp>,
                             "The current UTC wall-clock time as TIMESTAMP(3)"));
  return AddNow(registry, "weir_current_date", arrow::date32(), NowExec<Clock::kDate>,
                "The current UTC date");
}

}  // namespace weir::sql
