#include "weir/planner/time_attributes.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/sql/suggest.h"

namespace weir::planner {

// The runtime's watermark strategy expresses a timestamp column minus a constant.
arrow::Status CheckWatermark(const sql::CatalogTable& table) {
  if (table.watermark_column.empty()) return arrow::Status::OK();
  const sql::CatalogColumn* column = nullptr;
  for (const sql::CatalogColumn& c : table.columns) {
    if (c.name == table.watermark_column) column = &c;
  }
  if (column == nullptr || column->computed != nullptr ||
      column->type->id() != arrow::Type::TIMESTAMP) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the WATERMARK column '{}' must be a physical TIMESTAMP or "
        "TIMESTAMP_LTZ column",
        table.name, table.watermark_column));
  }
  auto is_column = [&](const sql::Expr& e) {
    return e.kind() == sql::ExprKind::kColumnRef &&
           sql::EqualsIgnoreCase(static_cast<const sql::ColumnRefExpr&>(e).DottedName(),
                                 table.watermark_column);
  };
  const sql::Expr& expr = *table.watermark_expr;
  bool ok = is_column(expr);
  if (!ok && expr.kind() == sql::ExprKind::kBinary) {
    const auto& binary = static_cast<const sql::BinaryExpr&>(expr);
    ok = binary.op() == sql::BinaryOp::kSubtract && is_column(*binary.left()) &&
         binary.right()->kind() == sql::ExprKind::kLiteral &&
         static_cast<const sql::LiteralExpr&>(*binary.right()).literal_kind() ==
             sql::LiteralKind::kInterval;
  }
  if (!ok) {
    return arrow::Status::NotImplemented(fmt::format(
        "table '{}': WATERMARK FOR {} AS {} is not supported; write {} or {} - INTERVAL "
        "'5' SECOND",
        table.name, table.watermark_column, expr.ToString(), table.watermark_column,
        table.watermark_column));
  }
  return arrow::Status::OK();
}

runtime::WatermarkStrategy WatermarksOf(const sql::CatalogTable& table,
                                        const sql::PlanNode& scan) {
  if (table.watermark_column.empty()) return runtime::WatermarkStrategy::NoWatermarks();
  bool read = std::find(scan.scan_columns.begin(), scan.scan_columns.end(),
                        table.watermark_column) != scan.scan_columns.end();
  if (!read) return runtime::WatermarkStrategy::NoWatermarks();
  std::chrono::microseconds delay{0};
  if (table.watermark_expr && table.watermark_expr->kind() == sql::ExprKind::kBinary) {
    const auto& binary = static_cast<const sql::BinaryExpr&>(*table.watermark_expr);
    if (binary.op() == sql::BinaryOp::kSubtract &&
        binary.right()->kind() == sql::ExprKind::kLiteral) {
      const auto& literal = static_cast<const sql::LiteralExpr&>(*binary.right());
      if (literal.literal_kind() == sql::LiteralKind::kInterval) {
        delay = std::chrono::microseconds(std::get<int64_t>(literal.value()));
      }
    }
  }
  return runtime::WatermarkStrategy::ForBoundedOutOfOrderness(delay).WithTimestampColumn(
      table.watermark_column);
}

}  // namespace weir::planner
