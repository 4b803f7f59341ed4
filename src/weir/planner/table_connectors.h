#pragma once
// The API's glue between catalog tables and their connector factories
// (connectors/table_factory.h): every question about a connector goes to its
// factory; nothing here knows a connector by name.

#include <optional>

#include <arrow/result.h>

#include "weir/connectors/table_factory.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/plan/logical_plan.h"
#include "weir/sql/plan/plan_statistics.h"

namespace weir::planner {

using connectors::TableSink;

/// Checks a table's connector and its options with the connector's factory (Flink's
/// names; unknown options, bad values and unsupported features are errors naming
/// the table and option) and keeps the options the factory normalised (a `file://`
/// path becomes the local path).
arrow::Status ValidateTableOptions(sql::CatalogTable& table);

/// Returns true when scans of `table` end by themselves.
bool IsBoundedTable(const sql::CatalogTable& table);

/// Returns true when every scan in `plan` ends by itself.
bool IsBoundedPlan(const sql::PlanNode& plan);

/// Returns what a scan node asks of its table's source: its physical columns and,
/// where the connector takes it, its pushed filter.
connectors::ScanRequest ScanRequestOf(const sql::PlanNode& scan, bool streaming,
                                      const runtime::WatermarkStrategy& watermarks =
                                          runtime::WatermarkStrategy::NoWatermarks());

/// Returns the first scan of `plan` whose source produces a changelog (updates or
/// deletes: upsert-kafka, debezium-json), or null.
const sql::PlanNode* FirstChangelogScan(const sql::PlanNode& plan);

/// Flink's batch-mode error for such a scan: batch queries take insert-only sources.
arrow::Status CheckInsertOnlySources(const sql::PlanNode& plan);

/// Makes the runtime source of a scan node: the scan's physical columns under their
/// physical names. A source that applies watermarks itself (Kafka) applies
/// `watermarks` per partition.
arrow::Result<runtime::SourceFactory> MakeScanSource(
    const sql::PlanNode& scan, bool streaming,
    const runtime::WatermarkStrategy& watermarks =
        runtime::WatermarkStrategy::NoWatermarks());

/// Returns what the table's storage says about the columns a scan reads (row count,
/// min/max, nulls), for the optimizer's estimates; nullopt when nothing is known.
std::optional<sql::TableStatistics> ScanStatistics(const sql::PlanNode& scan);

/// Makes the sink of `table` for rows of its physical schema.
arrow::Result<TableSink> MakeTableSink(const sql::CatalogTable& table);

}  // namespace weir::planner
