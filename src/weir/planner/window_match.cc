#include "weir/planner/window_match.h"

#include <map>

namespace weir::planner {

namespace {

// Follows `below` (column → its name further down) from `node` down through
// projections and filters that pass the columns on (a column computed otherwise
// gets the name ""); returns the first other node.
const sql::PlanNode* FollowColumns(const sql::PlanNode* node,
                                   std::map<std::string, std::string>* below_names) {
  std::map<std::string, std::string>& below = *below_names;
  while (node->kind == sql::PlanKind::kProject || node->kind == sql::PlanKind::kFilter) {
    if (node->kind == sql::PlanKind::kProject) {
      for (auto& [key, name] : below) {
        if (name.empty()) continue;
        const int index = node->schema->GetFieldIndex(name);
        const arrow::FieldRef* ref =
            index < 0 ? nullptr : node->exprs[static_cast<size_t>(index)].field_ref();
        name = ref != nullptr && ref->name() != nullptr ? *ref->name() : "";
      }
    }
    node = node->inputs[0].get();
  }
  return node;
}

}  // namespace

std::optional<WindowAggregateMatch> MatchWindowAggregate(const sql::PlanNode& aggregate) {
  if (aggregate.kind != sql::PlanKind::kAggregate) return std::nullopt;
  // Follow each key down while it is a plain column: agg key → name below.
  std::map<std::string, std::string> below;
  for (const std::string& key : aggregate.group_keys) below[key] = key;
  const sql::PlanNode* node = FollowColumns(aggregate.inputs[0].get(), &below);
  if (node->kind != sql::PlanKind::kWindowTvf) return std::nullopt;
  WindowAggregateMatch match;
  match.tvf = node;
  for (const auto& [key, name] : below) {
    if (!name.empty()) match.sources[key] = name;
    if (name == node->window.start_field) match.start_key = key;
    if (name == node->window.end_field) match.end_key = key;
  }
  if (match.start_key.empty() || match.end_key.empty()) return std::nullopt;
  return match;
}

std::optional<WindowRankMatch> MatchWindowRank(const sql::PlanNode& rank) {
  if (rank.kind != sql::PlanKind::kRank) return std::nullopt;
  std::map<std::string, std::string> below;
  for (const std::string& key : rank.over.partition_keys) below[key] = key;
  const sql::PlanNode* node = FollowColumns(rank.inputs[0].get(), &below);
  std::string start, end;
  if (node->kind == sql::PlanKind::kWindowTvf) {
    start = node->window.start_field;
    end = node->window.end_field;
  } else if (auto window = MatchWindowAggregate(*node)) {
    start = window->start_key;
    end = window->end_key;
  } else {
    return std::nullopt;
  }
  WindowRankMatch match;
  for (const auto& [key, name] : below) {
    if (!name.empty() && name == start) match.start_key = key;
    if (!name.empty() && name == end) match.end_key = key;
  }
  if (match.start_key.empty() || match.end_key.empty()) return std::nullopt;
  return match;
}

}  // namespace weir::planner
