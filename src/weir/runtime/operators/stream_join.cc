#include "weir/runtime/operators/stream_join.h"

#include <algorithm>
#include <unordered_set>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/join_rows.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "join";

// Whether row `r` has a NULL in one of the key columns.
bool HasNullKey(const std::vector<const arrow::Array*>& keys, int64_t r) {
  for (const arrow::Array* k : keys) {
    if (k->IsNull(r)) return true;
  }
  return false;
}

}  // namespace

StreamJoinOperator::StreamJoinOperator(StreamJoinOptions options)
    : options_(std::move(options)) {}

bool StreamJoinOperator::Outer(int side) const {
  using Type = StreamJoinOptions::Type;
  return options_.type == Type::kFull ||
         (side == 0 ? options_.type == Type::kLeft : options_.type == Type::kRight);
}

arrow::Status StreamJoinOperator::Open(OperatorContext* context) {
  context_ = context;
  ARROW_RETURN_NOT_OK(PrepareJoinSides(options_.left_schema, options_.right_schema,
                                       options_.left_keys, options_.right_keys, sides_));
  arrow::FieldVector fields;
  for (const auto& f : sides_[0].schema->fields())
    fields.push_back(f->WithNullable(true));
  if (!SemiOrAnti()) {
    for (const auto& f : sides_[1].schema->fields())
      fields.push_back(f->WithNullable(true));
  }
  if (options_.output_row_kinds) {
    fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  }
  output_schema_ = arrow::schema(fields);
  if (options_.residual) {
    residual_ = std::make_unique<BoundExpression>(*options_.residual);
  }
  return arrow::Status::OK();
}

void StreamJoinOperator::JoinRow(
    int side, RowKind kind, int64_t r, KeyState* key, const std::string& row,
    const std::vector<std::pair<Rows::iterator, int64_t>>& matches,
    std::vector<JoinedRow>* out) {
  const bool input_outer = Outer(side);
  const bool other_outer = Outer(1 - side);
  int64_t matched = 0;
  for (const auto& m : matches) matched += m.first->second.count;
  if (IsAccumulate(kind)) {
    if (key != nullptr) {
      Row& stored = key->rows[side][row];
      ++stored.count;
      stored.matches = matched;
    }
    if (matches.empty()) {
      if (input_outer) out->push_back({RowKind::kInsert, r, -1});
      return;
    }
    for (const auto& [other, index] : matches) {
      Row& y = other->second;
      if (other_outer) {
        if (y.matches == 0) {
          for (int64_t c = 0; c < y.count; ++c) {
            out->push_back({RowKind::kDelete, -1, index});
          }
        }
        ++y.matches;
      }
      const RowKind joined = input_outer || other_outer ? RowKind::kInsert : kind;
      for (int64_t c = 0; c < y.count; ++c) out->push_back({joined, r, index});
    }
    return;
  }
  if (key != nullptr) {
    auto it = key->rows[side].find(row);
    if (it != key->rows[side].end() && --it->second.count <= 0) {
      key->rows[side].erase(it);
    }
  }
  if (matches.empty()) {
    if (input_outer) out->push_back({RowKind::kDelete, r, -1});
    return;
  }
  for (const auto& [other, index] : matches) {
    Row& y = other->second;
    const RowKind joined = input_outer ? RowKind::kDelete : kind;
    for (int64_t c = 0; c < y.count; ++c) out->push_back({joined, r, index});
    if (other_outer) {
      if (y.matches == 1) {
        for (int64_t c = 0; c < y.count; ++c) {
          out->push_back({RowKind::kInsert, -1, index});
        }
      }
      y.matches = std::max<int64_t>(y.matches - 1, 0);
    }
  }
}

void StreamJoinOperator::SemiAntiRow(
    int side, RowKind kind, int64_t r, KeyState* key, const std::string& row,
    const std::vector<std::pair<Rows::iterator, int64_t>>& matches,
    std::vector<JoinedRow>* out) {
  const bool semi = options_.type == StreamJoinOptions::Type::kSemi;
  if (side == 0) {
    int64_t matched = 0;
    for (const auto& m : matches) matched += m.first->second.count;
    if (key != nullptr) {
      if (IsAccumulate(kind)) {
        Row& stored = key->rows[0][row];
        ++stored.count;
        stored.matches = matched;
      } else if (auto it = key->rows[0].find(row);
                 it != key->rows[0].end() && --it->second.count <= 0) {
        key->rows[0].erase(it);
      }
    }
    if ((matched > 0) == semi) out->push_back({kind, r, -1});
    return;
  }
  // A right row: the left rows it matches gain or lose a match.
  if (key != nullptr) {
    if (IsAccumulate(kind)) {
      ++key->rows[1][row].count;
    } else if (auto it = key->rows[1].find(row);
               it != key->rows[1].end() && --it->second.count <= 0) {
      key->rows[1].erase(it);
    }
  }
  for (const auto& [left, index] : matches) {
    Row& x = left->second;
    if (IsAccumulate(kind)) {
      if (x.matches == 0) {
        const RowKind change = semi ? RowKind::kInsert : RowKind::kDelete;
        for (int64_t c = 0; c < x.count; ++c) out->push_back({change, -1, index});
      }
      ++x.matches;
    } else {
      if (x.matches == 1) {
        const RowKind change = semi ? RowKind::kDelete : RowKind::kInsert;
        for (int64_t c = 0; c < x.count; ++c) out->push_back({change, -1, index});
      }
      x.matches = std::max<int64_t>(x.matches - 1, 0);
    }
  }
}

arrow::Status StreamJoinOperator::ProcessBatch(
    int input, const std::shared_ptr<arrow::RecordBatch>& raw, Output* out) {
  const int side = input == 0 ? 0 : 1;
  const int other_side = 1 - side;
  const int8_t* kinds = RowKinds(*raw);
  ARROW_ASSIGN_OR_RAISE(auto batch, ConformInput(raw, sides_[side].schema, "join"));
  const int64_t n = batch->num_rows();
  const auto key_columns = sides_[side].keys->Columns(*batch);
  const auto row_columns = sides_[side].rows->Columns(*batch);
  const EventTime now = HasTtl() ? context_->ProcessingTime() : 0;

  // Each row's key state (null: a NULL key, which matches nothing and is not kept)
  // and its candidates: the other side's rows of its key, as they are before the
  // batch (this batch changes only their match counts).
  std::vector<KeyState*> key_of(static_cast<size_t>(n), nullptr);
  std::vector<size_t> first_candidate(static_cast<size_t>(n) + 1, 0);
  std::vector<Rows::iterator> candidates;
  std::vector<int64_t> candidate_row;  // the input row of each candidate
  std::string key;
  for (int64_t r = 0; r < n; ++r) {
    first_candidate[static_cast<size_t>(r)] = candidates.size();
    if (!options_.null_equal_keys && HasNullKey(key_columns, r)) continue;
    sides_[side].keys->Encode(key_columns, r, &key);
    const bool accumulate =
        kinds == nullptr || IsAccumulate(static_cast<RowKind>(kinds[r]));
    auto found = keys_.find(key);
    if (found == keys_.end()) {
      if (!accumulate) continue;  // a retraction of a row not held (expired)
      found = keys_.emplace(key, KeyState{}).first;
    }
    KeyState& state = found->second;
    key_of[static_cast<size_t>(r)] = &state;
    if (HasTtl()) state.written[side] = now;
    Rows& others = state.rows[other_side];
    for (auto it = others.begin(); it != others.end(); ++it) {
      candidates.push_back(it);
      candidate_row.push_back(r);
    }
  }
  first_candidate[static_cast<size_t>(n)] = candidates.size();

  // The other side's candidate rows (decoded once each) and which of them pass the
  // residual condition, evaluated over all pairs at once.
  StoredRows others(sides_[other_side].rows.get());
  std::vector<int64_t> other_index(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) {
    other_index[c] = others.Add(&candidates[c]->first);
  }
  std::vector<bool> passes(candidates.size(), true);
  if (residual_ && !candidates.empty()) {
    ARROW_ASSIGN_OR_RAISE(
        passes,
        EvaluateJoinCondition(residual_.get(), side, *batch, &others, sides_[0].schema,
                              sides_[1].schema, candidate_row, other_index, watermark_));
  }

  // Row by row, in order: state changes and output rows.
  std::vector<JoinedRow> rows;
  std::vector<std::pair<Rows::iterator, int64_t>> matches;
  std::string row;
  for (int64_t r = 0; r < n; ++r) {
    const RowKind kind =
        kinds == nullptr ? RowKind::kInsert : static_cast<RowKind>(kinds[r]);
    matches.clear();
    for (size_t c = first_candidate[static_cast<size_t>(r)];
         c < first_candidate[static_cast<size_t>(r) + 1]; ++c) {
      if (passes[c]) matches.emplace_back(candidates[c], other_index[c]);
    }
    sides_[side].rows->Encode(row_columns, r, &row);
    KeyState* state = key_of[static_cast<size_t>(r)];
    if (SemiOrAnti()) {
      SemiAntiRow(side, kind, r, state, row, matches, &rows);
    } else {
      JoinRow(side, kind, r, state, row, matches, &rows);
    }
  }
  // Keys left without rows on either side go (after the loop: candidates point
  // into them).
  std::unordered_set<const KeyState*> erased;
  for (int64_t r = 0; r < n; ++r) {
    const KeyState* state = key_of[static_cast<size_t>(r)];
    if (state == nullptr || erased.count(state) != 0 || !state->rows[0].empty() ||
        !state->rows[1].empty()) {
      continue;
    }
    erased.insert(state);
    sides_[side].keys->Encode(key_columns, r, &key);
    keys_.erase(key);
  }
  if (HasTtl()) ExpireIdle(now);
  if (rows.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto output,
                        BuildJoinedRows(output_schema_, side, *batch, &others,
                                        sides_[other_side].schema, SemiOrAnti(), rows));
  return out->Emit(std::move(output));
}

void StreamJoinOperator::ExpireIdle(EventTime now) {
  if (now < next_expiry_) return;
  const EventTime ttl = options_.state_ttl.count() * 1000;
  for (auto it = keys_.begin(); it != keys_.end();) {
    KeyState& state = it->second;
    for (int side = 0; side < 2; ++side) {
      if (!state.rows[side].empty() && state.written[side] + ttl <= now) {
        state.rows[side].clear();
      }
    }
    if (state.rows[0].empty() && state.rows[1].empty()) {
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
  next_expiry_ = now + std::max<EventTime>(ttl / 2, 1000);
  context_->RequestProcessingTimeCallback(next_expiry_);
}

arrow::Status StreamJoinOperator::ProcessWatermark(EventTime watermark, Output* out) {
  watermark_ = std::max(watermark_, watermark);
  return out->EmitWatermark(watermark);
}

arrow::Status StreamJoinOperator::OnProcessingTime(EventTime now, Output*) {
  if (HasTtl()) ExpireIdle(now);
  return arrow::Status::OK();
}

size_t StreamJoinOperator::num_rows_held(int side) const {
  size_t rows = 0;
  for (const auto& [key, state] : keys_) rows += state.rows[side].size();
  return rows;
}

arrow::Status StreamJoinOperator::SnapshotState(state::KeyedStateBackend* backend) {
  // Per key and side: the distinct rows with their counts and match counts.
  return PutJoinState(backend, kStateName, *sides_[0].keys,
                      context_->subtask().max_parallelism, keys_, *sides_[0].schema,
                      [](const KeyState& state, std::string* blob) {
                        for (const Rows& rows : state.rows) {
                          PutRecordValue(static_cast<uint32_t>(rows.size()), blob);
                          for (const auto& [row, counts] : rows) {
                            PutRecordString(row, blob);
                            PutRecordValue(counts.count, blob);
                            PutRecordValue(counts.matches, blob);
                          }
                        }
                      });
}

arrow::Status StreamJoinOperator::RestoreState(state::KeyedStateBackend* backend) {
  const EventTime now = HasTtl() ? context_->ProcessingTime() : 0;
  auto truncated = [] { return InternalError("join state is truncated"); };
  return GetJoinState(backend, kStateName,
                      [&](const std::string& key, std::string_view* in) -> arrow::Status {
                        KeyState& state = keys_[key];
                        for (int side = 0; side < 2; ++side) {
                          uint32_t count = 0;
                          if (!GetRecordValue(in, &count)) return truncated();
                          // Restored rows count as written now (the TTL clock is not
                          // checkpointed).
                          state.written[side] = now;
                          for (uint32_t i = 0; i < count; ++i) {
                            std::string row;
                            Row counts;
                            if (!GetRecordString(in, &row) ||
                                !GetRecordValue(in, &counts.count) ||
                                !GetRecordValue(in, &counts.matches)) {
                              return truncated();
                            }
                            state.rows[side].emplace(std::move(row), counts);
                          }
                        }
                        return arrow::Status::OK();
                      });
}

}  // namespace weir::runtime
