#include "weir/runtime/operators/group_aggregate.h"

#include <algorithm>
#include <cstring>

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"

namespace weir::runtime {

namespace {

constexpr const char* kStateName = "group-aggregate";

}  // namespace

arrow::Status GroupAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status GroupAggregateOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  ARROW_RETURN_NOT_OK(
      table_.Prepare(schema, options_.keys, options_.aggregates, options_.retractions));
  output_schema_ = OutputSchema();
  return arrow::Status::OK();
}

std::shared_ptr<arrow::Schema> GroupAggregateOperator::OutputSchema() const {
  arrow::FieldVector fields = table_.output_fields();
  fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  return arrow::schema(fields);
}

arrow::Status GroupAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output* out) {
  if (!table_.prepared()) {
    ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  } else if (!table_.input_schema()->Equals(*raw->schema(), false)) {
    return UserError("group aggregation input schema changed from {} to {}",
                     table_.input_schema()->ToString(), raw->schema()->ToString());
  }
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto batch, table_.Normalize(raw));
  const int8_t* kinds = RowKinds(*batch);
  ++batch_number_;

  // Group of every row; the groups this batch touches, in first-touch order.
  std::vector<uint32_t> groups(static_cast<size_t>(n));
  std::vector<uint32_t> touched;
  std::vector<bool> created;  // per touched group: new in this batch
  const auto key_columns = table_.KeyColumns(*batch);
  for (int64_t r = 0; r < n; ++r) {
    const bool retract =
        kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[r]));
    std::optional<uint32_t> found = table_.FindRow(key_columns, r);
    uint32_t g;
    bool fresh = false;
    if (found) {
      g = *found;
    } else if (retract) {
      groups[static_cast<size_t>(r)] = GroupTable::kIgnored;  // nothing to retract from
      continue;
    } else {
      g = table_.AddRow(key_columns, r);
      fresh = true;
      Grow(g);
      row_counts_[g] = 0;
    }
    groups[static_cast<size_t>(r)] = g;
    row_counts_[g] += retract ? -1 : 1;
    if (last_batch_[g] != batch_number_) {
      last_batch_[g] = batch_number_;
      touched.push_back(g);
      created.push_back(fresh);
    }
  }
  if (touched.empty()) return arrow::Status::OK();
  const bool ttl = options_.state_ttl.count() > 0;
  if (ttl) {
    const EventTime now = context_->ProcessingTime();
    for (uint32_t g : touched) updated_[g] = now;
  }

  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector before, table_.Results(touched));
  ARROW_RETURN_NOT_OK(table_.Update(*batch, groups.data(), kinds));
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector after, table_.Results(touched));
  const size_t num_aggs = before.size();

  // One change per touched group: rows taken from `before` (index i) or `after`
  // (index touched.size() + i).
  const int64_t m = static_cast<int64_t>(touched.size());
  arrow::Int64Builder key_take, value_take;
  arrow::Int8Builder row_kinds;
  std::vector<uint32_t> dropped;
  auto add = [&](int64_t i, bool from_after, RowKind kind) -> arrow::Status {
    ARROW_RETURN_NOT_OK(key_take.Append(i));
    ARROW_RETURN_NOT_OK(value_take.Append(from_after ? m + i : i));
    return row_kinds.Append(static_cast<int8_t>(kind));
  };
  for (int64_t i = 0; i < m; ++i) {
    const uint32_t g = touched[static_cast<size_t>(i)];
    const bool alive = row_counts_[g] > 0;
    if (created[static_cast<size_t>(i)]) {
      if (alive) ARROW_RETURN_NOT_OK(add(i, true, RowKind::kInsert));
    } else if (!alive) {
      ARROW_RETURN_NOT_OK(add(i, false, RowKind::kDelete));
    } else {
      bool same = !ttl;
      for (size_t a = 0; a < num_aggs && same; ++a) {
        same = before[a]->RangeEquals(*after[a], i, i + 1, i);
      }
      if (!same) {
        ARROW_RETURN_NOT_OK(add(i, false, RowKind::kUpdateBefore));
        ARROW_RETURN_NOT_OK(add(i, true, RowKind::kUpdateAfter));
      }
    }
    if (!alive) dropped.push_back(g);
  }

  arrow::Status status;
  if (key_take.length() > 0) {
    ARROW_ASSIGN_OR_RAISE(auto key_arrays, table_.Keys(touched));
    ARROW_ASSIGN_OR_RAISE(auto key_indices, key_take.Finish());
    ARROW_ASSIGN_OR_RAISE(auto value_indices, value_take.Finish());
    ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
    arrow::ArrayVector columns;
    const int64_t rows = key_indices->length();
    for (const auto& k : key_arrays) {
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*k, *key_indices));
      columns.push_back(std::move(taken));
    }
    for (size_t a = 0; a < num_aggs; ++a) {
      ARROW_ASSIGN_OR_RAISE(auto both, arrow::Concatenate({before[a], after[a]}));
      ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*both, *value_indices));
      columns.push_back(std::move(taken));
    }
    columns.push_back(std::move(kind_array));
    status =
        out->Emit(arrow::RecordBatch::Make(output_schema_, rows, std::move(columns)));
  }
  for (uint32_t g : dropped) table_.Free(g);
  if (ttl) ExpireIdle(context_->ProcessingTime());
  return status;
}

void GroupAggregateOperator::Grow(uint32_t g) {
  if (g < row_counts_.size()) return;
  row_counts_.resize(g + 1, 0);
  last_batch_.resize(g + 1, 0);
  updated_.resize(g + 1, 0);
}

// Sweeps every group at most twice per TTL; a sweep is O(groups).
void GroupAggregateOperator::ExpireIdle(EventTime now) {
  const EventTime ttl = options_.state_ttl.count() * 1000;
  if (now < next_expiry_) return;
  std::vector<uint32_t> idle;
  for (uint32_t g = 1; g < updated_.size(); ++g) {
    if (row_counts_[g] > 0 && updated_[g] + ttl <= now) idle.push_back(g);
  }
  for (uint32_t g : idle) {
    row_counts_[g] = 0;
    table_.Free(g);
  }
  next_expiry_ = now + std::max<EventTime>(ttl / 2, 1000);
  context_->RequestProcessingTimeCallback(next_expiry_);
}

arrow::Status GroupAggregateOperator::OnProcessingTime(EventTime now, Output*) {
  if (options_.state_ttl.count() > 0) ExpireIdle(now);
  return arrow::Status::OK();
}

arrow::Status GroupAggregateOperator::SnapshotState(state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(KeyedStateWriter write, SnapshotStateAsync());
  return write(backend);
}

arrow::Result<KeyedStateWriter> GroupAggregateOperator::SnapshotStateAsync() {
  if (!table_.prepared()) {
    return KeyedStateWriter([](state::KeyedStateBackend* backend) {
      return backend->Register(kStateName, state::StateKind::kValue, {}).status();
    });
  }
  // A copy of the groups and of the per-group row counts and update times; the
  // writer serializes it on the checkpoint's thread.
  const int max_parallelism = context_->subtask().max_parallelism;
  ARROW_ASSIGN_OR_RAISE(auto table, table_.SnapshotCopy(max_parallelism));
  auto row_counts = std::make_shared<const std::vector<int64_t>>(row_counts_);
  auto updated = std::make_shared<const std::vector<EventTime>>(updated_);
  return KeyedStateWriter([table, row_counts, updated,
                           max_parallelism](state::KeyedStateBackend* backend) {
    return table->Snapshot(
        backend, kStateName, max_parallelism, [&](uint32_t g, std::string* out) {
          out->append(reinterpret_cast<const char*>(&(*row_counts)[g]), sizeof(int64_t));
          out->append(reinterpret_cast<const char*>(&(*updated)[g]), sizeof(EventTime));
        });
  });
}

arrow::Status GroupAggregateOperator::RestoreState(state::KeyedStateBackend* backend) {
  ARROW_RETURN_NOT_OK(table_.Restore(
      backend, kStateName, options_.keys, options_.aggregates, options_.retractions,
      [&](uint32_t g, std::string_view* in) -> arrow::Status {
        if (in->size() < sizeof(int64_t) + sizeof(EventTime)) {
          return InternalError("group aggregation state is truncated");
        }
        Grow(g);
        std::memcpy(&row_counts_[g], in->data(), sizeof(int64_t));
        std::memcpy(&updated_[g], in->data() + sizeof(int64_t), sizeof(EventTime));
        in->remove_prefix(sizeof(int64_t) + sizeof(EventTime));
        return arrow::Status::OK();
      }));
  if (table_.prepared()) output_schema_ = OutputSchema();
  return arrow::Status::OK();
}

}  // namespace weir::runtime
