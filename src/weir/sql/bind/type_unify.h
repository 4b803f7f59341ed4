#pragma once

#include <memory>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/functions/function_catalog.h"

namespace weir::sql {

/// Returns the type both `a` and `b` convert to without losing values, as SQL's
/// implicit conversions do: the wider integer, FLOAT for FLOAT with FLOAT or an
/// integer, DOUBLE for any other mix with floating point, a DECIMAL wide enough for
/// integers and decimals, STRING for strings, TIMESTAMP for dates with timestamps (the
/// finer unit), the other type for NULL. Fails when the types have nothing in common
/// (e.g. STRING and INT).
arrow::Result<std::shared_ptr<arrow::DataType>> CommonType(
    const std::shared_ptr<arrow::DataType>& a, const std::shared_ptr<arrow::DataType>& b);

/// Converts every value to the common type of all of them (constants exactly,
/// columns by a cast). Errors point at `node` and name the clashing types.
arrow::Status UnifyTypes(CallBuilder& builder, std::vector<TypedExpr>& values,
                         const Expr& node);

/// Returns `value` (of type `from`) cast safely to `to`. ROW values convert field by
/// field in order, as in Flink (Arrow's cast matches fields by name and would give
/// NULL for renamed fields), at any depth of rows within rows.
arrow::compute::Expression CastValue(arrow::compute::Expression value,
                                     const std::shared_ptr<arrow::DataType>& from,
                                     const std::shared_ptr<arrow::DataType>& to);

/// Converts `value` to `type` (a constant exactly, else by a safe cast).
arrow::Result<TypedExpr> ConvertTo(CallBuilder& builder, TypedExpr value,
                                   const std::shared_ptr<arrow::DataType>& type);

}  // namespace weir::sql
