#include "weir/sql/bind/expression_binder.h"

#include <algorithm>
#include <string>

#include <arrow/array/builder_base.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/util/checked_cast.h>
#include <fmt/format.h>

#include "weir/sql/bind/catalog.h"
#include "weir/sql/bind/column_resolver.h"
#include "weir/sql/bind/literal_coercion.h"
#include "weir/sql/bind/numeric_arithmetic.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/bind/type_unify.h"
#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/like_pattern.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/parse/expression_parser.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;
using ScalarPtr = std::shared_ptr<arrow::Scalar>;
using TypePtr = std::shared_ptr<arrow::DataType>;

class Binder : public CallBuilder {
 public:
  Binder(const arrow::Schema& schema, std::string_view source,
         const BindHooks* hooks = nullptr)
      : schema_(schema), source_(source), hooks_(hooks) {}

  arrow::Result<TypedExpr> Bind(const Expr& expr);
  arrow::Status TypeError(const SourcePosition& position,
                          std::string_view message) const override {
    return ErrorAt(source_, position, "type error", fmt::format(": {}", message));
  }
  arrow::Result<TypedExpr> Call(std::string_view function, std::vector<TypedExpr> args,
                                std::shared_ptr<cp::FunctionOptions> options,
                                const Expr& node, std::string_view what) override {
    return MakeCall(function, std::move(args), std::move(options), node, what);
  }

 private:
  arrow::Result<TypedExpr> BindLiteral(const LiteralExpr& literal);
  arrow::Result<TypedExpr> BindColumn(const ColumnRefExpr& ref);
  arrow::Result<TypedExpr> BindUnary(const UnaryExpr& unary);
  arrow::Result<TypedExpr> BindBinary(const BinaryExpr& binary);
  arrow::Result<TypedExpr> BindComparison(BinaryOp op, TypedExpr left, TypedExpr right,
                                          const Expr& node);
  arrow::Result<TypedExpr> BindMonthArithmetic(BinaryOp op, TypedExpr left,
                                               TypedExpr right, const Expr& node,
                                               const std::string& what);
  arrow::Result<TypedExpr> BindIs(const IsExpr& is);
  arrow::Result<TypedExpr> BindIn(const InExpr& in);
  arrow::Result<TypedExpr> BindBetween(const BetweenExpr& between);
  arrow::Result<TypedExpr> BindLike(const LikeExpr& like);
  arrow::Result<TypedExpr> BindCast(const CastExpr& cast);
  arrow::Result<TypedExpr> CastToDecimal(TypedExpr operand, const TypePtr& target,
                                         const CastExpr& cast);
  arrow::Result<TypedExpr> BindFunction(const FunctionCallExpr& call);
  arrow::Result<TypedExpr> BindCase(const CaseExpr& node);
  arrow::Result<TypedExpr> BindIndex(const IndexExpr& node);
  arrow::Result<TypedExpr> BindSubquery(const SubqueryExpr& node);
  arrow::Result<TypedExpr> Dispatch(const Expr& expr);
  arrow::Result<TypedExpr> Balanced(std::string_view function,
                                    const std::vector<TypedExpr>& terms, size_t begin,
                                    size_t end, const Expr& node);
  arrow::Result<TypedExpr> MakeCall(std::string_view function,
                                    std::vector<TypedExpr> args,
                                    std::shared_ptr<cp::FunctionOptions> options,
                                    const Expr& node, std::string_view what,
                                    size_t described_args = SIZE_MAX);
  arrow::Status RequireBoolean(TypedExpr& operand, std::string_view op) const;
  arrow::Status DecodeDictionary(TypedExpr& operand);
  arrow::Result<TypedExpr> BindUserFunction(const FunctionCallExpr& call,
                                            const CatalogFunction& function);

  const arrow::Schema& schema_;
  std::string_view source_;
  const BindHooks* hooks_;
};

arrow::Result<TypedExpr> Binder::Bind(const Expr& expr) {
  if (hooks_ != nullptr && hooks_->substitute) {
    ARROW_ASSIGN_OR_RAISE(std::optional<TypedExpr> replaced, hooks_->substitute(expr));
    if (replaced) {
      replaced->node = &expr;
      return *replaced;
    }
  }
  return Dispatch(expr);
}

arrow::Result<TypedExpr> Binder::Dispatch(const Expr& expr) {
  switch (expr.kind()) {
    case ExprKind::kLiteral:
      return BindLiteral(static_cast<const LiteralExpr&>(expr));
    case ExprKind::kColumnRef:
      return BindColumn(static_cast<const ColumnRefExpr&>(expr));
    case ExprKind::kUnary:
      return BindUnary(static_cast<const UnaryExpr&>(expr));
    case ExprKind::kBinary:
      return BindBinary(static_cast<const BinaryExpr&>(expr));
    case ExprKind::kIs:
      return BindIs(static_cast<const IsExpr&>(expr));
    case ExprKind::kIn:
      return BindIn(static_cast<const InExpr&>(expr));
    case ExprKind::kBetween:
      return BindBetween(static_cast<const BetweenExpr&>(expr));
    case ExprKind::kLike:
      return BindLike(static_cast<const LikeExpr&>(expr));
    case ExprKind::kCast:
      return BindCast(static_cast<const CastExpr&>(expr));
    case ExprKind::kFunctionCall:
      return BindFunction(static_cast<const FunctionCallExpr&>(expr));
    case ExprKind::kCase:
      return BindCase(static_cast<const CaseExpr&>(expr));
    case ExprKind::kIndex:
      return BindIndex(static_cast<const IndexExpr&>(expr));
    case ExprKind::kSubquery:
      return BindSubquery(static_cast<const SubqueryExpr&>(expr));
  }
  return arrow::Status::UnknownError("unknown expression kind");
}

arrow::Result<TypedExpr> Binder::BindLiteral(const LiteralExpr& literal) {
  auto scalar = LiteralScalar(literal);
  if (!scalar.ok()) {
    return ErrorAt(source_, literal.position(), "invalid literal",
                   fmt::format(": {}", scalar.status().message()));
  }
  bool numeric = literal.literal_kind() == LiteralKind::kInteger ||
                 literal.literal_kind() == LiteralKind::kExactNumeric ||
                 literal.literal_kind() == LiteralKind::kApproxNumeric;
  return MakeConstant(*scalar, &literal, numeric ? literal.text() : "");
}

arrow::Result<TypedExpr> Binder::BindColumn(const ColumnRefExpr& ref) {
  ResolvedColumn column;
  if (hooks_ != nullptr && hooks_->resolve_column) {
    ARROW_ASSIGN_OR_RAISE(column, hooks_->resolve_column(ref));
  } else {
    ARROW_ASSIGN_OR_RAISE(column, ResolveColumn(ref, schema_, source_));
  }
  TypedExpr typed;
  typed.expr = cp::field_ref(std::move(column.ref));
  typed.type = std::move(column.type);
  typed.node = &ref;
  return typed;
}

arrow::Status Binder::RequireBoolean(TypedExpr& operand, std::string_view op) const {
  if (operand.is_bare_null()) {
    operand = MakeConstant(arrow::MakeNullScalar(arrow::boolean()), operand.node);
  }
  if (operand.type->id() == arrow::Type::BOOL) return arrow::Status::OK();
  return TypeError(
      StartPosition(*operand.node),
      fmt::format("{} expects boolean operands but got {}", op, Describe(operand)));
}

// Most kernels other than comparisons and is_in do not accept dictionary arrays.
arrow::Status Binder::DecodeDictionary(TypedExpr& operand) {
  if (operand.type->id() != arrow::Type::DICTIONARY) return arrow::Status::OK();
  const Expr* node = operand.node;
  auto options =
      std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(ValueType(operand.type)));
  ARROW_ASSIGN_OR_RAISE(operand, MakeCall("cast", {operand}, options, *node, "CAST"));
  operand.node = node;  // still describe it as the column
  return arrow::Status::OK();
}

arrow::Result<TypedExpr> Binder::MakeCall(std::string_view function,
                                          std::vector<TypedExpr> args,
                                          std::shared_ptr<cp::FunctionOptions> options,
                                          const Expr& node, std::string_view what,
                                          size_t described_args) {
  // Type the call by binding it alone: non-constant arguments are stood in for by
  // fields of their type, so the subtrees below are not bound again.
  std::vector<cp::Expression> arguments;
  std::vector<cp::Expression> stand_ins;
  arrow::FieldVector fields;
  bool all_constant = !args.empty();
  for (size_t i = 0; i < args.size(); ++i) {
    arguments.push_back(args[i].expr);
    if (args[i].is_constant()) {
      stand_ins.push_back(args[i].expr);
    } else {
      all_constant = false;
      std::string name = fmt::format("_{}", i);
      fields.push_back(arrow::field(name, args[i].type));
      stand_ins.push_back(cp::field_ref(name));
    }
  }
  auto bound =
      cp::call(std::string(function), stand_ins, options).Bind(arrow::Schema(fields));
  if (!bound.ok()) {
    std::vector<std::string> described;
    for (size_t i = 0; i < args.size() && i < described_args; ++i) {
      described.push_back(Describe(args[i]));
    }
    std::string detail =
        bound.status().IsNotImplemented() ? "" : ": " + bound.status().message();
    return TypeError(node.position(), fmt::format("{} cannot be applied to {}{}", what,
                                                  fmt::join(described, " and "), detail));
  }
  if (all_constant) {
    auto value = cp::ExecuteScalarExpression(*bound, cp::ExecBatch({}, 1));
    if (!value.ok()) {
      return ErrorAt(source_, node.position(), "evaluation error",
                     fmt::format(": {} failed: {}", what, value.status().message()));
    }
    ScalarPtr scalar;
    if (value->is_scalar()) {
      scalar = value->scalar();
    } else {
      ARROW_ASSIGN_OR_RAISE(scalar, value->make_array()->GetScalar(0));
    }
    return MakeConstant(std::move(scalar), &node);
  }
  TypedExpr typed;
  typed.expr = cp::call(std::string(function), std::move(arguments), std::move(options));
  typed.type = bound->type()->GetSharedPtr();
  typed.node = &node;
  return typed;
}

arrow::Result<TypedExpr> Binder::BindUnary(const UnaryExpr& unary) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*unary.operand()));
  switch (unary.op()) {
    case UnaryOp::kNot:
      ARROW_RETURN_NOT_OK(RequireBoolean(operand, "NOT"));
      return MakeCall("invert", {operand}, nullptr, unary, "NOT");
    case UnaryOp::kNegate:
      if (operand.is_null_constant()) return operand;
      return MakeCall("negate_checked", {operand}, nullptr, unary, "unary '-'");
    case UnaryOp::kPlus:
      if (CategoryOf(operand.type) != TypeCategory::kNumeric &&
          !operand.is_null_constant()) {
        return TypeError(
            unary.position(),
            fmt::format("unary '+' expects a number but got {}", Describe(operand)));
      }
      return operand;
  }
  return arrow::Status::UnknownError("unknown unary operator");
}

arrow::Result<TypedExpr> Binder::BindBinary(const BinaryExpr& binary) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr left, Bind(*binary.left()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr right, Bind(*binary.right()));
  BinaryOp op = binary.op();
  std::string_view symbol = BinaryOpSymbol(op);
  if (IsComparison(op)) return BindComparison(op, left, right, binary);
  if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
    ARROW_RETURN_NOT_OK(RequireBoolean(left, symbol));
    ARROW_RETURN_NOT_OK(RequireBoolean(right, symbol));
    return MakeCall(ArrowFunctionFor(op), {left, right}, nullptr, binary, symbol);
  }
  TypeBareNull(left, right);
  ARROW_RETURN_NOT_OK(DecodeDictionary(left));
  ARROW_RETURN_NOT_OK(DecodeDictionary(right));
  std::string what = fmt::format("operator '{}'", symbol);
  if ((op == BinaryOp::kAdd || op == BinaryOp::kSubtract) &&
      (left.type->id() == arrow::Type::INTERVAL_MONTHS ||
       right.type->id() == arrow::Type::INTERVAL_MONTHS)) {
    return BindMonthArithmetic(op, std::move(left), std::move(right), binary, what);
  }
  if (op == BinaryOp::kConcat) {
    for (const TypedExpr* side : {&left, &right}) {
      TypeCategory category = CategoryOf(side->type);
      if (category != TypeCategory::kString && category != TypeCategory::kNull) {
        return TypeError(binary.position(),
                         fmt::format("operator '||' expects strings but got {}; CAST it "
                                     "to STRING first",
                                     Describe(*side)));
      }
    }
    TypedExpr separator =
        MakeConstant(std::make_shared<arrow::StringScalar>(""), &binary);
    return MakeCall(ArrowFunctionFor(op), {left, right, separator}, nullptr, binary, what,
                    /*described_args=*/2);
  }
  auto is_number = [](const TypedExpr& e) {
    arrow::Type::type id = e.type->id();
    return arrow::is_integer(id) || arrow::is_floating(id) || arrow::is_decimal(id);
  };
  if (is_number(left) && is_number(right)) {
    return BindNumericArithmetic(*this, op, std::move(left), std::move(right), binary,
                                 what);
  }
  return MakeCall(ArrowFunctionFor(op), {left, right}, nullptr, binary, what);
}

// DATE or TIMESTAMP ± a year-month interval: whole months, the day clamped to the
// end of the month (Flink's rule).
arrow::Result<TypedExpr> Binder::BindMonthArithmetic(BinaryOp op, TypedExpr left,
                                                     TypedExpr right, const Expr& node,
                                                     const std::string& what) {
  bool interval_left = left.type->id() == arrow::Type::INTERVAL_MONTHS;
  TypedExpr& datetime = interval_left ? right : left;
  TypedExpr& interval = interval_left ? left : right;
  arrow::Type::type id = datetime.type->id();
  bool datetime_ok = id == arrow::Type::DATE32 || id == arrow::Type::TIMESTAMP;
  if (!datetime_ok || (interval_left && op == BinaryOp::kSubtract)) {
    return TypeError(node.position(), fmt::format("{} cannot be applied to {} and {}",
                                                  what, Describe(left), Describe(right)));
  }
  if (!interval.is_constant()) {
    return TypeError(node.position(),
                     "a year-month interval must be a constant (INTERVAL '1' MONTH)");
  }
  if (!interval.constant->is_valid) {
    return MakeConstant(arrow::MakeNullScalar(datetime.type), &node);
  }
  int32_t months =
      static_cast<const arrow::MonthIntervalScalar&>(*interval.constant).value;
  if (op == BinaryOp::kSubtract) months = -months;
  TypedExpr count = MakeConstant(std::make_shared<arrow::Int32Scalar>(months), &node);
  return MakeCall("weir_add_months", {datetime, count}, nullptr, node, what);
}

arrow::Result<TypedExpr> Binder::BindComparison(BinaryOp op, TypedExpr left,
                                                TypedExpr right, const Expr& node) {
  if (left.is_constant() && !right.is_constant()) {
    std::swap(left, right);
    op = MirrorComparison(op);
  }
  TypeBareNull(left, right);
  if (left.type->id() == arrow::Type::NA && right.type->id() == arrow::Type::NA) {
    return MakeConstant(arrow::MakeNullScalar(arrow::boolean()), &node);
  }
  auto coerce = [&](TypedExpr& constant, const TypedExpr& other) -> arrow::Status {
    auto coerced = CoerceConstant(constant.constant, constant.numeric_text, other.type);
    if (!coerced.ok()) {
      return TypeError(node.position(),
                       fmt::format("cannot compare {} with {}: {}", Describe(left),
                                   Describe(right), coerced.status().message()));
    }
    constant = MakeConstant(*coerced, constant.node, constant.numeric_text);
    return arrow::Status::OK();
  };
  if (right.is_constant() && !right.type->Equals(*ValueType(left.type))) {
    ARROW_RETURN_NOT_OK(coerce(right, left));
  }
  if (left.is_constant() && !Comparable(left.type, right.type)) {
    ARROW_RETURN_NOT_OK(coerce(left, right));
  }
  if (!Comparable(left.type, right.type)) {
    return TypeError(node.position(), fmt::format("cannot compare {} with {}",
                                                  Describe(left), Describe(right)));
  }
  if (arrow::is_decimal(left.type->id()) && arrow::is_decimal(right.type->id())) {
    // Arrow compares decimals at their common scale: past 38 digits that needs
    // DECIMAL256 (DECIMAL(38, 2) against DECIMAL(38, 6)).
    const auto& l = static_cast<const arrow::DecimalType&>(*left.type);
    const auto& r = static_cast<const arrow::DecimalType&>(*right.type);
    int32_t digits = std::max(l.precision() - l.scale(), r.precision() - r.scale()) +
                     std::max(l.scale(), r.scale());
    if (digits > 38) {
      ARROW_ASSIGN_OR_RAISE(
          left, ConvertTo(*this, left, arrow::decimal256(l.precision(), l.scale())));
      ARROW_ASSIGN_OR_RAISE(
          right, ConvertTo(*this, right, arrow::decimal256(r.precision(), r.scale())));
    }
  }
  return MakeCall(ArrowFunctionFor(op), {left, right}, nullptr, node,
                  fmt::format("operator '{}'", BinaryOpSymbol(op)));
}

arrow::Result<TypedExpr> Binder::BindIs(const IsExpr& is) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*is.operand()));
  bool negated = is.negated();
  auto boolean = [&](bool value) {
    return MakeConstant(std::make_shared<arrow::BooleanScalar>(value), &is);
  };
  switch (is.test()) {
    case IsTest::kUnknown:
      ARROW_RETURN_NOT_OK(RequireBoolean(operand, "IS UNKNOWN"));
      [[fallthrough]];
    case IsTest::kNull:
      return MakeCall(negated ? "is_valid" : "is_null", {operand}, nullptr, is,
                      negated ? "IS NOT NULL" : "IS NULL");
    case IsTest::kTrue: {
      // x IS TRUE is false for NULL, i.e. coalesce(x, false).
      ARROW_RETURN_NOT_OK(RequireBoolean(operand, "IS TRUE"));
      ARROW_ASSIGN_OR_RAISE(
          TypedExpr is_true,
          MakeCall("coalesce", {operand, boolean(false)}, nullptr, is, "IS TRUE"));
      if (!negated) return is_true;
      return MakeCall("invert", {is_true}, nullptr, is, "IS NOT TRUE");
    }
    case IsTest::kFalse: {
      ARROW_RETURN_NOT_OK(RequireBoolean(operand, "IS FALSE"));
      if (negated) {
        return MakeCall("coalesce", {operand, boolean(true)}, nullptr, is,
                        "IS NOT FALSE");
      }
      ARROW_ASSIGN_OR_RAISE(TypedExpr inverted,
                            MakeCall("invert", {operand}, nullptr, is, "IS FALSE"));
      return MakeCall("coalesce", {inverted, boolean(false)}, nullptr, is, "IS FALSE");
    }
  }
  return arrow::Status::UnknownError("unknown IS test");
}

arrow::Result<TypedExpr> Binder::Balanced(std::string_view function,
                                          const std::vector<TypedExpr>& terms,
                                          size_t begin, size_t end, const Expr& node) {
  if (end - begin == 1) return terms[begin];
  size_t middle = begin + (end - begin) / 2;
  ARROW_ASSIGN_OR_RAISE(TypedExpr left, Balanced(function, terms, begin, middle, node));
  ARROW_ASSIGN_OR_RAISE(TypedExpr right, Balanced(function, terms, middle, end, node));
  return MakeCall(function, {left, right}, nullptr, node, "IN");
}

arrow::Result<TypedExpr> Binder::BindIn(const InExpr& in) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*in.operand()));
  std::vector<TypedExpr> items;
  bool all_constant = true;
  for (const ExprPtr& item : in.list()) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr typed, Bind(*item));
    all_constant = all_constant && typed.is_constant();
    items.push_back(std::move(typed));
  }
  std::string_view what = in.negated() ? "NOT IN" : "IN";
  if (!operand.is_constant() && all_constant && operand.type->id() != arrow::Type::NA) {
    // A value set of exactly the operand's type keeps is_in prunable.
    TypePtr target = ValueType(operand.type);
    arrow::ScalarVector values;
    for (const TypedExpr& item : items) {
      auto coerced = CoerceConstant(item.constant, item.numeric_text, target);
      if (!coerced.ok() || !Comparable(target, (*coerced)->type)) {
        std::string reason = coerced.ok() ? "" : ": " + coerced.status().message();
        return TypeError(StartPosition(*item.node),
                         fmt::format("cannot compare {} with {}{}", Describe(operand),
                                     Describe(item), reason));
      }
      values.push_back(*coerced);
    }
    bool exact = std::all_of(values.begin(), values.end(), [&](const ScalarPtr& value) {
      return value->type->Equals(*target);
    });
    if (exact) {
      ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(target));
      ARROW_RETURN_NOT_OK(builder->AppendScalars(values));
      ARROW_ASSIGN_OR_RAISE(auto value_set, builder->Finish());
      auto options = std::make_shared<cp::SetLookupOptions>(
          value_set, cp::SetLookupOptions::INCONCLUSIVE);
      ARROW_ASSIGN_OR_RAISE(TypedExpr is_in,
                            MakeCall("is_in", {operand}, options, in, what));
      if (!in.negated()) return is_in;
      return MakeCall("invert", {is_in}, nullptr, in, what);
    }
  }
  // Otherwise: x = a OR x = b ... (x <> a AND x <> b ... for NOT IN), balanced so the
  // tree stays shallow for long lists.
  std::vector<TypedExpr> terms;
  for (const TypedExpr& item : items) {
    ARROW_ASSIGN_OR_RAISE(
        TypedExpr term,
        BindComparison(in.negated() ? BinaryOp::kNotEqual : BinaryOp::kEqual, operand,
                       item, *item.node));
    terms.push_back(std::move(term));
  }
  return Balanced(in.negated() ? "and_kleene" : "or_kleene", terms, 0, terms.size(), in);
}

arrow::Result<TypedExpr> Binder::BindBetween(const BetweenExpr& between) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*between.operand()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr low, Bind(*between.low()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr high, Bind(*between.high()));
  bool negated = between.negated();
  // NOT BETWEEN is x < low OR x > high: equivalent under SQL's three-valued logic
  // and, unlike invert(...), understood by statistics pruning.
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr lower, BindComparison(negated ? BinaryOp::kLess : BinaryOp::kGreaterEqual,
                                      operand, low, between));
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr upper, BindComparison(negated ? BinaryOp::kGreater : BinaryOp::kLessEqual,
                                      operand, high, between));
  return MakeCall(negated ? "or_kleene" : "and_kleene", {lower, upper}, nullptr, between,
                  negated ? "NOT BETWEEN" : "BETWEEN");
}

arrow::Result<TypedExpr> Binder::BindLike(const LikeExpr& like) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*like.operand()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr pattern, Bind(*like.pattern()));
  ARROW_RETURN_NOT_OK(DecodeDictionary(operand));
  TypeCategory category = CategoryOf(operand.type);
  if (category != TypeCategory::kString && category != TypeCategory::kNull) {
    return TypeError(StartPosition(*like.operand()),
                     fmt::format("LIKE expects a string but got {}", Describe(operand)));
  }
  if (!pattern.is_constant() || CategoryOf(pattern.type) == TypeCategory::kOther ||
      (!pattern.is_null_constant() && !arrow::is_string(pattern.type->id()))) {
    return TypeError(StartPosition(*like.pattern()),
                     fmt::format("the LIKE pattern must be a constant string but got {}",
                                 Describe(pattern)));
  }
  if (pattern.is_null_constant() || operand.is_null_constant()) {
    return MakeConstant(arrow::MakeNullScalar(arrow::boolean()), &like);
  }
  std::string text(static_cast<const arrow::BaseBinaryScalar&>(*pattern.constant).view());
  if (like.escape() != nullptr) {
    // Rewrite to Arrow's syntax, whose escape character is a backslash.
    ARROW_ASSIGN_OR_RAISE(TypedExpr escape, Bind(*like.escape()));
    std::string_view esc;
    if (escape.is_constant() && arrow::is_string(escape.type->id())) {
      esc = static_cast<const arrow::BaseBinaryScalar&>(*escape.constant).view();
    }
    if (esc.size() != 1) {
      return TypeError(StartPosition(*like.escape()),
                       "the LIKE escape must be a string of exactly one character");
    }
    auto rewritten = RewriteLikePattern(text, esc[0]);
    if (!rewritten.ok()) {
      return TypeError(StartPosition(*like.pattern()),
                       fmt::format("invalid escape sequence in LIKE pattern {}: {}",
                                   QuoteForMessage(text), rewritten.status().message()));
    }
    text = std::move(*rewritten);
  }
  auto options = std::make_shared<cp::MatchSubstringOptions>(text);
  ARROW_ASSIGN_OR_RAISE(TypedExpr match,
                        MakeCall("match_like", {operand}, options, like, "LIKE"));
  if (!like.negated()) return match;
  return MakeCall("invert", {match}, nullptr, like, "NOT LIKE");
}

// Flink rounds half up to the target scale where Arrow's cast fails or truncates.
// Strings are read at one digit beyond the target scale (Arrow truncates the rest)
// and then rounded. CAST fails for a value that does not convert or fit; TRY_CAST
// gives NULL for it.
arrow::Result<TypedExpr> Binder::CastToDecimal(TypedExpr operand, const TypePtr& target,
                                               const CastExpr& cast) {
  const auto& decimal = static_cast<const arrow::DecimalType&>(*target);
  std::string_view cast_function = cast.try_cast() ? "weir_try_cast" : "cast";
  if (arrow::is_string(operand.type->id())) {
    TypePtr finer = decimal.precision() < 38
                        ? arrow::decimal128(decimal.precision() + 1, decimal.scale() + 1)
                        : arrow::decimal256(decimal.precision() + 1, decimal.scale() + 1);
    auto options = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(finer));
    options->allow_decimal_truncate = true;
    auto parsed = MakeCall(cast_function, {operand}, options, cast, "CAST");
    if (!parsed.ok()) {
      return ErrorAt(source_, cast.position(), "cast error",
                     fmt::format(": cannot cast {} to {}: {}", Describe(operand),
                                 cast.type().ToString(), parsed.status().message()));
    }
    operand = std::move(*parsed);
  }
  if (!cast.try_cast()) return RescaleDecimal(*this, std::move(operand), target, cast);
  // Round first into a type that keeps every integer digit (and a carry), so only
  // the final conversion can fail, value by value.
  const auto& from = static_cast<const arrow::DecimalType&>(*operand.type);
  int32_t digits = from.precision() - from.scale() + 1 + decimal.scale();
  TypePtr rounded_type = digits <= 38
                             ? arrow::decimal128(digits, decimal.scale())
                             : arrow::decimal256(std::min(digits, 76), decimal.scale());
  ARROW_ASSIGN_OR_RAISE(operand,
                        RescaleDecimal(*this, std::move(operand), rounded_type, cast));
  auto options = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(target));
  return MakeCall("weir_try_cast", {operand}, options, cast, "TRY_CAST");
}

arrow::Result<TypedExpr> Binder::BindCast(const CastExpr& cast) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr operand, Bind(*cast.operand()));
  ARROW_ASSIGN_OR_RAISE(TypePtr target, ResolveType(cast.type(), source_));
  if (arrow::is_decimal(target->id()) &&
      (arrow::is_decimal(operand.type->id()) || arrow::is_string(operand.type->id()))) {
    return CastToDecimal(std::move(operand), target, cast);
  }
  if (operand.is_constant() && operand.type->id() != arrow::Type::STRUCT) {
    auto value = CastConstant(operand.constant, target);
    if (!value.ok() && cast.try_cast())
      return MakeConstant(arrow::MakeNullScalar(target), &cast);
    if (!value.ok()) {
      return ErrorAt(source_, cast.position(), "cast error",
                     fmt::format(": cannot cast {} to {}: {}", Describe(operand),
                                 cast.type().ToString(), value.status().message()));
    }
    return MakeConstant(*value, &cast);
  }
  if (operand.type->Equals(*target)) return operand;
  if (!cp::CanCast(*operand.type, *target)) {
    return TypeError(
        cast.position(),
        fmt::format("cannot cast {} to {}", Describe(operand), cast.type().ToString()));
  }
  if (arrow::is_integer(operand.type->id()) && arrow::is_decimal(target->id())) {
    // Arrow refuses integer-to-decimal casts unless every integer of the source type
    // fits; SQL only fails for values that do not. Widen first, then narrow, which
    // Arrow checks per value.
    const auto& decimal = static_cast<const arrow::DecimalType&>(*target);
    int32_t digits = IntegerDigits(*operand.type);
    int32_t wide_precision = digits + decimal.scale();
    auto wide = arrow::DecimalType::Make(target->id(), wide_precision, decimal.scale());
    if (wide_precision > decimal.precision() && wide.ok()) {
      auto widen = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(*wide));
      ARROW_ASSIGN_OR_RAISE(operand, MakeCall("cast", {operand}, widen, cast, "CAST"));
    }
  }
  if (operand.type->id() == arrow::Type::STRUCT && !cast.try_cast()) {
    TypedExpr row = operand;  // fields convert in order, not by name
    row.expr = CastValue(operand.expr, operand.type, target);
    row.type = target;
    row.node = &cast;
    return row;
  }
  if (cast.try_cast()) {
    // Values that do not convert become NULL: the weir_try_cast kernel casts
    // element-wise and nulls the failures.
    auto options =
        std::make_shared<cp::CastOptions>(SqlCastOptions(*operand.type, target));
    return MakeCall("weir_try_cast", {operand}, options, cast, "TRY_CAST");
  }
  auto options = std::make_shared<cp::CastOptions>(SqlCastOptions(*operand.type, target));
  return MakeCall("cast", {operand}, options, cast, "CAST");
}

// CASE WHEN c1 THEN v1 … ELSE e END becomes case_when({c1, …}, v1, …, e); a simple
// CASE x WHEN a … compares x = a for each arm. Branch values take a common type.
arrow::Result<TypedExpr> Binder::BindCase(const CaseExpr& node) {
  std::optional<TypedExpr> operand;
  if (node.operand()) {
    ARROW_ASSIGN_OR_RAISE(operand, Bind(*node.operand()));
  }
  std::vector<TypedExpr> conditions;
  std::vector<TypedExpr> values;
  for (const CaseExpr::Arm& arm : node.arms()) {
    TypedExpr condition;
    if (operand) {
      ARROW_ASSIGN_OR_RAISE(TypedExpr when, Bind(*arm.when));
      ARROW_ASSIGN_OR_RAISE(condition,
                            BindComparison(BinaryOp::kEqual, *operand, when, *arm.when));
    } else {
      ARROW_ASSIGN_OR_RAISE(condition, Bind(*arm.when));
      ARROW_RETURN_NOT_OK(RequireBoolean(condition, "CASE WHEN"));
    }
    // A NULL condition does not match.
    ARROW_ASSIGN_OR_RAISE(
        condition,
        MakeCall("coalesce",
                 {condition, MakeConstant(std::make_shared<arrow::BooleanScalar>(false),
                                          arm.when.get())},
                 nullptr, *arm.when, "CASE WHEN"));
    conditions.push_back(std::move(condition));
    ARROW_ASSIGN_OR_RAISE(TypedExpr value, Bind(*arm.then));
    ARROW_RETURN_NOT_OK(DecodeDictionary(value));
    values.push_back(std::move(value));
  }
  if (node.otherwise()) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr value, Bind(*node.otherwise()));
    ARROW_RETURN_NOT_OK(DecodeDictionary(value));
    values.push_back(std::move(value));
  }
  ARROW_RETURN_NOT_OK(UnifyTypes(*this, values, node));
  std::vector<cp::Expression> condition_exprs;
  std::vector<TypedExpr> args;
  arrow::FieldVector fields;
  for (size_t i = 0; i < conditions.size(); ++i) {
    fields.push_back(arrow::field(fmt::format("c{}", i), arrow::boolean()));
  }
  std::vector<TypedExpr> packed_args;
  // case_when takes a struct of conditions as its first argument.
  std::vector<cp::Expression> parts;
  for (const TypedExpr& condition : conditions) parts.push_back(condition.expr);
  TypedExpr packed;
  packed.expr =
      cp::call("make_struct", parts, std::make_shared<cp::MakeStructOptions>([&] {
                 std::vector<std::string> names;
                 for (size_t i = 0; i < conditions.size(); ++i) {
                   names.push_back(fmt::format("c{}", i));
                 }
                 return names;
               }()));
  packed.type = arrow::struct_(fields);
  packed.node = &node;
  args.push_back(std::move(packed));
  for (TypedExpr& value : values) args.push_back(std::move(value));
  return MakeCall("case_when", std::move(args), nullptr, node, "CASE");
}

arrow::Result<TypedExpr> Binder::BindIndex(const IndexExpr& node) {
  ARROW_ASSIGN_OR_RAISE(TypedExpr base, Bind(*node.base()));
  ARROW_ASSIGN_OR_RAISE(TypedExpr index, Bind(*node.index()));
  arrow::Type::type id = base.type->id();
  if (id == arrow::Type::MAP) {
    const auto& map = static_cast<const arrow::MapType&>(*base.type);
    if (!index.is_constant()) {
      return TypeError(node.position(), "the key of map[key] must be a constant");
    }
    auto key = CoerceConstant(index.constant, index.numeric_text, map.key_type());
    if (!key.ok()) {
      return TypeError(node.position(), fmt::format("cannot look up {} in {}",
                                                    Describe(index), Describe(base)));
    }
    auto options =
        std::make_shared<cp::MapLookupOptions>(*key, cp::MapLookupOptions::LAST);
    return MakeCall("map_lookup", {base}, options, node, "map[key]");
  }
  if (id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST ||
      id == arrow::Type::FIXED_SIZE_LIST) {
    if (!arrow::is_integer(index.type->id())) {
      return TypeError(node.position(), fmt::format("an array index must be an integer "
                                                    "but got {}",
                                                    Describe(index)));
    }
    // SQL arrays are 1-based; an index out of range gives NULL.
    return MakeCall("weir_array_element", {base, index}, nullptr, node, "array[index]");
  }
  return TypeError(
      node.position(),
      fmt::format("[] applies to arrays and maps, not to {}", Describe(base)));
}

arrow::Result<TypedExpr> Binder::BindSubquery(const SubqueryExpr& node) {
  if (hooks_ == nullptr || !hooks_->subquery) {
    return ErrorAt(source_, node.position(), "unsupported subquery",
                   ": subqueries are not allowed here");
  }
  std::optional<TypedExpr> operand;
  if (node.operand()) {
    ARROW_ASSIGN_OR_RAISE(operand, Bind(*node.operand()));
  }
  return hooks_->subquery(node, std::move(operand));
}

arrow::Result<TypedExpr> Binder::BindFunction(const FunctionCallExpr& call) {
  const Identifier& name = call.name();
  if (call.over()) {
    return ErrorAt(source_, call.over()->position, "invalid OVER",
                   ": window functions (… OVER …) are allowed only in the SELECT list");
  }
  const FunctionDefinition* function = FindFunction(name.name);
  if (function != nullptr && function->kind != FunctionKind::kScalar) function = nullptr;
  if (hooks_ != nullptr && hooks_->user_function) {
    std::shared_ptr<const CatalogFunction> user = hooks_->user_function(name.name);
    if (user != nullptr && (user->system || function == nullptr)) {
      return BindUserFunction(call, *user);
    }
  }
  if (function == nullptr || call.distinct() || call.star()) {
    if (hooks_ != nullptr && hooks_->unknown_function) {
      ARROW_ASSIGN_OR_RAISE(std::optional<TypedExpr> bound,
                            hooks_->unknown_function(call));
      if (bound) return *bound;
    }
    std::vector<std::string> names;
    for (const FunctionDefinition* known : AllFunctions()) names.push_back(known->name);
    return ErrorAt(source_, name.position,
                   fmt::format("unknown function '{}'", name.name),
                   DidYouMean(name.name, names));
  }
  std::vector<TypedExpr> args;
  for (const ExprPtr& arg : call.args()) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr typed, Bind(*arg));
    ARROW_RETURN_NOT_OK(DecodeDictionary(typed));
    args.push_back(std::move(typed));
  }
  return BindFunctionCall(*this, *function, call, std::move(args));
}

arrow::Result<TypedExpr> Binder::BindUserFunction(const FunctionCallExpr& call,
                                                  const CatalogFunction& function) {
  if (function.aggregate_function != nullptr) {
    return ErrorAt(source_, call.name().position, "invalid aggregate",
                   fmt::format(": {} is not allowed here: aggregate functions go in "
                               "the SELECT list, HAVING or OVER, not nested in another "
                               "aggregate, nor in WHERE, GROUP BY or ON",
                               function.description));
  }
  if (function.table_function != nullptr) {
    return ErrorAt(source_, call.name().position, "invalid call",
                   fmt::format(": {} is a table function; call it in FROM: "
                               "LATERAL TABLE({}(…))",
                               function.description, function.name));
  }
  if (call.distinct() || call.star()) {
    return ErrorAt(source_, call.name().position, "invalid call",
                   fmt::format(": {} is a scalar function; it takes neither DISTINCT "
                               "nor *",
                               function.description));
  }
  size_t count = call.args().size();
  if (!function.arg_types.empty() && count != function.arg_types.size()) {
    return ErrorAt(source_, call.name().position, "invalid call",
                   fmt::format(": {} expects {} argument{} but got {}",
                               function.description, function.arg_types.size(),
                               function.arg_types.size() == 1 ? "" : "s", count));
  }
  std::vector<cp::Expression> arguments;
  for (size_t i = 0; i < count; ++i) {
    ARROW_ASSIGN_OR_RAISE(TypedExpr arg, Bind(*call.args()[i]));
    ARROW_RETURN_NOT_OK(DecodeDictionary(arg));
    if (!function.arg_types.empty() && !arg.type->Equals(*function.arg_types[i])) {
      if (arg.is_bare_null()) {
        arg = MakeConstant(arrow::MakeNullScalar(function.arg_types[i]), arg.node);
      } else {
        ARROW_ASSIGN_OR_RAISE(
            arg, MakeCall("cast", {arg},
                          std::make_shared<cp::CastOptions>(
                              cp::CastOptions::Safe(function.arg_types[i])),
                          *call.args()[i],
                          fmt::format("argument {} of {}", i + 1, function.description)));
      }
    }
    arguments.push_back(std::move(arg.expr));
  }
  // Never evaluated here, even with constant arguments: the function may not be
  // deterministic and runs where the query runs.
  TypedExpr typed;
  typed.expr = cp::call(function.arrow_function, std::move(arguments));
  typed.type = function.result_type;
  typed.node = &call;
  return typed;
}

// Binds the whole tree once; any failure here is reported at the expression.
arrow::Result<arrow::compute::Expression> Finish(const Binder& binder,
                                                 const TypedExpr& typed, const Expr& expr,
                                                 const arrow::Schema& schema) {
  auto bound = typed.expr.Bind(schema);
  if (!bound.ok()) return binder.TypeError(StartPosition(expr), bound.status().message());
  return bound;
}

}  // namespace

arrow::Result<BoundExpr> BindWithHooks(const Expr& expr, const arrow::Schema& schema,
                                       std::string_view source_text,
                                       const BindHooks& hooks) {
  ARROW_RETURN_NOT_OK(RegisterSqlKernels());
  Binder binder(schema, source_text, &hooks);
  ARROW_ASSIGN_OR_RAISE(TypedExpr typed, binder.Bind(expr));
  if (typed.is_bare_null()) {
    typed = MakeConstant(arrow::MakeNullScalar(arrow::null()), typed.node);
  }
  ARROW_ASSIGN_OR_RAISE(cp::Expression bound, Finish(binder, typed, expr, schema));
  return BoundExpr{std::move(bound), typed.type};
}

arrow::Result<arrow::compute::Expression> BindExpression(const Expr& expr,
                                                         const arrow::Schema& schema,
                                                         std::string_view source_text) {
  ARROW_RETURN_NOT_OK(RegisterSqlKernels());
  Binder binder(schema, source_text);
  ARROW_ASSIGN_OR_RAISE(TypedExpr typed, binder.Bind(expr));
  return Finish(binder, typed, expr, schema);
}

arrow::Result<arrow::compute::Expression> ParseFilter(std::string_view text,
                                                      const arrow::Schema& schema) {
  ARROW_RETURN_NOT_OK(RegisterSqlKernels());
  ARROW_ASSIGN_OR_RAISE(ExprPtr expr, ParseExpression(text));
  Binder binder(schema, text);
  ARROW_ASSIGN_OR_RAISE(TypedExpr typed, binder.Bind(*expr));
  if (typed.is_bare_null()) {
    typed = MakeConstant(arrow::MakeNullScalar(arrow::boolean()), typed.node);
  }
  if (typed.type->id() != arrow::Type::BOOL) {
    return binder.TypeError(
        StartPosition(*expr),
        fmt::format("a filter must be a boolean expression but this is {}",
                    Describe(typed)));
  }
  return Finish(binder, typed, *expr, schema);
}

}  // namespace weir::sql
