#pragma once

#include "weir/sql/plan/cardinality.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::sql {

/// Orders the inner joins of `plan` by estimated cardinality and picks the build
/// side of every hash join (docs/design/join-order.md). Each tree of inner joins
/// becomes a graph of its inputs connected by equal keys (with the keys' transitive
/// closure); dynamic programming over connected subsets finds the order with the
/// least estimated intermediate rows (greedy above 10 inputs). Inputs joined by no
/// key are joined last, smallest first, so no cross product is built while an
/// equality join exists. With `reorder` false the order stays as written and only
/// build sides are chosen. Filters must have been pushed down first.
PlanPtr OrderJoins(const PlanPtr& plan, CardinalityEstimator* estimator, bool reorder);

/// Runtime filters are planned for build sides estimated to hold at most this many
/// rows (Flink's `table.optimizer.runtime-filter.max-build-data-size` is 150 MB)…
inline constexpr double kMaxRuntimeFilterBuildRows = 1e6;
/// …and probe sides estimated at least this many times larger: running the build
/// side first costs the overlap of the two sides.
inline constexpr double kMinRuntimeFilterProbeRatio = 4;

/// Sets `runtime_filter` on the inner and semi joins of `plan` whose estimates
/// pass the two limits above (estimated_rows must be set, as OrderJoins does).
PlanPtr PlanRuntimeFilters(const PlanPtr& plan);

}  // namespace weir::sql
