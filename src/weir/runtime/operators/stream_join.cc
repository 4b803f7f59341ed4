#include "weir/runtime/operators/stream_join.h"

#include <algorithm>
#include <unordered_set>

#include <arrow/array/util.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "join";
constexpr const char* kSchemaState = "join-schema";

arrow::Result<std::vector<int>> IndicesOf(const arrow::Schema& schema,
                                          const std::vector<std::string>& names,
                                          const char* side) {
  std::vector<int> indices;
  for (const std::string& name : names) {
    const int i = schema.GetFieldIndex(name);
    if (i < 0)
      return UserError("join key '{}' is not a column of the {} input", name, side);
    indices.push_back(i);
  }
  return indices;
}

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
  if (!options_.left_schema || !options_.right_schema) {
    return InternalError("a streaming join needs the columns of both inputs");
  }
  if (options_.left_keys.size() != options_.right_keys.size()) {
    return InternalError("a streaming join needs as many left keys as right keys");
  }
  schema_[0] = DecodedSchema(*options_.left_schema);
  schema_[1] = DecodedSchema(*options_.right_schema);
  const std::vector<std::string>* keys[2] = {&options_.left_keys, &options_.right_keys};
  for (int side = 0; side < 2; ++side) {
    ARROW_ASSIGN_OR_RAISE(
        std::vector<int> key_indices,
        IndicesOf(*schema_[side], *keys[side], side == 0 ? "left" : "right"));
    ARROW_ASSIGN_OR_RAISE(KeyEncoder key_encoder,
                          KeyEncoder::Make(schema_[side], key_indices));
    key_encoder_[side] = std::make_unique<KeyEncoder>(std::move(key_encoder));
    std::vector<int> all;
    for (int i = 0; i < schema_[side]->num_fields(); ++i) all.push_back(i);
    auto row_encoder = KeyEncoder::Make(schema_[side], all);
    if (!row_encoder.ok()) {
      return arrow::Status::NotImplemented(
          "a streaming join keeps its input rows in state, and ",
          row_encoder.status().message());
    }
    row_encoder_[side] = std::make_unique<KeyEncoder>(std::move(*row_encoder));
  }
  for (size_t k = 0; k < options_.left_keys.size(); ++k) {
    const auto& l = schema_[0]->GetFieldByName(options_.left_keys[k])->type();
    const auto& r = schema_[1]->GetFieldByName(options_.right_keys[k])->type();
    if (!l->Equals(*r)) {
      return InternalError("join keys '{}' ({}) and '{}' ({}) differ in type",
                           options_.left_keys[k], l->ToString(), options_.right_keys[k],
                           r->ToString());
    }
  }
  arrow::FieldVector fields;
  for (const auto& f : schema_[0]->fields()) fields.push_back(f->WithNullable(true));
  if (!SemiOrAnti()) {
    for (const auto& f : schema_[1]->fields()) fields.push_back(f->WithNullable(true));
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
    std::vector<OutputRow>* out) {
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
    std::vector<OutputRow>* out) {
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
  ARROW_ASSIGN_OR_RAISE(auto batch, ConformInput(raw, schema_[side], "join"));
  const int64_t n = batch->num_rows();
  const auto key_columns = key_encoder_[side]->Columns(*batch);
  const auto row_columns = row_encoder_[side]->Columns(*batch);
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
    key_encoder_[side]->Encode(key_columns, r, &key);
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

  // The other side's candidate rows, decoded once each.
  std::vector<const std::string*> others;
  std::vector<int64_t> other_index(candidates.size());
  {
    std::unordered_map<const std::string*, int64_t> seen;
    for (size_t c = 0; c < candidates.size(); ++c) {
      const std::string* encoded = &candidates[c]->first;
      auto [it, added] = seen.emplace(encoded, static_cast<int64_t>(others.size()));
      if (added) others.push_back(encoded);
      other_index[c] = it->second;
    }
  }
  // Which candidates pass the residual condition: evaluated over the pairs.
  std::vector<bool> passes(candidates.size(), true);
  if (residual_ && !candidates.empty()) {
    arrow::Int64Builder input_rows, other_rows;
    ARROW_RETURN_NOT_OK(input_rows.AppendValues(candidate_row));
    ARROW_RETURN_NOT_OK(other_rows.AppendValues(other_index));
    ARROW_ASSIGN_OR_RAISE(auto input_take, input_rows.Finish());
    ARROW_ASSIGN_OR_RAISE(auto other_take, other_rows.Finish());
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector decoded,
                          row_encoder_[other_side]->Decode(others));
    arrow::ArrayVector sides[2];
    for (const auto& column : batch->columns()) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*column, *input_take));
      sides[side].push_back(std::move(taken));
    }
    for (const auto& column : decoded) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*column, *other_take));
      sides[other_side].push_back(std::move(taken));
    }
    arrow::FieldVector fields = schema_[0]->fields();
    for (const auto& f : schema_[1]->fields()) fields.push_back(f);
    arrow::ArrayVector columns = std::move(sides[0]);
    for (auto& c : sides[1]) columns.push_back(std::move(c));
    auto pairs = arrow::RecordBatch::Make(arrow::schema(fields),
                                          static_cast<int64_t>(candidates.size()),
                                          std::move(columns));
    ARROW_ASSIGN_OR_RAISE(auto result, residual_->Evaluate(*pairs, watermark_));
    if (result->type_id() != arrow::Type::BOOL) {
      return InternalError("the join condition is not a boolean but {}",
                           result->type()->ToString());
    }
    const auto& flags = static_cast<const arrow::BooleanArray&>(*result);
    for (size_t c = 0; c < candidates.size(); ++c) {
      passes[c] =
          flags.IsValid(static_cast<int64_t>(c)) && flags.Value(static_cast<int64_t>(c));
    }
  }

  // Row by row, in order: state changes and output rows.
  std::vector<OutputRow> rows;
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
    row_encoder_[side]->Encode(row_columns, r, &row);
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
    key_encoder_[side]->Encode(key_columns, r, &key);
    keys_.erase(key);
  }
  if (HasTtl()) ExpireIdle(now);
  if (rows.empty()) return arrow::Status::OK();
  return EmitRows(side, *batch, others, rows, out);
}

arrow::Status StreamJoinOperator::EmitRows(int side, const arrow::RecordBatch& input,
                                           const std::vector<const std::string*>& others,
                                           const std::vector<OutputRow>& rows,
                                           Output* out) {
  const int other_side = 1 - side;
  arrow::Int64Builder input_rows, other_rows;
  arrow::Int8Builder row_kinds;
  for (const OutputRow& o : rows) {
    if (!options_.output_row_kinds && o.kind != RowKind::kInsert) {
      return InternalError("an insert-only join produced a {} row",
                           RowKindString(o.kind));
    }
    ARROW_RETURN_NOT_OK(o.input_row < 0 ? input_rows.AppendNull()
                                        : input_rows.Append(o.input_row));
    ARROW_RETURN_NOT_OK(o.other_row < 0 ? other_rows.AppendNull()
                                        : other_rows.Append(o.other_row));
    ARROW_RETURN_NOT_OK(row_kinds.Append(static_cast<int8_t>(o.kind)));
  }
  ARROW_ASSIGN_OR_RAISE(auto input_take, input_rows.Finish());
  ARROW_ASSIGN_OR_RAISE(auto other_take, other_rows.Finish());
  const auto length = static_cast<int64_t>(rows.size());
  arrow::ArrayVector sides[2];
  for (const auto& column : input.columns()) {
    ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*column, *input_take));
    sides[side].push_back(std::move(taken));
  }
  if (others.empty()) {
    for (const auto& f : schema_[other_side]->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto nulls, arrow::MakeArrayOfNull(f->type(), length));
      sides[other_side].push_back(std::move(nulls));
    }
  } else {
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector decoded,
                          row_encoder_[other_side]->Decode(others));
    for (const auto& column : decoded) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*column, *other_take));
      sides[other_side].push_back(std::move(taken));
    }
  }
  arrow::ArrayVector columns = std::move(sides[0]);
  if (!SemiOrAnti()) {
    for (auto& c : sides[1]) columns.push_back(std::move(c));
  }
  if (options_.output_row_kinds) {
    ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
    columns.push_back(std::move(kind_array));
  }
  return out->Emit(arrow::RecordBatch::Make(output_schema_, length, std::move(columns)));
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
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  if (keys_.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  keys.reserve(keys_.size());
  for (const auto& entry : keys_) keys.push_back(&entry.first);
  ARROW_ASSIGN_OR_RAISE(auto hashes, key_encoder_[0]->HashEncoded(keys));
  const int max_parallelism = context_->subtask().max_parallelism;
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  size_t i = 0;
  for (const auto& [key, state] : keys_) {
    std::string& blob =
        blobs[static_cast<size_t>(state::KeyGroupForHash(hashes[i++], max_parallelism))];
    PutRecordString(key, &blob);
    for (const Rows& rows : state.rows) {
      PutRecordValue(static_cast<uint32_t>(rows.size()), &blob);
      for (const auto& [row, counts] : rows) {
        PutRecordString(row, &blob);
        PutRecordValue(counts.count, &blob);
        PutRecordValue(counts.matches, &blob);
      }
    }
  }
  return PutKeyGroupBlobs(backend, id, blobs, kSchemaState, *schema_[0]);
}

arrow::Status StreamJoinOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  const EventTime now = HasTtl() ? context_->ProcessingTime() : 0;
  auto truncated = [] { return InternalError("join state is truncated"); };
  for (const std::string& blob : GetKeyGroupBlobs(backend, id)) {
    std::string_view in(blob);
    while (!in.empty()) {
      std::string key;
      if (!GetRecordString(&in, &key)) return truncated();
      KeyState& state = keys_[key];
      for (int side = 0; side < 2; ++side) {
        uint32_t count = 0;
        if (!GetRecordValue(&in, &count)) return truncated();
        // Restored rows count as written now (the TTL clock is not checkpointed).
        state.written[side] = now;
        for (uint32_t i = 0; i < count; ++i) {
          std::string row;
          Row counts;
          if (!GetRecordString(&in, &row) || !GetRecordValue(&in, &counts.count) ||
              !GetRecordValue(&in, &counts.matches)) {
            return truncated();
          }
          state.rows[side].emplace(std::move(row), counts);
        }
      }
    }
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
