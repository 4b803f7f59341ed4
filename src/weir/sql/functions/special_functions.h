#pragma once

// Shared by the binders of the scalar functions (scalar_functions.cc,
// string_functions.cc, math_functions.cc, time_functions.cc) and the function
// registry: the argument checks that make their errors read alike.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/type_fwd.h>
#include <arrow/result.h>
#include <arrow/status.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Binds FLOOR(x TO unit) and CEIL(x TO unit) on dates and timestamps; `ceil`
/// picks CEIL. The numeric binders hand two-argument calls over to it.
arrow::Result<TypedExpr> BindTemporalRound(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args, bool ceil);

/// Returns the called name in upper case, e.g. "SUBSTR".
std::string CalledName(const FunctionCallExpr& call);

/// Fails with "NAME expects `expected` as argument i+1 but got <description>",
/// followed by " (<note>)" when a note is given, pointing at the argument.
arrow::Status ArgTypeError(CallBuilder& builder, const FunctionCallExpr& call,
                           const std::vector<TypedExpr>& args, size_t i,
                           std::string_view expected, std::string_view note = "");

/// Makes argument `i` a utf8 value: a bare NULL becomes a utf8 NULL, other string
/// types are cast; anything else is a type error.
arrow::Status RequireString(CallBuilder& builder, const FunctionCallExpr& call,
                            std::vector<TypedExpr>& args, size_t i);

/// Makes argument `i` an int64 value: a bare NULL becomes an int64 NULL, other
/// integers are widened; anything else is a type error.
arrow::Status RequireInteger(CallBuilder& builder, const FunctionCallExpr& call,
                             std::vector<TypedExpr>& args, size_t i);

/// Checks that argument `i` is numeric; a bare NULL becomes `null_type`.
arrow::Status RequireNumeric(CallBuilder& builder, const FunctionCallExpr& call,
                             std::vector<TypedExpr>& args, size_t i,
                             const std::shared_ptr<arrow::DataType>& null_type);

/// Makes argument `i` a float64 value (numbers are converted, a bare NULL becomes
/// a float64 NULL); anything else is a type error.
arrow::Status RequireDouble(CallBuilder& builder, const FunctionCallExpr& call,
                            std::vector<TypedExpr>& args, size_t i);

/// Returns the text of argument `i` when it is a keyword symbol (HOUR in
/// FLOOR(ts TO HOUR), BOTH in TRIM) or a constant non-NULL string.
std::optional<std::string> SymbolArg(const FunctionCallExpr& call,
                                     const std::vector<TypedExpr>& args, size_t i);

/// Returns the value of a constant non-NULL string, else nullopt.
std::optional<std::string> ConstantString(const TypedExpr& value);

/// Returns the value of a constant non-NULL integer, else nullopt.
std::optional<int64_t> ConstantInteger(const TypedExpr& value);

/// Returns true when any argument is a constant NULL.
bool AnyNullConstant(const std::vector<TypedExpr>& args);

/// Returns a NULL constant of `type` standing for `call`.
TypedExpr NullOf(const std::shared_ptr<arrow::DataType>& type,
                 const FunctionCallExpr& call);

/// Returns a constant of `value` standing for `node`.
TypedExpr ConstantOf(std::shared_ptr<arrow::Scalar> value, const FunctionCallExpr& call);

/// Calls the Arrow function `function` for the SQL call `call`, so errors read
/// "function NAME cannot be applied to …".
arrow::Result<TypedExpr> CallArrow(
    CallBuilder& builder, const FunctionCallExpr& call, std::string_view function,
    std::vector<TypedExpr> args,
    std::shared_ptr<arrow::compute::FunctionOptions> options = nullptr);

}  // namespace weir::sql
