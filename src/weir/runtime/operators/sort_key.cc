#include "weir/runtime/operators/sort_key.h"

#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

std::shared_ptr<arrow::DataType> ValueType(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  return type;
}

}  // namespace

arrow::Result<SortKeyEncoder> SortKeyEncoder::Make(
    const arrow::Schema& schema, const std::vector<SortKeyColumn>& keys) {
  SortKeyEncoder encoder;
  for (const SortKeyColumn& key : keys) {
    int index = schema.GetFieldIndex(key.column);
    if (index < 0) {
      return UserError("ORDER BY column '{}' is not in the input", key.column);
    }
    ARROW_ASSIGN_OR_RAISE(
        OrderedValueCodec codec,
        OrderedValueCodec::Make(ValueType(schema.field(index)->type())));
    encoder.indices_.push_back(index);
    encoder.keys_.push_back(key);
    encoder.codecs_.push_back(std::move(codec));
  }
  return encoder;
}

arrow::Result<arrow::ArrayVector> SortKeyEncoder::Columns(
    const arrow::RecordBatch& batch) const {
  arrow::ArrayVector columns;
  for (int index : indices_) {
    std::shared_ptr<arrow::Array> column = batch.column(index);
    if (column->type_id() == arrow::Type::DICTIONARY) {
      ARROW_ASSIGN_OR_RAISE(column,
                            arrow::compute::Cast(*column, ValueType(column->type())));
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

void SortKeyEncoder::Encode(const arrow::ArrayVector& columns, int64_t row,
                            std::string* out) const {
  out->clear();
  std::string value;
  for (size_t k = 0; k < keys_.size(); ++k) {
    const arrow::Array& column = *columns[k];
    const SortKeyColumn& key = keys_[k];
    if (column.IsNull(row)) {
      out->push_back(key.nulls_first ? '\x00' : '\x02');
      continue;
    }
    out->push_back('\x01');
    codecs_[k].Encode(column, row, &value);
    const size_t start = out->size();
    if (codecs_[k].variable_length()) {
      for (char c : value) {
        out->push_back(c);
        if (c == '\x00') out->push_back('\xff');
      }
      out->push_back('\x00');
      out->push_back('\x00');
    } else {
      out->append(value);
    }
    if (key.descending) {
      for (size_t i = start; i < out->size(); ++i)
        (*out)[i] = static_cast<char>(~(*out)[i]);
    }
  }
}

}  // namespace weir::runtime
