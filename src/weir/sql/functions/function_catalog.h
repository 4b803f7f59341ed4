#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/type_fwd.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include <vector>
#include "weir/sql/bind/typed_expr.h"

#include <arrow/type_fwd.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns the Arrow compute function implementing a binary operator, e.g.
/// "less" for <, "and_kleene" for AND, "remainder_checked" for %.
std::string_view ArrowFunctionFor(BinaryOp op);

/// Describes a scalar function callable from SQL.
struct SqlFunction {
  /// The SQL name, upper case.
  std::string_view name;
  /// The Arrow compute function it maps to.
  std::string_view arrow_name;
  /// Fewest arguments accepted.
  size_t min_args;
  /// Most arguments accepted (SIZE_MAX for variadic functions).
  size_t max_args;
  /// Type given to a bare NULL argument, or null to take the other arguments' type.
  const std::shared_ptr<arrow::DataType>& (*null_type)();
};

/// What a special function binder needs from the binder: calls to Arrow compute
/// functions typed (and folded when constant) like every other call, and errors
/// pointing into the source text.
class CallBuilder {
 public:
  virtual ~CallBuilder() = default;
  /// Types the call `function(args…)` with `options`; `what` names it in errors.
  virtual arrow::Result<TypedExpr> Call(
      std::string_view function, std::vector<TypedExpr> args,
      std::shared_ptr<arrow::compute::FunctionOptions> options, const Expr& node,
      std::string_view what) = 0;
  /// Returns a type error at `position`.
  virtual arrow::Status TypeError(const SourcePosition& position,
                                  std::string_view message) const = 0;
};

/// Binds a call of a function whose typing or arguments need more than a direct
/// mapping to one Arrow function (SUBSTRING, DATE_FORMAT, IF, ROUND, …). `args` are
/// bound, with dictionary columns already decoded.
using FunctionBinder = arrow::Result<TypedExpr> (*)(CallBuilder& builder,
                                                    const FunctionCallExpr& call,
                                                    std::vector<TypedExpr> args);

/// Returns the binder of the special function `name` (case-insensitively), or nullptr.
FunctionBinder FindFunctionBinder(std::string_view name);

/// Returns the names of the special functions, for suggestions and SHOW FUNCTIONS.
std::vector<std::string> SpecialFunctionNames();

/// Returns the function named `name` (case-insensitively), or nullptr.
const SqlFunction* FindSqlFunction(std::string_view name);

/// Returns the names of all functions, for suggestions.
std::vector<std::string> SqlFunctionNames();

}  // namespace weir::sql
