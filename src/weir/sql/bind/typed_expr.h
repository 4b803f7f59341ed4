#pragma once

#include <memory>
#include <string>

#include <arrow/compute/expression.h>
#include <arrow/type_fwd.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Holds a subexpression while it is being bound: an unbound Arrow expression and
/// the type it evaluates to. The binder types each call on its own and binds the
/// whole tree once at the end, which keeps binding linear in the expression size.
struct TypedExpr {
  /// The unbound Arrow expression.
  arrow::compute::Expression expr;
  /// The type `expr` evaluates to.
  std::shared_ptr<arrow::DataType> type;
  /// The value, when it is known at bind time (then `expr` is a literal).
  std::shared_ptr<arrow::Scalar> constant;
  /// The AST node it came from, for messages.
  const Expr* node = nullptr;
  /// The spelling of a numeric literal, which makes decimal conversions exact.
  std::string numeric_text;

  /// Returns true when the value is known at bind time.
  bool is_constant() const { return constant != nullptr; }
  /// Returns true for a constant NULL (of any type).
  bool is_null_constant() const;
  /// Returns true for a NULL written without a type (Arrow's null type).
  bool is_bare_null() const;
};

/// Wraps a constant value that came from `node`.
TypedExpr MakeConstant(std::shared_ptr<arrow::Scalar> value, const Expr* node,
                       std::string numeric_text = "");

/// Describes an operand for messages, e.g. "column 'price' of type double",
/// "string literal 'x' of type string" or "NULL".
std::string Describe(const TypedExpr& typed);

/// Returns the value type of a dictionary type, or `type` itself.
std::shared_ptr<arrow::DataType> ValueType(const std::shared_ptr<arrow::DataType>& type);

/// Groups types whose values can be compared with each other.
enum class TypeCategory {
  kNull,
  kNumeric,  // integers, floating point and decimals
  kString,
  kBinary,
  kBoolean,
  kDateTime,  // dates and timestamps
  kTime,
  kDuration,
  kOther,  // nested and other types, which are not comparable
};

/// Returns the category of `type` (of its value type for dictionaries).
TypeCategory CategoryOf(const std::shared_ptr<arrow::DataType>& type);

/// Returns true when values of types `a` and `b` can be compared: both in the same
/// comparable category, or one of them the null type.
bool Comparable(const std::shared_ptr<arrow::DataType>& a,
                const std::shared_ptr<arrow::DataType>& b);

/// Gives a bare NULL operand the type of the other operand, as SQL does.
void TypeBareNull(TypedExpr& a, TypedExpr& b);

}  // namespace weir::sql
