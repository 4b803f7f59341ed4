#include "weir/runtime/operators/interval_join.h"

#include <algorithm>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "interval-join";

}  // namespace

IntervalJoinOperator::IntervalJoinOperator(IntervalJoinOptions options)
    : options_(std::move(options)) {
  delay_ = std::max<int64_t>({options_.upper, -options_.lower, 0});
}

bool IntervalJoinOperator::Outer(int side) const {
  using Type = IntervalJoinOptions::Type;
  return options_.type == Type::kFull ||
         (side == 0 ? options_.type == Type::kLeft : options_.type == Type::kRight);
}

arrow::Status IntervalJoinOperator::Open(OperatorContext* context) {
  context_ = context;
  if (options_.lower > options_.upper) {
    return InternalError("interval join bounds [{}, {}] are empty", options_.lower,
                         options_.upper);
  }
  ARROW_RETURN_NOT_OK(PrepareJoinSides(options_.left_schema, options_.right_schema,
                                       options_.left_keys, options_.right_keys, sides_));
  const std::string* times[2] = {&options_.left_time, &options_.right_time};
  for (int side = 0; side < 2; ++side) {
    time_index_[side] = sides_[side].schema->GetFieldIndex(*times[side]);
    if (time_index_[side] < 0 ||
        sides_[side].schema->field(time_index_[side])->type()->id() !=
            arrow::Type::TIMESTAMP) {
      return InternalError("interval join: time column '{}' is not a timestamp",
                           *times[side]);
    }
  }
  arrow::FieldVector fields;
  for (const auto& side : sides_) {
    for (const auto& f : side.schema->fields()) fields.push_back(f->WithNullable(true));
  }
  output_schema_ = arrow::schema(fields);
  if (options_.residual) {
    residual_ = std::make_unique<BoundExpression>(*options_.residual);
  }
  return arrow::Status::OK();
}

void IntervalJoinOperator::Keep(int side, const std::string& key, KeyState* state,
                                EventTime time, std::string row, bool matched) {
  Rows& rows = state->rows[side];
  const bool first = rows.empty() || time < rows.begin()->first;
  rows.emplace(time, Entry{std::move(row), matched});
  // Rows leave in time order: one expiry entry per key for its oldest row, renewed
  // as rows leave.
  if (first) expiry_[side].emplace(ExpiresAt(side, time), key);
}

arrow::Status IntervalJoinOperator::ProcessBatch(
    int input, const std::shared_ptr<arrow::RecordBatch>& raw, Output* out) {
  const int side = input == 0 ? 0 : 1;
  const int other_side = 1 - side;
  if (RowKinds(*raw) != nullptr) {
    return InternalError("an interval join takes insert-only input");
  }
  ARROW_ASSIGN_OR_RAISE(auto batch,
                        ConformInput(raw, sides_[side].schema, "interval join"));
  const int64_t n = batch->num_rows();
  const auto key_columns = sides_[side].keys->Columns(*batch);
  const auto row_columns = sides_[side].rows->Columns(*batch);
  const auto& times =
      static_cast<const arrow::TimestampArray&>(*batch->column(time_index_[side]));
  const auto unit = static_cast<const arrow::TimestampType&>(*times.type()).unit();

  // Each row's key state and its candidates: the other side's rows of its key whose
  // time is within the bounds (the condition decides among them).
  std::vector<KeyState*> key_of(static_cast<size_t>(n), nullptr);
  std::vector<EventTime> time_of(static_cast<size_t>(n), 0);
  std::vector<std::string> key_bytes(static_cast<size_t>(n));
  std::vector<size_t> first_candidate(static_cast<size_t>(n) + 1, 0);
  std::vector<Entry*> candidates;
  std::vector<int64_t> candidate_row;
  for (int64_t r = 0; r < n; ++r) {
    first_candidate[static_cast<size_t>(r)] = candidates.size();
    bool null_key = times.IsNull(r);
    for (const arrow::Array* k : key_columns) null_key = null_key || k->IsNull(r);
    if (null_key) continue;
    const EventTime t = types::ToMicros(times.Value(r), unit);
    time_of[static_cast<size_t>(r)] = t;
    std::string& key = key_bytes[static_cast<size_t>(r)];
    sides_[side].keys->Encode(key_columns, r, &key);
    KeyState& state = keys_[key];
    key_of[static_cast<size_t>(r)] = &state;
    // Left row at t joins right rows in [t - upper, t - lower]; a right row at t
    // joins left rows in [t + lower, t + upper].
    const EventTime from = side == 0 ? t - options_.upper : t + options_.lower;
    const EventTime to = side == 0 ? t - options_.lower : t + options_.upper;
    Rows& others = state.rows[other_side];
    for (auto it = others.lower_bound(from); it != others.end() && it->first <= to;
         ++it) {
      candidates.push_back(&it->second);
      candidate_row.push_back(r);
    }
  }
  first_candidate[static_cast<size_t>(n)] = candidates.size();

  StoredRows stored(sides_[other_side].rows.get());
  std::vector<int64_t> stored_index(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) {
    stored_index[c] = stored.Add(&candidates[c]->row);
  }
  std::vector<bool> passes(candidates.size(), true);
  if (residual_ && !candidates.empty()) {
    ARROW_ASSIGN_OR_RAISE(
        passes,
        EvaluateJoinCondition(residual_.get(), side, *batch, &stored, sides_[0].schema,
                              sides_[1].schema, candidate_row, stored_index, watermark_));
  }

  std::vector<JoinedRow> rows;
  std::string row;
  for (int64_t r = 0; r < n; ++r) {
    bool matched = false;
    for (size_t c = first_candidate[static_cast<size_t>(r)];
         c < first_candidate[static_cast<size_t>(r) + 1]; ++c) {
      if (!passes[c]) continue;
      matched = true;
      candidates[c]->matched = true;
      rows.push_back({RowKind::kInsert, r, stored_index[c]});
    }
    KeyState* state = key_of[static_cast<size_t>(r)];
    const EventTime t = time_of[static_cast<size_t>(r)];
    if (state != nullptr && ExpiresAt(side, t) > watermark_) {
      sides_[side].rows->Encode(row_columns, r, &row);
      Keep(side, key_bytes[static_cast<size_t>(r)], state, t, row, matched);
    } else if (!matched && Outer(side)) {
      rows.push_back({RowKind::kInsert, r, -1});  // too late to wait for a match
    }
  }
  for (int64_t r = 0; r < n; ++r) {
    // A key made for a row that was not kept (too late) goes again.
    if (key_of[static_cast<size_t>(r)] == nullptr) continue;
    auto found = keys_.find(key_bytes[static_cast<size_t>(r)]);
    if (found != keys_.end() && found->second.rows[0].empty() &&
        found->second.rows[1].empty()) {
      keys_.erase(found);
    }
  }
  if (rows.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto output,
                        BuildJoinedRows(output_schema_, side, *batch, &stored,
                                        sides_[other_side].schema, false, rows));
  return out->Emit(std::move(output));
}

arrow::Status IntervalJoinOperator::Expire(EventTime watermark, Output* out) {
  for (int side = 0; side < 2; ++side) {
    std::vector<std::string> padded;  // unmatched rows of an outer side, encoded
    auto& expiry = expiry_[side];
    while (!expiry.empty() && expiry.begin()->first <= watermark) {
      const std::string key = std::move(expiry.begin()->second);
      expiry.erase(expiry.begin());
      auto found = keys_.find(key);
      if (found == keys_.end()) continue;
      Rows& rows = found->second.rows[side];
      while (!rows.empty() && ExpiresAt(side, rows.begin()->first) <= watermark) {
        if (!rows.begin()->second.matched && Outer(side)) {
          padded.push_back(std::move(rows.begin()->second.row));
        }
        rows.erase(rows.begin());
      }
      if (!rows.empty()) {
        expiry.emplace(ExpiresAt(side, rows.begin()->first), key);
      } else if (found->second.rows[1 - side].empty()) {
        keys_.erase(found);
      }
    }
    if (padded.empty()) continue;
    // The padded rows are this side's stored rows, with NULLs for the other side.
    StoredRows stored(sides_[side].rows.get());
    std::vector<JoinedRow> rows;
    for (const std::string& r : padded) {
      rows.push_back({RowKind::kInsert, -1, stored.Add(&r)});
    }
    auto empty = arrow::RecordBatch::MakeEmpty(sides_[1 - side].schema);
    ARROW_RETURN_NOT_OK(empty.status());
    ARROW_ASSIGN_OR_RAISE(auto output,
                          BuildJoinedRows(output_schema_, 1 - side, **empty, &stored,
                                          sides_[side].schema, false, rows));
    ARROW_RETURN_NOT_OK(out->Emit(std::move(output)));
  }
  return arrow::Status::OK();
}

arrow::Status IntervalJoinOperator::ProcessWatermark(EventTime watermark, Output* out) {
  if (watermark <= watermark_) return arrow::Status::OK();
  watermark_ = watermark;
  ARROW_RETURN_NOT_OK(Expire(watermark, out));
  if (watermark == kMaxWatermark) return out->EmitWatermark(kMaxWatermark);
  return out->EmitWatermark(watermark - delay_);
}

size_t IntervalJoinOperator::num_rows_held(int side) const {
  size_t rows = 0;
  for (const auto& [key, state] : keys_) rows += state.rows[side].size();
  return rows;
}

arrow::Status IntervalJoinOperator::SnapshotState(state::KeyedStateBackend* backend) {
  // Per key and side: the rows with their times and whether they joined.
  return PutJoinState(backend, kStateName, *sides_[0].keys,
                      context_->subtask().max_parallelism, keys_, *sides_[0].schema,
                      [](const KeyState& state, std::string* blob) {
                        for (const Rows& rows : state.rows) {
                          PutRecordValue(static_cast<uint32_t>(rows.size()), blob);
                          for (const auto& [time, entry] : rows) {
                            PutRecordValue(time, blob);
                            PutRecordString(entry.row, blob);
                            PutRecordValue(static_cast<uint8_t>(entry.matched), blob);
                          }
                        }
                      });
}

arrow::Status IntervalJoinOperator::RestoreState(state::KeyedStateBackend* backend) {
  auto truncated = [] { return InternalError("interval join state is truncated"); };
  return GetJoinState(backend, kStateName,
                      [&](const std::string& key, std::string_view* in) -> arrow::Status {
                        KeyState& state = keys_[key];
                        for (int side = 0; side < 2; ++side) {
                          uint32_t count = 0;
                          if (!GetRecordValue(in, &count)) return truncated();
                          for (uint32_t r = 0; r < count; ++r) {
                            EventTime time = 0;
                            std::string row;
                            uint8_t matched = 0;
                            if (!GetRecordValue(in, &time) ||
                                !GetRecordString(in, &row) ||
                                !GetRecordValue(in, &matched)) {
                              return truncated();
                            }
                            Keep(side, key, &state, time, std::move(row), matched != 0);
                          }
                        }
                        return arrow::Status::OK();
                      });
}

}  // namespace weir::runtime
