#include "weir/runtime/operators/conform_operator.h"

#include <arrow/compute/cast.h>
#include <fmt/format.h>

namespace weir::runtime {
namespace {

// Casts one column to its declared type, or names the table and column.
arrow::Result<std::shared_ptr<arrow::Array>> CastToDeclared(
    const arrow::Array& column, const std::shared_ptr<arrow::DataType>& type,
    const std::string& table, const std::string& name) {
  auto cast = arrow::compute::Cast(column, type, arrow::compute::CastOptions::Safe());
  if (!cast.ok()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}', column '{}': the files hold {} but the table declares {}: {}", table,
        name, column.type()->ToString(), type->ToString(), cast.status().message()));
  }
  return cast;
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformToSchema(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& want, const std::string& table) {
  if (batch->num_columns() != want->num_fields()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}': the files have {} of the {} columns read", table,
                    batch->num_columns(), want->num_fields()));
  }
  bool same = true;
  for (int i = 0; i < batch->num_columns() && same; ++i) {
    same = batch->column(i)->type()->Equals(*want->field(i)->type());
  }
  if (same && batch->schema()->Equals(*want, false)) return batch;
  arrow::ArrayVector columns;
  columns.reserve(static_cast<size_t>(batch->num_columns()));
  for (int i = 0; i < batch->num_columns(); ++i) {
    std::shared_ptr<arrow::Array> column = batch->column(i);
    const auto& type = want->field(i)->type();
    if (!column->type()->Equals(*type)) {
      ARROW_ASSIGN_OR_RAISE(column, CastToDeclared(*column, type, table,
                                                   batch->schema()->field(i)->name()));
    }
    columns.push_back(std::move(column));
  }
  return arrow::RecordBatch::Make(want, batch->num_rows(), std::move(columns));
}

arrow::Status ConformOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  if (seen_ != batch->schema() &&
      (seen_ == nullptr || !seen_->Equals(*batch->schema()))) {
    seen_ = batch->schema();
    casts_.assign(static_cast<size_t>(batch->num_columns()), nullptr);
    identity_ = true;
    arrow::FieldVector fields;
    for (int i = 0; i < batch->num_columns(); ++i) {
      const auto& field = batch->schema()->field(i);
      auto declared = want_->GetFieldByName(field->name());
      if (declared != nullptr && !declared->type()->Equals(*field->type())) {
        casts_[static_cast<size_t>(i)] = declared->type();
        identity_ = false;
        fields.push_back(field->WithType(declared->type()));
      } else {
        fields.push_back(field);
      }
    }
    output_ = arrow::schema(std::move(fields));
  }
  if (identity_) return out->Emit(batch);
  arrow::ArrayVector columns = batch->columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (casts_[i] == nullptr) continue;
    ARROW_ASSIGN_OR_RAISE(columns[i],
                          CastToDeclared(*columns[i], casts_[i], table_,
                                         seen_->field(static_cast<int>(i))->name()));
  }
  return out->Emit(
      arrow::RecordBatch::Make(output_, batch->num_rows(), std::move(columns)));
}

}  // namespace weir::runtime
