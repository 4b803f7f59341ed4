#include "weir/runtime/operators/rank_operator.h"

#include <cstring>
#include <set>

#include <arrow/builder.h>
#include <arrow/compute/cast.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/state/key_group.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "rank";

void PutString(std::string_view s, std::string* out) {
  const uint32_t size = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  out->append(s);
}

bool GetString(std::string_view* in, std::string_view* s) {
  uint32_t size = 0;
  if (in->size() < sizeof(size)) return false;
  std::memcpy(&size, in->data(), sizeof(size));
  in->remove_prefix(sizeof(size));
  if (in->size() < size) return false;
  *s = in->substr(0, size);
  in->remove_prefix(size);
  return true;
}

std::shared_ptr<arrow::DataType> Decoded(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  return type;
}

}  // namespace

arrow::Status RankOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status RankOperator::Prepare(const std::shared_ptr<arrow::Schema>& schema) {
  arrow::FieldVector fields;
  for (const auto& f : schema->fields()) {
    if (f->name() == kRowKindColumn) continue;
    fields.push_back(arrow::field(f->name(), Decoded(f->type()), f->nullable()));
  }
  input_schema_ = arrow::schema(fields);
  std::vector<int> partition, all;
  for (const std::string& key : options_.partition_keys) {
    const int index = input_schema_->GetFieldIndex(key);
    if (index < 0) return UserError("PARTITION BY column '{}' is not in the input", key);
    partition.push_back(index);
  }
  for (int i = 0; i < input_schema_->num_fields(); ++i) all.push_back(i);
  ARROW_ASSIGN_OR_RAISE(KeyEncoder partition_encoder,
                        KeyEncoder::Make(input_schema_, partition));
  ARROW_ASSIGN_OR_RAISE(KeyEncoder row_encoder, KeyEncoder::Make(input_schema_, all));
  ARROW_ASSIGN_OR_RAISE(SortKeyEncoder order_encoder,
                        SortKeyEncoder::Make(*input_schema_, options_.order));
  partition_encoder_ = std::make_unique<KeyEncoder>(std::move(partition_encoder));
  row_encoder_ = std::make_unique<KeyEncoder>(std::move(row_encoder));
  order_encoder_ = std::make_unique<SortKeyEncoder>(std::move(order_encoder));
  fields = input_schema_->fields();
  if (options_.output_rank) {
    fields.push_back(arrow::field(options_.rank_column, arrow::int64(), false));
  }
  if (options_.window_end_column.empty()) {
    fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  } else {
    window_end_index_ = input_schema_->GetFieldIndex(options_.window_end_column);
    if (window_end_index_ < 0 ||
        input_schema_->field(window_end_index_)->type()->id() != arrow::Type::TIMESTAMP) {
      return UserError("window_end column '{}' is not a timestamp of the input",
                       options_.window_end_column);
    }
  }
  output_schema_ = arrow::schema(fields);
  return arrow::Status::OK();
}

arrow::Status RankOperator::BufferWindowRows(const arrow::RecordBatch& batch) {
  const auto& ends = static_cast<const arrow::TimestampArray&>(*batch.column(window_end_index_));
  const auto unit = static_cast<const arrow::TimestampType&>(*ends.type()).unit();
  const auto partition_columns = partition_encoder_->Columns(batch);
  const auto row_columns = row_encoder_->Columns(batch);
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector order_columns, order_encoder_->Columns(batch));
  std::string partition, order, row;
  std::set<Rows*> touched;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    const EventTime end = ends.IsNull(r) ? kMinWatermark : types::ToMicros(ends.Value(r), unit);
    if (ends.IsNull(r) || end - 1 <= watermark_) {
      ++late_rows_;  // its window was ranked already
      continue;
    }
    partition_encoder_->Encode(partition_columns, r, &partition);
    order_encoder_->Encode(order_columns, r, &order);
    row_encoder_->Encode(row_columns, r, &row);
    auto [it, added] = partitions_.try_emplace(partition);
    if (added) windows_[end].insert(partition);
    it->second.emplace(order, row);
    touched.insert(&it->second);
  }
  for (Rows* rows : touched) Trim(rows);
  return arrow::Status::OK();
}

arrow::Status RankOperator::ProcessWatermark(EventTime watermark, Output* out) {
  if (options_.window_end_column.empty()) return out->EmitWatermark(watermark);
  if (watermark > watermark_) watermark_ = watermark;
  Changes changes;
  while (!windows_.empty() && windows_.begin()->first - 1 <= watermark_) {
    for (const std::string& key : windows_.begin()->second) {
      auto found = partitions_.find(key);
      if (found == partitions_.end()) continue;
      for (auto& entry : InRange(found->second)) {
        changes.push_back({RowKind::kInsert, std::move(entry)});
      }
      partitions_.erase(found);
    }
    windows_.erase(windows_.begin());
  }
  if (!changes.empty()) ARROW_RETURN_NOT_OK(EmitChanges(changes, out));
  return out->EmitWatermark(watermark);
}

RankOperator::Ranked RankOperator::InRange(const Rows& rows) const {
  Ranked ranked;
  int64_t position = 0;
  int64_t rank = 0;
  const std::string* previous = nullptr;
  for (const auto& [order, row] : rows) {
    ++position;
    const bool peer = previous != nullptr && *previous == order;
    switch (options_.type) {
      case RankOptions::Type::kRowNumber:
        rank = position;
        break;
      case RankOptions::Type::kRank:
        if (!peer) rank = position;
        break;
      case RankOptions::Type::kDenseRank:
        if (!peer) ++rank;
        break;
    }
    previous = &order;
    if (rank > options_.end) break;
    if (rank >= options_.start) ranked.emplace_back(rank, row);
  }
  return ranked;
}

void RankOperator::Trim(Rows* rows) const {
  // Rows past the range end can never come back into it without retractions.
  int64_t position = 0;
  int64_t rank = 0;
  const std::string* previous = nullptr;
  for (auto it = rows->begin(); it != rows->end(); ++it) {
    ++position;
    const bool peer = previous != nullptr && *previous == it->first;
    if (options_.type == RankOptions::Type::kRowNumber) {
      rank = position;
    } else if (options_.type == RankOptions::Type::kRank) {
      if (!peer) rank = position;
    } else if (!peer) {
      ++rank;
    }
    if (rank > options_.end) {
      rows->erase(it, rows->end());
      return;
    }
    previous = &it->first;
  }
}

arrow::Status RankOperator::Diff(const Ranked& before, const Ranked& after,
                                 Changes* out) const {
  // Multiset differences: (rank, row) pairs with the rank as an output, rows alone
  // otherwise.
  auto key = [&](const std::pair<int64_t, std::string>& entry) {
    return options_.output_rank ? entry : std::make_pair(int64_t{0}, entry.second);
  };
  std::multiset<std::pair<int64_t, std::string>> old_set, new_set;
  for (const auto& e : before) old_set.insert(key(e));
  for (const auto& e : after) new_set.insert(key(e));
  std::vector<std::pair<int64_t, std::string>> removed, added;
  for (const auto& e : before) {
    auto it = new_set.find(key(e));
    if (it != new_set.end()) {
      new_set.erase(it);
    } else {
      removed.push_back(e);
    }
  }
  for (const auto& e : after) {
    auto it = old_set.find(key(e));
    if (it != old_set.end()) {
      old_set.erase(it);
    } else {
      added.push_back(e);
    }
  }
  const bool pair_updates = options_.output_rank || options_.deduplicate;
  std::vector<bool> paired(added.size(), false);
  for (auto& r : removed) {
    bool matched = false;
    if (pair_updates) {
      for (size_t a = 0; a < added.size() && !matched; ++a) {
        if (paired[a] || (options_.output_rank && added[a].first != r.first)) continue;
        paired[a] = true;
        matched = true;
        out->push_back({RowKind::kUpdateBefore, std::move(r)});
        out->push_back({RowKind::kUpdateAfter, added[a]});
      }
    }
    if (!matched) out->push_back({RowKind::kDelete, std::move(r)});
  }
  for (size_t a = 0; a < added.size(); ++a) {
    if (!paired[a]) out->push_back({RowKind::kInsert, std::move(added[a])});
  }
  return arrow::Status::OK();
}

arrow::Status RankOperator::ProcessBatch(int,
                                         const std::shared_ptr<arrow::RecordBatch>& raw,
                                         Output* out) {
  if (input_schema_ == nullptr) ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  const int8_t* kinds = RowKinds(*raw);
  // The input without its row kinds, dictionaries decoded.
  arrow::ArrayVector columns;
  for (int c = 0; c < raw->num_columns(); ++c) {
    if (raw->schema()->field(c)->name() == kRowKindColumn) continue;
    std::shared_ptr<arrow::Array> column = raw->column(c);
    const auto& want = input_schema_->field(static_cast<int>(columns.size()))->type();
    if (!column->type()->Equals(*want)) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, want));
    }
    columns.push_back(std::move(column));
  }
  if (columns.size() != static_cast<size_t>(input_schema_->num_fields())) {
    return UserError("Top-N input schema changed from {} to {}",
                     input_schema_->ToString(), raw->schema()->ToString());
  }
  auto batch = arrow::RecordBatch::Make(input_schema_, n, std::move(columns));
  if (!options_.window_end_column.empty()) {
    if (kinds != nullptr) return UserError("a window Top-N takes insert-only input");
    return BufferWindowRows(*batch);
  }
  const auto partition_columns = partition_encoder_->Columns(*batch);
  const auto row_columns = row_encoder_->Columns(*batch);
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector order_columns,
                        order_encoder_->Columns(*batch));

  // The ranked rows of every touched partition before this batch.
  std::unordered_map<std::string, Ranked> before;
  std::vector<std::string> touched;
  std::string partition, order, row;
  for (int64_t r = 0; r < n; ++r) {
    const bool retract =
        kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[r]));
    partition_encoder_->Encode(partition_columns, r, &partition);
    auto found = partitions_.find(partition);
    if (found == partitions_.end()) {
      if (retract) continue;  // nothing to retract from
      found = partitions_.emplace(partition, Rows()).first;
    }
    if (before.find(partition) == before.end()) {
      before.emplace(partition, InRange(found->second));
      touched.push_back(partition);
    }
    order_encoder_->Encode(order_columns, r, &order);
    row_encoder_->Encode(row_columns, r, &row);
    Rows& rows = found->second;
    if (!retract) {
      rows.emplace(order, row);
      continue;
    }
    auto [first, last] = rows.equal_range(order);
    for (auto it = first; it != last; ++it) {
      if (it->second == row) {
        rows.erase(it);
        break;
      }
    }
  }

  Changes changes;
  for (const std::string& key : touched) {
    auto found = partitions_.find(key);
    Ranked after = InRange(found->second);
    ARROW_RETURN_NOT_OK(Diff(before[key], after, &changes));
    if (!options_.retractions) Trim(&found->second);
    if (found->second.empty()) partitions_.erase(found);
  }
  if (changes.empty()) return arrow::Status::OK();
  return EmitChanges(changes, out);
}

arrow::Status RankOperator::EmitChanges(const Changes& changes, Output* out) {
  std::vector<const std::string*> encoded;
  arrow::Int64Builder ranks;
  arrow::Int8Builder row_kinds;
  for (const auto& [kind, entry] : changes) {
    encoded.push_back(&entry.second);
    ARROW_RETURN_NOT_OK(ranks.Append(entry.first));
    ARROW_RETURN_NOT_OK(row_kinds.Append(static_cast<int8_t>(kind)));
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector output, row_encoder_->Decode(encoded));
  if (options_.output_rank) {
    ARROW_ASSIGN_OR_RAISE(auto rank_array, ranks.Finish());
    output.push_back(std::move(rank_array));
  }
  if (options_.window_end_column.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
    output.push_back(std::move(kind_array));
  }
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(changes.size()), std::move(output)));
}

size_t RankOperator::num_rows_held() const {
  size_t rows = 0;
  for (const auto& [key, partition] : partitions_) rows += partition.size();
  return rows;
}

arrow::Status RankOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  if (partitions_.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  for (const auto& [key, rows] : partitions_) keys.push_back(&key);
  ARROW_ASSIGN_OR_RAISE(std::vector<uint64_t> hashes,
                        partition_encoder_->HashEncoded(keys));
  const int max_parallelism = context_->subtask().max_parallelism;
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  std::unordered_map<std::string, EventTime> end_of;  // window Top-N: partition's end
  for (const auto& [end, window_keys] : windows_) {
    for (const std::string& key : window_keys) end_of[key] = end;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string& blob =
        blobs[static_cast<size_t>(state::KeyGroupForHash(hashes[i], max_parallelism))];
    PutString(*keys[i], &blob);
    const Rows& rows = partitions_.at(*keys[i]);
    auto window = end_of.find(*keys[i]);
    const EventTime end = window == end_of.end() ? kMinWatermark : window->second;
    blob.append(reinterpret_cast<const char*>(&end), sizeof(end));
    const uint32_t count = static_cast<uint32_t>(rows.size());
    blob.append(reinterpret_cast<const char*>(&count), sizeof(count));
    for (const auto& [order, row] : rows) {
      PutString(order, &blob);
      PutString(row, &blob);
    }
  }
  std::set<int> key_groups;
  for (int kg = 0; kg < max_parallelism; ++kg) {
    if (blobs[static_cast<size_t>(kg)].empty()) continue;
    backend->SetCurrentKey(
        std::string_view(reinterpret_cast<const char*>(&kg), sizeof(kg)), kg);
    backend->Put(id, blobs[static_cast<size_t>(kg)]);
    key_groups.insert(kg);
  }
  return SaveInputSchema(backend, std::string(kStateName) + "-schema", *input_schema_,
                         key_groups);
}

arrow::Status RankOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  std::vector<std::string> stored;
  backend->ForEachKey(id, [&](std::string_view k) { stored.emplace_back(k); });
  if (stored.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto schema,
                        LoadInputSchema(backend, std::string(kStateName) + "-schema"));
  if (schema == nullptr) return InternalError("Top-N state has rows but no input schema");
  ARROW_RETURN_NOT_OK(Prepare(schema));
  auto truncated = [] { return InternalError("Top-N state is truncated"); };
  for (const std::string& k : stored) {
    backend->SetCurrentKey(k, 0);
    std::string blob;
    if (!backend->Get(id, &blob)) continue;
    std::string_view in(blob);
    while (!in.empty()) {
      std::string_view key;
      uint32_t count = 0;
      EventTime end = kMinWatermark;
      if (!GetString(&in, &key) || in.size() < sizeof(end) + sizeof(count)) {
        return truncated();
      }
      std::memcpy(&end, in.data(), sizeof(end));
      in.remove_prefix(sizeof(end));
      std::memcpy(&count, in.data(), sizeof(count));
      in.remove_prefix(sizeof(count));
      Rows& rows = partitions_[std::string(key)];
      if (window_end_index_ >= 0) windows_[end].insert(std::string(key));
      for (uint32_t i = 0; i < count; ++i) {
        std::string_view order, row;
        if (!GetString(&in, &order) || !GetString(&in, &row)) return truncated();
        rows.emplace(std::string(order), std::string(row));
      }
    }
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
