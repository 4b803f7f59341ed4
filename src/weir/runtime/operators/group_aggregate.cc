#include "weir/runtime/operators/group_aggregate.h"

#include <set>

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "group-aggregate";
constexpr const char* kSchemaStateName = "group-aggregate-schema";

std::shared_ptr<arrow::DataType> Decoded(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  return type;
}

}  // namespace

arrow::Status GroupAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status GroupAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  input_schema_ = schema;
  // Key columns that are dictionaries are grouped (and output) by their values.
  arrow::FieldVector fields;
  for (const auto& f : schema->fields())
    fields.push_back(f->WithType(Decoded(f->type())));
  normalized_schema_ = arrow::schema(fields);
  std::vector<int> key_indices;
  for (const std::string& key : options_.keys) {
    const int index = schema->GetFieldIndex(key);
    if (index < 0) {
      return UserError("group aggregation: key column '{}' is not in the input ({})", key,
                       schema->ToString());
    }
    key_indices.push_back(index);
  }
  ARROW_ASSIGN_OR_RAISE(auto encoder, KeyEncoder::Make(normalized_schema_, key_indices));
  encoder_ = std::move(encoder);
  arrow::FieldVector out_fields = encoder_->fields();
  accumulators_.clear();
  input_index_.clear();
  for (const GroupAggregateCall& call : options_.aggregates) {
    int index = -1;
    std::shared_ptr<arrow::DataType> type;
    if (!call.input.empty()) {
      index = schema->GetFieldIndex(call.input);
      if (index < 0) {
        return UserError("group aggregation: input column '{}' of {} is not in the input",
                         call.input, call.output);
      }
      type = schema->field(index)->type();
    }
    ARROW_ASSIGN_OR_RAISE(auto acc,
                          GroupAccumulators::Make(call, type, options_.retractions));
    out_fields.push_back(arrow::field(call.output, acc->result_type()));
    accumulators_.push_back(std::move(acc));
    input_index_.push_back(index);
  }
  out_fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  output_schema_ = arrow::schema(out_fields);
  keys_.assign(1, std::string());  // group 0: ignored rows
  row_counts_.assign(1, 0);
  last_batch_.assign(1, 0);
  for (auto& acc : accumulators_) acc->Resize(1);
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> GroupAggregateOperator::Normalize(
    const std::shared_ptr<arrow::RecordBatch>& batch) const {
  std::shared_ptr<arrow::RecordBatch> out = batch;
  for (int c = 0; c < batch->num_columns(); ++c) {
    if (batch->column(c)->type_id() != arrow::Type::DICTIONARY) continue;
    ARROW_ASSIGN_OR_RAISE(
        auto decoded,
        arrow::compute::Cast(*batch->column(c), normalized_schema_->field(c)->type()));
    ARROW_ASSIGN_OR_RAISE(out, out->SetColumn(c, normalized_schema_->field(c), decoded));
  }
  return out;
}

uint32_t GroupAggregateOperator::NewGroup(const std::string& key) {
  uint32_t g;
  if (!free_.empty()) {
    g = free_.back();
    free_.pop_back();
    keys_[g] = key;
  } else {
    g = static_cast<uint32_t>(keys_.size());
    keys_.push_back(key);
    row_counts_.push_back(0);
    last_batch_.push_back(0);
    for (auto& acc : accumulators_) acc->Resize(keys_.size());
  }
  group_of_.emplace(key, g);
  return g;
}

void GroupAggregateOperator::FreeGroup(uint32_t g) {
  group_of_.erase(keys_[g]);
  keys_[g].clear();
  row_counts_[g] = 0;
  for (auto& acc : accumulators_) acc->Reset(g);
  free_.push_back(g);
}

arrow::Status GroupAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output* out) {
  if (!input_schema_) {
    ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  } else if (!input_schema_->Equals(*raw->schema(), false)) {
    return UserError("group aggregation input schema changed from {} to {}",
                     input_schema_->ToString(), raw->schema()->ToString());
  }
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto batch, Normalize(raw));
  const int8_t* kinds = RowKinds(*batch);
  ++batch_number_;

  // Group of every row; the groups this batch touches, in first-touch order.
  std::vector<uint32_t> groups(static_cast<size_t>(n));
  std::vector<uint32_t> touched;
  std::vector<bool> created;  // per touched group: new in this batch
  const auto key_columns = encoder_->Columns(*batch);
  std::string key;
  for (int64_t r = 0; r < n; ++r) {
    encoder_->Encode(key_columns, r, &key);
    const bool retract =
        kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[r]));
    auto it = group_of_.find(key);
    uint32_t g;
    bool fresh = false;
    if (it != group_of_.end()) {
      g = it->second;
    } else if (retract) {
      groups[static_cast<size_t>(r)] = kIgnored;  // nothing to retract from
      continue;
    } else {
      g = NewGroup(key);
      fresh = true;
    }
    groups[static_cast<size_t>(r)] = g;
    row_counts_[g] += retract ? -1 : 1;
    if (last_batch_[g] != batch_number_) {
      last_batch_[g] = batch_number_;
      touched.push_back(g);
      created.push_back(fresh);
    }
  }
  if (touched.empty()) return arrow::Status::OK();

  const size_t num_aggs = accumulators_.size();
  arrow::ArrayVector before(num_aggs), after(num_aggs);
  for (size_t a = 0; a < num_aggs; ++a) {
    ARROW_ASSIGN_OR_RAISE(before[a], accumulators_[a]->Results(touched));
  }
  for (size_t a = 0; a < num_aggs; ++a) {
    const arrow::Array* input =
        input_index_[a] < 0 ? nullptr : batch->column(input_index_[a]).get();
    ARROW_RETURN_NOT_OK(accumulators_[a]->Update(input, groups.data(), kinds, n));
    accumulators_[a]->Reset(kIgnored);
  }
  for (size_t a = 0; a < num_aggs; ++a) {
    ARROW_ASSIGN_OR_RAISE(after[a], accumulators_[a]->Results(touched));
  }

  // One change per touched group: rows taken from `before` (index i) or `after`
  // (index touched.size() + i).
  const int64_t m = static_cast<int64_t>(touched.size());
  arrow::Int64Builder key_take, value_take;
  arrow::Int8Builder row_kinds;
  std::vector<uint32_t> dropped;
  auto add = [&](int64_t i, bool from_after, RowKind kind) -> arrow::Status {
    ARROW_RETURN_NOT_OK(key_take.Append(i));
    ARROW_RETURN_NOT_OK(value_take.Append(from_after ? m + i : i));
    return row_kinds.Append(static_cast<int8_t>(kind));
  };
  for (int64_t i = 0; i < m; ++i) {
    const uint32_t g = touched[static_cast<size_t>(i)];
    const bool alive = row_counts_[g] > 0;
    if (created[static_cast<size_t>(i)]) {
      if (alive) ARROW_RETURN_NOT_OK(add(i, true, RowKind::kInsert));
    } else if (!alive) {
      ARROW_RETURN_NOT_OK(add(i, false, RowKind::kDelete));
    } else {
      bool same = true;
      for (size_t a = 0; a < num_aggs && same; ++a) {
        same = before[a]->RangeEquals(*after[a], i, i + 1, i);
      }
      if (!same) {
        ARROW_RETURN_NOT_OK(add(i, false, RowKind::kUpdateBefore));
        ARROW_RETURN_NOT_OK(add(i, true, RowKind::kUpdateAfter));
      }
    }
    if (!alive) dropped.push_back(g);
  }

  arrow::Status status;
  if (key_take.length() > 0) {
    std::vector<const std::string*> touched_keys;
    touched_keys.reserve(touched.size());
    for (uint32_t g : touched) touched_keys.push_back(&keys_[g]);
    ARROW_ASSIGN_OR_RAISE(auto key_arrays, encoder_->Decode(touched_keys));
    ARROW_ASSIGN_OR_RAISE(auto key_indices, key_take.Finish());
    ARROW_ASSIGN_OR_RAISE(auto value_indices, value_take.Finish());
    ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
    arrow::ArrayVector columns;
    const int64_t rows = key_indices->length();
    for (const auto& k : key_arrays) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*k, *key_indices));
      columns.push_back(std::move(taken));
    }
    for (size_t a = 0; a < num_aggs; ++a) {
      ARROW_ASSIGN_OR_RAISE(auto both, arrow::Concatenate({before[a], after[a]}));
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*both, *value_indices));
      columns.push_back(std::move(taken));
    }
    columns.push_back(std::move(kind_array));
    status =
        out->Emit(arrow::RecordBatch::Make(output_schema_, rows, std::move(columns)));
  }
  for (uint32_t g : dropped) FreeGroup(g);
  return status;
}

arrow::Status GroupAggregateOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  if (group_of_.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  std::vector<uint32_t> ids;
  for (const auto& [k, g] : group_of_) {
    keys.push_back(&k);
    ids.push_back(g);
  }
  std::set<int> key_groups;
  ARROW_RETURN_NOT_OK(PutPerKey(
      *encoder_, backend, id, context_->subtask().max_parallelism, keys,
      [&](size_t i) {
        std::string value;
        const uint32_t g = ids[i];
        value.append(reinterpret_cast<const char*>(&row_counts_[g]), sizeof(int64_t));
        for (const auto& acc : accumulators_) acc->Save(g, &value);
        return value;
      },
      &key_groups));
  return SaveInputSchema(backend, kSchemaStateName, *input_schema_, key_groups);
}

arrow::Status GroupAggregateOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view k) { keys.emplace_back(k); });
  if (keys.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto schema, LoadInputSchema(backend, kSchemaStateName));
  if (schema == nullptr) {
    return InternalError("group aggregation state has groups but no input schema");
  }
  ARROW_RETURN_NOT_OK(Prepare(schema));
  for (const std::string& k : keys) {
    backend->SetCurrentKey(k, 0);
    std::string value;
    if (!backend->Get(id, &value)) continue;
    const uint32_t g = NewGroup(k);
    std::string_view in(value);
    if (in.size() < sizeof(int64_t)) {
      return InternalError("group aggregation state is truncated");
    }
    std::memcpy(&row_counts_[g], in.data(), sizeof(int64_t));
    in.remove_prefix(sizeof(int64_t));
    for (auto& acc : accumulators_) ARROW_RETURN_NOT_OK(acc->Load(g, &in));
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
