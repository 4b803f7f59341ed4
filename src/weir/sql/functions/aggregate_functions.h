#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <arrow/compute/type_fwd.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns true for the names of SQL aggregate functions (COUNT, SUM, AVG, MIN,
/// MAX, STDDEV_POP, STDDEV_SAMP, STDDEV, VAR_POP, VAR_SAMP, VARIANCE, FIRST_VALUE,
/// LAST_VALUE), case-insensitively.
bool IsAggregateFunction(std::string_view name);

/// How a SQL aggregate call runs as an Arrow aggregate.
struct AggregatePlan {
  /// Arrow's function without the hash_ prefix (count_all, count, count_distinct,
  /// sum, mean, min, max, stddev, variance, first, last).
  std::string function;
  std::shared_ptr<arrow::compute::FunctionOptions> options;
  /// The type Arrow's kernel returns.
  std::shared_ptr<arrow::DataType> result_type;
  /// The SQL result type when it differs (cast after aggregation), else null.
  std::shared_ptr<arrow::DataType> cast_to;
  /// The type the argument is cast to before aggregation, else null (AVG of a
  /// DECIMAL averages at Flink's result scale).
  std::shared_ptr<arrow::DataType> input_cast;
};

/// Returns the separator of `LISTAGG(x, 'sep')` (',' when not given), or an error
/// pointing into `source` when the second argument is not a string literal.
arrow::Result<std::string> ListAggSeparator(const FunctionCallExpr& call,
                                            std::string_view source);

/// Maps `call` with an argument of `input_type` (null for COUNT(*)) to an Arrow
/// aggregate with Flink's semantics: NULLs are skipped; SUM, AVG, MIN, MAX of no
/// values are NULL; COUNT of none is 0; AVG of an integer column is an integer and
/// AVG of DECIMAL(p, s) is DECIMAL(38, max(6, s)) rounded half up, as in Flink. Errors
/// point into `source`.
arrow::Result<AggregatePlan> PlanAggregateCall(
    const FunctionCallExpr& call, const std::shared_ptr<arrow::DataType>& input_type,
    std::string_view source);

}  // namespace weir::sql
