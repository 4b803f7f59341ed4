#include "weir/runtime/operators/row_view.h"

#include <arrow/array.h>
#include <arrow/type.h>

#include "weir/common/error.h"

namespace weir::runtime {

arrow::Result<const arrow::Array*> RowView::Column(std::string_view name) const {
  const int i = batch_->schema()->GetFieldIndex(std::string(name));
  if (i < 0) {
    return UserError("no column '{}' in {}", name, batch_->schema()->ToString());
  }
  return batch_->column(i).get();
}

arrow::Result<bool> RowView::IsNull(std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  return a->IsNull(row_);
}

arrow::Result<int64_t> RowView::GetInt64(std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  if (a->IsNull(row_)) return UserError("column '{}' is null in this row", column);
  const auto id = a->type_id();
  if (!arrow::is_integer(id) && id != arrow::Type::TIMESTAMP &&
      id != arrow::Type::DATE32 && id != arrow::Type::DATE64 &&
      id != arrow::Type::TIME32 && id != arrow::Type::TIME64 &&
      id != arrow::Type::DURATION) {
    return UserError("column '{}' of type {} is not an integer", column,
                     a->type()->ToString());
  }
  switch (arrow::bit_width(id)) {
    case 8:
      return arrow::is_unsigned_integer(id)
                 ? int64_t{a->data()->GetValues<uint8_t>(1)[row_]}
                 : int64_t{a->data()->GetValues<int8_t>(1)[row_]};
    case 16:
      return arrow::is_unsigned_integer(id)
                 ? int64_t{a->data()->GetValues<uint16_t>(1)[row_]}
                 : int64_t{a->data()->GetValues<int16_t>(1)[row_]};
    case 32:
      return arrow::is_unsigned_integer(id)
                 ? int64_t{a->data()->GetValues<uint32_t>(1)[row_]}
                 : int64_t{a->data()->GetValues<int32_t>(1)[row_]};
    default:
      return a->data()->GetValues<int64_t>(1)[row_];
  }
}

arrow::Result<double> RowView::GetDouble(std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  if (a->IsNull(row_)) return UserError("column '{}' is null in this row", column);
  if (a->type_id() == arrow::Type::DOUBLE) return a->data()->GetValues<double>(1)[row_];
  if (a->type_id() == arrow::Type::FLOAT) return a->data()->GetValues<float>(1)[row_];
  ARROW_ASSIGN_OR_RAISE(int64_t v, GetInt64(column));
  return static_cast<double>(v);
}

arrow::Result<std::string_view> RowView::GetString(std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  if (a->IsNull(row_)) return UserError("column '{}' is null in this row", column);
  switch (a->type_id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return static_cast<const arrow::BinaryArray*>(a)->GetView(row_);
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      return static_cast<const arrow::LargeBinaryArray*>(a)->GetView(row_);
    case arrow::Type::STRING_VIEW:
    case arrow::Type::BINARY_VIEW:
      return static_cast<const arrow::BinaryViewArray*>(a)->GetView(row_);
    default:
      return UserError("column '{}' of type {} is not a string", column,
                       a->type()->ToString());
  }
}

arrow::Result<bool> RowView::GetBool(std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  if (a->IsNull(row_)) return UserError("column '{}' is null in this row", column);
  if (a->type_id() != arrow::Type::BOOL) {
    return UserError("column '{}' of type {} is not boolean", column,
                     a->type()->ToString());
  }
  return static_cast<const arrow::BooleanArray*>(a)->Value(row_);
}

arrow::Result<std::shared_ptr<arrow::Scalar>> RowView::GetScalar(
    std::string_view column) const {
  ARROW_ASSIGN_OR_RAISE(const arrow::Array* a, Column(column));
  return a->GetScalar(row_);
}

arrow::Result<std::unique_ptr<RowCollector>> RowCollector::Make(
    std::shared_ptr<arrow::Schema> schema) {
  std::unique_ptr<RowCollector> c(new RowCollector());
  c->schema_ = schema;
  ARROW_ASSIGN_OR_RAISE(
      c->builder_, arrow::RecordBatchBuilder::Make(schema, arrow::default_memory_pool()));
  return c;
}

arrow::Status RowCollector::Collect(const std::vector<RowValue>& values) {
  if (static_cast<int>(values.size()) != schema_->num_fields()) {
    return UserError("collected a row of {} values for a schema of {} fields",
                     values.size(), schema_->num_fields());
  }
  for (int i = 0; i < schema_->num_fields(); ++i) {
    const auto& type = schema_->field(i)->type();
    arrow::ArrayBuilder* b = builder_->GetField(i);
    const RowValue& v = values[i];
    std::shared_ptr<arrow::Scalar> scalar;
    if (std::holds_alternative<std::monostate>(v)) {
      ARROW_RETURN_NOT_OK(b->AppendNull());
      continue;
    } else if (auto* p = std::get_if<bool>(&v)) {
      scalar = arrow::MakeScalar(*p);
    } else if (auto* p = std::get_if<int64_t>(&v)) {
      if (arrow::is_integer(type->id()) || type->id() == arrow::Type::TIMESTAMP ||
          type->id() == arrow::Type::DATE32 || type->id() == arrow::Type::DATE64 ||
          type->id() == arrow::Type::TIME32 || type->id() == arrow::Type::TIME64 ||
          type->id() == arrow::Type::DURATION) {
        ARROW_ASSIGN_OR_RAISE(scalar, arrow::MakeScalar(type, *p));
        ARROW_RETURN_NOT_OK(b->AppendScalar(*scalar));
        continue;
      }
      scalar = arrow::MakeScalar(*p);
    } else if (auto* p = std::get_if<double>(&v)) {
      scalar = arrow::MakeScalar(*p);
    } else if (auto* p = std::get_if<std::string>(&v)) {
      scalar = arrow::MakeScalar(*p);
    } else {
      scalar = std::get<std::shared_ptr<arrow::Scalar>>(v);
    }
    if (!scalar->type->Equals(*type)) {
      auto cast = scalar->CastTo(type);
      if (!cast.ok()) {
        return UserError("value {} does not fit field '{}' of type {}",
                         scalar->ToString(), schema_->field(i)->name(), type->ToString());
      }
      scalar = *cast;
    }
    ARROW_RETURN_NOT_OK(b->AppendScalar(*scalar));
  }
  ++rows_;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> RowCollector::Flush() {
  if (rows_ == 0) return nullptr;
  rows_ = 0;
  return builder_->Flush();
}

}  // namespace weir::runtime
