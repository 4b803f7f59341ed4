// Numeric functions with Flink's typing: ROUND, TRUNCATE, FLOOR and CEIL keep the
// argument's type (DECIMAL results of FLOOR and CEIL have scale 0); the
// transcendental functions compute in DOUBLE.

#include <algorithm>
#include <cmath>

#include <arrow/compute/api_scalar.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>

#include "weir/sql/bind/numeric_arithmetic.h"
#include "weir/sql/bind/type_unify.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/special_functions.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// Returns the type of DECIMAL(p, s) rounded to `digits` places, as Flink types it
// (LogicalTypeMerging.findRoundDecimalType): one more integer digit for a carry.
arrow::Result<std::shared_ptr<arrow::DataType>> RoundedDecimalType(
    const arrow::DataType& type, int64_t digits) {
  const auto& decimal = static_cast<const arrow::DecimalType&>(type);
  int32_t precision = decimal.precision();
  int32_t scale = decimal.scale();
  if (digits >= scale) return type.GetSharedPtr();
  if (digits < 0) {
    return arrow::DecimalType::Make(type.id(), std::min(38, 1 + precision - scale), 0);
  }
  auto round = static_cast<int32_t>(digits);
  return arrow::DecimalType::Make(type.id(), std::min(38, 1 + precision - scale + round),
                                  round);
}

// ROUND(x[, d]) (half away from zero, like Java's HALF_UP) and TRUNCATE(x[, d]).
arrow::Result<TypedExpr> BindRound(CallBuilder& builder, const FunctionCallExpr& call,
                                   std::vector<TypedExpr> args) {
  cp::RoundMode mode = CalledName(call) == "TRUNCATE"
                           ? cp::RoundMode::TOWARDS_ZERO
                           : cp::RoundMode::HALF_TOWARDS_INFINITY;
  TypedExpr digits = ConstantOf(arrow::MakeScalar(int64_t{0}), call);
  if (args.size() == 2) digits = args[1];
  TypedExpr value = args[0];
  if (value.is_null_constant() || digits.is_null_constant()) {
    return NullOf(value.type, call);
  }
  std::optional<int64_t> constant_digits = ConstantInteger(digits);
  bool integer = arrow::is_integer(value.type->id());
  if (integer && constant_digits && *constant_digits >= 0) return value;
  std::shared_ptr<arrow::DataType> type = value.type;
  if (integer) {
    // Rounding to tens, hundreds, …: through DOUBLE and back.
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value), arrow::float64()));
  }
  TypedExpr rounded;
  if (constant_digits) {
    ARROW_ASSIGN_OR_RAISE(
        rounded, CallArrow(builder, call, "round", {value},
                           std::make_shared<cp::RoundOptions>(*constant_digits, mode)));
  } else {
    ARROW_ASSIGN_OR_RAISE(digits, ConvertTo(builder, std::move(digits), arrow::int32()));
    ARROW_ASSIGN_OR_RAISE(rounded,
                          CallArrow(builder, call, "round_binary", {value, digits},
                                    std::make_shared<cp::RoundBinaryOptions>(mode)));
  }
  if (arrow::is_floating(rounded.type->id())) {
    // -0.4 rounds to -0.0; Java's BigDecimal has no negative zero.
    ARROW_ASSIGN_OR_RAISE(rounded,
                          CallArrow(builder, call, "add",
                                    {rounded, ConstantOf(arrow::MakeScalar(0.0), call)}));
  }
  if (arrow::is_decimal(type->id()) && constant_digits) {
    ARROW_ASSIGN_OR_RAISE(type, RoundedDecimalType(*type, *constant_digits));
  }
  if (!rounded.type->Equals(*type)) return ConvertTo(builder, std::move(rounded), type);
  return rounded;
}

// FLOOR(x) and CEIL(x) / CEILING(x); FLOOR(t TO unit) goes to the time functions.
arrow::Result<TypedExpr> BindFloorCeil(CallBuilder& builder, const FunctionCallExpr& call,
                                       std::vector<TypedExpr> args) {
  bool ceil = CalledName(call) != "FLOOR";
  if (args.size() == 2) return BindTemporalRound(builder, call, std::move(args), ceil);
  const std::shared_ptr<arrow::DataType>& type = args[0].type;
  if (arrow::is_integer(type->id()) || args[0].is_null_constant()) return args[0];
  ARROW_ASSIGN_OR_RAISE(TypedExpr rounded,
                        CallArrow(builder, call, ceil ? "ceil" : "floor", {args[0]}));
  if (!arrow::is_decimal(type->id())) return rounded;
  const auto& decimal = static_cast<const arrow::DecimalType&>(*type);
  if (decimal.scale() <= 0) return rounded;
  int32_t precision = std::min(38, decimal.precision() - decimal.scale() + 1);
  ARROW_ASSIGN_OR_RAISE(auto target, arrow::DecimalType::Make(type->id(), precision, 0));
  return ConvertTo(builder, std::move(rounded), target);
}

// LOG(x) is the natural logarithm, LOG(base, x) the logarithm to `base`.
arrow::Result<TypedExpr> BindLog(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr> args) {
  if (args.size() == 1) return CallArrow(builder, call, "ln", std::move(args));
  return CallArrow(builder, call, "logb", {args[1], args[0]});
}

// SIGN(x): -1, 0 or 1 in the type of x.
arrow::Result<TypedExpr> BindSign(CallBuilder& builder, const FunctionCallExpr& call,
                                  std::vector<TypedExpr> args) {
  std::shared_ptr<arrow::DataType> type = args[0].type;
  TypedExpr value = args[0];
  if (arrow::is_decimal(type->id())) {
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value), arrow::float64()));
  }
  ARROW_ASSIGN_OR_RAISE(TypedExpr sign, CallArrow(builder, call, "sign", {value}));
  if (sign.type->Equals(*type)) return sign;
  return ConvertTo(builder, std::move(sign), type);
}

// MOD(a, b): the same operation as a % b (Flink's remainder: the sign of the
// dividend; DECIMAL at Flink's result type).
arrow::Result<TypedExpr> BindMod(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr> args) {
  return BindNumericArithmetic(builder, BinaryOp::kModulo, std::move(args[0]),
                               std::move(args[1]), call, "MOD");
}

// PI() and E().
arrow::Result<TypedExpr> BindMathConstant(CallBuilder&, const FunctionCallExpr& call,
                                          std::vector<TypedExpr>) {
  return ConstantOf(arrow::MakeScalar(CalledName(call) == "PI" ? M_PI : M_E), call);
}

// POWER, SQRT, LN, LOG10, LOG2, EXP and the trigonometric functions are DOUBLE in,
// DOUBLE out; out-of-domain arguments give NaN like Java's Math.
constexpr FunctionEntry kMathFunctions[] = {
    {"ROUND", "NUMERIC | NUMERIC, INTEGER", BindRound},
    {"TRUNCATE", "NUMERIC | NUMERIC, INTEGER", BindRound},
    {"FLOOR", "NUMERIC | TEMPORAL, SYMBOL", BindFloorCeil},
    {"CEIL", "NUMERIC | TEMPORAL, SYMBOL", BindFloorCeil},
    {"CEILING", "NUMERIC | TEMPORAL, SYMBOL", BindFloorCeil},
    {"ABS", "NUMERIC", nullptr, "abs_checked"},
    {"POWER", "DOUBLE, DOUBLE", nullptr, "power"},
    {"POW", "DOUBLE, DOUBLE", nullptr, "power"},
    {"SQRT", "DOUBLE", nullptr, "sqrt"},
    {"LN", "DOUBLE", nullptr, "ln"},
    {"LOG10", "DOUBLE", nullptr, "log10"},
    {"LOG2", "DOUBLE", nullptr, "log2"},
    {"EXP", "DOUBLE", nullptr, "exp"},
    {"SIN", "DOUBLE", nullptr, "sin"},
    {"COS", "DOUBLE", nullptr, "cos"},
    {"TAN", "DOUBLE", nullptr, "tan"},
    {"ASIN", "DOUBLE", nullptr, "asin"},
    {"ACOS", "DOUBLE", nullptr, "acos"},
    {"ATAN", "DOUBLE", nullptr, "atan"},
    {"ATAN2", "DOUBLE, DOUBLE", nullptr, "atan2"},
    {"LOG", "DOUBLE | DOUBLE, DOUBLE", BindLog},
    {"SIGN", "NUMERIC", BindSign},
    {"MOD", "NUMERIC, NUMERIC", BindMod},
    {"PI", "", BindMathConstant},
    {"E", "", BindMathConstant},
};

}  // namespace

std::span<const FunctionEntry> MathFunctionEntries() { return kMathFunctions; }

}  // namespace weir::sql
