#include "weir/planner/window_match.h"

#include <map>

namespace weir::planner {

std::optional<WindowAggregateMatch> MatchWindowAggregate(const sql::PlanNode& aggregate) {
  if (aggregate.kind != sql::PlanKind::kAggregate) return std::nullopt;
  // Follow each key down while it is a plain column: agg key → name below.
  std::map<std::string, std::string> below;
  for (const std::string& key : aggregate.group_keys) below[key] = key;
  const sql::PlanNode* node = aggregate.inputs[0].get();
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
  if (node->kind != sql::PlanKind::kWindowTvf) return std::nullopt;
  WindowAggregateMatch match;
  match.tvf = node;
  for (const auto& [key, name] : below) {
    if (name == node->window.start_field) match.start_key = key;
    if (name == node->window.end_field) match.end_key = key;
  }
  if (match.start_key.empty() || match.end_key.empty()) return std::nullopt;
  return match;
}

}  // namespace weir::planner
