#include "weir/planner/time_attributes.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/planner/interval_join_match.h"
#include "weir/sql/suggest.h"

namespace weir::planner {

// The runtime's watermark strategy expresses a timestamp column minus a constant.
arrow::Status CheckWatermark(const sql::CatalogTable& table,
                             const std::shared_ptr<arrow::DataType>& computed_type) {
  if (table.watermark_column.empty()) return arrow::Status::OK();
  const sql::CatalogColumn* column = nullptr;
  for (const sql::CatalogColumn& c : table.columns) {
    if (c.name == table.watermark_column) column = &c;
  }
  const std::shared_ptr<arrow::DataType> type = column == nullptr  ? nullptr
                                                : column->computed ? computed_type
                                                                   : column->type;
  if (type == nullptr || type->id() != arrow::Type::TIMESTAMP) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the WATERMARK column '{}' must be a TIMESTAMP or TIMESTAMP_LTZ "
        "column (physical or computed, e.g. ts AS TO_TIMESTAMP_LTZ(epoch_ms, 3))",
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
  if (!ok && expr.kind() == sql::ExprKind::kFunctionCall) {
    const auto& call = static_cast<const sql::FunctionCallExpr&>(expr);
    if (sql::EqualsIgnoreCase(call.name().name, "SOURCE_WATERMARK")) {
      // Flink's SupportsSourceWatermark: none of weir's connectors (nor Flink's
      // datagen, filesystem and kafka) emit watermarks of their own.
      return arrow::Status::NotImplemented(fmt::format(
          "table '{}': WATERMARK FOR {} AS SOURCE_WATERMARK() needs a connector that "
          "emits its own watermarks, and connector '{}' does not (as in Flink, where "
          "datagen, filesystem and kafka do not either); write WATERMARK FOR {} AS {} - "
          "INTERVAL '5' SECOND",
          table.name, table.watermark_column, table.connector(), table.watermark_column,
          table.watermark_column));
    }
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

bool HasComputedWatermark(const sql::CatalogTable& table) {
  for (const sql::CatalogColumn& c : table.columns) {
    if (c.name == table.watermark_column) return c.computed != nullptr;
  }
  return false;
}

runtime::WatermarkStrategy WatermarkStrategyOf(const sql::CatalogTable& table,
                                               const std::string& column) {
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
  return runtime::WatermarkStrategy::ForBoundedOutOfOrderness(delay)
      .WithTimestampColumn(column)
      .WithSqlMilliseconds();
}

runtime::WatermarkStrategy WatermarksOf(const sql::CatalogTable& table,
                                        const sql::PlanNode& scan) {
  if (table.watermark_column.empty() || HasComputedWatermark(table)) {
    return runtime::WatermarkStrategy::NoWatermarks();
  }
  bool read = std::find(scan.scan_columns.begin(), scan.scan_columns.end(),
                        table.watermark_column) != scan.scan_columns.end();
  if (!read) return runtime::WatermarkStrategy::NoWatermarks();
  return WatermarkStrategyOf(table, table.watermark_column);
}

std::optional<std::string> RowtimeField(const sql::PlanNode& project) {
  if (project.kind != sql::PlanKind::kProject ||
      project.inputs[0]->kind != sql::PlanKind::kScan) {
    return std::nullopt;
  }
  const sql::CatalogTable& table = *project.inputs[0]->table;
  if (!HasComputedWatermark(table)) return std::nullopt;
  for (const auto& field : project.schema->fields()) {
    if (sql::VisibleName(field->name()) == table.watermark_column) return field->name();
  }
  return std::nullopt;
}

std::optional<std::string> ProctimeField(const sql::PlanNode& project) {
  if (project.kind != sql::PlanKind::kProject) return std::nullopt;
  for (size_t i = 0; i < project.exprs.size(); ++i) {
    const arrow::compute::Expression::Call* call = project.exprs[i].call();
    if (call != nullptr && call->function_name == "weir_proctime") {
      return project.schema->field(static_cast<int>(i))->name();
    }
  }
  return std::nullopt;
}

bool ReadsEventTime(const sql::PlanNode& node) {
  if (node.kind == sql::PlanKind::kScan) return !node.table->watermark_column.empty();
  for (const sql::PlanPtr& input : node.inputs) {
    if (ReadsEventTime(*input)) return true;
  }
  return false;
}

TimeAttribute TimeAttributeOf(const sql::PlanNode& start,
                              const std::string& start_field) {
  std::string field = start_field;
  const sql::PlanNode* node = &start;
  while (true) {
    switch (node->kind) {
      case sql::PlanKind::kProject: {
        if (RowtimeField(*node) == field) return TimeAttribute::kRowtime;
        if (ProctimeField(*node) == field) return TimeAttribute::kProctime;
        const int index = node->schema->GetFieldIndex(field);
        const arrow::FieldRef* ref =
            index < 0 ? nullptr : node->exprs[static_cast<size_t>(index)].field_ref();
        if (ref == nullptr || ref->name() == nullptr) return TimeAttribute::kNone;
        field = *ref->name();
        break;
      }
      case sql::PlanKind::kWindowTvf:
        if (field == node->window.time_out_field) {
          return TimeAttributeOf(*node->inputs[0], node->window.time_field);
        }
        break;
      case sql::PlanKind::kFilter:
      case sql::PlanKind::kOver:
      case sql::PlanKind::kRank:
      case sql::PlanKind::kCorrelate:  // the left side's columns pass through
        break;
      case sql::PlanKind::kJoin:
        // An interval join keeps both inputs' time attributes (a regular join
        // materializes them, as in Flink).
        if (!MatchIntervalJoin(*node)) return TimeAttribute::kNone;
        if (node->inputs[0]->schema->GetFieldIndex(field) < 0) {
          return TimeAttributeOf(*node->inputs[1], field);
        }
        break;
      case sql::PlanKind::kScan: {
        const int index = node->schema->GetFieldIndex(field);
        return index >= 0 && !node->table->watermark_column.empty() &&
                       node->scan_columns[static_cast<size_t>(index)] ==
                           node->table->watermark_column
                   ? TimeAttribute::kRowtime
                   : TimeAttribute::kNone;
      }
      default:
        return TimeAttribute::kNone;
    }
    if (node->inputs.empty() || node->inputs[0]->schema->GetFieldIndex(field) < 0) {
      return TimeAttribute::kNone;
    }
    node = node->inputs[0].get();
  }
}

}  // namespace weir::planner
