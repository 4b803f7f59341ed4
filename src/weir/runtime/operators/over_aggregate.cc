#include "weir/runtime/operators/over_aggregate.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <unordered_set>

#include <arrow/array/concatenate.h>
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

constexpr const char* kStateName = "over-aggregate";

}  // namespace

arrow::Status OverAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status OverAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  if (RowKindIndex(*schema) >= 0) {
    return UserError("an OVER aggregation takes insert-only input");
  }
  input_schema_ = DecodedSchema(*schema);
  arrow::FieldVector fields = input_schema_->fields();
  time_index_ = input_schema_->GetFieldIndex(options_.time_column);
  if (time_index_ < 0 ||
      input_schema_->field(time_index_)->type()->id() != arrow::Type::TIMESTAMP) {
    return UserError("OVER ORDER BY column '{}' is not a timestamp of the input",
                     options_.time_column);
  }
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
  partition_encoder_ = std::make_unique<KeyEncoder>(std::move(partition_encoder));
  row_encoder_ = std::make_unique<KeyEncoder>(std::move(row_encoder));
  const bool bounded = options_.preceding.has_value();
  accumulators_.clear();
  input_indices_.clear();
  for (const OverFunction& function : options_.functions) {
    int index = -1;
    if (!function.input.empty()) {
      index = input_schema_->GetFieldIndex(function.input);
      if (index < 0) {
        return UserError("OVER aggregate input '{}' is not in the input", function.input);
      }
    }
    GroupAggregateCall call{function.function, function.input, function.output};
    call.user_function = function.user_function;
    call.offset = function.offset;
    call.default_value = function.default_value;
    ARROW_ASSIGN_OR_RAISE(
        auto accumulators,
        GroupAccumulators::Make(
            call, index < 0 ? nullptr : input_schema_->field(index)->type(), bounded));
    fields.push_back(arrow::field(function.output, accumulators->result_type()));
    accumulators_.push_back(std::move(accumulators));
    input_indices_.push_back(index);
  }
  output_schema_ = arrow::schema(fields);
  return arrow::Status::OK();
}

uint32_t OverAggregateOperator::GroupOf(const std::string& key) {
  auto found = group_of_.find(key);
  if (found != group_of_.end()) return found->second;
  uint32_t g;
  if (!free_.empty()) {
    g = free_.back();
    free_.pop_back();
    partitions_[g] = Partition();
  } else {
    g = static_cast<uint32_t>(partitions_.size());
    partitions_.emplace_back();
    for (auto& acc : accumulators_) acc->Resize(partitions_.size());
  }
  partitions_[g].key = key;
  group_of_.emplace(key, g);
  return g;
}

void OverAggregateOperator::ExpireIdle(EventTime now) {
  if (now < next_expiry_) return;
  const EventTime ttl = options_.state_ttl.count() * 1000;
  for (uint32_t g = 0; g < partitions_.size(); ++g) {
    Partition& p = partitions_[g];
    // Rows still waiting for the watermark keep their partition: they must come out.
    if (!p.live || !p.waiting.empty() || p.written + ttl > now) continue;
    group_of_.erase(p.key);
    for (auto& acc : accumulators_) acc->Reset(g);
    p = Partition();
    p.live = false;
    free_.push_back(g);
  }
  next_expiry_ = now + std::max<EventTime>(ttl / 2, 1000);
  context_->RequestProcessingTimeCallback(next_expiry_);
}

arrow::Status OverAggregateOperator::OnProcessingTime(EventTime now, Output*) {
  if (options_.state_ttl.count() > 0) ExpireIdle(now);
  return arrow::Status::OK();
}

arrow::Status OverAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output*) {
  if (input_schema_ == nullptr) ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto batch, ConformInput(raw, input_schema_, "OVER aggregation"));
  const auto& times =
      static_cast<const arrow::TimestampArray&>(*batch->column(time_index_));
  const auto unit = static_cast<const arrow::TimestampType&>(*times.type()).unit();
  const auto partition_columns = partition_encoder_->Columns(*batch);
  const auto row_columns = row_encoder_->Columns(*batch);
  const bool ttl = options_.state_ttl.count() > 0;
  const EventTime now = ttl ? context_->ProcessingTime() : 0;
  std::string key, row;
  for (int64_t r = 0; r < n; ++r) {
    if (times.IsNull(r)) {
      ++late_rows_;
      continue;
    }
    const EventTime time = types::ToMicros(times.Value(r), unit);
    if (time <= watermark_) {
      ++late_rows_;  // its frame was computed already (Flink drops late rows)
      continue;
    }
    partition_encoder_->Encode(partition_columns, r, &key);
    row_encoder_->Encode(row_columns, r, &row);
    const uint32_t g = GroupOf(key);
    partitions_[g].written = now;
    Wait(g, time, row);
  }
  if (ttl) ExpireIdle(now);
  return arrow::Status::OK();
}

void OverAggregateOperator::Wait(uint32_t g, EventTime time, std::string_view row) {
  Partition& p = partitions_[g];
  if (!p.waiting.empty() && time < p.waiting.back().time) p.sorted = false;
  p.waiting.push_back(
      {time, static_cast<uint32_t>(p.arena.size()), static_cast<uint32_t>(row.size())});
  p.arena.append(row);
  if (time < p.due) {
    p.due = time;
    due_.emplace(time, g);
  }
}

arrow::Status OverAggregateOperator::ProcessWatermark(EventTime watermark, Output* out) {
  if (watermark > watermark_) {
    ARROW_RETURN_NOT_OK(Fire(watermark, out));
    watermark_ = watermark;
  }
  return out->EmitWatermark(watermark);
}

arrow::Status OverAggregateOperator::Fire(EventTime watermark, Output* out) {
  std::vector<uint32_t> groups;
  std::unordered_set<uint32_t> seen;
  while (!due_.empty() && due_.top().first <= watermark) {
    const auto [time, g] = due_.top();
    due_.pop();
    if (partitions_[g].due == time && seen.insert(g).second) groups.push_back(g);
  }
  if (groups.empty()) return arrow::Status::OK();

  // Decode, per group, the rows of its frame and then the rows now due.
  struct Work {
    uint32_t group;
    int64_t frame_begin;
    std::vector<std::pair<EventTime, std::string_view>> fresh;  // into the arena
    int64_t fresh_begin;
  };
  std::vector<Work> work;
  std::vector<std::string_view> encoded;
  for (uint32_t g : groups) {
    Partition& p = partitions_[g];
    Work w{g, static_cast<int64_t>(encoded.size()), {}, 0};
    for (const auto& entry : p.frame) encoded.emplace_back(entry.second);
    if (!p.sorted) {
      std::stable_sort(p.waiting.begin(), p.waiting.end(),
                       [](const auto& a, const auto& b) { return a.time < b.time; });
      p.sorted = true;
    }
    auto end =
        std::upper_bound(p.waiting.begin(), p.waiting.end(), watermark,
                         [](EventTime t, const auto& entry) { return t < entry.time; });
    for (auto it = p.waiting.begin(); it != end; ++it) {
      w.fresh.emplace_back(it->time,
                           std::string_view(p.arena.data() + it->offset, it->size));
    }
    work.push_back(std::move(w));
  }
  for (Work& w : work) {
    w.fresh_begin = static_cast<int64_t>(encoded.size());
    for (const auto& entry : w.fresh) encoded.push_back(entry.second);
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector decoded, row_encoder_->Decode(encoded));

  // A group's rows are processed in order, one step at a time (a row for ROWS, a
  // row and its peers for RANGE): the step folds its rows in, evicts the rows that
  // left the frame and reads the result. Groups are independent, so step k of every
  // group runs as one vectorised round: one Update for all additions, one for all
  // evictions, one Results for all groups.
  struct Round {
    std::vector<int64_t> add, evict;                 // decoded rows
    std::vector<uint32_t> add_groups, evict_groups;  // their groups
    std::vector<uint32_t> groups;                    // one per step: its result
    std::vector<int64_t> add_step;                   // per added row: its step
  };
  std::vector<Round> rounds;
  const bool bounded = options_.preceding.has_value();
  for (Work& w : work) {
    Partition& p = partitions_[w.group];
    std::deque<int64_t> frame_index;  // decoded row of each frame entry
    for (size_t i = 0; i < p.frame.size(); ++i) {
      frame_index.push_back(w.frame_begin + static_cast<int64_t>(i));
    }
    const int64_t n = static_cast<int64_t>(w.fresh.size());
    size_t k = 0;
    for (int64_t i = 0; i < n; ++k) {
      int64_t j = i + 1;
      if (!options_.rows) {
        while (j < n && w.fresh[j].first == w.fresh[i].first) ++j;
      }
      if (rounds.size() <= k) rounds.resize(k + 1);
      Round& round = rounds[k];
      const EventTime time = w.fresh[i].first;
      for (int64_t r = i; r < j; ++r) {
        round.add.push_back(w.fresh_begin + r);
        round.add_groups.push_back(w.group);
        if (bounded) {
          p.frame.emplace_back(w.fresh[r].first, std::string(w.fresh[r].second));
          frame_index.push_back(w.fresh_begin + r);
        }
      }
      if (bounded) {
        while (!p.frame.empty() &&
               (options_.rows
                    ? static_cast<int64_t>(p.frame.size()) > *options_.preceding + 1
                    : p.frame.front().first < time - *options_.preceding)) {
          round.evict.push_back(frame_index.front());
          round.evict_groups.push_back(w.group);
          frame_index.pop_front();
          p.frame.pop_front();
        }
      }
      round.add_step.insert(round.add_step.end(), static_cast<size_t>(j - i),
                            static_cast<int64_t>(round.groups.size()));
      round.groups.push_back(w.group);
      i = j;
    }
  }
  // The fired rows leave the waiting lists; the rest move to a fresh arena.
  for (Work& w : work) {
    Partition& p = partitions_[w.group];
    const size_t fired = w.fresh.size();
    std::string arena;
    std::vector<Partition::Waiting> rest;
    for (size_t i = fired; i < p.waiting.size(); ++i) {
      const Partition::Waiting& entry = p.waiting[i];
      rest.push_back({entry.time, static_cast<uint32_t>(arena.size()), entry.size});
      arena.append(p.arena, entry.offset, entry.size);
    }
    p.waiting = std::move(rest);
    p.arena = std::move(arena);
    p.due = p.waiting.empty() ? kMaxWatermark : p.waiting.front().time;
    if (!p.waiting.empty()) due_.emplace(p.due, w.group);
  }
  if (rounds.empty()) return arrow::Status::OK();

  const size_t num_functions = accumulators_.size();
  auto fold = [&](const std::vector<int64_t>& rows, const std::vector<uint32_t>& into,
                  RowKind kind) -> arrow::Status {
    if (rows.empty()) return arrow::Status::OK();
    arrow::Int64Builder builder;
    ARROW_RETURN_NOT_OK(builder.AppendValues(rows));
    ARROW_ASSIGN_OR_RAISE(auto indices, builder.Finish());
    const std::vector<int8_t> kinds(rows.size(), static_cast<int8_t>(kind));
    const int64_t n = static_cast<int64_t>(rows.size());
    for (size_t f = 0; f < num_functions; ++f) {
      if (input_indices_[f] < 0) {
        ARROW_RETURN_NOT_OK(
            accumulators_[f]->Update(nullptr, into.data(), kinds.data(), n));
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(
          auto input, arrow::compute::Take(
                          *decoded[static_cast<size_t>(input_indices_[f])], *indices));
      ARROW_RETURN_NOT_OK(
          accumulators_[f]->Update(input.get(), into.data(), kinds.data(), n));
    }
    return arrow::Status::OK();
  };
  // Rounds run in order; their rows go out in batches of about kOutputRows, so a
  // watermark that releases many rows does not build one huge batch.
  constexpr int64_t kOutputRows = 64 * 1024;
  std::vector<int64_t> rows, takes;
  std::vector<arrow::ArrayVector> results(num_functions);
  int64_t offset = 0;  // of the current round's results within `results`
  auto flush = [&]() -> arrow::Status {
    if (rows.empty()) return arrow::Status::OK();
    arrow::Int64Builder row_builder, take_builder;
    ARROW_RETURN_NOT_OK(row_builder.AppendValues(rows));
    ARROW_RETURN_NOT_OK(take_builder.AppendValues(takes));
    ARROW_ASSIGN_OR_RAISE(auto row_indices, row_builder.Finish());
    ARROW_ASSIGN_OR_RAISE(auto take_indices, take_builder.Finish());
    arrow::ArrayVector columns;
    for (const auto& column : decoded) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*column, *row_indices));
      columns.push_back(std::move(taken));
    }
    for (size_t f = 0; f < num_functions; ++f) {
      ARROW_ASSIGN_OR_RAISE(auto all, arrow::Concatenate(results[f]));
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*all, *take_indices));
      columns.push_back(std::move(taken));
      results[f].clear();
    }
    const int64_t n = static_cast<int64_t>(rows.size());
    rows.clear();
    takes.clear();
    offset = 0;
    return out->Emit(arrow::RecordBatch::Make(output_schema_, n, std::move(columns)));
  };
  for (const Round& round : rounds) {
    ARROW_RETURN_NOT_OK(fold(round.add, round.add_groups, RowKind::kInsert));
    ARROW_RETURN_NOT_OK(fold(round.evict, round.evict_groups, RowKind::kDelete));
    for (size_t f = 0; f < num_functions; ++f) {
      ARROW_ASSIGN_OR_RAISE(auto result, accumulators_[f]->Results(round.groups));
      results[f].push_back(std::move(result));
    }
    rows.insert(rows.end(), round.add.begin(), round.add.end());
    for (int64_t step : round.add_step) takes.push_back(offset + step);
    offset += static_cast<int64_t>(round.groups.size());
    if (static_cast<int64_t>(rows.size()) >= kOutputRows) ARROW_RETURN_NOT_OK(flush());
  }
  return flush();
}

arrow::Status OverAggregateOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  if (partitions_.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  for (const Partition& p : partitions_) keys.push_back(&p.key);
  ARROW_ASSIGN_OR_RAISE(std::vector<uint64_t> hashes,
                        partition_encoder_->HashEncoded(keys));
  const int max_parallelism = context_->subtask().max_parallelism;
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  for (size_t g = 0; g < partitions_.size(); ++g) {
    const Partition& p = partitions_[g];
    if (!p.live) continue;
    std::string& blob =
        blobs[static_cast<size_t>(state::KeyGroupForHash(hashes[g], max_parallelism))];
    PutRecordString(p.key, &blob);
    PutRecordValue(static_cast<uint32_t>(p.waiting.size()), &blob);
    for (const Partition::Waiting& entry : p.waiting) {
      PutRecordValue(entry.time, &blob);
      PutRecordString(std::string_view(p.arena.data() + entry.offset, entry.size), &blob);
    }
    PutRecordValue(static_cast<uint32_t>(p.frame.size()), &blob);
    for (const auto& [time, row] : p.frame) {
      PutRecordValue(time, &blob);
      PutRecordString(row, &blob);
    }
    std::string accumulators;
    for (const auto& acc : accumulators_)
      acc->Save(static_cast<uint32_t>(g), &accumulators);
    PutRecordString(accumulators, &blob);
  }
  for (const auto& acc : accumulators_) ARROW_RETURN_NOT_OK(acc->SaveStatus());
  return PutKeyGroupBlobs(backend, id, blobs, std::string(kStateName) + "-schema",
                          *input_schema_);
}

arrow::Status OverAggregateOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kStateName, state::StateKind::kValue, {}));
  const std::vector<std::string> blobs = GetKeyGroupBlobs(backend, id);
  if (blobs.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto schema,
                        LoadInputSchema(backend, std::string(kStateName) + "-schema"));
  if (schema == nullptr) {
    return InternalError("OVER aggregation state has rows but no input schema");
  }
  ARROW_RETURN_NOT_OK(Prepare(schema));
  auto truncated = [] { return InternalError("OVER aggregation state is truncated"); };
  for (const std::string& blob : blobs) {
    std::string_view in(blob);
    while (!in.empty()) {
      std::string key, row, accumulators;
      uint32_t count = 0;
      if (!GetRecordString(&in, &key) || !GetRecordValue(&in, &count)) return truncated();
      const uint32_t g = GroupOf(key);
      Partition& p = partitions_[g];
      for (uint32_t i = 0; i < count; ++i) {
        EventTime time = 0;
        if (!GetRecordValue(&in, &time) || !GetRecordString(&in, &row))
          return truncated();
        Wait(g, time, row);
      }
      if (!GetRecordValue(&in, &count)) return truncated();
      for (uint32_t i = 0; i < count; ++i) {
        EventTime time = 0;
        if (!GetRecordValue(&in, &time) || !GetRecordString(&in, &row))
          return truncated();
        p.frame.emplace_back(time, row);
      }
      if (!GetRecordString(&in, &accumulators)) return truncated();
      std::string_view acc_in(accumulators);
      for (auto& acc : accumulators_) ARROW_RETURN_NOT_OK(acc->Load(g, &acc_in));
    }
  }
  if (options_.state_ttl.count() > 0) {
    // Restored partitions count as written now (the TTL clock is not checkpointed).
    const EventTime now = context_->ProcessingTime();
    for (Partition& p : partitions_) p.written = now;
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
