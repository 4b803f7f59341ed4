#include "weir/runtime/operators/join_rows.h"

#include <arrow/array/util.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/operators/operator_input.h"

namespace weir::runtime {

namespace {

// Takes `indices` (nulls give NULL rows) of every column.
arrow::Result<arrow::ArrayVector> TakeAll(const arrow::ArrayVector& columns,
                                          const arrow::Array& indices) {
  arrow::ArrayVector taken;
  for (const auto& column : columns) {
    ARROW_ASSIGN_OR_RAISE(auto t, arrow::compute::Take(*column, indices));
    taken.push_back(std::move(t));
  }
  return taken;
}

// An index array with -1 as NULL.
arrow::Result<std::shared_ptr<arrow::Array>> Indices(const std::vector<int64_t>& rows) {
  arrow::Int64Builder builder;
  ARROW_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(rows.size())));
  for (int64_t r : rows) {
    if (r < 0) {
      builder.UnsafeAppendNull();
    } else {
      builder.UnsafeAppend(r);
    }
  }
  return builder.Finish();
}

}  // namespace

arrow::Status PrepareJoinSides(const std::shared_ptr<arrow::Schema>& left,
                               const std::shared_ptr<arrow::Schema>& right,
                               const std::vector<std::string>& left_keys,
                               const std::vector<std::string>& right_keys,
                               JoinSide sides[2]) {
  if (!left || !right) return InternalError("a join needs the columns of both inputs");
  if (left_keys.size() != right_keys.size()) {
    return InternalError("a join needs as many left keys as right keys");
  }
  const std::vector<std::string>* keys[2] = {&left_keys, &right_keys};
  sides[0].schema = DecodedSchema(*left);
  sides[1].schema = DecodedSchema(*right);
  for (int side = 0; side < 2; ++side) {
    const arrow::Schema& schema = *sides[side].schema;
    std::vector<int> key_indices;
    for (const std::string& name : *keys[side]) {
      const int i = schema.GetFieldIndex(name);
      if (i < 0) {
        return UserError("join key '{}' is not a column of the {} input", name,
                         side == 0 ? "left" : "right");
      }
      key_indices.push_back(i);
    }
    ARROW_ASSIGN_OR_RAISE(KeyEncoder key_encoder,
                          KeyEncoder::Make(sides[side].schema, key_indices));
    sides[side].keys = std::make_unique<KeyEncoder>(std::move(key_encoder));
    std::vector<int> all;
    for (int i = 0; i < schema.num_fields(); ++i) all.push_back(i);
    auto row_encoder = KeyEncoder::Make(sides[side].schema, all);
    if (!row_encoder.ok()) {
      return arrow::Status::NotImplemented(
          "a streaming join keeps its input rows in "
          "state, and ",
          row_encoder.status().message());
    }
    sides[side].rows = std::make_unique<KeyEncoder>(std::move(*row_encoder));
  }
  for (size_t k = 0; k < left_keys.size(); ++k) {
    const auto& l = sides[0].schema->GetFieldByName(left_keys[k])->type();
    const auto& r = sides[1].schema->GetFieldByName(right_keys[k])->type();
    if (!l->Equals(*r)) {
      return InternalError("join keys '{}' ({}) and '{}' ({}) differ in type",
                           left_keys[k], l->ToString(), right_keys[k], r->ToString());
    }
  }
  return arrow::Status::OK();
}

int64_t StoredRows::Add(const std::string* encoded) {
  auto [it, added] = index_.emplace(encoded, static_cast<int64_t>(rows_.size()));
  if (added) rows_.push_back(encoded);
  return it->second;
}

arrow::Result<const arrow::ArrayVector*> StoredRows::Columns() {
  if (decoded_ != rows_.size()) {
    ARROW_ASSIGN_OR_RAISE(columns_, encoder_->Decode(rows_));
    decoded_ = rows_.size();
  }
  return &columns_;
}

arrow::Result<std::vector<bool>> EvaluateJoinCondition(
    BoundExpression* condition, int side, const arrow::RecordBatch& input,
    StoredRows* stored, const std::shared_ptr<arrow::Schema>& left,
    const std::shared_ptr<arrow::Schema>& right, const std::vector<int64_t>& input_rows,
    const std::vector<int64_t>& stored_rows, EventTime watermark) {
  const auto pairs = static_cast<int64_t>(input_rows.size());
  std::vector<bool> holds(input_rows.size(), false);
  if (pairs == 0) return holds;
  ARROW_ASSIGN_OR_RAISE(auto input_take, Indices(input_rows));
  ARROW_ASSIGN_OR_RAISE(auto stored_take, Indices(stored_rows));
  ARROW_ASSIGN_OR_RAISE(const arrow::ArrayVector* decoded, stored->Columns());
  arrow::ArrayVector sides[2];
  ARROW_ASSIGN_OR_RAISE(sides[side], TakeAll(input.columns(), *input_take));
  ARROW_ASSIGN_OR_RAISE(sides[1 - side], TakeAll(*decoded, *stored_take));
  arrow::FieldVector fields = left->fields();
  for (const auto& f : right->fields()) fields.push_back(f);
  arrow::ArrayVector columns = std::move(sides[0]);
  for (auto& c : sides[1]) columns.push_back(std::move(c));
  auto batch = arrow::RecordBatch::Make(arrow::schema(fields), pairs, std::move(columns));
  ARROW_ASSIGN_OR_RAISE(auto result, condition->Evaluate(*batch, watermark));
  if (result->type_id() != arrow::Type::BOOL) {
    return InternalError("the join condition is not a boolean but {}",
                         result->type()->ToString());
  }
  const auto& flags = static_cast<const arrow::BooleanArray&>(*result);
  for (int64_t p = 0; p < pairs; ++p) {
    holds[static_cast<size_t>(p)] = flags.IsValid(p) && flags.Value(p);
  }
  return holds;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> BuildJoinedRows(
    const std::shared_ptr<arrow::Schema>& schema, int side,
    const arrow::RecordBatch& input, StoredRows* stored,
    const std::shared_ptr<arrow::Schema>& other_schema, bool left_only,
    const std::vector<JoinedRow>& rows) {
  const auto length = static_cast<int64_t>(rows.size());
  std::vector<int64_t> input_rows, stored_rows;
  arrow::Int8Builder kinds;
  ARROW_RETURN_NOT_OK(kinds.Reserve(length));
  for (const JoinedRow& r : rows) {
    input_rows.push_back(r.input_row);
    stored_rows.push_back(r.stored_row);
    kinds.UnsafeAppend(static_cast<int8_t>(r.kind));
  }
  ARROW_ASSIGN_OR_RAISE(auto input_take, Indices(input_rows));
  arrow::ArrayVector sides[2];
  ARROW_ASSIGN_OR_RAISE(sides[side], TakeAll(input.columns(), *input_take));
  if (stored->size() == 0) {
    for (const auto& f : other_schema->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto nulls, arrow::MakeArrayOfNull(f->type(), length));
      sides[1 - side].push_back(std::move(nulls));
    }
  } else {
    ARROW_ASSIGN_OR_RAISE(auto stored_take, Indices(stored_rows));
    ARROW_ASSIGN_OR_RAISE(const arrow::ArrayVector* decoded, stored->Columns());
    ARROW_ASSIGN_OR_RAISE(sides[1 - side], TakeAll(*decoded, *stored_take));
  }
  arrow::ArrayVector columns = std::move(sides[0]);
  if (!left_only) {
    for (auto& c : sides[1]) columns.push_back(std::move(c));
  }
  if (RowKindIndex(*schema) >= 0) {
    ARROW_ASSIGN_OR_RAISE(auto kind_array, kinds.Finish());
    columns.push_back(std::move(kind_array));
  } else {
    for (const JoinedRow& r : rows) {
      if (r.kind != RowKind::kInsert) {
        return InternalError("an insert-only join produced a {} row",
                             RowKindString(r.kind));
      }
    }
  }
  return arrow::RecordBatch::Make(schema, length, std::move(columns));
}

}  // namespace weir::runtime
