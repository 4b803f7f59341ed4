#include "weir/planner/table_connectors.h"

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
