#pragma once
// Over and Rank plan nodes as the runtime runs them (docs/design/over-and-rank.md).

#include <memory>

#include <arrow/result.h>
#include <arrow/table.h>

#include "weir/runtime/operators/over_window.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// Returns the runtime options of an Over node (kOver), or of a Rank node (kRank)
/// with its ranking function as the one function.
runtime::OverWindowOptions OverOptionsOf(const sql::PlanNode& node);

/// Runs an Over or Rank node in batch mode over its whole input: window functions
/// appended (Over), or only the rows whose rank is in range (Rank); the result has
/// the node's schema.
arrow::Result<std::shared_ptr<arrow::Table>> EvaluateOverNode(
    const sql::PlanNode& node, const std::shared_ptr<arrow::Table>& input);

}  // namespace weir::planner
