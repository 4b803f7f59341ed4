#pragma once

#include <functional>
#include <optional>

#include "weir/format/parquet/statistics.h"

namespace weir::sql {

struct PlanNode;

/// What the planner knows about one column of a table (min/max on a number line,
/// nulls, distinct values), as the storage states it.
using ColumnStatistics = format::ColumnStatistics;

/// What the planner knows about a table: its rows and some of its columns (by
/// physical column name).
using TableStatistics = format::DatasetStatistics;

/// Gives the statistics of the table a scan node reads (its `scan_columns`), or
/// nullopt when nothing is known (a stream, a generator, a file without a footer).
/// Connector factories that keep statistics (Parquet footers) provide them.
using StatisticsProvider = std::function<std::optional<TableStatistics>(const PlanNode&)>;

}  // namespace weir::sql
