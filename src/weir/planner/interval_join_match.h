#pragma once
// Recognises Flink's interval join: a join on equality keys whose condition bounds
// the left input's event time by the right input's (`l.ts BETWEEN r.ts - INTERVAL …
// AND r.ts + INTERVAL …`, two range predicates, or `l.ts = r.ts`).

#include <cstdint>
#include <optional>
#include <string>

#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// A join that runs as an event-time interval join.
struct IntervalJoinMatch {
  /// The rowtime columns of the left and right inputs.
  std::string left_time;
  std::string right_time;
  /// The bounds of left_time - right_time the condition implies, microseconds,
  /// inclusive (strict predicates give their non-strict neighbour: the condition
  /// still decides which rows join).
  int64_t lower = 0;
  int64_t upper = 0;
};

/// Returns the match when `join` (a kJoin node) is an inner or outer join with
/// equality keys whose residual condition bounds a rowtime attribute of the left input
/// from both sides by one of the right input, else nullopt. The inputs must also be
/// insert-only for the join to run as one (the caller checks).
std::optional<IntervalJoinMatch> MatchIntervalJoin(const sql::PlanNode& join);

}  // namespace weir::planner
