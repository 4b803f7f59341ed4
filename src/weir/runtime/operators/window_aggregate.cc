#include "weir/runtime/operators/window_aggregate.h"

#include <cstring>
#include <set>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/datum.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

namespace {

// Floor division for negative event times (before 1970).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

arrow::Status CheckOptions(const WindowAggregateOptions& o) {
  const auto& w = o.window;
  if (o.aggregates.empty()) return UserError("a window needs an aggregate");
  if (w.kind == WindowSpec::Kind::kGlobal) {
    if (o.count_trigger < 0) return UserError("count trigger must not be negative");
    return arrow::Status::OK();
  }
  if (o.count_trigger != 0) return UserError("a count trigger needs global windows");
  if (o.processing_time && w.kind == WindowSpec::Kind::kSession) {
    return UserError("processing-time session windows are not supported yet");
  }
  if (o.processing_time && o.allowed_lateness.count() != 0) {
    return UserError("allowed lateness only applies to event-time windows");
  }
  if (w.size.count() <= 0) {
    return UserError("{} must be positive", w.kind == WindowSpec::Kind::kSession
                                                ? "session gap"
                                                : "window size");
  }
  if (w.kind == WindowSpec::Kind::kSliding &&
      (w.slide.count() <= 0 || w.slide.count() > w.size.count())) {
    return UserError("window slide must be positive and at most the window size");
  }
  if (o.allowed_lateness.count() < 0)
    return UserError("allowed lateness must not be negative");
  if (o.time_column.empty() && !o.processing_time) {
    return UserError("a window needs an event-time column (or processing time)");
  }
  return arrow::Status::OK();
}

// Resolves keys, time column and aggregates against a schema; builds the output schema.
arrow::Status PrepareWindowSchema(const WindowAggregateOptions& o,
                                  const std::shared_ptr<arrow::Schema>& schema,
                                  std::optional<KeyEncoder>* encoder,
                                  std::optional<AggregateSet>* aggregates,
                                  std::shared_ptr<arrow::Schema>* output_schema) {
  std::vector<int> key_indices;
  for (const auto& k : o.keys) {
    const int i = schema->GetFieldIndex(k);
    if (i < 0) return UserError("key column '{}' is not in {}", k, schema->ToString());
    key_indices.push_back(i);
  }
  ARROW_ASSIGN_OR_RAISE(auto enc, KeyEncoder::Make(schema, key_indices));
  encoder->emplace(std::move(enc));
  if (!o.processing_time && o.window.kind != WindowSpec::Kind::kGlobal &&
      schema->GetFieldIndex(o.time_column) < 0) {
    return UserError("event-time column '{}' is not in {}", o.time_column,
                     schema->ToString());
  }
  ARROW_ASSIGN_OR_RAISE(auto aggs, AggregateSet::Make(*schema, o.aggregates));
  aggregates->emplace(std::move(aggs));
  arrow::FieldVector out = (*encoder)->fields();
  out.push_back(arrow::field("window_start", arrow::timestamp(arrow::TimeUnit::MICRO)));
  out.push_back(arrow::field("window_end", arrow::timestamp(arrow::TimeUnit::MICRO)));
  for (const auto& f : (*aggregates)->output_fields()) out.push_back(f);
  *output_schema = arrow::schema(out);
  return arrow::Status::OK();
}

// Builds one output batch: key columns, window bounds, aggregates.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> BuildWindowBatch(
    const std::shared_ptr<arrow::Schema>& schema, const KeyEncoder& encoder,
    const AggregateSet& aggregates, const std::vector<const std::string*>& keys,
    const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
    const std::vector<const Accumulator*>& accs) {
  const int64_t rows = static_cast<int64_t>(keys.size());
  ARROW_ASSIGN_OR_RAISE(auto columns, encoder.Decode(keys));
  for (const auto* bounds : {&starts, &ends}) {
    arrow::TimestampBuilder b(arrow::timestamp(arrow::TimeUnit::MICRO),
                              arrow::default_memory_pool());
    ARROW_RETURN_NOT_OK(b.AppendValues(*bounds));
    ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
    columns.push_back(arr);
  }
  ARROW_ASSIGN_OR_RAISE(auto agg_columns, aggregates.Build(accs));
  for (auto& c : agg_columns) columns.push_back(std::move(c));
  return arrow::RecordBatch::Make(schema, rows, std::move(columns));
}

// Sends the rows listed in `late` to the late-data side output, if there is one.
arrow::Status EmitLate(const WindowAggregateOptions& o,
                       const std::shared_ptr<arrow::RecordBatch>& batch,
                       const std::vector<int64_t>& late, Output* out) {
  if (late.empty() || o.late_data_tag.empty()) return arrow::Status::OK();
  arrow::Int64Builder b;
  ARROW_RETURN_NOT_OK(b.AppendValues(late));
  ARROW_ASSIGN_OR_RAISE(auto indices, b.Finish());
  ARROW_ASSIGN_OR_RAISE(auto taken,
                        arrow::compute::Take(arrow::Datum(batch), arrow::Datum(indices)));
  return out->EmitSide(o.late_data_tag, taken.record_batch());
}

}  // namespace

std::unique_ptr<Operator> MakeWindowOperator(const WindowAggregateOptions& options) {
  if (options.window.kind == WindowSpec::Kind::kSession) {
    return std::make_unique<SessionWindowOperator>(options);
  }
  if (options.window.kind == WindowSpec::Kind::kGlobal) {
    return std::make_unique<GlobalWindowOperator>(options);
  }
  return std::make_unique<WindowAggregateOperator>(options);
}

WindowAggregateOperator::WindowAggregateOperator(WindowAggregateOptions options)
    : options_(std::move(options)) {}

arrow::Status WindowAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  if (options_.window.kind == WindowSpec::Kind::kSession ||
      options_.window.kind == WindowSpec::Kind::kGlobal) {
    return UserError("session and global windows have their own operators");
  }
  return CheckOptions(options_);
}

arrow::Status WindowAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  if (schema_ && (schema_ == schema || schema_->Equals(*schema, false))) {
    return arrow::Status::OK();
  }
  if (schema_) {
    return UserError("window input schema changed from {} to {}", schema_->ToString(),
                     schema->ToString());
  }
  ARROW_RETURN_NOT_OK(
      PrepareWindowSchema(options_, schema, &encoder_, &aggregates_, &output_schema_));
  int_key_ = encoder_->single_integer();
  time_index_ =
      options_.processing_time ? -1 : schema->GetFieldIndex(options_.time_column);
  if (int_key_) {
    // Groups restored from a snapshot were indexed by bytes (the schema was unknown
    // then); move the integer ones to the integer map the fast path uses.
    for (auto& [start, w] : windows_) {
      for (uint32_t g = 0; g < w.keys.size(); ++g) {
        auto v = KeyEncoder::DecodeSingleInteger(*w.keys[g]);
        if (!v) continue;
        bool inserted;
        w.int_group_of.FindOrInsert(*v, g, &inserted);
        w.group_of.erase(std::string_view(*w.keys[g]));
      }
    }
  }
  schema_ = schema;
  return arrow::Status::OK();
}

size_t WindowAggregateOperator::BytesHash::operator()(std::string_view s) const {
  return static_cast<size_t>(expr::HashBytes(s.data(), static_cast<int64_t>(s.size())));
}

uint32_t WindowAggregateOperator::GroupFor(
    Window* w, const std::vector<const arrow::Array*>& key_columns,
    const int64_t* int_keys, int64_t row) {
  const auto next = static_cast<uint32_t>(w->keys.size());
  if (int_keys) {
    bool inserted;
    const uint32_t group = w->int_group_of.FindOrInsert(int_keys[row], next, &inserted);
    if (!inserted) return group;
    encoder_->Encode(key_columns, row, &key_scratch_);  // kept for output
  } else {
    encoder_->Encode(key_columns, row, &key_scratch_);
    auto found = w->group_of.find(std::string_view(key_scratch_));
    if (found != w->group_of.end()) return found->second;
  }
  const std::string& stored = w->key_storage.emplace_back(key_scratch_);
  if (!int_keys) w->group_of.emplace(std::string_view(stored), next);
  w->keys.push_back(&stored);
  w->accumulators.resize(w->accumulators.size() + aggregates_->size());
  return next;
}

arrow::Status WindowAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  ARROW_RETURN_NOT_OK(Prepare(batch->schema()));
  std::vector<EventTime> times;
  if (options_.processing_time) {
    // Every row of the batch arrived now; the window containing now fires on the
    // clock at its last microsecond.
    const EventTime now = context_->ProcessingTime();
    times.assign(static_cast<size_t>(batch->num_rows()), now);
    const int64_t slide = options_.window.slide.count();
    const int64_t offset = options_.window.offset.count();
    const int64_t size = options_.window.size.count();
    // The oldest window that contains `now` fires first.
    int64_t oldest_start = FloorDiv(now - offset, slide) * slide + offset;
    while (oldest_start - slide > now - size) oldest_start -= slide;
    context_->RequestProcessingTimeCallback(oldest_start + options_.window.size.count() -
                                            1);
  } else {
    ARROW_ASSIGN_OR_RAISE(
        times, EventTimesMicros(*batch->column(time_index_), options_.time_column));
  }
  ARROW_RETURN_NOT_OK(aggregates_->Bind(*batch));
  const size_t na = aggregates_->size();
  const int64_t size = options_.window.size.count();
  const int64_t slide = options_.window.slide.count();
  const int64_t offset = options_.window.offset.count();
  const int64_t lateness = options_.allowed_lateness.count();
  const auto key_columns = encoder_->Columns(*batch);
  std::shared_ptr<arrow::Array> int_key_array;
  const int64_t* int_keys = nullptr;
  if (int_key_) {
    int_key_array = batch->GetColumnByName(options_.keys[0]);
    if (int_key_array->type_id() != arrow::Type::INT64) {
      ARROW_ASSIGN_OR_RAISE(int_key_array,
                            arrow::compute::Cast(*int_key_array, arrow::int64(),
                                                 arrow::compute::CastOptions::Unsafe()));
    }
    int_keys = int_key_array->data()->GetValues<int64_t>(1);
  }
  const bool int_key_nulls = int_key_array && int_key_array->null_count() > 0;
  std::vector<int64_t> late;
  EventTime cached_start = kMinWatermark;
  Window* cached = nullptr;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    const EventTime t = times[r];
    if (t == kMinWatermark) {  // null event time: in no window
      ++late_rows_;
      late.push_back(r);
      continue;
    }
    bool accepted = false;
    const int64_t last_start = FloorDiv(t - offset, slide) * slide + offset;
    const int64_t* row_int_keys =
        int_key_nulls && int_key_array->IsNull(r) ? nullptr : int_keys;
    for (int64_t ws = last_start; ws > t - size; ws -= slide) {
      const int64_t max_ts = ws + size - 1;
      if (max_ts + lateness <= watermark_) continue;  // too late for this window
      accepted = true;
      Window* w = cached;
      if (ws != cached_start) {
        w = &windows_[ws];
        cached = w;
        cached_start = ws;
      }
      const uint32_t group = GroupFor(w, key_columns, row_int_keys, r);
      ARROW_RETURN_NOT_OK(aggregates_->Update(&w->accumulators[size_t{group} * na], r));
      if (w->fired) w->dirty = true;
    }
    if (!accepted) {
      ++late_rows_;
      late.push_back(r);
    }
  }
  std::vector<std::pair<EventTime, Window*>> updated;
  for (auto& [start, w] : windows_) {
    if (w.dirty) {
      w.dirty = false;
      updated.emplace_back(start, &w);
    }
  }
  ARROW_RETURN_NOT_OK(Emit(updated, out));
  return EmitLate(options_, batch, late, out);
}

arrow::Status WindowAggregateOperator::Emit(
    const std::vector<std::pair<EventTime, Window*>>& windows, Output* out) {
  // One output batch for all windows fired together: downstream operators and sinks
  // handle a few large batches far better than one small batch per window.
  std::vector<const std::string*> keys;
  std::vector<int64_t> starts, ends;
  std::vector<const Accumulator*> accs;
  const size_t na = aggregates_ ? aggregates_->size() : 0;
  const int64_t size = options_.window.size.count();
  for (const auto& [window_start, w] : windows) {
    for (size_t g = 0; g < w->keys.size(); ++g) {
      keys.push_back(w->keys[g]);
      starts.push_back(window_start);
      ends.push_back(window_start + size);
      accs.push_back(&w->accumulators[g * na]);
    }
  }
  if (keys.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(
      auto batch, BuildWindowBatch(output_schema_, *encoder_, *aggregates_, keys, starts,
                                   ends, accs));
  return out->Emit(std::move(batch));
}

arrow::Status WindowAggregateOperator::ProcessWatermark(EventTime watermark,
                                                        Output* out) {
  // Processing-time windows ignore event time, except that the end of input flushes.
  if (!options_.processing_time || watermark == kMaxWatermark) {
    ARROW_RETURN_NOT_OK(FireUntil(watermark, out));
  }
  return out->EmitWatermark(watermark);
}

arrow::Status WindowAggregateOperator::OnProcessingTime(EventTime now, Output* out) {
  if (!options_.processing_time) return arrow::Status::OK();
  ARROW_RETURN_NOT_OK(FireUntil(now, out));
  if (!windows_.empty()) {
    // The earliest open window ends at its start + size; fire at its last µs.
    context_->RequestProcessingTimeCallback(windows_.begin()->first +
                                            options_.window.size.count() - 1);
  }
  return arrow::Status::OK();
}

namespace {

constexpr const char* kWindowState = "window-aggregate";

}  // namespace

arrow::Status WindowAggregateOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kWindowState, state::StateKind::kMap, {}));
  if (windows_.empty()) return arrow::Status::OK();
  const int max_parallelism = context_->subtask().max_parallelism;
  const size_t na = aggregates_->size();
  std::set<int> groups;
  for (auto& [start, w] : windows_) {
    if (w.keys.empty()) continue;
    // Key groups come from the key values, hashed as the exchange hashed them.
    ARROW_ASSIGN_OR_RAISE(auto hashes, encoder_->HashEncoded(w.keys));
    std::string window_key(reinterpret_cast<const char*>(&start), sizeof(start));
    for (size_t g = 0; g < w.keys.size(); ++g) {
      const int group = state::KeyGroupForHash(hashes[g], max_parallelism);
      groups.insert(group);
      backend->SetCurrentKey(*w.keys[g], group);
      std::string value(1, w.fired ? '\1' : '\0');
      AppendAccumulators(&w.accumulators[g * na], na, &value);
      backend->PutEntry(id, window_key, value);
    }
  }
  return SaveInputSchema(backend, std::string(kWindowState) + "-schema", *schema_,
                         groups);
}

arrow::Status WindowAggregateOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kWindowState, state::StateKind::kMap, {}));
  const size_t na = options_.aggregates.size();
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view key) { keys.emplace_back(key); });
  arrow::Status status;
  for (const auto& key : keys) {
    backend->SetCurrentKey(key, 0);
    backend->ForEachEntry(id, [&](std::string_view window_key, std::string_view value) {
      if (!status.ok()) return;
      if (window_key.size() != sizeof(EventTime) || value.empty()) {
        status = InternalError("window state is corrupt: bad entry");
        return;
      }
      EventTime start;
      std::memcpy(&start, window_key.data(), sizeof(start));
      Window& w = windows_[start];
      w.fired = w.fired || value[0] == '\1';
      const auto g = static_cast<uint32_t>(w.keys.size());
      const std::string& stored = w.key_storage.emplace_back(key);
      w.group_of.emplace(std::string_view(stored), g);
      w.keys.push_back(&stored);
      w.accumulators.resize(w.accumulators.size() + na);
      status = ReadAccumulators(value.substr(1), na, &w.accumulators[size_t{g} * na]);
    });
    ARROW_RETURN_NOT_OK(status);
  }
  // Prepare from the saved input schema, so restored windows can fire even if no
  // batch arrives before the next watermark.
  ARROW_ASSIGN_OR_RAISE(auto schema,
                        LoadInputSchema(backend, std::string(kWindowState) + "-schema"));
  if (schema && !windows_.empty()) ARROW_RETURN_NOT_OK(Prepare(schema));
  return arrow::Status::OK();
}

arrow::Status WindowAggregateOperator::FireUntil(EventTime watermark, Output* out) {
  watermark_ = watermark;
  const int64_t size = options_.window.size.count();
  const int64_t lateness = options_.allowed_lateness.count();
  std::vector<std::pair<EventTime, Window*>> fire;
  std::vector<EventTime> expired;
  for (auto& [start, w] : windows_) {
    const EventTime max_ts = start + size - 1;
    if (max_ts > watermark) break;  // ordered by start, and all windows have one size
    if (!w.fired) {
      w.fired = true;
      w.dirty = false;
      fire.emplace_back(start, &w);
    }
    if (watermark == kMaxWatermark || max_ts + lateness <= watermark)
      expired.push_back(start);
  }
  ARROW_RETURN_NOT_OK(Emit(fire, out));
  for (EventTime start : expired) windows_.erase(start);
  return arrow::Status::OK();
}

arrow::Status GlobalWindowOperator::Open(OperatorContext* context) {
  context_ = context;
  if (options_.window.kind != WindowSpec::Kind::kGlobal) {
    return UserError("GlobalWindowOperator needs global windows");
  }
  return CheckOptions(options_);
}

arrow::Status GlobalWindowOperator::EmitGroups(
    const std::vector<std::pair<const std::string*, Group*>>& groups, Output* out) {
  if (groups.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  std::vector<const Accumulator*> accs;
  for (const auto& [k, g] : groups) {
    keys.push_back(k);
    accs.push_back(g->accumulators.data());
  }
  ARROW_ASSIGN_OR_RAISE(auto columns, encoder_->Decode(keys));
  ARROW_ASSIGN_OR_RAISE(auto agg_columns, aggregates_->Build(accs));
  for (auto& c : agg_columns) columns.push_back(std::move(c));
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(keys.size()), std::move(columns)));
}

arrow::Status GlobalWindowOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  if (!schema_) {
    ARROW_RETURN_NOT_OK(PrepareKeyedAggregate(options_.keys, options_.aggregates,
                                              batch->schema(), &encoder_, &aggregates_,
                                              &output_schema_));
    schema_ = batch->schema();
  } else if (!schema_->Equals(*batch->schema(), false)) {
    return UserError("window input schema changed from {} to {}", schema_->ToString(),
                     batch->schema()->ToString());
  }
  ARROW_RETURN_NOT_OK(aggregates_->Bind(*batch));
  const auto columns = encoder_->Columns(*batch);
  std::string key;
  // Count-triggered windows fire as soon as a key reaches the count; the fired rows
  // are copied out before the key starts again, and leave as one batch.
  std::vector<std::string> fired_keys;
  std::vector<Group> fired;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    encoder_->Encode(columns, r, &key);
    auto [it, inserted] = groups_.try_emplace(key);
    Group& g = it->second;
    if (inserted || g.accumulators.empty())
      g.accumulators.assign(aggregates_->size(), {});
    ARROW_RETURN_NOT_OK(aggregates_->Update(g.accumulators.data(), r));
    if (options_.count_trigger > 0 && ++g.rows == options_.count_trigger) {
      fired_keys.push_back(key);
      fired.push_back(std::move(g));
      groups_.erase(it);
    }
  }
  std::vector<std::pair<const std::string*, Group*>> emit;
  for (size_t i = 0; i < fired.size(); ++i) emit.emplace_back(&fired_keys[i], &fired[i]);
  return EmitGroups(emit, out);
}

arrow::Status GlobalWindowOperator::ProcessWatermark(EventTime watermark, Output* out) {
  if (watermark == kMaxWatermark) {
    // End of input: Flink fires global windows with no trigger only in batch runs and
    // drops partial count windows; emitting what is there loses nothing.
    std::vector<std::pair<const std::string*, Group*>> emit;
    for (auto& [k, g] : groups_) emit.emplace_back(&k, &g);
    ARROW_RETURN_NOT_OK(EmitGroups(emit, out));
    groups_.clear();
  }
  return out->EmitWatermark(watermark);
}

SessionWindowOperator::SessionWindowOperator(WindowAggregateOptions options)
    : options_(std::move(options)) {}

arrow::Status SessionWindowOperator::Open(OperatorContext* context) {
  context_ = context;
  if (options_.window.kind != WindowSpec::Kind::kSession) {
    return UserError("SessionWindowOperator needs session windows");
  }
  if (options_.allowed_lateness.count() != 0) {
    return UserError("allowed lateness is not supported for session windows yet");
  }
  return CheckOptions(options_);
}

arrow::Status SessionWindowOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  if (!schema_) {
    ARROW_RETURN_NOT_OK(PrepareWindowSchema(options_, batch->schema(), &encoder_,
                                            &aggregates_, &output_schema_));
    schema_ = batch->schema();
  } else if (!schema_->Equals(*batch->schema(), false)) {
    return UserError("window input schema changed from {} to {}", schema_->ToString(),
                     batch->schema()->ToString());
  }
  ARROW_ASSIGN_OR_RAISE(auto times,
                        EventTimesMicros(*batch->GetColumnByName(options_.time_column),
                                         options_.time_column));
  ARROW_RETURN_NOT_OK(aggregates_->Bind(*batch));
  const size_t na = aggregates_->size();
  const int64_t gap = options_.window.size.count();
  const auto key_columns = encoder_->Columns(*batch);
  std::vector<int64_t> late;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    const EventTime t = times[r];
    if (t == kMinWatermark) {
      late.push_back(r);
      continue;
    }
    encoder_->Encode(key_columns, r, &key_scratch_);
    auto& sessions = sessions_[key_scratch_];
    // Sessions intersect when they overlap or touch (Flink's TimeWindow.intersects):
    // find every open session of this key that intersects [t, t + gap).
    EventTime start = t, end = t + gap;
    auto first = sessions.upper_bound(t);
    if (first != sessions.begin()) --first;
    while (first != sessions.end() && first->second.end < start) ++first;
    auto last = first;
    while (last != sessions.end() && last->second.start <= end) {
      start = std::min(start, last->second.start);
      end = std::max(end, last->second.end);
      ++last;
    }
    // Late when even the merged session has already passed the watermark.
    if (end - 1 <= watermark_) {
      if (sessions.empty()) sessions_.erase(key_scratch_);
      late.push_back(r);
      continue;
    }
    Session merged{start, end, std::vector<Accumulator>(na)};
    ARROW_RETURN_NOT_OK(aggregates_->Update(merged.accumulators.data(), r));
    for (auto it = first; it != last;) {
      Session& s = it->second;
      ARROW_RETURN_NOT_OK(
          aggregates_->Merge(merged.accumulators.data(), s.accumulators.data()));
      auto range = by_end_.equal_range(s.end);
      for (auto e = range.first; e != range.second; ++e) {
        if (e->second == key_scratch_) {
          by_end_.erase(e);
          break;
        }
      }
      it = sessions.erase(it);
    }
    by_end_.emplace(merged.end, key_scratch_);
    sessions.emplace(merged.start, std::move(merged));
  }
  return EmitLate(options_, batch, late, out);
}

arrow::Status SessionWindowOperator::ProcessWatermark(EventTime watermark, Output* out) {
  watermark_ = watermark;
  std::vector<std::string> owned_keys;
  std::vector<int64_t> starts, ends;
  std::vector<std::vector<Accumulator>> accs_storage;
  while (!by_end_.empty() && by_end_.begin()->first - 1 <= watermark) {
    const EventTime end = by_end_.begin()->first;
    std::string key = by_end_.begin()->second;
    by_end_.erase(by_end_.begin());
    auto sessions_it = sessions_.find(key);
    if (sessions_it == sessions_.end()) continue;
    auto& sessions = sessions_it->second;
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      if (it->second.end != end) continue;
      starts.push_back(it->second.start);
      ends.push_back(end);
      accs_storage.push_back(std::move(it->second.accumulators));
      owned_keys.push_back(key);
      sessions.erase(it);
      break;
    }
    if (sessions.empty()) sessions_.erase(sessions_it);
  }
  if (!starts.empty()) {
    std::vector<const std::string*> keys;
    std::vector<const Accumulator*> accs;
    for (size_t i = 0; i < owned_keys.size(); ++i) {
      keys.push_back(&owned_keys[i]);
      accs.push_back(accs_storage[i].data());
    }
    ARROW_ASSIGN_OR_RAISE(auto batch,
                          BuildWindowBatch(output_schema_, *encoder_, *aggregates_, keys,
                                           starts, ends, accs));
    ARROW_RETURN_NOT_OK(out->Emit(std::move(batch)));
  }
  return out->EmitWatermark(watermark);
}

arrow::Status GlobalWindowOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register("global-window", state::StateKind::kValue, {}));
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
        std::string value(reinterpret_cast<const char*>(&groups[i]->rows),
                          sizeof(groups[i]->rows));
        AppendAccumulators(groups[i]->accumulators.data(), groups[i]->accumulators.size(),
                           &value);
        return value;
      },
      &key_groups));
  return SaveInputSchema(backend, "global-window-schema", *schema_, key_groups);
}

arrow::Status GlobalWindowOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register("global-window", state::StateKind::kValue, {}));
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view k) { keys.emplace_back(k); });
  const size_t na = options_.aggregates.size();
  for (const auto& k : keys) {
    backend->SetCurrentKey(k, 0);
    std::string value;
    if (!backend->Get(id, &value)) continue;
    if (value.size() < sizeof(int64_t))
      return InternalError("global window state is corrupt");
    Group& g = groups_[k];
    std::memcpy(&g.rows, value.data(), sizeof(g.rows));
    g.accumulators.resize(na);
    ARROW_RETURN_NOT_OK(ReadAccumulators(std::string_view(value).substr(sizeof(int64_t)),
                                         na, g.accumulators.data()));
  }
  ARROW_ASSIGN_OR_RAISE(auto schema, LoadInputSchema(backend, "global-window-schema"));
  if (schema && !groups_.empty()) {
    ARROW_RETURN_NOT_OK(PrepareKeyedAggregate(options_.keys, options_.aggregates, schema,
                                              &encoder_, &aggregates_, &output_schema_));
    schema_ = schema;
  }
  return arrow::Status::OK();
}

arrow::Status SessionWindowOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register("session-window", state::StateKind::kMap, {}));
  if (sessions_.empty()) return arrow::Status::OK();
  std::vector<const std::string*> keys;
  for (const auto& [k, s] : sessions_) keys.push_back(&k);
  ARROW_ASSIGN_OR_RAISE(auto hashes, encoder_->HashEncoded(keys));
  const int max_parallelism = context_->subtask().max_parallelism;
  size_t i = 0;
  std::set<int> key_groups;
  for (const auto& [k, sessions] : sessions_) {
    const int group = state::KeyGroupForHash(hashes[i++], max_parallelism);
    key_groups.insert(group);
    backend->SetCurrentKey(k, group);
    for (const auto& [start, s] : sessions) {
      std::string value(reinterpret_cast<const char*>(&s.end), sizeof(s.end));
      AppendAccumulators(s.accumulators.data(), s.accumulators.size(), &value);
      backend->PutEntry(
          id, std::string_view(reinterpret_cast<const char*>(&start), sizeof(start)),
          value);
    }
  }
  return SaveInputSchema(backend, "session-window-schema", *schema_, key_groups);
}

arrow::Status SessionWindowOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register("session-window", state::StateKind::kMap, {}));
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view k) { keys.emplace_back(k); });
  const size_t na = options_.aggregates.size();
  arrow::Status status;
  for (const auto& k : keys) {
    backend->SetCurrentKey(k, 0);
    backend->ForEachEntry(id, [&](std::string_view start_bytes, std::string_view value) {
      if (!status.ok()) return;
      if (start_bytes.size() != sizeof(EventTime) || value.size() < sizeof(EventTime)) {
        status = InternalError("session window state is corrupt");
        return;
      }
      Session s;
      std::memcpy(&s.start, start_bytes.data(), sizeof(s.start));
      std::memcpy(&s.end, value.data(), sizeof(s.end));
      s.accumulators.resize(na);
      status =
          ReadAccumulators(value.substr(sizeof(EventTime)), na, s.accumulators.data());
      by_end_.emplace(s.end, k);
      sessions_[k].emplace(s.start, std::move(s));
    });
    ARROW_RETURN_NOT_OK(status);
  }
  ARROW_ASSIGN_OR_RAISE(auto schema, LoadInputSchema(backend, "session-window-schema"));
  if (schema && !sessions_.empty()) {
    ARROW_RETURN_NOT_OK(
        PrepareWindowSchema(options_, schema, &encoder_, &aggregates_, &output_schema_));
    schema_ = schema;
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
