#include "weir/sql/bind/numeric_arithmetic.h"

#include <algorithm>

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>

#include "weir/sql/bind/sql_type.h"
#include "weir/sql/bind/type_unify.h"
#include "weir/sql/functions/function_catalog.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;
using TypePtr = std::shared_ptr<arrow::DataType>;

constexpr int32_t kMaxPrecision = 38;
constexpr int32_t kMinAdjustedScale = 6;

struct Digits {
  int32_t precision;
  int32_t scale;
};

Digits DigitsOf(const arrow::DataType& type) {
  if (arrow::is_decimal(type.id())) {
    const auto& decimal = static_cast<const arrow::DecimalType&>(type);
    return {decimal.precision(), decimal.scale()};
  }
  return {IntegerDigits(type), 0};
}

// Caps the precision at 38 as Flink does (Hive/Spark's rule): the integer digits
// are kept and the scale gives way, down to min(scale, 6).
TypePtr Adjusted(int32_t precision, int32_t scale) {
  if (precision <= kMaxPrecision) return arrow::decimal128(precision, scale);
  int32_t integer_digits = precision - scale;
  int32_t min_scale = std::min(scale, kMinAdjustedScale);
  int32_t adjusted = std::max(kMaxPrecision - integer_digits, min_scale);
  return arrow::decimal128(kMaxPrecision, adjusted);
}

TypePtr DecimalOf(int32_t precision, int32_t scale) {
  if (precision <= kMaxPrecision) return arrow::decimal128(precision, scale);
  return arrow::decimal256(std::min(precision, 76), scale);
}

}  // namespace

arrow::Result<TypePtr> DecimalResultType(BinaryOp op, const arrow::DataType& left,
                                         const arrow::DataType& right) {
  Digits a = DigitsOf(left);
  Digits b = DigitsOf(right);
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSubtract: {
      int32_t scale = std::max(a.scale, b.scale);
      return Adjusted(std::max(a.precision - a.scale, b.precision - b.scale) + scale + 1,
                      scale);
    }
    case BinaryOp::kMultiply:
      return Adjusted(a.precision + b.precision + 1, a.scale + b.scale);
    case BinaryOp::kDivide: {
      int32_t scale = std::max(kMinAdjustedScale, a.scale + b.precision + 1);
      return Adjusted(a.precision - a.scale + b.scale + scale, scale);
    }
    case BinaryOp::kModulo: {
      int32_t scale = std::max(a.scale, b.scale);
      return Adjusted(std::min(a.precision - a.scale, b.precision - b.scale) + scale,
                      scale);
    }
    default:
      return arrow::Status::TypeError("not an arithmetic operator");
  }
}

TypePtr AvgResultType(const TypePtr& input) {
  if (!arrow::is_decimal(input->id())) return input;
  // Flink divides the DECIMAL(38, s) sum by a BIGINT count: DECIMAL(38, max(6, s)).
  const auto& decimal = static_cast<const arrow::DecimalType&>(*input);
  auto type = DecimalResultType(BinaryOp::kDivide,
                                *arrow::decimal128(38, decimal.scale()), *arrow::int64());
  return type.ok() ? *type : input;
}

arrow::Result<TypedExpr> RescaleDecimal(CallBuilder& builder, TypedExpr value,
                                        const TypePtr& target, const Expr& node) {
  if (value.type->Equals(*target)) return value;
  Digits from = DigitsOf(*value.type);
  Digits to = DigitsOf(*target);
  if (from.scale > to.scale) {
    // One more integer digit first: rounding 9.995 to 10.00 carries.
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value),
                                           DecimalOf(from.precision + 1, from.scale)));
    auto round = std::make_shared<cp::RoundOptions>(to.scale,
                                                    cp::RoundMode::HALF_TOWARDS_INFINITY);
    ARROW_ASSIGN_OR_RAISE(value, builder.Call("round", {value}, round, node, "ROUND"));
  }
  if (value.type->Equals(*target)) return value;
  auto cast = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(target));
  return builder.Call("cast", {std::move(value)}, cast, node, "CAST");
}

arrow::Result<TypedExpr> BindNumericArithmetic(CallBuilder& builder, BinaryOp op,
                                               TypedExpr left, TypedExpr right,
                                               const Expr& node, std::string_view what) {
  std::string_view function = ArrowFunctionFor(op);
  arrow::Type::type x = left.type->id();
  arrow::Type::type y = right.type->id();
  if (arrow::is_integer(x) && arrow::is_integer(y)) {
    return builder.Call(function, {left, right}, nullptr, node, what);
  }
  if (arrow::is_floating(x) || arrow::is_floating(y)) {
    // Approximate: both sides in Flink's common type (FLOAT or DOUBLE).
    ARROW_ASSIGN_OR_RAISE(TypePtr type, CommonType(left.type, right.type));
    ARROW_ASSIGN_OR_RAISE(left, ConvertTo(builder, std::move(left), type));
    ARROW_ASSIGN_OR_RAISE(right, ConvertTo(builder, std::move(right), type));
    return builder.Call(function, {left, right}, nullptr, node, what);
  }
  // Exact arithmetic with at least one DECIMAL: integers join as DECIMAL(digits, 0).
  for (TypedExpr* side : {&left, &right}) {
    if (arrow::is_integer(side->type->id())) {
      ARROW_ASSIGN_OR_RAISE(*side,
                            ConvertTo(builder, std::move(*side),
                                      arrow::decimal128(IntegerDigits(*side->type), 0)));
    }
  }
  ARROW_ASSIGN_OR_RAISE(TypePtr result, DecimalResultType(op, *left.type, *right.type));
  Digits a = DigitsOf(*left.type);
  Digits b = DigitsOf(*right.type);
  if (op == BinaryOp::kMultiply && a.precision + b.precision + 1 <= kMaxPrecision) {
    // Arrow's product is then exact and of Flink's type, and vectorised.
    return builder.Call(function, {left, right}, nullptr, node, what);
  }
  if (op != BinaryOp::kAdd && op != BinaryOp::kSubtract) {
    // Products, quotients and remainders exactly at Flink's result type, rounded
    // half up (decimal_kernels.cc): Arrow's kernels choose other types.
    std::string_view kernel = op == BinaryOp::kMultiply ? "weir_decimal_multiply"
                              : op == BinaryOp::kDivide ? "weir_decimal_divide"
                                                        : "weir_decimal_remainder";
    auto options = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(result));
    return builder.Call(kernel, {std::move(left), std::move(right)}, options, node, what);
  }
  // Sums in Arrow; when the exact sum needs 39 digits, in DECIMAL256, then rounded
  // to the capped result type.
  int32_t scale = std::max(a.scale, b.scale);
  if (std::max(a.precision - a.scale, b.precision - b.scale) + scale + 1 >
      kMaxPrecision) {
    ARROW_ASSIGN_OR_RAISE(left, ConvertTo(builder, std::move(left),
                                          arrow::decimal256(a.precision, a.scale)));
    ARROW_ASSIGN_OR_RAISE(right, ConvertTo(builder, std::move(right),
                                           arrow::decimal256(b.precision, b.scale)));
  }
  ARROW_ASSIGN_OR_RAISE(TypedExpr exact,
                        builder.Call(function, {left, right}, nullptr, node, what));
  return RescaleDecimal(builder, std::move(exact), result, node);
}

}  // namespace weir::sql
