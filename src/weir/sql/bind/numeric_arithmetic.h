#pragma once

#include <memory>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns Flink's DECIMAL result type of `left op right` for +, -, *, / and %
/// (LogicalTypeMerging): e.g. DECIMAL(p1,s1) / DECIMAL(p2,s2) has scale
/// max(6, s1 + p2 + 1); a precision above 38 is capped at 38 and the scale reduced,
/// keeping at least min(scale, 6) fractional digits. Integers count as
/// DECIMAL(digits of their type, 0).
arrow::Result<std::shared_ptr<arrow::DataType>> DecimalResultType(
    BinaryOp op, const arrow::DataType& left, const arrow::DataType& right);

/// Returns Flink's type of AVG over `input`: DECIMAL(38, max(6, s)) for
/// DECIMAL(p, s), the input type otherwise.
std::shared_ptr<arrow::DataType> AvgResultType(
    const std::shared_ptr<arrow::DataType>& input);

/// Converts a DECIMAL value to the DECIMAL type `target`, rounding half away from
/// zero when the scale shrinks (Java's RoundingMode.HALF_UP, as Flink). A value too
/// large for the target precision fails when evaluated.
arrow::Result<TypedExpr> RescaleDecimal(CallBuilder& builder, TypedExpr value,
                                        const std::shared_ptr<arrow::DataType>& target,
                                        const Expr& node);

/// Binds the arithmetic `left op right` (+, -, *, /, %) of two numbers with Flink's
/// result types: integers keep the wider integer type; with a FLOAT or DOUBLE
/// operand the result is approximate (FLOAT or DOUBLE, as CommonType); otherwise it
/// is the DECIMAL of DecimalResultType, computed exactly and rounded half up to its
/// scale. Both operands must be numbers (integers,
/// floating point or decimals, dictionaries decoded).
arrow::Result<TypedExpr> BindNumericArithmetic(CallBuilder& builder, BinaryOp op,
                                               TypedExpr left, TypedExpr right,
                                               const Expr& node, std::string_view what);

}  // namespace weir::sql
