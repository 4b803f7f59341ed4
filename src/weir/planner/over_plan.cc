#include "weir/planner/over_plan.h"

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/record_batch.h>

namespace weir::planner {

namespace cp = arrow::compute;

runtime::OverWindowOptions OverOptionsOf(const sql::PlanNode& node) {
  runtime::OverWindowOptions options;
  options.partition_keys = node.over.partition_keys;
  for (const sql::SortField& key : node.over.order) {
    options.order.push_back({key.field, key.descending, key.nulls_first});
  }
  options.rows = node.over.rows;
  options.preceding = node.over.preceding;
  options.following = node.over.following;
  options.whole_partition = node.over.whole_partition;
  if (node.kind == sql::PlanKind::kRank) {
    const char* function = node.rank.type == sql::RankSpec::Type::kRowNumber
                               ? "row_number"
                           : node.rank.type == sql::RankSpec::Type::kRank ? "rank"
                                                                          : "dense_rank";
    options.functions.push_back({function, "", node.rank.field});
  } else {
    for (const sql::OverCall& call : node.over_calls) {
      options.functions.push_back({call.function, call.input, call.output, call.offset,
                                   call.default_value, call.user_function});
    }
  }
  return options;
}

arrow::Result<std::shared_ptr<arrow::Table>> EvaluateOverNode(
    const sql::PlanNode& node, const std::shared_ptr<arrow::Table>& input) {
  ARROW_ASSIGN_OR_RAISE(auto batch, input->CombineChunksToBatch());
  ARROW_ASSIGN_OR_RAISE(auto evaluated,
                        runtime::EvaluateOver(batch, OverOptionsOf(node)));
  if (node.kind == sql::PlanKind::kRank) {
    auto rank = evaluated->GetColumnByName(node.rank.field);
    ARROW_ASSIGN_OR_RAISE(
        arrow::Datum low,
        cp::CallFunction("greater_equal", {rank, arrow::Datum(node.rank.start)}));
    ARROW_ASSIGN_OR_RAISE(
        arrow::Datum high,
        cp::CallFunction("less_equal", {rank, arrow::Datum(node.rank.end)}));
    ARROW_ASSIGN_OR_RAISE(arrow::Datum keep, cp::And(low, high));
    ARROW_ASSIGN_OR_RAISE(arrow::Datum kept, cp::Filter(evaluated, keep));
    evaluated = kept.record_batch();
    if (!node.rank.output_rank) {
      ARROW_ASSIGN_OR_RAISE(evaluated,
                            evaluated->RemoveColumn(evaluated->num_columns() - 1));
    }
  }
  // The node's schema: its names, and its types where a kernel differs.
  arrow::ArrayVector columns;
  for (int i = 0; i < node.schema->num_fields(); ++i) {
    std::shared_ptr<arrow::Array> column = evaluated->column(i);
    const auto& want = node.schema->field(i)->type();
    if (!column->type()->Equals(*want)) {
      ARROW_ASSIGN_OR_RAISE(column, cp::Cast(*column, want));
    }
    columns.push_back(std::move(column));
  }
  return arrow::Table::Make(node.schema, columns, evaluated->num_rows());
}

}  // namespace weir::planner
