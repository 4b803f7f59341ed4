#include "weir/runtime/operators/rank_operator.h"

#include <algorithm>
#include <cstring>
#include <set>

#include <arrow/builder.h>
#include <arrow/compute/cast.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "rank";

}  // namespace

arrow::Status RankOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status RankOperator::Prepare(const std::shared_ptr<arrow::Schema>& schema) {
  input_schema_ = DecodedSchema(*schema);
  for (const std::string& key : options_.partition_keys) {
    if (input_schema_->GetFieldIndex(key) < 0) {
      return UserError("PARTITION BY column '{}' is not in the input", key);
    }
  }
  if (!partitions_.prepared()) {
    ARROW_RETURN_NOT_OK(partitions_.Prepare(input_schema_, options_.partition_keys, {},
                                            /*retractions=*/false));
  }
  std::vector<int> all;
  for (int i = 0; i < input_schema_->num_fields(); ++i) all.push_back(i);
  ARROW_ASSIGN_OR_RAISE(KeyEncoder row_encoder, KeyEncoder::Make(input_schema_, all));
  ARROW_ASSIGN_OR_RAISE(SortKeyEncoder order_encoder,
                        SortKeyEncoder::Make(*input_schema_, options_.order));
  row_encoder_ = std::make_unique<KeyEncoder>(std::move(row_encoder));
  order_encoder_ = std::make_unique<SortKeyEncoder>(std::move(order_encoder));
  arrow::FieldVector fields = input_schema_->fields();
  if (options_.output_rank) {
    fields.push_back(arrow::field(options_.rank_column, arrow::int64(), false));
  }
  if (options_.window_end_column.empty() && !options_.append_only) {
    fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  } else if (!options_.window_end_column.empty()) {
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

uint32_t RankOperator::GroupOfRow(const std::vector<const arrow::Array*>& columns,
                                  int64_t row) {
  std::optional<uint32_t> found = partitions_.FindRow(columns, row);
  const uint32_t g = found ? *found : partitions_.AddRow(columns, row);
  if (rows_.size() <= g) {
    rows_.resize(g + 1);
    window_of_.resize(g + 1, kMinWatermark);
  }
  return g;
}

void RankOperator::Drop(uint32_t g) {
  rows_[g].clear();
  partitions_.Free(g);
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

bool RankOperator::CannotEnter(const Rows& rows, const std::string& order) const {
  if (options_.retractions || static_cast<int64_t>(rows.size()) < options_.end) {
    return false;
  }
  const std::string& last = rows.rbegin()->first;
  switch (options_.type) {
    case RankOptions::Type::kRowNumber:
      return order >= last;  // a tie ranks after the rows already there
    case RankOptions::Type::kRank:
      return order > last;
    case RankOptions::Type::kDenseRank:
      return false;
  }
  return false;
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
  if (before == after) return arrow::Status::OK();
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
  ARROW_ASSIGN_OR_RAISE(auto batch, ConformInput(raw, input_schema_, "Top-N"));
  if (!options_.window_end_column.empty()) {
    if (kinds != nullptr) return UserError("a window Top-N takes insert-only input");
    return BufferWindowRows(*batch);
  }
  const auto partition_columns = partitions_.KeyColumns(*batch);
  const auto row_columns = row_encoder_->Columns(*batch);
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector order_columns,
                        order_encoder_->Columns(*batch));

  // The ranked rows of every partition this batch changes, before the batch.
  std::vector<std::pair<uint32_t, Ranked>> before;
  ++batch_number_;
  std::string order, row;
  for (int64_t r = 0; r < n; ++r) {
    const bool retract =
        kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[r]));
    uint32_t g;
    if (retract) {
      std::optional<uint32_t> found = partitions_.FindRow(partition_columns, r);
      if (!found) continue;  // nothing to retract from
      g = *found;
    } else {
      g = GroupOfRow(partition_columns, r);
    }
    order_encoder_->Encode(order_columns, r, &order);
    Rows& rows = rows_[g];
    if (!retract && CannotEnter(rows, order)) continue;  // the common case of Top-N
    if (touched_in_.size() <= g) touched_in_.resize(g + 1, 0);
    if (touched_in_[g] != batch_number_) {
      before.emplace_back(g, InRange(rows));
      touched_in_[g] = batch_number_;
    }
    row_encoder_->Encode(row_columns, r, &row);
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
  const EventTime now = HasTtl() ? context_->ProcessingTime() : 0;
  for (const auto& [g, ranked] : before) {
    ARROW_RETURN_NOT_OK(Diff(ranked, InRange(rows_[g]), &changes));
    if (!options_.retractions) Trim(&rows_[g]);
    if (HasTtl()) {
      if (written_.size() <= g) written_.resize(g + 1, 0);
      written_[g] = now;
    }
    if (rows_[g].empty()) Drop(g);
  }
  if (HasTtl()) ExpireIdle(now);
  if (changes.empty()) return arrow::Status::OK();
  return EmitChanges(changes, out);
}

void RankOperator::ExpireIdle(EventTime now) {
  if (now < next_expiry_) return;
  const EventTime ttl = options_.state_ttl.count() * 1000;
  for (uint32_t g = 1; g < rows_.size(); ++g) {
    if (!rows_[g].empty() && g < written_.size() && written_[g] + ttl <= now) Drop(g);
  }
  next_expiry_ = now + std::max<EventTime>(ttl / 2, 1000);
  context_->RequestProcessingTimeCallback(next_expiry_);
}

arrow::Status RankOperator::OnProcessingTime(EventTime now, Output*) {
  if (HasTtl()) ExpireIdle(now);
  return arrow::Status::OK();
}

arrow::Status RankOperator::BufferWindowRows(const arrow::RecordBatch& batch) {
  const auto& ends =
      static_cast<const arrow::TimestampArray&>(*batch.column(window_end_index_));
  const auto unit = static_cast<const arrow::TimestampType&>(*ends.type()).unit();
  const auto partition_columns = partitions_.KeyColumns(batch);
  const auto row_columns = row_encoder_->Columns(batch);
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector order_columns, order_encoder_->Columns(batch));
  std::string order, row;
  std::set<uint32_t> touched;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    const EventTime end =
        ends.IsNull(r) ? kMinWatermark : types::ToMicros(ends.Value(r), unit);
    if (ends.IsNull(r) || end - 1 <= watermark_) {
      ++late_rows_;  // its window was ranked already
      continue;
    }
    const uint32_t g = GroupOfRow(partition_columns, r);
    order_encoder_->Encode(order_columns, r, &order);
    Rows& rows = rows_[g];
    if (CannotEnter(rows, order)) continue;
    if (rows.empty()) {
      windows_[end].push_back(g);
      window_of_[g] = end;
    }
    row_encoder_->Encode(row_columns, r, &row);
    rows.emplace(order, row);
    touched.insert(g);
  }
  for (uint32_t g : touched) Trim(&rows_[g]);
  return arrow::Status::OK();
}

arrow::Status RankOperator::ProcessWatermark(EventTime watermark, Output* out) {
  if (options_.window_end_column.empty()) return out->EmitWatermark(watermark);
  if (watermark > watermark_) watermark_ = watermark;
  Changes changes;
  while (!windows_.empty() && windows_.begin()->first - 1 <= watermark_) {
    for (uint32_t g : windows_.begin()->second) {
      for (auto& entry : InRange(rows_[g])) {
        changes.push_back({RowKind::kInsert, std::move(entry)});
      }
      Drop(g);
    }
    windows_.erase(windows_.begin());
  }
  if (!changes.empty()) ARROW_RETURN_NOT_OK(EmitChanges(changes, out));
  return out->EmitWatermark(watermark);
}

arrow::Status RankOperator::EmitChanges(const Changes& changes, Output* out) {
  std::vector<const std::string*> encoded;
  arrow::Int64Builder ranks;
  arrow::Int8Builder row_kinds;
  const bool kinds = options_.window_end_column.empty() && !options_.append_only;
  for (const auto& [kind, entry] : changes) {
    if (!kinds && kind != RowKind::kInsert) {
      return InternalError("an insert-only Top-N produced a {} row", RowKindString(kind));
    }
    encoded.push_back(&entry.second);
    ARROW_RETURN_NOT_OK(ranks.Append(entry.first));
    ARROW_RETURN_NOT_OK(row_kinds.Append(static_cast<int8_t>(kind)));
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector output, row_encoder_->Decode(encoded));
  if (options_.output_rank) {
    ARROW_ASSIGN_OR_RAISE(auto rank_array, ranks.Finish());
    output.push_back(std::move(rank_array));
  }
  if (kinds) {
    ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
    output.push_back(std::move(kind_array));
  }
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(changes.size()), std::move(output)));
}

size_t RankOperator::num_rows_held() const {
  size_t rows = 0;
  for (const Rows& partition : rows_) rows += partition.size();
  return rows;
}

arrow::Status RankOperator::SnapshotState(state::KeyedStateBackend* backend) {
  if (!partitions_.prepared()) {
    return backend->Register(kStateName, state::StateKind::kValue, {}).status();
  }
  // Per partition: its window end (window Top-N), then its rows.
  return partitions_.Snapshot(
      backend, kStateName, context_->subtask().max_parallelism,
      [&](uint32_t g, std::string* blob) {
        blob->append(reinterpret_cast<const char*>(&window_of_[g]), sizeof(EventTime));
        const uint32_t count = static_cast<uint32_t>(rows_[g].size());
        blob->append(reinterpret_cast<const char*>(&count), sizeof(count));
        for (const auto& [order, row] : rows_[g]) {
          PutRecordString(order, blob);
          PutRecordString(row, blob);
        }
      });
}

arrow::Status RankOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_RETURN_NOT_OK(partitions_.Restore(
      backend, kStateName, options_.partition_keys, {}, /*retractions=*/false,
      [&](uint32_t g, std::string_view* in) -> arrow::Status {
        auto truncated = [] { return InternalError("Top-N state is truncated"); };
        EventTime end = kMinWatermark;
        uint32_t count = 0;
        if (in->size() < sizeof(end) + sizeof(count)) return truncated();
        std::memcpy(&end, in->data(), sizeof(end));
        std::memcpy(&count, in->data() + sizeof(end), sizeof(count));
        in->remove_prefix(sizeof(end) + sizeof(count));
        if (rows_.size() <= g) {
          rows_.resize(g + 1);
          window_of_.resize(g + 1, kMinWatermark);
        }
        window_of_[g] = end;
        if (end != kMinWatermark) windows_[end].push_back(g);
        for (uint32_t i = 0; i < count; ++i) {
          std::string order, row;
          if (!GetRecordString(in, &order) || !GetRecordString(in, &row))
            return truncated();
          rows_[g].emplace(std::move(order), std::move(row));
        }
        return arrow::Status::OK();
      }));
  if (partitions_.prepared()) ARROW_RETURN_NOT_OK(Prepare(partitions_.input_schema()));
  if (HasTtl()) {
    // Restored partitions count as written now (the TTL clock is not checkpointed).
    written_.assign(rows_.size(), context_->ProcessingTime());
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
