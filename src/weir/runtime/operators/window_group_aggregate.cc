#include "weir/runtime/operators/window_group_aggregate.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

#include <arrow/array/util.h>
#include <arrow/scalar.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "window-aggregate-sql";

}  // namespace

arrow::Status WindowGroupAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status WindowGroupAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  ARROW_RETURN_NOT_OK(table_.Prepare(schema, options_.keys, options_.aggregates,
                                     /*retractions=*/false));
  end_index_ = schema->GetFieldIndex(options_.end_column);
  if (end_index_ < 0 ||
      schema->field(end_index_)->type()->id() != arrow::Type::TIMESTAMP) {
    return UserError(
        "window aggregation: window end column '{}' is missing or not a "
        "timestamp",
        options_.end_column);
  }
  output_schema_ = arrow::schema(table_.output_fields());
  return PrepareSlicing();
}

arrow::Status WindowGroupAggregateOperator::PrepareSlicing() {
  if (options_.slice_size <= 0) return arrow::Status::OK();
  if (options_.window_size % options_.slice_size != 0) {
    return InternalError("window size {} is not a multiple of the slice size {}",
                         options_.window_size, options_.slice_size);
  }
  for (const GroupAggregateCall& call : options_.aggregates) {
    if (!MergeableAggregate(call.function)) {
      return InternalError("aggregate {} cannot merge slices", call.function);
    }
  }
  arrow::FieldVector key_fields(
      table_.output_fields().begin(),
      table_.output_fields().begin() + static_cast<int64_t>(options_.keys.size()));
  key_schema_ = arrow::schema(key_fields);
  start_index_ = key_schema_->GetFieldIndex(options_.start_column);
  const int end_index = key_schema_->GetFieldIndex(options_.end_column);
  if (start_index_ < 0 || end_index < 0) {
    return InternalError("sliced window aggregation: no window start or end key");
  }
  const int time_index = options_.time_column.empty()
                             ? -1
                             : key_schema_->GetFieldIndex(options_.time_column);
  if (!options_.time_column.empty() &&
      (time_index < 0 ||
       key_schema_->field(time_index)->type()->id() != arrow::Type::TIMESTAMP)) {
    return InternalError("sliced window aggregation: window time key '{}' is missing",
                         options_.time_column);
  }
  std::vector<int> others;
  for (int i = 0; i < key_schema_->num_fields(); ++i) {
    if (i != start_index_ && i != end_index && i != time_index) others.push_back(i);
  }
  ARROW_ASSIGN_OR_RAISE(KeyEncoder encoder, KeyEncoder::Make(key_schema_, others));
  other_keys_ = std::make_unique<KeyEncoder>(std::move(encoder));
  return arrow::Status::OK();
}

arrow::Status WindowGroupAggregateOperator::AssignKeyIds(
    const std::vector<uint32_t>& groups) {
  if (groups.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector keys, table_.Keys(groups));
  auto batch = arrow::RecordBatch::Make(key_schema_, static_cast<int64_t>(groups.size()),
                                        std::move(keys));
  const auto columns = other_keys_->Columns(*batch);
  std::string bytes;
  for (size_t i = 0; i < groups.size(); ++i) {
    other_keys_->Encode(columns, static_cast<int64_t>(i), &bytes);
    auto [it, added] = key_id_of_.try_emplace(bytes, 0);
    if (added) {
      uint32_t id;
      if (!free_key_ids_.empty()) {
        id = free_key_ids_.back();
        free_key_ids_.pop_back();
        key_bytes_[id] = bytes;
      } else {
        id = static_cast<uint32_t>(key_bytes_.size());
        key_bytes_.push_back(bytes);
        key_refs_.push_back(0);
        window_of_key_.push_back(0);
      }
      it->second = id;
    }
    ++key_refs_[it->second];
    if (group_key_id_.size() <= groups[i]) group_key_id_.resize(groups[i] + 1, 0);
    group_key_id_[groups[i]] = it->second;
  }
  return arrow::Status::OK();
}

void WindowGroupAggregateOperator::FreeSlice(uint32_t g) {
  if (options_.slice_size > 0) {
    const uint32_t id = group_key_id_[g];
    if (--key_refs_[id] == 0) {
      key_id_of_.erase(key_bytes_[id]);
      key_bytes_[id].clear();
      free_key_ids_.push_back(id);
    }
  }
  table_.Free(g);
}

namespace {
int64_t FloorTo(int64_t t, int64_t unit) { return t - (((t % unit) + unit) % unit); }
}  // namespace

EventTime WindowGroupAggregateOperator::WindowStart(EventTime end) const {
  if (!options_.cumulate) return end - options_.window_size;
  // The period holding the window's last slice.
  const EventTime last = end - options_.slice_size;
  return FloorTo(last - options_.offset, options_.window_size) + options_.offset;
}

EventTime WindowGroupAggregateOperator::LastWindowOf(EventTime slice_end) const {
  if (!options_.cumulate) return slice_end + options_.window_size - options_.slice_size;
  return WindowStart(slice_end) + options_.window_size;
}

void WindowGroupAggregateOperator::Track(uint32_t g, EventTime end) {
  if (g >= group_end_.size()) {
    group_end_.resize(g + 1, 0);
    group_fired_.resize(g + 1, kMinWatermark);
  }
  group_end_[g] = end;
  group_fired_[g] = fired_until_;
  auto [it, first] = windows_.try_emplace(end);
  it->second.push_back(g);
  if (first && options_.slice_size > 0) {
    // The windows spanning this slice: ending at it and every slide after, up to
    // the last one that holds it.
    for (EventTime w = end; w <= LastWindowOf(end); w += options_.slice_size) {
      if (w > fired_until_) pending_windows_.insert(w);
    }
  }
}

arrow::Status WindowGroupAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output*) {
  if (!table_.prepared()) {
    ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  } else if (!table_.input_schema()->Equals(*raw->schema(), false)) {
    return UserError("window aggregation input schema changed from {} to {}",
                     table_.input_schema()->ToString(), raw->schema()->ToString());
  }
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  if (RowKinds(*raw) != nullptr) {
    return UserError("window aggregation takes insert-only input");
  }
  ARROW_ASSIGN_OR_RAISE(auto batch, table_.Normalize(raw));
  const arrow::Array& ends = *batch->column(end_index_);
  const int64_t* end_values = ends.data()->GetValues<int64_t>(1);
  const auto unit = static_cast<const arrow::TimestampType&>(*ends.type()).unit();
  std::vector<uint32_t> groups(static_cast<size_t>(n));
  std::vector<uint32_t> added;
  const auto key_columns = table_.KeyColumns(*batch);
  for (int64_t r = 0; r < n; ++r) {
    const EventTime end = types::ToMicros(end_values[r], unit);
    if (ends.IsNull(r) || end - 1 <= watermark_) {
      ++late_rows_;  // its window fired already
      groups[static_cast<size_t>(r)] = GroupTable::kIgnored;
      continue;
    }
    std::optional<uint32_t> found = table_.FindRow(key_columns, r);
    uint32_t g;
    if (found) {
      g = *found;
    } else {
      g = table_.AddRow(key_columns, r);
      Track(g, end);
      added.push_back(g);
    }
    groups[static_cast<size_t>(r)] = g;
  }
  if (options_.slice_size > 0) {
    ARROW_RETURN_NOT_OK(AssignKeyIds(added));
    if (!restored_fired_.empty() && !added.empty()) {
      ARROW_ASSIGN_OR_RAISE(
          std::vector<int32_t> key_groups,
          table_.KeyGroupsOf(added, context_->subtask().max_parallelism));
      for (size_t i = 0; i < added.size(); ++i) {
        auto it = restored_fired_.find(key_groups[i]);
        if (it != restored_fired_.end()) {
          group_fired_[added[i]] = std::max(group_fired_[added[i]], it->second);
        }
      }
    }
  }
  return table_.Update(*batch, groups.data(), nullptr);
}

arrow::Status WindowGroupAggregateOperator::EmitGroups(
    const std::vector<uint32_t>& groups, Output* out) {
  if (groups.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector columns, table_.Keys(groups));
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector results, table_.Results(groups));
  for (auto& r : results) columns.push_back(std::move(r));
  for (uint32_t g : groups) table_.Free(g);
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(groups.size()), std::move(columns)));
}

arrow::Status WindowGroupAggregateOperator::FireSlicedWindow(EventTime end, Output* out) {
  // Per key, a result group merging the key's slices in (end - size, end] that were
  // not emitted for this window yet (restored groups of another subtask may have
  // been), and one of those slices to take the key's columns from.
  std::vector<uint32_t> results, representatives, touched;
  const EventTime start = WindowStart(end);
  std::vector<const std::vector<uint32_t>*> slices;
  for (auto it = windows_.upper_bound(start); it != windows_.end() && it->first <= end;
       ++it) {
    slices.push_back(&it->second);
  }
  if (options_.newest_slice_first) std::reverse(slices.begin(), slices.end());
  for (const std::vector<uint32_t>* slice : slices) {
    for (uint32_t g : *slice) {
      if (group_fired_[g] >= end) continue;
      const uint32_t key = group_key_id_[g];
      if (window_of_key_[key] == 0) {
        const uint32_t result = table_.AddScratch();
        window_of_key_[key] = result + 1;
        results.push_back(result);
        representatives.push_back(g);
        touched.push_back(key);
      }
      table_.Merge(window_of_key_[key] - 1, g);
    }
  }
  fired_until_ = std::max(fired_until_, end);
  if (!results.empty()) {
    // The keys with the window's bounds instead of the slice's.
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector columns, table_.Keys(representatives));
    const int end_index = key_schema_->GetFieldIndex(options_.end_column);
    const int time_index = options_.time_column.empty()
                               ? -1
                               : key_schema_->GetFieldIndex(options_.time_column);
    const auto n = static_cast<int64_t>(results.size());
    for (int i : {start_index_, end_index, time_index}) {
      if (i < 0) continue;
      const auto& type = key_schema_->field(i)->type();
      const auto unit = static_cast<const arrow::TimestampType&>(*type).unit();
      const EventTime micros = i == start_index_ ? start
                               : i == end_index  ? end
                                                 : end - 1000;
      auto scalar =
          std::make_shared<arrow::TimestampScalar>(types::FromMicros(micros, unit), type);
      ARROW_ASSIGN_OR_RAISE(columns[static_cast<size_t>(i)],
                            arrow::MakeArrayFromScalar(*scalar, n));
    }
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector values, table_.Results(results));
    for (auto& v : values) columns.push_back(std::move(v));
    for (uint32_t r : results) table_.FreeScratch(r);
    for (uint32_t key : touched) window_of_key_[key] = 0;
    ARROW_RETURN_NOT_OK(
        out->Emit(arrow::RecordBatch::Make(output_schema_, n, std::move(columns))));
  }
  // Slices whose last window this was (HOP: the oldest; CUMULATE: the period's).
  while (!windows_.empty() && windows_.begin()->first <= end &&
         LastWindowOf(windows_.begin()->first) <= end) {
    for (uint32_t g : windows_.begin()->second) FreeSlice(g);
    windows_.erase(windows_.begin());
  }
  return arrow::Status::OK();
}

arrow::Status WindowGroupAggregateOperator::ProcessWatermark(EventTime watermark,
                                                             Output* out) {
  if (watermark > watermark_) watermark_ = watermark;
  if (options_.slice_size > 0) {
    while (!pending_windows_.empty() && *pending_windows_.begin() - 1 <= watermark_) {
      const EventTime end = *pending_windows_.begin();
      pending_windows_.erase(pending_windows_.begin());
      ARROW_RETURN_NOT_OK(FireSlicedWindow(end, out));
    }
    return out->EmitWatermark(watermark);
  }
  std::vector<uint32_t> fired;
  while (!windows_.empty() && windows_.begin()->first - 1 <= watermark_) {
    for (uint32_t g : windows_.begin()->second) fired.push_back(g);
    windows_.erase(windows_.begin());
  }
  ARROW_RETURN_NOT_OK(EmitGroups(fired, out));
  return out->EmitWatermark(watermark);
}

arrow::Status WindowGroupAggregateOperator::SnapshotState(
    state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(KeyedStateWriter write, SnapshotStateAsync());
  return write(backend);
}

arrow::Result<KeyedStateWriter> WindowGroupAggregateOperator::SnapshotStateAsync() {
  if (!table_.prepared()) {
    return KeyedStateWriter([](state::KeyedStateBackend* backend) {
      return backend->Register(kStateName, state::StateKind::kValue, {}).status();
    });
  }
  // A copy of the groups and their window ends (slices: and the last window emitted
  // from each), serialized on the checkpoint's thread.
  const int max_parallelism = context_->subtask().max_parallelism;
  ARROW_ASSIGN_OR_RAISE(auto table, table_.SnapshotCopy(max_parallelism));
  auto ends = std::make_shared<const std::vector<EventTime>>(group_end_);
  std::shared_ptr<const std::vector<EventTime>> fired;
  if (options_.slice_size > 0) {
    std::vector<EventTime> marks(group_fired_.size());
    for (size_t g = 0; g < marks.size(); ++g)
      marks[g] = std::max(group_fired_[g], fired_until_);
    fired = std::make_shared<const std::vector<EventTime>>(std::move(marks));
  }
  return KeyedStateWriter([table, ends, fired,
                           max_parallelism](state::KeyedStateBackend* backend) {
    return table->Snapshot(
        backend, kStateName, max_parallelism, [&](uint32_t g, std::string* out) {
          out->append(reinterpret_cast<const char*>(&(*ends)[g]), sizeof(EventTime));
          if (fired) {
            out->append(reinterpret_cast<const char*>(&(*fired)[g]), sizeof(EventTime));
          }
        });
  });
}

arrow::Status WindowGroupAggregateOperator::RestoreState(
    state::KeyedStateBackend* backend) {
  std::vector<std::pair<uint32_t, EventTime>> fired_of;  // slicing: restored marks
  ARROW_RETURN_NOT_OK(table_.Restore(
      backend, kStateName, options_.keys, options_.aggregates, /*retractions=*/false,
      [&](uint32_t g, std::string_view* in) -> arrow::Status {
        if (in->size() < sizeof(EventTime)) {
          return InternalError("window aggregation state is truncated");
        }
        EventTime end;
        std::memcpy(&end, in->data(), sizeof(end));
        in->remove_prefix(sizeof(end));
        EventTime fired = kMinWatermark;
        if (options_.slice_size > 0) {
          if (in->size() < sizeof(EventTime)) {
            return InternalError("window aggregation state is truncated");
          }
          std::memcpy(&fired, in->data(), sizeof(fired));
          in->remove_prefix(sizeof(fired));
        }
        // Windows this group was emitted for do not fire again for it; the others
        // it spans are owed (groups of one slice may come from subtasks that had
        // fired different windows).
        const EventTime saved = fired_until_;
        fired_until_ = fired;
        Track(g, end);
        fired_until_ = saved;
        if (options_.slice_size > 0) {
          for (EventTime w = end; w <= LastWindowOf(end); w += options_.slice_size) {
            if (w > fired) pending_windows_.insert(w);
          }
          fired_of.emplace_back(g, fired);
        }
        return arrow::Status::OK();
      }));
  if (table_.prepared()) {
    end_index_ = table_.input_schema()->GetFieldIndex(options_.end_column);
    output_schema_ = arrow::schema(table_.output_fields());
    ARROW_RETURN_NOT_OK(PrepareSlicing());
    if (options_.slice_size > 0) {
      std::vector<uint32_t> restored;
      for (const auto& [slice_end, groups] : windows_) {
        restored.insert(restored.end(), groups.begin(), groups.end());
      }
      ARROW_RETURN_NOT_OK(AssignKeyIds(restored));
      // Each key group's mark: groups made later for its keys are not owed the
      // windows its subtask had fired before the checkpoint.
      std::vector<uint32_t> groups;
      for (const auto& [g, fired] : fired_of) groups.push_back(g);
      ARROW_ASSIGN_OR_RAISE(
          std::vector<int32_t> key_groups,
          table_.KeyGroupsOf(groups, context_->subtask().max_parallelism));
      for (size_t i = 0; i < groups.size(); ++i) {
        EventTime& mark =
            restored_fired_.try_emplace(key_groups[i], kMinWatermark).first->second;
        mark = std::max(mark, fired_of[i].second);
      }
    }
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
