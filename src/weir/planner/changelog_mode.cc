#include "weir/planner/changelog_mode.h"

#include <fmt/format.h>

#include <functional>

#include "weir/common/error.h"
#include "weir/common/suggest.h"
#include "weir/planner/interval_join_match.h"
#include "weir/planner/time_attributes.h"
#include "weir/planner/window_match.h"

namespace weir::planner {

std::string ChangelogModeSet::ToString() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(insert, "I");
  add(update_before, "UB");
  add(update_after, "UA");
  add(delete_, "D");
  return out.empty() ? "NONE" : out;
}

connectors::ChangelogMode ChangelogModeSet::ForSink() const {
  if (insert_only()) return connectors::ChangelogMode::kInsertOnly;
  if (update_before) return connectors::ChangelogMode::kAll;
  return connectors::ChangelogMode::kUpsert;
}

ChangelogModeSet ChangelogModeSet::Union(const ChangelogModeSet& other) const {
  return {insert || other.insert, update_before || other.update_before,
          update_after || other.update_after, delete_ || other.delete_};
}

namespace {

ChangelogModeSet FromConnector(connectors::ChangelogMode mode) {
  switch (mode) {
    case connectors::ChangelogMode::kInsertOnly:
      return ChangelogModeSet::InsertOnly();
    case connectors::ChangelogMode::kUpsert:
      // Scans of upsert sources run ChangelogNormalize, which retracts: -U too.
      return {true, true, true, true};
    case connectors::ChangelogMode::kAll:
      return {true, true, true, true};
  }
  return ChangelogModeSet::InsertOnly();
}

std::string Visible(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + sql::VisibleName(n);
  }
  return out;
}

// `ts ASC, price DESC` for EXPLAIN and messages.
std::string OrderText(const std::vector<sql::SortField>& order) {
  std::string out;
  for (const sql::SortField& key : order) {
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", sql::VisibleName(key.field),
                                                   key.descending ? "DESC" : "ASC");
  }
  return out;
}

}  // namespace

bool IsDeduplication(const sql::PlanNode& node) {
  return node.kind == sql::PlanKind::kRank &&
         node.rank.type == sql::RankSpec::Type::kRowNumber && node.rank.start == 1 &&
         node.rank.end == 1 && !node.rank.output_rank && node.over.order.size() == 1 &&
         IsTimeAttribute(*node.inputs[0], node.over.order[0].field);
}

std::string FlinkNodeName(const sql::PlanNode& node) {
  switch (node.kind) {
    case sql::PlanKind::kScan:
      return fmt::format(
          "TableSourceScan(table=[[default_catalog, default_database, {}]])",
          node.table->name);
    case sql::PlanKind::kValues:
      return "Values";
    case sql::PlanKind::kFilter:
    case sql::PlanKind::kProject:
      return "Calc";
    case sql::PlanKind::kWindowTvf:
      return fmt::format("WindowTableFunction(window=[{}])", node.window.ToString());
    case sql::PlanKind::kAggregate: {
      std::string select = Visible(node.group_keys);
      for (const sql::AggregateCall& call : node.aggregates) {
        select += (select.empty() ? "" : ", ") + call.display;
      }
      if (node.group_keys.empty())
        return fmt::format("GroupAggregate(select=[{}])", select);
      return fmt::format("GroupAggregate(groupBy=[{}], select=[{}])",
                         Visible(node.group_keys), select);
    }
    case sql::PlanKind::kJoin: {
      static const char* const kTypes[] = {"InnerJoin",      "LeftOuterJoin",
                                           "RightOuterJoin", "FullOuterJoin",
                                           "LeftSemiJoin",   "LeftAntiJoin"};
      std::string where;
      for (size_t k = 0; k < node.left_keys.size(); ++k) {
        where += fmt::format("{}{} {} {}", where.empty() ? "" : " AND ",
                             sql::VisibleName(node.left_keys[k]),
                             node.null_equal_keys ? "IS NOT DISTINCT FROM" : "=",
                             sql::VisibleName(node.right_keys[k]));
      }
      if (!(node.residual == arrow::compute::literal(true))) {
        where += (where.empty() ? "" : " AND ") + std::string("<condition>");
      }
      if (auto interval = MatchIntervalJoin(node)) {
        return fmt::format(
            "IntervalJoin(joinType=[{}], windowBounds=[isRowTime=true, "
            "leftLowerBound={}, leftUpperBound={}], where=[{}])",
            kTypes[static_cast<int>(node.join_type)], interval->lower / 1000,
            interval->upper / 1000, where);
      }
      return fmt::format("Join(joinType=[{}], where=[{}])",
                         kTypes[static_cast<int>(node.join_type)],
                         where.empty() ? "true" : where);
    }
    case sql::PlanKind::kCorrelate:
      return fmt::format("Correlate(invocation=[{}], joinType=[{}])",
                         node.table_function->name(),
                         node.join_type == sql::PlanJoinType::kLeft ? "LEFT" : "INNER");
    case sql::PlanKind::kSort:
      return "Sort";
    case sql::PlanKind::kLimit:
      return "Limit";
    case sql::PlanKind::kUnion:
      return "Union";
    case sql::PlanKind::kOver: {
      std::string select;
      for (const sql::OverCall& call : node.over_calls) {
        select += (select.empty() ? "" : ", ") + call.display;
      }
      return fmt::format("OverAggregate({}, select=[{}])", node.over.ToString(), select);
    }
    case sql::PlanKind::kRank: {
      if (MatchWindowRank(node)) {
        const std::string order = OrderText(node.over.order);
        return fmt::format(
            "WindowRank(rankType=[{}], rankRange=[rankStart={}, rankEnd={}], "
            "partitionBy=[{}], orderBy=[{}])",
            node.rank.TypeName(), node.rank.start, node.rank.end,
            Visible(node.over.partition_keys), order);
      }
      if (IsDeduplication(node)) {
        const bool proctime =
            TimeAttributeOf(*node.inputs[0], node.over.order[0].field) ==
            TimeAttribute::kProctime;
        return fmt::format("Deduplicate(keep=[{}], key=[{}], order=[{}])",
                           node.over.order[0].descending ? "LastRow" : "FirstRow",
                           Visible(node.over.partition_keys),
                           proctime ? "PROCTIME" : "ROWTIME");
      }
      const std::string order = OrderText(node.over.order);
      return fmt::format(
          "Rank(rankType=[{}], rankRange=[rankStart={}, rankEnd={}], partitionBy=[{}], "
          "orderBy=[{}])",
          node.rank.TypeName(), node.rank.start, node.rank.end,
          Visible(node.over.partition_keys), order);
    }
  }
  return "?";
}

arrow::Result<ChangelogModes> ChangelogModes::Infer(
    const sql::PlanPtr& plan, const std::set<std::string>& external_tables) {
  ChangelogModes modes;
  std::function<arrow::Result<ChangelogModeSet>(const sql::PlanNode&)> visit =
      [&](const sql::PlanNode& node) -> arrow::Result<ChangelogModeSet> {
    ChangelogModeSet inputs = ChangelogModeSet::InsertOnly();
    bool first = true;
    for (const sql::PlanPtr& input : node.inputs) {
      ARROW_ASSIGN_OR_RAISE(ChangelogModeSet mode, visit(*input));
      inputs = first ? mode : inputs.Union(mode);
      first = false;
    }
    ChangelogModeSet mode = inputs;
    switch (node.kind) {
      case sql::PlanKind::kScan: {
        if (external_tables.count(common::ToLowerAscii(node.table->name)) != 0) {
          mode = ChangelogModeSet::InsertOnly();
          break;
        }
        ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory,
                              node.table->Factory());
        mode = FromConnector(factory->SourceChangelogMode(node.table->Descriptor()));
        break;
      }
      case sql::PlanKind::kValues:
        mode = ChangelogModeSet::InsertOnly();
        break;
      case sql::PlanKind::kFilter:
      case sql::PlanKind::kProject:
      case sql::PlanKind::kUnion:
      case sql::PlanKind::kCorrelate:  // each change's rows carry its kind
        break;
      case sql::PlanKind::kAggregate:
        if (MatchWindowAggregate(node)) {
          mode = ChangelogModeSet::InsertOnly();  // final rows at the watermark
          break;
        }
        // Counts never reach zero without retractions, so no -D then (as Flink).
        mode = {true, true, true, !inputs.insert_only()};
        break;
      case sql::PlanKind::kWindowTvf:
        if (!inputs.insert_only()) {
          return arrow::Status::NotImplemented(
              "StreamPhysicalWindowTableFunction doesn't support consuming update "
              "changes: window functions take insert-only input");
        }
        break;
      case sql::PlanKind::kOver:
        if (!inputs.insert_only()) {
          return arrow::Status::NotImplemented(
              "StreamPhysicalOverAggregate doesn't support consuming update changes: "
              "OVER windows take insert-only input");
        }
        break;
      case sql::PlanKind::kRank:
        if (MatchWindowRank(node)) {
          if (!inputs.insert_only()) {
            return arrow::Status::NotImplemented(
                "StreamPhysicalWindowRank doesn't support consuming update changes");
          }
          mode = ChangelogModeSet::InsertOnly();  // each window once, at its end
          break;
        }
        if (IsDeduplication(node) && !node.over.order[0].descending &&
            inputs.insert_only() &&
            TimeAttributeOf(*node.inputs[0], node.over.order[0].field) ==
                TimeAttribute::kProctime) {
          // Keep the first row on processing time: later rows never come first.
          mode = ChangelogModeSet::InsertOnly();
          break;
        }
        // Deduplication replaces a key's row (-U/+U); Top-N also drops rows that
        // leave the range (-D).
        mode = {true, true, true, !IsDeduplication(node) || !inputs.insert_only()};
        break;
      case sql::PlanKind::kJoin: {
        // Flink's StreamingJoinOperator: an inner join keeps its inputs' row kinds;
        // outer sides join as +I/-D (padding comes and goes), and the retractions of
        // the inner side of an outer join keep theirs (-U). Semi/anti joins keep the
        // left side's kinds; right rows coming and going add and remove left rows.
        const ChangelogModeSet left = modes.modes_.at(node.inputs[0].get());
        const ChangelogModeSet right = modes.modes_.at(node.inputs[1].get());
        if (left.insert_only() && right.insert_only() && MatchIntervalJoin(node)) {
          // An interval join pads outer rows only when they leave its state.
          mode = ChangelogModeSet::InsertOnly();
          break;
        }
        switch (node.join_type) {
          case sql::PlanJoinType::kInner:
            break;
          case sql::PlanJoinType::kLeft:
          case sql::PlanJoinType::kRight:
          case sql::PlanJoinType::kFull:
            mode = {true, inputs.update_before, false, true};
            break;
          case sql::PlanJoinType::kSemi:
            mode = left;
            mode.delete_ = left.delete_ || !right.insert_only();
            break;
          case sql::PlanJoinType::kAnti:
            mode = left;
            mode.delete_ = true;
            break;
        }
        break;
      }
      case sql::PlanKind::kSort:
      case sql::PlanKind::kLimit:
        if (!inputs.insert_only()) {
          return arrow::Status::NotImplemented(fmt::format(
              "{} over an updating input (the result of a GROUP BY or DISTINCT) is not "
              "supported in streaming mode yet",
              node.kind == sql::PlanKind::kSort ? "ORDER BY" : "LIMIT"));
        }
        break;
    }
    modes.modes_[&node] = mode;
    return mode;
  };
  ARROW_RETURN_NOT_OK(visit(*plan).status());
  return modes;
}

ChangelogModeSet ChangelogModes::Of(const sql::PlanNode& node) const {
  auto it = modes_.find(&node);
  return it == modes_.end() ? ChangelogModeSet::InsertOnly() : it->second;
}

const sql::PlanNode* ChangelogModes::FirstUpdating(const sql::PlanNode& root) const {
  if (Of(root).insert_only()) return nullptr;
  // Descend while an input still updates: the deepest node whose inputs are all
  // insert-only produced the updates.
  const sql::PlanNode* node = &root;
  for (;;) {
    const sql::PlanNode* next = nullptr;
    for (const sql::PlanPtr& input : node->inputs) {
      if (!Of(*input).insert_only()) next = input.get();
    }
    if (next == nullptr) return node;
    node = next;
  }
}

arrow::Status CheckSinkAccepts(const sql::CatalogTable& table, const sql::PlanNode& plan,
                               const ChangelogModes& modes) {
  const ChangelogModeSet mode = modes.Of(plan);
  if (mode.insert_only()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, table.Factory());
  if (factory->SinkAccepts(table.Descriptor(), mode.ForSink())) {
    return arrow::Status::OK();
  }
  const sql::PlanNode* producer = modes.FirstUpdating(plan);
  const bool deletes = mode.delete_;
  return UserError(
      "Table sink 'default_catalog.default_database.{}' doesn't support consuming {} "
      "changes which is produced by node {}",
      table.name, deletes ? "update and delete" : "update",
      FlinkNodeName(producer ? *producer : plan));
}

}  // namespace weir::planner
