#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <arrow/compute/expression.h>

#include "weir/sql/plan/logical_plan.h"
#include "weir/sql/plan/plan_statistics.h"

namespace weir::sql {

/// Estimates how many rows plan nodes produce and how many distinct values their
/// columns hold: from table statistics (row counts, min/max, distinct counts) where
/// a provider gives them, else from textbook defaults (docs/design/join-order.md).
/// Estimates are memoised per node, so the plan must outlive the estimator.
class CardinalityEstimator {
 public:
  /// Rows a table without statistics is assumed to hold.
  static constexpr double kUnknownRows = 1e6;

  /// Uses `statistics` for scans; without it every table holds kUnknownRows.
  explicit CardinalityEstimator(StatisticsProvider statistics);

  /// Returns the estimated rows `node` produces (at least 1).
  double Rows(const PlanNode& node);

  /// Returns the estimated distinct values of column `field` of `node`'s output,
  /// between 1 and Rows(node).
  double Distinct(const PlanNode& node, const std::string& field);

  /// Returns the estimated share of rows for which `predicate` is true; its columns
  /// are output columns of any of `inputs`.
  double Selectivity(const arrow::compute::Expression& predicate,
                     const std::vector<const PlanNode*>& inputs);

  /// Returns the estimated rows of an inner join on equal keys of inputs of
  /// `left_rows` and `right_rows` rows whose key columns hold the given distinct
  /// counts: every key value of the side with fewer distinct keys is assumed to find
  /// a partner, and several keys together hold at most as many distinct tuples as
  /// their side has rows.
  static double EquiJoinRows(double left_rows, double right_rows,
                             const std::vector<double>& left_distinct,
                             const std::vector<double>& right_distinct);

 private:
  // What is known about one column where it is produced.
  struct Column {
    double distinct = 1;
    std::optional<double> min;
    std::optional<double> max;
    double null_fraction = 0;
    bool integral = false;  // integers and dates: distinct values fit in max - min + 1
    // Whether `distinct` comes from statistics (a stated count, or max - min + 1 of
    // an integral column) rather than the row count, which only bounds it.
    bool distinct_known = false;
  };
  using ColumnLookup = std::function<std::optional<Column>(const std::string&)>;

  double RowsUncached(const PlanNode& node);
  double JoinRows(const PlanNode& node);
  std::optional<Column> OutputColumn(const PlanNode& node, const std::string& field);
  std::optional<Column> ScanColumn(const PlanNode& scan, const std::string& physical);
  const TableStatistics* Statistics(const PlanNode& scan);
  double SelectivityOf(const arrow::compute::Expression& predicate,
                       const ColumnLookup& lookup);
  double ConjunctionSelectivity(const std::vector<arrow::compute::Expression>& terms,
                                const ColumnLookup& lookup);

  StatisticsProvider statistics_;
  std::map<const PlanNode*, double> rows_;
  std::map<const PlanNode*, std::optional<TableStatistics>> tables_;
};

}  // namespace weir::sql
