#pragma once
// Changelog-mode inference (Flink's FlinkChangelogModeInferenceProgram, simplified):
// which row kinds every node of a streaming plan produces, and whether a sink takes
// them.

#include <map>
#include <set>
#include <string>

#include <arrow/result.h>

#include "weir/connectors/table_factory.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// The row kinds a node may produce (Flink's ChangelogMode as a set of RowKinds).
struct ChangelogModeSet {
  /// +I rows occur.
  bool insert = true;
  /// -U rows occur (retractions of updated rows).
  bool update_before = false;
  /// +U rows occur.
  bool update_after = false;
  /// -D rows occur.
  bool delete_ = false;

  /// Returns insert-only.
  static ChangelogModeSet InsertOnly() { return {}; }
  /// Returns whether only +I rows occur.
  bool insert_only() const { return !update_before && !update_after && !delete_; }
  /// Returns Flink's EXPLAIN notation: "I", "I,UB,UA", "I,UB,UA,D", ….
  std::string ToString() const;
  /// Returns the connector-level mode a sink is asked about.
  connectors::ChangelogMode ForSink() const;
  /// Returns the union of two sets (a node with several inputs).
  ChangelogModeSet Union(const ChangelogModeSet& other) const;
};

/// The changelog modes of every node of one streaming plan.
class ChangelogModes {
 public:
  /// Infers the mode of every node of `plan`. Scans take their connector's mode;
  /// filters, projections and unions pass their inputs' modes on; a group
  /// aggregation produces +I/-U/+U (and -D when its input retracts); joins as
  /// Flink's streaming join (outer joins +I/-D). Nodes that cannot consume updates
  /// yet (ORDER BY, LIMIT over an updating input) are a NotImplemented error naming
  /// them.
  /// `external_tables` (lower-case names) are read from streams outside the plan
  /// (DataStreams registered as tables), which are insert-only.
  static arrow::Result<ChangelogModes> Infer(
      const sql::PlanPtr& plan, const std::set<std::string>& external_tables = {});

  /// Returns the mode of `node` (a node of the inferred plan).
  ChangelogModeSet Of(const sql::PlanNode& node) const;

  /// Returns the first node (top-down) whose output carries updates — the node a
  /// sink error names — or null for an insert-only plan.
  const sql::PlanNode* FirstUpdating(const sql::PlanNode& root) const;

 private:
  std::map<const sql::PlanNode*, ChangelogModeSet> modes_;
};

/// Returns whether a Rank node is Flink's deduplication: ROW_NUMBER() = 1 without
/// the rank as an output, ordered by a time attribute (keep the first row with
/// ASC, the last with DESC).
bool IsDeduplication(const sql::PlanNode& node);

/// Returns how Flink names a node in messages and EXPLAIN: `GroupAggregate(groupBy=[k],
/// select=[k, COUNT(*)])`, `Calc(...)`, `TableSourceScan(table=[t])`.
std::string FlinkNodeName(const sql::PlanNode& node);

/// Checks that the sink of `table` takes what `plan` produces; otherwise Flink's
/// error: "Table sink '…' doesn't support consuming update changes which is produced
/// by node GroupAggregate(…)".
arrow::Status CheckSinkAccepts(const sql::CatalogTable& table, const sql::PlanNode& plan,
                               const ChangelogModes& modes);

}  // namespace weir::planner
