#include "weir/expr/table_function.h"

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <fmt/format.h>

namespace weir::expr {
namespace {

namespace cp = arrow::compute;

// UNNEST: the elements of an array (or the entries of a map, as key/value
// structs), one row each.
class Unnest : public TableFunction {
 public:
  Unnest(arrow::FieldVector fields, bool expand_struct, bool with_ordinality)
      : TableFunction("UNNEST", std::move(fields)),
        expand_struct_(expand_struct),
        with_ordinality_(with_ordinality) {}

  arrow::Result<TableFunctionRows> Apply(const arrow::ArrayVector& args,
                                         int64_t length) const override {
    if (args.size() != 1) {
      return arrow::Status::Invalid("UNNEST takes one argument, got ", args.size());
    }
    const arrow::Array& array = *args[0];
    switch (array.type_id()) {
      case arrow::Type::LIST:
      case arrow::Type::MAP:
        return Rows(static_cast<const arrow::ListArray&>(array), length);
      case arrow::Type::LARGE_LIST:
        return Rows(static_cast<const arrow::LargeListArray&>(array), length);
      default:
        return arrow::Status::TypeError("UNNEST expects an ARRAY or a MAP, not ",
                                        array.type()->ToString());
    }
  }

 private:
  template <typename ListType>
  arrow::Result<TableFunctionRows> Rows(const ListType& list, int64_t length) const {
    arrow::Int64Builder parents, positions;
    arrow::Int32Builder ordinals;
    for (int64_t i = 0; i < length; ++i) {
      if (list.IsNull(i)) continue;
      const int64_t begin = list.value_offset(i);
      const int64_t end = begin + list.value_length(i);
      for (int64_t k = begin; k < end; ++k) {
        ARROW_RETURN_NOT_OK(parents.Append(i));
        ARROW_RETURN_NOT_OK(positions.Append(k));
        if (with_ordinality_) {
          ARROW_RETURN_NOT_OK(ordinals.Append(static_cast<int32_t>(k - begin + 1)));
        }
      }
    }
    TableFunctionRows rows;
    ARROW_ASSIGN_OR_RAISE(rows.row_index, parents.Finish());
    ARROW_ASSIGN_OR_RAISE(auto take, positions.Finish());
    ARROW_ASSIGN_OR_RAISE(arrow::Datum values,
                          cp::Take(arrow::Datum(list.values()), arrow::Datum(take)));
    std::shared_ptr<arrow::Array> elements = values.make_array();
    if (expand_struct_) {
      const auto& structs = static_cast<const arrow::StructArray&>(*elements);
      ARROW_ASSIGN_OR_RAISE(rows.columns, structs.Flatten());
    } else {
      rows.columns.push_back(std::move(elements));
    }
    if (with_ordinality_) {
      ARROW_ASSIGN_OR_RAISE(auto ordinal, ordinals.Finish());
      rows.columns.push_back(std::move(ordinal));
    }
    return rows;
  }

  bool expand_struct_;
  bool with_ordinality_;
};

}  // namespace

arrow::Result<std::shared_ptr<TableFunction>> MakeUnnest(
    const std::shared_ptr<arrow::DataType>& type, bool with_ordinality) {
  arrow::FieldVector fields;
  bool expand = false;
  switch (type->id()) {
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(*type);
      fields = {arrow::field("KEY", map.key_type()),
                arrow::field("VALUE", map.item_type())};
      expand = true;  // entries are key/value structs
      break;
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      const auto& element = static_cast<const arrow::BaseListType&>(*type).value_type();
      if (element->id() == arrow::Type::STRUCT) {
        fields = element->fields();
        expand = true;
      } else {
        fields = {arrow::field("EXPR$0", element)};
      }
      break;
    }
    default:
      return arrow::Status::TypeError("UNNEST expects an ARRAY or a MAP, not ",
                                      type->ToString());
  }
  for (auto& field : fields) field = field->WithNullable(true);
  if (with_ordinality)
    fields.push_back(arrow::field("ORDINALITY", arrow::int32(), false));
  return std::make_shared<Unnest>(std::move(fields), expand, with_ordinality);
}

arrow::Status ValidateTableFunctionRows(const TableFunction& function,
                                        const TableFunctionRows& rows, int64_t length) {
  if (rows.row_index == nullptr || rows.row_index->type_id() != arrow::Type::INT64 ||
      rows.row_index->null_count() != 0) {
    return arrow::Status::Invalid(function.name(),
                                  " returned no valid int64 row index without nulls");
  }
  const auto& index = static_cast<const arrow::Int64Array&>(*rows.row_index);
  int64_t previous = 0;
  for (int64_t i = 0; i < index.length(); ++i) {
    const int64_t row = index.Value(i);
    if (row < previous || row >= length) {
      return arrow::Status::Invalid(
          fmt::format("{} returned row index {} at position {}: indexes must ascend "
                      "within the {} argument rows",
                      function.name(), row, i, length));
    }
    previous = row;
  }
  const arrow::FieldVector& fields = function.fields();
  if (rows.columns.size() != fields.size()) {
    return arrow::Status::Invalid(fmt::format("{} returned {} columns, not {}",
                                              function.name(), rows.columns.size(),
                                              fields.size()));
  }
  for (size_t c = 0; c < fields.size(); ++c) {
    const auto& column = rows.columns[c];
    if (!column->type()->Equals(*fields[c]->type())) {
      return arrow::Status::TypeError(fmt::format(
          "{} returned column {} of type {}, but it is declared {}", function.name(),
          c + 1, column->type()->ToString(), fields[c]->type()->ToString()));
    }
    if (column->length() != index.length()) {
      return arrow::Status::Invalid(
          fmt::format("{} returned {} values in column {} for {} rows", function.name(),
                      column->length(), c + 1, index.length()));
    }
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> CorrelateBatch(
    const std::shared_ptr<arrow::RecordBatch>& input, const arrow::ArrayVector& args,
    const TableFunction& function, const std::vector<std::string>& names,
    bool left_outer) {
  if (names.size() != function.fields().size()) {
    return arrow::Status::Invalid(function.name(), " has ", function.fields().size(),
                                  " columns but ", names.size(), " names");
  }
  const int64_t length = input->num_rows();
  ARROW_ASSIGN_OR_RAISE(TableFunctionRows rows, function.Apply(args, length));
  ARROW_RETURN_NOT_OK(ValidateTableFunctionRows(function, rows, length));
  const auto& index = static_cast<const arrow::Int64Array&>(*rows.row_index);
  std::shared_ptr<arrow::Array> input_take = rows.row_index;
  arrow::ArrayVector function_columns = rows.columns;
  if (left_outer) {
    // Every input row at least once: rows without output get null columns.
    arrow::Int64Builder input_rows, function_rows;
    int64_t next = 0;
    for (int64_t i = 0; i < length; ++i) {
      if (next < index.length() && index.Value(next) == i) {
        while (next < index.length() && index.Value(next) == i) {
          ARROW_RETURN_NOT_OK(input_rows.Append(i));
          ARROW_RETURN_NOT_OK(function_rows.Append(next++));
        }
      } else {
        ARROW_RETURN_NOT_OK(input_rows.Append(i));
        ARROW_RETURN_NOT_OK(function_rows.AppendNull());
      }
    }
    ARROW_ASSIGN_OR_RAISE(input_take, input_rows.Finish());
    ARROW_ASSIGN_OR_RAISE(auto function_take, function_rows.Finish());
    for (auto& column : function_columns) {
      ARROW_ASSIGN_OR_RAISE(arrow::Datum taken,
                            cp::Take(arrow::Datum(column), arrow::Datum(function_take)));
      column = taken.make_array();
    }
  }
  arrow::ArrayVector columns;
  arrow::FieldVector fields = input->schema()->fields();
  if (input->num_columns() > 0) {
    ARROW_ASSIGN_OR_RAISE(arrow::Datum taken,
                          cp::Take(arrow::Datum(input), arrow::Datum(input_take)));
    columns = taken.record_batch()->columns();
  }
  for (size_t c = 0; c < function_columns.size(); ++c) {
    columns.push_back(function_columns[c]);
    fields.push_back(arrow::field(names[c], function_columns[c]->type()));
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), input_take->length(),
                                  std::move(columns));
}

}  // namespace weir::expr
