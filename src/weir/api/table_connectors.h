#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/result.h>

#include "weir/runtime/job_graph.h"
#include "weir/sql/catalog.h"
#include "weir/sql/logical_plan.h"

namespace weir::api {

/// Parses a Flink duration option: `10s`, `10 s`, `500ms`, `1 min`, `2h`, `1 d`, or a
/// bare number of milliseconds.
arrow::Result<std::chrono::milliseconds> ParseDurationOption(std::string_view text);

/// Checks a table's connector and its options (Flink's names). Unknown options,
/// bad values and unsupported features are errors naming the table and option.
arrow::Status ValidateTableOptions(const sql::CatalogTable& table);

/// Returns true when scans of `table` end by themselves (bounded datagen, a
/// filesystem table without source.monitor-interval).
bool IsBoundedTable(const sql::CatalogTable& table);

/// Makes the runtime source of a scan node: the scan's physical columns (with its
/// filter pushed into Parquet reads) under their physical names.
arrow::Result<runtime::SourceFactory> MakeScanSource(const sql::PlanNode& scan,
                                                     bool streaming);

/// What an INSERT writes to.
struct TableSink {
  runtime::OperatorFactory factory;
  /// Parallelism of the sink (0: the job's default).
  int parallelism = 0;
};

/// Makes the sink of `table` for rows of its physical schema. `overwrite` (batch
/// INSERT OVERWRITE) replaces the table's files, or the partitions written when
/// `static_partitions` were given.
arrow::Result<TableSink> MakeTableSink(const sql::CatalogTable& table, bool streaming,
                                       bool overwrite);

}  // namespace weir::api
