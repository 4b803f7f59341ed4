#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <arrow/compute/type_fwd.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns the Arrow compute function implementing a binary operator, e.g.
/// "less" for <, "and_kleene" for AND, "remainder_checked" for %.
std::string_view ArrowFunctionFor(BinaryOp op);

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

/// Binds a call of a built-in scalar function whose arguments matched one of its
/// declared signatures and were converted to the declared types
/// (function_registry.h). `args` are bound, with dictionary columns decoded.
using FunctionBinder = arrow::Result<TypedExpr> (*)(CallBuilder& builder,
                                                    const FunctionCallExpr& call,
                                                    std::vector<TypedExpr> args);

}  // namespace weir::sql
