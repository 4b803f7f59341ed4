#include "weir/sql/bind/literal_coercion.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/util/decimal.h>

#include "weir/common/error.h"
#include "weir/sql/parse/diagnostic.h"

namespace weir::sql {
namespace {

using ScalarPtr = std::shared_ptr<arrow::Scalar>;
using TypePtr = std::shared_ptr<arrow::DataType>;

constexpr int32_t kMaxDecimal128Precision = 38;
constexpr int64_t kMillisPerDay = 86'400'000;

arrow::Result<ScalarPtr> SafeCast(const ScalarPtr& value, const TypePtr& target) {
  ARROW_ASSIGN_OR_RAISE(arrow::Datum out,
                        arrow::compute::Cast(arrow::Datum(value),
                                             arrow::compute::CastOptions::Safe(target)));
  return out.scalar();
}

// Casts `value` to `target` only if casting back gives the same value.
ScalarPtr ExactCast(const ScalarPtr& value, const TypePtr& target) {
  auto there = SafeCast(value, target);
  if (!there.ok()) return nullptr;
  auto back = SafeCast(*there, value->type);
  if (!back.ok() || !(*back)->Equals(*value)) return nullptr;
  return *there;
}

// Returns a decimal scalar holding exactly the number spelled `text`, or null when
// that needs more than 38 digits.
ScalarPtr DecimalFromText(std::string_view text) {
  arrow::Decimal128 value;
  int32_t precision = 0;
  int32_t scale = 0;
  if (!arrow::Decimal128::FromString(text, &value, &precision, &scale).ok())
    return nullptr;
  if (scale < 0) {  // 1e3 parses as 1 with scale -3
    auto rescaled = value.Rescale(scale, 0);
    if (!rescaled.ok()) return nullptr;
    value = *rescaled;
    precision -= scale;
    scale = 0;
  }
  precision = std::max({precision, scale, 1});
  if (precision > kMaxDecimal128Precision) return nullptr;
  return std::make_shared<arrow::Decimal128Scalar>(value,
                                                   arrow::decimal128(precision, scale));
}

std::string_view StringValue(const arrow::Scalar& value) {
  return static_cast<const arrow::BaseBinaryScalar&>(value).view();
}

arrow::Result<ScalarPtr> TimestampConstant(const TimestampValue& value,
                                           const arrow::TimestampType& target) {
  ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> ticks,
                        TimestampTicks(value, target.unit()));
  if (ticks) {
    return std::make_shared<arrow::TimestampScalar>(
        *ticks, arrow::timestamp(target.unit(), target.timezone()));
  }
  // Too fine for the target unit: keep the precision and let Arrow promote the value.
  arrow::TimeUnit::type unit = DefaultTimestampUnit(value);
  ARROW_ASSIGN_OR_RAISE(ticks, TimestampTicks(value, unit));
  return std::make_shared<arrow::TimestampScalar>(
      ticks.value_or(0), arrow::timestamp(unit, target.timezone()));
}

arrow::Result<ScalarPtr> CoerceNumber(const ScalarPtr& value, std::string_view text,
                                      const TypePtr& target) {
  arrow::Type::type to = target->id();
  if (arrow::is_decimal(to)) {
    std::string spelled(text);
    if (spelled.empty() && arrow::is_integer(value->type->id()))
      spelled = value->ToString();
    if (spelled.empty() && arrow::is_decimal(value->type->id())) {
      // A computed decimal constant (0.06 + 0.01): exact when the target holds it,
      // else unchanged (Arrow compares decimals of different scales exactly).
      ScalarPtr exact = ExactCast(value, target);
      return exact != nullptr ? exact : value;
    }
    // A computed floating-point constant has no exact decimal form; Arrow compares
    // it by converting the decimal side to double.
    if (spelled.empty()) return value;
    ScalarPtr decimal = DecimalFromText(spelled);
    if (decimal == nullptr) return value;
    auto exact = SafeCast(decimal, target);
    return exact.ok() ? *exact : decimal;
  }
  if (arrow::is_decimal(value->type->id()) && arrow::is_integer(to)) {
    // Arrow's safe cast fails when a fraction or the range would be lost.
    auto whole = SafeCast(value, target);
    return whole.ok() ? *whole : value;
  }
  if (arrow::is_decimal(value->type->id()) && arrow::is_floating(to)) {
    // Flink compares DECIMAL with FLOAT or DOUBLE as DOUBLE.
    auto approximate = SafeCast(value, arrow::float64());
    return approximate.ok() ? *approximate : value;
  }
  if (arrow::is_integer(to) || arrow::is_floating(to)) {
    ScalarPtr exact = ExactCast(value, target);
    return exact != nullptr ? exact : value;
  }
  return value;
}

arrow::Result<ScalarPtr> CoerceString(const ScalarPtr& value, const TypePtr& target) {
  std::string_view text = StringValue(*value);
  arrow::Type::type to = target->id();
  if (to == arrow::Type::DATE32 || to == arrow::Type::DATE64) {
    ARROW_ASSIGN_OR_RAISE(int32_t days, ParseDate(text));
    if (to == arrow::Type::DATE32) return std::make_shared<arrow::Date32Scalar>(days);
    return std::make_shared<arrow::Date64Scalar>(days * kMillisPerDay);
  }
  if (to == arrow::Type::TIMESTAMP) {
    ARROW_ASSIGN_OR_RAISE(TimestampValue timestamp, ParseTimestamp(text));
    return TimestampConstant(timestamp,
                             static_cast<const arrow::TimestampType&>(*target));
  }
  if (arrow::is_decimal(to)) {
    ScalarPtr decimal = DecimalFromText(text);
    if (decimal == nullptr) {
      return UserError("{} is not a valid {}", QuoteForMessage(text), target->ToString());
    }
    return CoerceNumber(decimal, text, target);
  }
  if (arrow::is_string_or_string_view(to) || arrow::is_numeric(to) ||
      to == arrow::Type::BOOL || arrow::is_binary_like(to)) {
    auto cast = SafeCast(value, target);
    if (!cast.ok()) {
      return UserError("{} is not a valid {}", QuoteForMessage(text), target->ToString());
    }
    return *cast;
  }
  return value;
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Scalar>> LiteralScalar(const LiteralExpr& literal) {
  const LiteralExpr::Value& value = literal.value();
  switch (literal.literal_kind()) {
    case LiteralKind::kNull:
      return arrow::MakeNullScalar(arrow::null());
    case LiteralKind::kBoolean:
      return std::make_shared<arrow::BooleanScalar>(std::get<bool>(value));
    case LiteralKind::kInteger: {
      // Flink: INT when the value fits, else BIGINT.
      int64_t number = std::get<int64_t>(value);
      if (number >= std::numeric_limits<int32_t>::min() &&
          number <= std::numeric_limits<int32_t>::max()) {
        return std::make_shared<arrow::Int32Scalar>(static_cast<int32_t>(number));
      }
      return std::make_shared<arrow::Int64Scalar>(number);
    }
    case LiteralKind::kExactNumeric: {
      // Flink (Calcite) counts every digit written, leading zeros too: 0.1 is
      // DECIMAL(2, 1), .5 DECIMAL(1, 1), 12.50 DECIMAL(4, 2); beyond 38, DOUBLE.
      ScalarPtr decimal = DecimalFromText(literal.text());
      const std::string& text = literal.text();
      auto written = static_cast<int32_t>(std::count_if(
          text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }));
      if (decimal == nullptr || written > kMaxDecimal128Precision) {
        return std::make_shared<arrow::DoubleScalar>(std::get<double>(value));
      }
      const auto& type = static_cast<const arrow::Decimal128Type&>(*decimal->type);
      return std::make_shared<arrow::Decimal128Scalar>(
          static_cast<const arrow::Decimal128Scalar&>(*decimal).value,
          arrow::decimal128(std::max(written, type.precision()), type.scale()));
    }
    case LiteralKind::kApproxNumeric:
      return std::make_shared<arrow::DoubleScalar>(std::get<double>(value));
    case LiteralKind::kString:
      return std::make_shared<arrow::StringScalar>(std::get<std::string>(value));
    case LiteralKind::kBinary:
      // Flink types X'0AFF' BINARY(2); weir keeps every BINARY(n) as BYTES.
      return std::make_shared<arrow::BinaryScalar>(std::get<std::string>(value));
    case LiteralKind::kDate:
      return std::make_shared<arrow::Date32Scalar>(std::get<int32_t>(value));
    case LiteralKind::kTimestamp: {
      const auto& timestamp = std::get<TimestampValue>(value);
      arrow::TimeUnit::type unit = DefaultTimestampUnit(timestamp);
      ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> ticks,
                            TimestampTicks(timestamp, unit));
      return std::make_shared<arrow::TimestampScalar>(
          ticks.value_or(0), arrow::timestamp(unit, timestamp.has_offset ? "UTC" : ""));
    }
    case LiteralKind::kInterval:
      return std::make_shared<arrow::DurationScalar>(std::get<int64_t>(value),
                                                     arrow::TimeUnit::MICRO);
    case LiteralKind::kMonthInterval:
      return std::make_shared<arrow::MonthIntervalScalar>(
          static_cast<int32_t>(std::get<int64_t>(value)));
    case LiteralKind::kSymbol:
      return std::make_shared<arrow::StringScalar>(std::get<std::string>(value));
  }
  return InternalError("unknown literal kind");
}

arrow::Result<std::shared_ptr<arrow::Scalar>> CoerceConstant(
    const std::shared_ptr<arrow::Scalar>& value, std::string_view numeric_text,
    const std::shared_ptr<arrow::DataType>& target_type) {
  TypePtr target = target_type;
  if (target->id() == arrow::Type::DICTIONARY) {
    target = static_cast<const arrow::DictionaryType&>(*target).value_type();
  }
  if (value->type->Equals(*target)) return value;
  if (!value->is_valid) return arrow::MakeNullScalar(target);
  arrow::Type::type from = value->type->id();
  arrow::Type::type to = target->id();
  if (arrow::is_integer(from) || arrow::is_floating(from) || arrow::is_decimal(from)) {
    return CoerceNumber(value, numeric_text, target);
  }
  if (arrow::is_string(from)) return CoerceString(value, target);
  if (from == arrow::Type::DATE32 && to == arrow::Type::DATE64) {
    return SafeCast(value, target);
  }
  if (from == arrow::Type::DATE32 && to == arrow::Type::TIMESTAMP) {
    TimestampValue midnight;
    midnight.seconds =
        static_cast<int64_t>(static_cast<const arrow::Date32Scalar&>(*value).value) *
        86400;
    return TimestampConstant(midnight, static_cast<const arrow::TimestampType&>(*target));
  }
  if (from == arrow::Type::TIMESTAMP && to == arrow::Type::TIMESTAMP) {
    const auto& type = static_cast<const arrow::TimestampType&>(*value->type);
    TimestampValue timestamp = TimestampFromTicks(
        static_cast<const arrow::TimestampScalar&>(*value).value, type.unit());
    return TimestampConstant(timestamp,
                             static_cast<const arrow::TimestampType&>(*target));
  }
  return value;
}

arrow::Result<std::shared_ptr<arrow::Scalar>> CastConstant(
    const std::shared_ptr<arrow::Scalar>& value,
    const std::shared_ptr<arrow::DataType>& target) {
  if (!value->is_valid) return arrow::MakeNullScalar(target);
  if (arrow::is_string(value->type->id())) {
    std::string_view text = StringValue(*value);
    if (target->id() == arrow::Type::DATE32) {
      ARROW_ASSIGN_OR_RAISE(int32_t days, ParseDate(text));
      return std::make_shared<arrow::Date32Scalar>(days);
    }
    if (target->id() == arrow::Type::TIMESTAMP) {
      ARROW_ASSIGN_OR_RAISE(TimestampValue timestamp, ParseTimestamp(text));
      const auto& type = static_cast<const arrow::TimestampType&>(*target);
      ARROW_ASSIGN_OR_RAISE(std::optional<int64_t> ticks,
                            TimestampTicks(timestamp, type.unit(), /*truncate=*/true));
      return std::make_shared<arrow::TimestampScalar>(ticks.value_or(0), target);
    }
  }
  ARROW_ASSIGN_OR_RAISE(
      arrow::Datum out,
      arrow::compute::Cast(arrow::Datum(value), SqlCastOptions(*value->type, target)));
  return out.scalar();
}

arrow::compute::CastOptions SqlCastOptions(const arrow::DataType& from,
                                           const std::shared_ptr<arrow::DataType>& to) {
  auto options = arrow::compute::CastOptions::Safe(to);
  if (arrow::is_integer(to->id())) {
    // CAST(3.7 AS INT) is 3: Java's narrowing drops the fraction.
    options.allow_float_truncate = arrow::is_floating(from.id());
    options.allow_decimal_truncate = arrow::is_decimal(from.id());
  }
  return options;
}

}  // namespace weir::sql
