#pragma once
// Event time of SQL tables: the WATERMARK clause checked at CREATE TABLE and turned
// into the runtime's watermark strategy for a scan.

#include <arrow/status.h>

#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// Checks a table's `WATERMARK FOR col AS col [- INTERVAL 'n' unit]`: the column must
/// be a physical TIMESTAMP or TIMESTAMP_LTZ column, the expression that column minus
/// an interval. Other watermark expressions are refused with an error naming the
/// table.
arrow::Status CheckWatermark(const sql::CatalogTable& table);

/// Returns the watermark strategy of a scan of `table` (none when the table has no
/// WATERMARK clause or the scan does not read its column).
runtime::WatermarkStrategy WatermarksOf(const sql::CatalogTable& table,
                                        const sql::PlanNode& scan);

}  // namespace weir::planner
