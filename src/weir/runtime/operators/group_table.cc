#include "weir/runtime/operators/group_table.h"

#include <cstring>
#include <set>

#include <arrow/compute/cast.h>

#include "weir/common/error.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

namespace {

std::shared_ptr<arrow::DataType> Decoded(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  return type;
}

std::string SchemaStateName(const std::string& name) { return name + "-schema"; }

// The value of a non-null integer-like key cell, widened as KeyEncoder encodes it.
int64_t ReadInteger(const arrow::Array& a, int64_t row) {
  const arrow::ArrayData& data = *a.data();
  const bool is_unsigned = arrow::is_unsigned_integer(a.type_id());
  switch (arrow::bit_width(a.type_id())) {
    case 8:
      return is_unsigned ? data.GetValues<uint8_t>(1)[row]
                         : data.GetValues<int8_t>(1)[row];
    case 16:
      return is_unsigned ? data.GetValues<uint16_t>(1)[row]
                         : data.GetValues<int16_t>(1)[row];
    case 32:
      return is_unsigned ? data.GetValues<uint32_t>(1)[row]
                         : data.GetValues<int32_t>(1)[row];
    default:
      return data.GetValues<int64_t>(1)[row];
  }
}

}  // namespace

arrow::Status GroupTable::Prepare(const std::shared_ptr<arrow::Schema>& schema,
                                  const std::vector<std::string>& keys,
                                  const std::vector<GroupAggregateCall>& calls,
                                  bool retractions) {
  arrow::FieldVector fields;
  for (const auto& f : schema->fields())
    fields.push_back(f->WithType(Decoded(f->type())));
  normalized_ = arrow::schema(fields);
  std::vector<int> key_indices;
  for (const std::string& key : keys) {
    const int index = schema->GetFieldIndex(key);
    if (index < 0) {
      return UserError("aggregation: key column '{}' is not in the input ({})", key,
                       schema->ToString());
    }
    key_indices.push_back(index);
  }
  ARROW_ASSIGN_OR_RAISE(auto encoder, KeyEncoder::Make(normalized_, key_indices));
  encoder_ = std::move(encoder);
  output_fields_ = encoder_->fields();
  accumulators_.clear();
  input_index_.clear();
  for (const GroupAggregateCall& call : calls) {
    int index = -1;
    std::shared_ptr<arrow::DataType> type;
    if (!call.input.empty()) {
      index = schema->GetFieldIndex(call.input);
      if (index < 0) {
        return UserError("aggregation: input column '{}' of {} is not in the input",
                         call.input, call.output);
      }
      type = schema->field(index)->type();
    }
    ARROW_ASSIGN_OR_RAISE(auto acc, GroupAccumulators::Make(call, type, retractions));
    output_fields_.push_back(arrow::field(call.output, acc->result_type()));
    acc->Resize(1);
    accumulators_.push_back(std::move(acc));
    input_index_.push_back(index);
  }
  group_of_.clear();
  live_.assign(1, false);
  live_count_ = 0;
  int_key_ = encoder_->single_integer();
  int_group_of_.Clear();
  keys_.assign(1, std::string());  // kIgnored
  free_.clear();
  schema_ = schema;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> GroupTable::Normalize(
    const std::shared_ptr<arrow::RecordBatch>& batch) const {
  std::shared_ptr<arrow::RecordBatch> out = batch;
  for (int c = 0; c < batch->num_columns(); ++c) {
    if (batch->column(c)->type_id() != arrow::Type::DICTIONARY) continue;
    ARROW_ASSIGN_OR_RAISE(
        auto decoded,
        arrow::compute::Cast(*batch->column(c), normalized_->field(c)->type()));
    ARROW_ASSIGN_OR_RAISE(out, out->SetColumn(c, normalized_->field(c), decoded));
  }
  return out;
}

std::optional<uint32_t> GroupTable::FindRow(
    const std::vector<const arrow::Array*>& columns, int64_t row) {
  if (int_key_ && !columns[0]->IsNull(row)) {
    const uint32_t* g = int_group_of_.Find(ReadInteger(*columns[0], row));
    if (g == nullptr) return std::nullopt;
    return *g;
  }
  encoder_->Encode(columns, row, &scratch_);
  auto it = group_of_.find(scratch_);
  if (it == group_of_.end()) return std::nullopt;
  return it->second;
}

uint32_t GroupTable::AddRow(const std::vector<const arrow::Array*>& columns,
                            int64_t row) {
  encoder_->Encode(columns, row, &scratch_);
  return Add(scratch_);
}

uint32_t GroupTable::Add(const std::string& key) {
  uint32_t g;
  if (!free_.empty()) {
    g = free_.back();
    free_.pop_back();
    keys_[g] = key;
    if (g < key_group_.size()) key_group_[g] = -1;
  } else {
    g = static_cast<uint32_t>(keys_.size());
    keys_.push_back(key);
    live_.push_back(false);
    for (auto& acc : accumulators_) acc->Resize(keys_.size());
  }
  live_[g] = true;
  ++live_count_;
  // A non-null integer key lives in the flat map only; other keys by their bytes.
  std::optional<int64_t> value =
      int_key_ ? KeyEncoder::DecodeSingleInteger(key) : std::nullopt;
  if (value) {
    bool inserted;
    int_group_of_.FindOrInsert(*value, g, &inserted);
  } else {
    group_of_.emplace(key, g);
  }
  return g;
}

uint32_t GroupTable::AddScratch() {
  if (!free_.empty()) {
    const uint32_t g = free_.back();
    free_.pop_back();
    return g;
  }
  const auto g = static_cast<uint32_t>(keys_.size());
  keys_.emplace_back();
  live_.push_back(false);
  for (auto& acc : accumulators_) acc->Resize(keys_.size());
  return g;
}

void GroupTable::FreeScratch(uint32_t g) {
  for (auto& acc : accumulators_) acc->Reset(g);
  free_.push_back(g);
}

void GroupTable::Free(uint32_t g) {
  std::optional<int64_t> value =
      int_key_ ? KeyEncoder::DecodeSingleInteger(keys_[g]) : std::nullopt;
  if (value) {
    int_group_of_.Erase(*value);
  } else {
    group_of_.erase(keys_[g]);
  }
  keys_[g].clear();
  live_[g] = false;
  --live_count_;
  for (auto& acc : accumulators_) acc->Reset(g);
  free_.push_back(g);
}

arrow::Status GroupTable::Update(const arrow::RecordBatch& batch, const uint32_t* groups,
                                 const int8_t* kinds) {
  for (size_t a = 0; a < accumulators_.size(); ++a) {
    const arrow::Array* input =
        input_index_[a] < 0 ? nullptr : batch.column(input_index_[a]).get();
    ARROW_RETURN_NOT_OK(accumulators_[a]->Update(input, groups, kinds, batch.num_rows()));
    accumulators_[a]->Reset(kIgnored);
  }
  return arrow::Status::OK();
}

arrow::Result<arrow::ArrayVector> GroupTable::Results(
    const std::vector<uint32_t>& groups) const {
  arrow::ArrayVector out;
  for (const auto& acc : accumulators_) {
    ARROW_ASSIGN_OR_RAISE(auto results, acc->Results(groups));
    out.push_back(std::move(results));
  }
  return out;
}

arrow::Result<arrow::ArrayVector> GroupTable::Keys(
    const std::vector<uint32_t>& groups) const {
  std::vector<const std::string*> keys;
  keys.reserve(groups.size());
  for (uint32_t g : groups) keys.push_back(&keys_[g]);
  return encoder_->Decode(keys);
}

std::vector<uint32_t> GroupTable::LiveGroups() const {
  std::vector<uint32_t> live;
  live.reserve(live_count_);
  for (uint32_t g = 1; g < keys_.size(); ++g) {
    if (live_[g]) live.push_back(g);
  }
  return live;
}

arrow::Status GroupTable::CacheKeyGroups(const std::vector<uint32_t>& groups,
                                         int max_parallelism) const {
  if (key_groups_of_ != max_parallelism) {
    key_group_.clear();
    key_groups_of_ = max_parallelism;
  }
  if (key_group_.size() < keys_.size()) key_group_.resize(keys_.size(), -1);
  std::vector<const std::string*> unknown;
  std::vector<uint32_t> unknown_ids;
  for (uint32_t g : groups) {
    if (key_group_[g] < 0) {
      unknown.push_back(&keys_[g]);
      unknown_ids.push_back(g);
    }
  }
  if (!unknown.empty()) {
    ARROW_ASSIGN_OR_RAISE(std::vector<uint64_t> hashes, encoder_->HashEncoded(unknown));
    for (size_t i = 0; i < unknown.size(); ++i) {
      key_group_[unknown_ids[i]] = state::KeyGroupForHash(hashes[i], max_parallelism);
    }
  }
  return arrow::Status::OK();
}

arrow::Result<std::vector<int32_t>> GroupTable::KeyGroupsOf(
    const std::vector<uint32_t>& groups, int max_parallelism) const {
  ARROW_RETURN_NOT_OK(CacheKeyGroups(groups, max_parallelism));
  std::vector<int32_t> out;
  out.reserve(groups.size());
  for (uint32_t g : groups) out.push_back(key_group_[g]);
  return out;
}

// State layout: one value-state entry per key group, holding every group of that
// key group as (key length, key, value length, value) records. A checkpoint of a
// million groups is then about a hundred entries, not a million; a restore at
// another parallelism still gets exactly the key groups it owns.
arrow::Status GroupTable::Snapshot(state::KeyedStateBackend* backend,
                                   const std::string& name, int max_parallelism,
                                   const SnapshotPrefix& prefix) const {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  if (live_count_ == 0) return arrow::Status::OK();
  // Key groups of the live groups (each key hashed once while its group lives).
  ARROW_RETURN_NOT_OK(CacheKeyGroups(LiveGroups(), max_parallelism));
  // Each group appended to its key group's buffer: key and value, length-prefixed.
  // The buffers are sized up front from the groups per key group and the bytes per
  // group of the last snapshot, so they do not grow by copying.
  std::vector<size_t> groups_in(static_cast<size_t>(max_parallelism), 0);
  for (uint32_t g = 1; g < keys_.size(); ++g) {
    if (live_[g]) ++groups_in[static_cast<size_t>(key_group_[g])];
  }
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  const size_t bytes_per_group = bytes_per_group_->load();
  if (bytes_per_group > 0) {
    for (size_t kg = 0; kg < blobs.size(); ++kg) {
      if (groups_in[kg] > 0) blobs[kg].reserve(groups_in[kg] * (bytes_per_group + 8));
    }
  }
  for (uint32_t g = 1; g < keys_.size(); ++g) {
    if (!live_[g]) continue;
    std::string& blob = blobs[static_cast<size_t>(key_group_[g])];
    const uint32_t key_size = static_cast<uint32_t>(keys_[g].size());
    blob.append(reinterpret_cast<const char*>(&key_size), sizeof(key_size));
    blob.append(keys_[g]);
    const size_t size_at = blob.size();
    blob.append(sizeof(uint32_t), '\0');
    if (prefix) prefix(g, &blob);
    for (const auto& acc : accumulators_) acc->Save(g, &blob);
    const uint32_t value_size =
        static_cast<uint32_t>(blob.size() - size_at - sizeof(uint32_t));
    std::memcpy(blob.data() + size_at, &value_size, sizeof(value_size));
  }
  for (const auto& acc : accumulators_) ARROW_RETURN_NOT_OK(acc->SaveStatus());
  size_t total = 0;
  for (const std::string& blob : blobs) total += blob.size();
  bytes_per_group_->store(total / live_count_ + 1);
  std::set<int> key_groups;
  for (int kg = 0; kg < max_parallelism; ++kg) {
    if (blobs[static_cast<size_t>(kg)].empty()) continue;
    backend->SetCurrentKey(
        std::string_view(reinterpret_cast<const char*>(&kg), sizeof(kg)), kg);
    backend->PutOwned(id, std::move(blobs[static_cast<size_t>(kg)]));
    key_groups.insert(kg);
  }
  return SaveInputSchema(backend, SchemaStateName(name), *schema_, key_groups);
}

arrow::Result<std::shared_ptr<const GroupTable>> GroupTable::SnapshotCopy(
    int max_parallelism) const {
  auto copy = std::make_shared<GroupTable>();
  // Hashed here, so the copy's Snapshot finds every key group known.
  if (live_count_ > 0) ARROW_RETURN_NOT_OK(CacheKeyGroups(LiveGroups(), max_parallelism));
  copy->schema_ = schema_;
  copy->normalized_ = normalized_;
  copy->output_fields_ = output_fields_;
  copy->encoder_ = encoder_;
  copy->input_index_ = input_index_;
  copy->accumulators_.reserve(accumulators_.size());
  for (const auto& acc : accumulators_) copy->accumulators_.push_back(acc->Clone());
  copy->int_key_ = int_key_;
  copy->keys_ = keys_;
  copy->live_ = live_;
  copy->live_count_ = live_count_;
  copy->key_group_ = key_group_;
  copy->key_groups_of_ = key_groups_of_;
  copy->bytes_per_group_ = bytes_per_group_;
  return copy;
}

arrow::Status GroupTable::Restore(state::KeyedStateBackend* backend,
                                  const std::string& name,
                                  const std::vector<std::string>& keys,
                                  const std::vector<GroupAggregateCall>& calls,
                                  bool retractions, const RestorePrefix& read_prefix) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  std::vector<std::string> stored;
  backend->ForEachKey(id, [&](std::string_view k) { stored.emplace_back(k); });
  if (stored.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto schema, LoadInputSchema(backend, SchemaStateName(name)));
  if (schema == nullptr) {
    return InternalError("aggregation state '{}' has groups but no input schema", name);
  }
  ARROW_RETURN_NOT_OK(Prepare(schema, keys, calls, retractions));
  auto truncated = [&] {
    return InternalError("aggregation state '{}' is truncated", name);
  };
  for (const std::string& k : stored) {
    backend->SetCurrentKey(k, 0);
    std::string blob;
    if (!backend->Get(id, &blob)) continue;
    std::string_view in(blob);
    while (!in.empty()) {
      uint32_t size = 0;
      if (in.size() < sizeof(size)) return truncated();
      std::memcpy(&size, in.data(), sizeof(size));
      in.remove_prefix(sizeof(size));
      if (in.size() < size) return truncated();
      const uint32_t g = Add(std::string(in.substr(0, size)));
      in.remove_prefix(size);
      if (in.size() < sizeof(size)) return truncated();
      std::memcpy(&size, in.data(), sizeof(size));
      in.remove_prefix(sizeof(size));
      if (in.size() < size) return truncated();
      std::string_view value = in.substr(0, size);
      in.remove_prefix(size);
      if (read_prefix) ARROW_RETURN_NOT_OK(read_prefix(g, &value));
      for (auto& acc : accumulators_) ARROW_RETURN_NOT_OK(acc->Load(g, &value));
    }
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
