#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"
#include "weir/sql/plan/logical_plan.h"
#include "weir/sql/plan/plan_statistics.h"

namespace weir::sql {

/// A planned query: the logical plan and the visible names of its columns.
struct PlannedQuery {
  PlanPtr plan;
  /// Output column names as the user sees them, parallel to plan->schema.
  std::vector<std::string> column_names;
};

/// Optimises and runs a plan to completion; the planner uses it for uncorrelated
/// subqueries whose values are needed at planning time (scalar subqueries, NOT IN).
using PlanExecutor =
    std::function<arrow::Result<std::shared_ptr<arrow::Table>>(const PlanPtr&)>;

/// Binds queries against a catalog and builds logical plans (docs/design/sql.md):
/// name resolution with table qualifiers and nested fields, implicit casts,
/// aggregation (GROUP BY, HAVING, DISTINCT), joins (equi keys plus a residual
/// condition), subqueries (IN as a semi join, EXISTS, scalar), set operations,
/// ORDER BY/LIMIT, views, CTEs and read_parquet(). Then it optimises: constant
/// folding (in the binder), filter pushdown into joins and scans (where the
/// Parquet reader prunes partitions, row groups and pages) and projection
/// pushdown into scans. Errors name the line and column of the script.
class Planner {
 public:
  /// Plans against `catalog`; `script` is the text positions refer to; `executor`
  /// may be null (subqueries needing values are then errors).
  Planner(const Catalog& catalog, std::shared_ptr<const std::string> script,
          PlanExecutor executor);
  ~Planner();

  /// Plans a query.
  arrow::Result<PlannedQuery> Plan(const Query& query);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Rebuilds a bound expression by field names only, so that it can be bound again
/// to another schema (the planner's schemas change as columns are pruned).
arrow::compute::Expression UnbindExpression(const arrow::compute::Expression& expr);

/// How OptimizePlan works; the defaults suit a plan nothing is known about.
struct OptimizerOptions {
  /// Reorders inner joins by estimated cardinality (the SET key
  /// `table.optimizer.join-reorder-enabled`); when off, joins stay in the order
  /// written and only the build side of each hash join is chosen.
  bool join_reorder = true;
  /// Marks inner and semi joins with a small build side and a much larger probe
  /// side for runtime filters (the SET key `table.optimizer.runtime-filter.enabled`).
  bool runtime_filters = true;
  /// Table statistics for estimates; without it every table counts as large.
  StatisticsProvider statistics;
};

/// Optimises a plan: pushes filters down (through projections that pass the
/// columns through, into the matching side of joins, into scans), orders inner
/// joins by estimated cardinality and picks each hash join's build side
/// (docs/design/join-order.md), and prunes the columns scans read to those used
/// above.
PlanPtr OptimizePlan(const PlanPtr& plan, const OptimizerOptions& options = {});

}  // namespace weir::sql
