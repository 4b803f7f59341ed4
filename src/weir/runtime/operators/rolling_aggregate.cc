#include "weir/runtime/operators/rolling_aggregate.h"

#include <set>

#include "weir/common/error.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

arrow::Status RollingAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  if (!schema_) {
    ARROW_RETURN_NOT_OK(PrepareKeyedAggregate(keys_, specs_, batch->schema(), &encoder_,
                                              &aggregates_, &output_schema_));
    schema_ = batch->schema();
  } else if (!schema_->Equals(*batch->schema(), false)) {
    return UserError("aggregation input schema changed from {} to {}",
                     schema_->ToString(), batch->schema()->ToString());
  }
  ARROW_RETURN_NOT_OK(aggregates_->Bind(*batch));
  const auto columns = encoder_->Columns(*batch);
  std::vector<const std::string*> touched_keys;
  std::vector<const Accumulator*> touched;
  std::string key;
  ++batch_number_;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    encoder_->Encode(columns, r, &key);
    auto [it, inserted] = groups_.try_emplace(key);
    Group& g = it->second;
    if (inserted) g.accumulators.resize(aggregates_->size());
    ARROW_RETURN_NOT_OK(aggregates_->Update(g.accumulators.data(), r));
    if (g.last_batch != batch_number_) {
      g.last_batch = batch_number_;
      touched_keys.push_back(&it->first);
      touched.push_back(g.accumulators.data());
    }
  }
  if (touched.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto key_columns, encoder_->Decode(touched_keys));
  ARROW_ASSIGN_OR_RAISE(auto agg_columns, aggregates_->Build(touched));
  for (auto& c : agg_columns) key_columns.push_back(std::move(c));
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(touched.size()), std::move(key_columns)));
}

arrow::Status RollingAggregateOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(
      int id, backend->Register("rolling-aggregate", state::StateKind::kValue, {}));
  std::vector<const std::string*> keys;
  std::vector<const Group*> groups;
  for (const auto& [k, g] : groups_) {
    keys.push_back(&k);
    groups.push_back(&g);
  }
  if (keys.empty()) return arrow::Status::OK();
  std::set<int> key_groups;
  ARROW_RETURN_NOT_OK(PutPerKey(
      *encoder_, backend, id, context_->subtask().max_parallelism, keys,
      [&](size_t i) {
        std::string value;
        AppendAccumulators(groups[i]->accumulators.data(), groups[i]->accumulators.size(),
                           &value);
        return value;
      },
      &key_groups));
  return SaveInputSchema(backend, "rolling-aggregate-schema", *schema_, key_groups);
}

arrow::Status RollingAggregateOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(
      int id, backend->Register("rolling-aggregate", state::StateKind::kValue, {}));
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view k) { keys.emplace_back(k); });
  for (const auto& k : keys) {
    backend->SetCurrentKey(k, 0);
    std::string value;
    if (!backend->Get(id, &value)) continue;
    Group& g = groups_[k];
    g.accumulators.resize(specs_.size());
    ARROW_RETURN_NOT_OK(ReadAccumulators(value, specs_.size(), g.accumulators.data()));
  }
  ARROW_ASSIGN_OR_RAISE(auto schema,
                        LoadInputSchema(backend, "rolling-aggregate-schema"));
  if (schema && !groups_.empty()) {
    ARROW_RETURN_NOT_OK(PrepareKeyedAggregate(keys_, specs_, schema, &encoder_,
                                              &aggregates_, &output_schema_));
    schema_ = schema;
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
