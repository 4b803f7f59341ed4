#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace weir::sql {

struct PlanNode;

/// What the planner knows about one column of a table, for its estimates.
struct ColumnStatistics {
  /// Smallest and largest non-null value on a number line (types::ScalarToDouble).
  std::optional<double> min;
  std::optional<double> max;
  /// Rows where the column is null.
  std::optional<double> null_count;
  /// Distinct non-null values.
  std::optional<double> distinct_count;
};

/// What the planner knows about a table: its rows and some of its columns.
struct TableStatistics {
  double row_count = 0;
  /// By physical column name; columns without statistics are absent.
  std::map<std::string, ColumnStatistics> columns;
};

/// Gives the statistics of the table a scan node reads (its `scan_columns`), or
/// nullopt when nothing is known (a stream, a generator, a file without a footer).
/// Connectors that keep statistics (Parquet footers) provide them.
using StatisticsProvider = std::function<std::optional<TableStatistics>(const PlanNode&)>;

}  // namespace weir::sql
