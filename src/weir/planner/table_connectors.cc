#include "weir/planner/table_connectors.h"

#include <fmt/format.h>

namespace weir::planner {

arrow::Status ValidateTableOptions(sql::CatalogTable& table) {
  ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, table.Factory());
  connectors::TableDescriptor described = table.Descriptor();
  ARROW_RETURN_NOT_OK(factory->Validate(&described));
  table.options = std::move(described.options);
  return arrow::Status::OK();
}

bool IsBoundedTable(const sql::CatalogTable& table) {
  auto factory = table.Factory();
  return factory.ok() && (*factory)->IsBounded(table.Descriptor());
}

bool IsBoundedPlan(const sql::PlanNode& plan) {
  if (plan.kind == sql::PlanKind::kScan) return IsBoundedTable(*plan.table);
  for (const sql::PlanPtr& input : plan.inputs) {
    if (!IsBoundedPlan(*input)) return false;
  }
  return true;
}

const sql::PlanNode* FirstChangelogScan(const sql::PlanNode& plan) {
  if (plan.kind == sql::PlanKind::kScan) {
    auto factory = plan.table->Factory();
    const bool changes =
        factory.ok() && (*factory)->SourceChangelogMode(plan.table->Descriptor()) !=
                            connectors::ChangelogMode::kInsertOnly;
    return changes ? &plan : nullptr;
  }
  for (const sql::PlanPtr& input : plan.inputs) {
    if (const sql::PlanNode* found = FirstChangelogScan(*input)) return found;
  }
  return nullptr;
}

arrow::Status CheckInsertOnlySources(const sql::PlanNode& plan) {
  const sql::PlanNode* scan = FirstChangelogScan(plan);
  if (scan == nullptr) return arrow::Status::OK();
  return arrow::Status::Invalid(fmt::format(
      "Querying a table in batch mode is currently only possible for INSERT-only table "
      "sources. But the source for table '{}' produces other changelog messages than "
      "just INSERT; run it in streaming mode (SET 'execution.runtime-mode' = "
      "'streaming')",
      scan->table->name));
}

connectors::ScanRequest ScanRequestOf(const sql::PlanNode& scan, bool streaming,
                                      const runtime::WatermarkStrategy& watermarks) {
  connectors::ScanRequest request;
  request.columns = scan.scan_columns;
  request.filter = scan.scan_filter;
  request.streaming = streaming;
  request.watermarks = watermarks;
  return request;
}

arrow::Result<runtime::SourceFactory> MakeScanSource(
    const sql::PlanNode& scan, bool streaming,
    const runtime::WatermarkStrategy& watermarks) {
  ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, scan.table->Factory());
  return factory->MakeSource(scan.table->Descriptor(),
                             ScanRequestOf(scan, streaming, watermarks));
}

std::optional<sql::TableStatistics> ScanStatistics(const sql::PlanNode& scan) {
  auto factory = scan.table->Factory();
  if (!factory.ok()) return std::nullopt;
  return (*factory)->Statistics(scan.table->Descriptor(), scan.scan_columns);
}

arrow::Result<TableSink> MakeTableSink(const sql::CatalogTable& table) {
  ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, table.Factory());
  return factory->MakeSink(table.Descriptor());
}

}  // namespace weir::planner
