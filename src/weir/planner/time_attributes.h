#pragma once
// Event time of SQL tables: the WATERMARK clause checked at CREATE TABLE and turned
// into the runtime's watermark strategy for a scan.

#include <memory>
#include <optional>
#include <string>

#include <arrow/status.h>

#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// Checks a table's `WATERMARK FOR col AS col [- INTERVAL 'n' unit]`: the column must
/// be a TIMESTAMP or TIMESTAMP_LTZ column, physical or computed (`computed_type` is
/// the bound type of a computed one), the expression that column minus an interval.
/// Other watermark expressions are refused with an error naming the table.
arrow::Status CheckWatermark(
    const sql::CatalogTable& table,
    const std::shared_ptr<arrow::DataType>& computed_type = nullptr);

/// Returns whether the table's WATERMARK column is a computed column.
bool HasComputedWatermark(const sql::CatalogTable& table);

/// Returns the table's watermark strategy on `column` (the field carrying its
/// WATERMARK column in a job).
runtime::WatermarkStrategy WatermarkStrategyOf(const sql::CatalogTable& table,
                                               const std::string& column);

/// Returns the watermark strategy of a scan of `table` on a physical WATERMARK column
/// (none when the table has no WATERMARK clause, the column is computed, or the scan
/// does not read it).
runtime::WatermarkStrategy WatermarksOf(const sql::CatalogTable& table,
                                        const sql::PlanNode& scan);

/// The kinds of Flink's time attributes.
enum class TimeAttribute {
  kNone,
  kRowtime,   ///< event time: a column with a WATERMARK
  kProctime,  ///< processing time: PROCTIME()
};

/// Returns which time attribute column `field` of `node` is: a table's WATERMARK
/// column (physical or computed) or a PROCTIME() column, passed on unchanged
/// through projections, filters, window functions and window table functions
/// (whose window_time keeps the kind).
TimeAttribute TimeAttributeOf(const sql::PlanNode& node, const std::string& field);

/// Returns whether column `field` of `node` is a time attribute of either kind.
inline bool IsTimeAttribute(const sql::PlanNode& node, const std::string& field) {
  return TimeAttributeOf(node, field) != TimeAttribute::kNone;
}

/// Returns the field of `project` computing PROCTIME() (a processing-time
/// attribute), or nullopt.
std::optional<std::string> ProctimeField(const sql::PlanNode& project);

/// Returns whether any table read by `node` declares a WATERMARK (its stream then
/// carries event-time watermarks).
bool ReadsEventTime(const sql::PlanNode& node);

/// Returns the field of `project` carrying its table's computed WATERMARK column,
/// when `project` computes a scan's computed columns; nullopt otherwise.
std::optional<std::string> RowtimeField(const sql::PlanNode& project);

}  // namespace weir::planner
