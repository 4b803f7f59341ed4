#pragma once

#include <string_view>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include <functional>
#include <optional>

#include "weir/sql/bind/column_resolver.h"
#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/parse/ast.h"

namespace weir::sql {

struct CatalogFunction;

/// Binds a parsed expression to `schema`, producing a bound-ready arrow compute
/// expression (call .Bind(schema) is done inside; return the bound expression).
///
/// Columns match schema fields case-sensitively first, then by a unique
/// case-insensitive match (back-quoted names only match exactly); dotted paths
/// reach into structs and become nested FieldRefs. Operators map to Arrow compute
/// functions: = equal, <> not_equal, < less, <= less_equal, > greater,
/// >= greater_equal, AND and_kleene, OR or_kleene, NOT invert, IS [NOT] NULL
/// is_null / is_valid, IS TRUE coalesce(x, false) (and the like for IS FALSE and
/// IS NOT), IN is_in with a value set of the operand's type and SQL null semantics
/// (or a balanced or_kleene of equal when items are not constants), NOT IN
/// invert(is_in),
/// BETWEEN and_kleene(greater_equal, less_equal), NOT BETWEEN
/// or_kleene(less, greater), LIKE match_like, + - * / % add_checked,
/// subtract_checked, multiply_checked, divide_checked, remainder_checked (sign of
/// the dividend, like Flink's MOD), || binary_join_element_wise, unary minus
/// negate_checked, CAST cast (safe). Functions: UPPER, LOWER, ABS, CHAR_LENGTH /
/// CHARACTER_LENGTH, COALESCE, MOD.
///
/// Comparisons keep statistics pruning effective: a constant is moved to the right
/// (5 < x becomes x > 5) and converted to the exact type of the other side when it
/// can represent the constant (see CoerceConstant), giving the shape
/// call("less", {field_ref(x), literal(<x's type>)}). Subexpressions whose inputs
/// are all constants are evaluated at bind time. Errors name line and column of
/// `source_text` (the text `expr` was parsed from) and show a caret.
arrow::Result<arrow::compute::Expression> BindExpression(const Expr& expr,
                                                         const arrow::Schema& schema,
                                                         std::string_view source_text);

/// An expression bound to a schema, with its type.
struct BoundExpr {
  /// The bound Arrow expression.
  arrow::compute::Expression expr;
  /// Its result type.
  std::shared_ptr<arrow::DataType> type;
};

/// Lets a planner take part in binding (all optional).
struct BindHooks {
  /// Called for every node before it is bound; a value replaces the node. The
  /// planner uses it for GROUP BY keys and aggregate results computed below.
  std::function<arrow::Result<std::optional<TypedExpr>>(const Expr&)> substitute;
  /// Resolves column references instead of matching the schema's field names
  /// (table qualifiers, scopes).
  std::function<arrow::Result<ResolvedColumn>(const ColumnRefExpr&)> resolve_column;
  /// Binds a subquery used as a value; without it subqueries are errors.
  std::function<arrow::Result<TypedExpr>(const SubqueryExpr&, std::optional<TypedExpr>)>
      subquery;
  /// Called for a function the scalar catalog does not know; returns nullopt when
  /// it does not know it either (aggregates outside GROUP BY give their own error).
  std::function<arrow::Result<std::optional<TypedExpr>>(const FunctionCallExpr&)>
      unknown_function;
  /// Finds a function a program registered (Catalog::FindFunction); a system
  /// function is found before a built-in one of the same name, another after it.
  std::function<std::shared_ptr<const CatalogFunction>(const std::string&)> user_function;
};

/// Binds `expr` to `schema` with `hooks`, returning the bound expression and type.
arrow::Result<BoundExpr> BindWithHooks(const Expr& expr, const arrow::Schema& schema,
                                       std::string_view source_text,
                                       const BindHooks& hooks);

/// Parses and binds a filter; fails unless its type is boolean.
arrow::Result<arrow::compute::Expression> ParseFilter(std::string_view text,
                                                      const arrow::Schema& schema);

}  // namespace weir::sql
