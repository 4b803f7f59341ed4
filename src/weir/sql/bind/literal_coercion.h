#pragma once

#include <memory>
#include <string_view>

#include <arrow/compute/cast.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns the Arrow scalar of a literal in its own type, as Flink types it: NULL is
/// null-typed, BOOLEAN bool, integers INT (int32) or BIGINT when they do not fit,
/// exact numbers with a point DECIMAL of their written digits, leading zeros too
/// (0.1 is DECIMAL(2, 1), as in Flink; DOUBLE beyond 38 digits), numbers with an exponent
/// DOUBLE, strings utf8, DATE date32 and TIMESTAMP timestamp[us] (timestamp[ns] with more
/// than six fractional digits, time zone UTC when the text carried an offset).
arrow::Result<std::shared_ptr<arrow::Scalar>> LiteralScalar(const LiteralExpr& literal);

/// Converts a constant that is compared with a value of type `target` so that the
/// comparison needs no cast of the value, which keeps it in the `field op literal`
/// shape that statistics pruning understands.
///
/// Returns a scalar of type `target` (the value type for dictionaries) when it holds
/// the constant exactly; otherwise a scalar of a wider type that Arrow promotes
/// `target` to (e.g. 1000 stays int64 against int8, 1.555 becomes decimal(4, 3)
/// against decimal(10, 2)); otherwise the constant unchanged, leaving the type check
/// to the caller. `numeric_text` is the source spelling of a numeric literal (empty
/// for computed constants); it makes decimal conversions exact. Fails with a short
/// reason, and no position, when a string cannot denote a `target` value (e.g.
/// 'abc' against int32, '2024-13-01' against date32). String literals compared with
/// timestamps with a time zone are read as UTC unless they carry an offset.
arrow::Result<std::shared_ptr<arrow::Scalar>> CoerceConstant(
    const std::shared_ptr<arrow::Scalar>& value, std::string_view numeric_text,
    const std::shared_ptr<arrow::DataType>& target);

/// Evaluates CAST of a constant to `target`. Strings become dates and timestamps by
/// the SQL literal rules (excess fractional digits are truncated); other conversions
/// use SqlCastOptions, whose failure message is returned.
arrow::Result<std::shared_ptr<arrow::Scalar>> CastConstant(
    const std::shared_ptr<arrow::Scalar>& value,
    const std::shared_ptr<arrow::DataType>& target);

/// Returns the options of SQL's CAST from `from` to `to`: Arrow's safe cast, except
/// that a fraction is dropped when a FLOAT, DOUBLE or DECIMAL becomes an integer
/// (toward zero, as Flink does); values out of range still fail.
arrow::compute::CastOptions SqlCastOptions(const arrow::DataType& from,
                                           const std::shared_ptr<arrow::DataType>& to);

}  // namespace weir::sql
