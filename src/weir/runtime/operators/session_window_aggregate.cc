#include "weir/runtime/operators/session_window_aggregate.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>

#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"
#include "weir/state/key_group.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "session-aggregate";

// Microseconds as ticks of a timestamp column's unit.
int64_t FromMicros(EventTime micros, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return micros / 1'000'000;
    case arrow::TimeUnit::MILLI:
      return micros / 1'000;
    case arrow::TimeUnit::MICRO:
      return micros;
    case arrow::TimeUnit::NANO:
      return micros * 1'000;
  }
  return micros;
}

}  // namespace

arrow::Status SessionWindowAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status SessionWindowAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  if (RowKindIndex(*schema) >= 0) {
    return UserError("a session window aggregation takes insert-only input");
  }
  input_schema_ = DecodedSchema(*schema);
  auto index_of = [&](const std::string& name) -> arrow::Result<int> {
    const int index = input_schema_->GetFieldIndex(name);
    if (index < 0)
      return UserError("session window column '{}' is not in the input", name);
    return index;
  };
  ARROW_ASSIGN_OR_RAISE(start_index_, index_of(options_.start_column));
  ARROW_ASSIGN_OR_RAISE(end_index_, index_of(options_.end_column));
  for (int index : {start_index_, end_index_}) {
    if (input_schema_->field(index)->type()->id() != arrow::Type::TIMESTAMP) {
      return UserError("session window column '{}' is not a timestamp",
                       input_schema_->field(index)->name());
    }
  }
  std::vector<int> session_indices;
  for (const std::string& key : options_.session_keys) {
    ARROW_ASSIGN_OR_RAISE(int index, index_of(key));
    session_indices.push_back(index);
  }
  other_keys_.clear();
  payload_indices_.clear();
  for (const std::string& key : options_.keys) {
    if (key == options_.start_column || key == options_.end_column ||
        key == options_.time_column ||
        std::find(options_.session_keys.begin(), options_.session_keys.end(), key) !=
            options_.session_keys.end()) {
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(int index, index_of(key));
    other_keys_.push_back(key);
    payload_indices_.push_back(index);
  }
  for (const GroupAggregateCall& call : options_.aggregates) {
    if (call.input.empty()) continue;
    ARROW_ASSIGN_OR_RAISE(int index, index_of(call.input));
    if (std::find(payload_indices_.begin(), payload_indices_.end(), index) ==
        payload_indices_.end()) {
      payload_indices_.push_back(index);
    }
  }
  arrow::FieldVector payload;
  for (int index : payload_indices_) payload.push_back(input_schema_->field(index));
  payload_schema_ = arrow::schema(payload);
  ARROW_ASSIGN_OR_RAISE(KeyEncoder session_encoder,
                        KeyEncoder::Make(input_schema_, session_indices));
  session_encoder_ = std::make_unique<KeyEncoder>(std::move(session_encoder));
  ARROW_ASSIGN_OR_RAISE(KeyEncoder payload_encoder,
                        KeyEncoder::Make(input_schema_, payload_indices_));
  payload_encoder_ = std::make_unique<KeyEncoder>(std::move(payload_encoder));
  arrow::FieldVector out;
  for (const std::string& key : options_.keys) {
    out.push_back(input_schema_->field(input_schema_->GetFieldIndex(key)));
  }
  for (const GroupAggregateCall& call : options_.aggregates) {
    const int index = call.input.empty() ? -1 : input_schema_->GetFieldIndex(call.input);
    ARROW_ASSIGN_OR_RAISE(
        auto acc,
        GroupAccumulators::Make(
            call, index < 0 ? nullptr : input_schema_->field(index)->type(), false));
    out.push_back(arrow::field(call.output, acc->result_type()));
  }
  output_schema_ = arrow::schema(out);
  return arrow::Status::OK();
}

uint32_t SessionWindowAggregateOperator::KeyId(const std::string& key) {
  auto [it, added] = key_ids_.emplace(key, static_cast<uint32_t>(keys_.size()));
  if (added) {
    keys_.emplace_back();
    keys_.back().key = key;
  }
  return it->second;
}

void SessionWindowAggregateOperator::AddSession(uint32_t k, EventTime start,
                                                EventTime end,
                                                std::vector<std::string> rows) {
  auto& sessions = keys_[k].sessions;
  // The sessions that overlap or touch [start, end): they start at or before `end`
  // and end at or after `start` (disjoint, so they are adjacent in start order).
  auto first = sessions.upper_bound(end);
  auto last = first;
  while (first != sessions.begin() && std::prev(first)->second.end >= start) --first;
  if (first == last) {
    sessions.emplace(start, Session{end, std::move(rows)});
    ends_.emplace(end, std::make_pair(k, start));
    return;
  }
  // Merge into the session with the most rows (no rows are copied).
  auto base = first;
  EventTime merged_start = start;
  EventTime merged_end = end;
  for (auto it = first; it != last; ++it) {
    if (it->second.rows.size() > base->second.rows.size()) base = it;
    merged_start = std::min(merged_start, it->first);
    merged_end = std::max(merged_end, it->second.end);
  }
  auto forget = [&](EventTime session_start, EventTime session_end) {
    auto [from, to] = ends_.equal_range(session_end);
    for (auto e = from; e != to; ++e) {
      if (e->second == std::make_pair(k, session_start)) {
        ends_.erase(e);
        return;
      }
    }
  };
  std::vector<std::string>& target = base->second.rows;
  for (auto it = first; it != last;) {
    forget(it->first, it->second.end);
    if (it == base) {
      ++it;
      continue;
    }
    target.insert(target.end(), std::make_move_iterator(it->second.rows.begin()),
                  std::make_move_iterator(it->second.rows.end()));
    it = sessions.erase(it);
  }
  target.insert(target.end(), std::make_move_iterator(rows.begin()),
                std::make_move_iterator(rows.end()));
  auto node = sessions.extract(base);
  node.key() = merged_start;
  node.mapped().end = merged_end;
  sessions.insert(std::move(node));
  ends_.emplace(merged_end, std::make_pair(k, merged_start));
}

arrow::Status SessionWindowAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output*) {
  if (input_schema_ == nullptr) ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto batch, ConformInput(raw, input_schema_, "session window"));
  const auto& starts =
      static_cast<const arrow::TimestampArray&>(*batch->column(start_index_));
  const auto& ends =
      static_cast<const arrow::TimestampArray&>(*batch->column(end_index_));
  const auto start_unit = static_cast<const arrow::TimestampType&>(*starts.type()).unit();
  const auto end_unit = static_cast<const arrow::TimestampType&>(*ends.type()).unit();
  const auto session_columns = session_encoder_->Columns(*batch);
  const auto payload_columns = payload_encoder_->Columns(*batch);
  std::string key, row;
  for (int64_t r = 0; r < n; ++r) {
    if (starts.IsNull(r) || ends.IsNull(r)) {
      ++late_rows_;
      continue;
    }
    const EventTime start = types::ToMicros(starts.Value(r), start_unit);
    const EventTime end = types::ToMicros(ends.Value(r), end_unit);
    if (end - 1 <= watermark_) {
      ++late_rows_;
      continue;
    }
    session_encoder_->Encode(session_columns, r, &key);
    payload_encoder_->Encode(payload_columns, r, &row);
    std::vector<std::string> rows;
    rows.push_back(row);
    AddSession(KeyId(key), start, end, std::move(rows));
  }
  return arrow::Status::OK();
}

arrow::Status SessionWindowAggregateOperator::ProcessWatermark(EventTime watermark,
                                                               Output* out) {
  if (watermark > watermark_) watermark_ = watermark;
  std::vector<std::pair<uint32_t, EventTime>> fired;
  while (!ends_.empty() && ends_.begin()->first - 1 <= watermark_) {
    fired.push_back(ends_.begin()->second);
    ends_.erase(ends_.begin());
  }
  if (!fired.empty()) ARROW_RETURN_NOT_OK(Emit(fired, out));
  for (const auto& [k, start] : fired) {
    Key& key = keys_[k];
    key.sessions.erase(start);
    if (key.sessions.empty() && !key.key.empty()) {
      key_ids_.erase(key.key);
      key.key.clear();  // the id stays unused (keys_ is append-only)
    }
  }
  return out->EmitWatermark(watermark);
}

arrow::Status SessionWindowAggregateOperator::Emit(
    const std::vector<std::pair<uint32_t, EventTime>>& fired, Output* out) {
  // Every row of the fired sessions, grouped by (session, other keys).
  std::vector<std::string_view> rows;
  std::vector<size_t> session_of_row;
  for (size_t s = 0; s < fired.size(); ++s) {
    const Session& session = keys_[fired[s].first].sessions.at(fired[s].second);
    for (const std::string& row : session.rows) {
      rows.emplace_back(row);
      session_of_row.push_back(s);
    }
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector payload, payload_encoder_->Decode(rows));
  auto batch = arrow::RecordBatch::Make(payload_schema_,
                                        static_cast<int64_t>(rows.size()), payload);
  std::vector<int> other_indices;
  for (size_t i = 0; i < other_keys_.size(); ++i)
    other_indices.push_back(static_cast<int>(i));
  ARROW_ASSIGN_OR_RAISE(KeyEncoder other_encoder,
                        KeyEncoder::Make(payload_schema_, other_indices));
  const auto other_columns = other_encoder.Columns(*batch);
  std::unordered_map<std::string, uint32_t> group_of;
  std::vector<uint32_t> groups(rows.size());
  std::vector<size_t> group_session;  // per group: its session
  std::vector<int64_t> group_first;   // per group: its first row
  std::string group_key;
  for (size_t r = 0; r < rows.size(); ++r) {
    other_encoder.Encode(other_columns, static_cast<int64_t>(r), &group_key);
    group_key.append(reinterpret_cast<const char*>(&session_of_row[r]), sizeof(size_t));
    auto [it, added] =
        group_of.emplace(group_key, static_cast<uint32_t>(group_session.size()));
    if (added) {
      group_session.push_back(session_of_row[r]);
      group_first.push_back(static_cast<int64_t>(r));
    }
    groups[r] = it->second;
  }
  const size_t num_groups = group_session.size();
  std::vector<uint32_t> all(num_groups);
  for (size_t g = 0; g < num_groups; ++g) all[g] = static_cast<uint32_t>(g);

  arrow::ArrayVector aggregates;
  for (const GroupAggregateCall& call : options_.aggregates) {
    const int index =
        call.input.empty() ? -1 : payload_schema_->GetFieldIndex(call.input);
    ARROW_ASSIGN_OR_RAISE(
        auto acc,
        GroupAccumulators::Make(
            call, index < 0 ? nullptr : payload_schema_->field(index)->type(), false));
    acc->Resize(num_groups);
    ARROW_RETURN_NOT_OK(acc->Update(index < 0 ? nullptr : batch->column(index).get(),
                                    groups.data(), nullptr,
                                    static_cast<int64_t>(rows.size())));
    ARROW_ASSIGN_OR_RAISE(auto result, acc->Results(all));
    aggregates.push_back(std::move(result));
  }

  arrow::Int64Builder first_builder;
  ARROW_RETURN_NOT_OK(first_builder.AppendValues(group_first));
  ARROW_ASSIGN_OR_RAISE(auto first_rows, first_builder.Finish());
  std::vector<const std::string*> session_keys;
  for (size_t g = 0; g < num_groups; ++g) {
    session_keys.push_back(&keys_[fired[group_session[g]].first].key);
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector session_values,
                        session_encoder_->Decode(session_keys));
  arrow::ArrayVector columns;
  for (const std::string& key : options_.keys) {
    const auto& field = input_schema_->GetFieldByName(key);
    if (key == options_.start_column || key == options_.end_column ||
        key == options_.time_column) {
      const auto unit = static_cast<const arrow::TimestampType&>(*field->type()).unit();
      arrow::TimestampBuilder builder(field->type(), arrow::default_memory_pool());
      for (size_t g = 0; g < num_groups; ++g) {
        const auto& [k, start] = fired[group_session[g]];
        const EventTime end = keys_[k].sessions.at(start).end;
        const EventTime micros = key == options_.start_column ? start
                                 : key == options_.end_column ? end
                                                              : end - 1000;
        ARROW_RETURN_NOT_OK(builder.Append(FromMicros(micros, unit)));
      }
      ARROW_ASSIGN_OR_RAISE(auto array, builder.Finish());
      columns.push_back(std::move(array));
      continue;
    }
    auto session_key =
        std::find(options_.session_keys.begin(), options_.session_keys.end(), key);
    if (session_key != options_.session_keys.end()) {
      columns.push_back(session_values[static_cast<size_t>(
          session_key - options_.session_keys.begin())]);
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(
        auto taken, arrow::compute::Take(*batch->GetColumnByName(key), *first_rows));
    columns.push_back(std::move(taken));
  }
  for (auto& a : aggregates) columns.push_back(std::move(a));
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(num_groups), std::move(columns)));
}

size_t SessionWindowAggregateOperator::num_sessions() const {
  size_t n = 0;
  for (const Key& key : keys_) n += key.sessions.size();
  return n;
}

arrow::Status SessionWindowAggregateOperator::SnapshotState(
    state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  if (input_schema_ == nullptr) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  std::vector<uint32_t> ids;
  for (uint32_t k = 0; k < keys_.size(); ++k) {
    if (keys_[k].sessions.empty()) continue;
    keys.push_back(&keys_[k].key);
    ids.push_back(k);
  }
  if (keys.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(std::vector<uint64_t> hashes,
                        session_encoder_->HashEncoded(keys));
  const int max_parallelism = context_->subtask().max_parallelism;
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string& blob =
        blobs[static_cast<size_t>(state::KeyGroupForHash(hashes[i], max_parallelism))];
    const Key& key = keys_[ids[i]];
    PutRecordString(key.key, &blob);
    PutRecordValue(static_cast<uint32_t>(key.sessions.size()), &blob);
    for (const auto& [start, session] : key.sessions) {
      PutRecordValue(start, &blob);
      PutRecordValue(session.end, &blob);
      PutRecordValue(static_cast<uint32_t>(session.rows.size()), &blob);
      for (const std::string& row : session.rows) PutRecordString(row, &blob);
    }
  }
  return PutKeyGroupBlobs(backend, id, blobs, std::string(kStateName) + "-schema",
                          *input_schema_);
}

arrow::Status SessionWindowAggregateOperator::RestoreState(
    state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  const std::vector<std::string> blobs = GetKeyGroupBlobs(backend, id);
  if (blobs.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto schema,
                        LoadInputSchema(backend, std::string(kStateName) + "-schema"));
  if (schema == nullptr) {
    return InternalError("session window state has sessions but no input schema");
  }
  ARROW_RETURN_NOT_OK(Prepare(schema));
  auto truncated = [] { return InternalError("session window state is truncated"); };
  for (const std::string& blob : blobs) {
    std::string_view in(blob);
    while (!in.empty()) {
      std::string key;
      uint32_t count = 0;
      if (!GetRecordString(&in, &key) || !GetRecordValue(&in, &count)) return truncated();
      const uint32_t k = KeyId(key);
      for (uint32_t s = 0; s < count; ++s) {
        EventTime start = 0, end = 0;
        uint32_t num_rows = 0;
        if (!GetRecordValue(&in, &start) || !GetRecordValue(&in, &end) ||
            !GetRecordValue(&in, &num_rows)) {
          return truncated();
        }
        std::vector<std::string> rows(num_rows);
        for (std::string& row : rows) {
          if (!GetRecordString(&in, &row)) return truncated();
        }
        AddSession(k, start, end, std::move(rows));
      }
    }
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
