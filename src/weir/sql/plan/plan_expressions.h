#pragma once
// Expression helpers of the plan rewrites (plan_optimizer.cc, join_order.cc,
// cardinality.cc). Plans refer to columns by unique internal names, so rewrites
// take expressions apart and rebind them to the schemas of the new plan.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>

namespace weir::sql {

/// Rebuilds an expression by names only, so it can be bound to another schema;
/// `rename` maps field names (e.g. internal to physical names of a scan).
arrow::compute::Expression Unbind(
    const arrow::compute::Expression& expr,
    const std::map<std::string, std::string>* rename = nullptr);

/// Appends the AND-ed terms of `expr`, unbound; a literal `true` adds nothing.
void Conjuncts(const arrow::compute::Expression& expr,
               std::vector<arrow::compute::Expression>* out);

/// Returns the top-level column names `expr` reads.
std::set<std::string> FieldsOf(const arrow::compute::Expression& expr);

/// Returns the argument of each CURRENT_WATERMARK call in `expr` (the field it
/// names; an empty string for a computed argument), in order.
std::vector<std::string> CurrentWatermarkArgs(const arrow::compute::Expression& expr);

/// Returns whether `expr` calls CURRENT_WATERMARK: its value depends on where in the
/// job it is evaluated, so filters reading it are not moved.
inline bool ReadsCurrentWatermark(const arrow::compute::Expression& expr) {
  return !CurrentWatermarkArgs(expr).empty();
}

}  // namespace weir::sql
