#pragma once
// Recognises Flink's window aggregation: a GROUP BY whose keys include window_start
// and window_end of a windowing table function below it (through projections and
// filters that pass them on).

#include <map>
#include <optional>
#include <string>

#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// A group aggregation that is a window aggregation.
struct WindowAggregateMatch {
  /// The windowing table function the window columns come from.
  const sql::PlanNode* tvf = nullptr;
  /// The aggregate's group keys that are window_start and window_end.
  std::string start_key;
  std::string end_key;
  /// Every group key that passes a column of the windowing table function's output
  /// on unchanged: key → that column's name.
  std::map<std::string, std::string> sources;
};

/// Returns the match when `aggregate` (a kAggregate node) groups by both window_start
/// and window_end of one windowing table function, else nullopt.
std::optional<WindowAggregateMatch> MatchWindowAggregate(const sql::PlanNode& aggregate);

/// A Rank whose PARTITION BY holds window_start and window_end of a window
/// aggregation or windowing table function below it (Flink's window Top-N and window
/// deduplication): it ranks each window once, when the watermark ends it.
struct WindowRankMatch {
  /// The rank's partition keys that are window_start and window_end.
  std::string start_key;
  std::string end_key;
};

/// Returns the match when `rank` (a kRank node) partitions by a window's start and
/// end, else nullopt.
std::optional<WindowRankMatch> MatchWindowRank(const sql::PlanNode& rank);

}  // namespace weir::planner
