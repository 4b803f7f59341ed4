#include "weir/runtime/operators/project_operator.h"

#include <arrow/array.h>

namespace weir::runtime {

ProjectOperator::ProjectOperator(std::vector<NamedExpression> columns) {
  for (auto& c : columns) {
    names_.push_back(std::move(c.name));
    exprs_.emplace_back(std::move(c.expr));
  }
}

arrow::Status ProjectOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  arrow::ArrayVector columns;
  columns.reserve(exprs_.size());
  for (auto& e : exprs_) {
    ARROW_ASSIGN_OR_RAISE(auto column, e.Evaluate(*batch, watermark_));
    columns.push_back(std::move(column));
  }
  if (!output_schema_ || input_schema_ != batch->schema()) {
    arrow::FieldVector fields;
    for (size_t i = 0; i < columns.size(); ++i)
      fields.push_back(arrow::field(names_[i], columns[i]->type()));
    output_schema_ = arrow::schema(std::move(fields));
    input_schema_ = batch->schema();
  }
  return out->Emit(
      arrow::RecordBatch::Make(output_schema_, batch->num_rows(), std::move(columns)));
}

}  // namespace weir::runtime
