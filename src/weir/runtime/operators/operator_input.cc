#include "weir/runtime/operators/operator_input.h"

#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"

namespace weir::runtime {

std::shared_ptr<arrow::Schema> DecodedSchema(const arrow::Schema& schema) {
  arrow::FieldVector fields;
  for (const auto& f : schema.fields()) {
    if (f->name() == kRowKindColumn) continue;
    auto type = f->type();
    if (type->id() == arrow::Type::DICTIONARY) {
      type = static_cast<const arrow::DictionaryType&>(*type).value_type();
    }
    fields.push_back(arrow::field(f->name(), type, f->nullable()));
  }
  return arrow::schema(fields);
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformInput(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& decoded, std::string_view what) {
  arrow::ArrayVector columns;
  for (int c = 0; c < batch->num_columns(); ++c) {
    if (batch->schema()->field(c)->name() == kRowKindColumn) continue;
    if (columns.size() >= static_cast<size_t>(decoded->num_fields())) {
      columns.clear();
      break;
    }
    std::shared_ptr<arrow::Array> column = batch->column(c);
    const auto& want = decoded->field(static_cast<int>(columns.size()))->type();
    if (!column->type()->Equals(*want)) {
      auto cast = arrow::compute::Cast(*column, want);
      if (!cast.ok()) {
        return UserError("{} input column '{}' changed from {} to {}", what,
                         decoded->field(static_cast<int>(columns.size()))->name(),
                         want->ToString(), column->type()->ToString());
      }
      column = *cast;
    }
    columns.push_back(std::move(column));
  }
  if (columns.size() != static_cast<size_t>(decoded->num_fields())) {
    return UserError("{} input schema changed from {} to {}", what, decoded->ToString(),
                     batch->schema()->ToString());
  }
  return arrow::RecordBatch::Make(decoded, batch->num_rows(), std::move(columns));
}

}  // namespace weir::runtime
