#include "weir/runtime/operators/window_group_aggregate.h"

#include <cstring>

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
  return arrow::Status::OK();
}

void WindowGroupAggregateOperator::Track(uint32_t g, EventTime end) {
  if (g >= group_end_.size()) group_end_.resize(g + 1, 0);
  group_end_[g] = end;
  windows_[end].push_back(g);
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
    }
    groups[static_cast<size_t>(r)] = g;
  }
  return table_.Update(*batch, groups.data(), nullptr);
}

arrow::Status WindowGroupAggregateOperator::ProcessWatermark(EventTime watermark,
                                                             Output* out) {
  if (watermark > watermark_) watermark_ = watermark;
  std::vector<uint32_t> fired;
  while (!windows_.empty() && windows_.begin()->first - 1 <= watermark_) {
    for (uint32_t g : windows_.begin()->second) fired.push_back(g);
    windows_.erase(windows_.begin());
  }
  if (!fired.empty()) {
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector columns, table_.Keys(fired));
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector results, table_.Results(fired));
    for (auto& r : results) columns.push_back(std::move(r));
    for (uint32_t g : fired) table_.Free(g);
    ARROW_RETURN_NOT_OK(out->Emit(arrow::RecordBatch::Make(
        output_schema_, static_cast<int64_t>(fired.size()), std::move(columns))));
  }
  return out->EmitWatermark(watermark);
}

arrow::Status WindowGroupAggregateOperator::SnapshotState(
    state::KeyedStateBackend* backend) {
  if (!table_.prepared()) {
    return backend->Register(kStateName, state::StateKind::kValue, {}).status();
  }
  return table_.Snapshot(
      backend, kStateName, context_->subtask().max_parallelism, [&](uint32_t g) {
        return std::string(reinterpret_cast<const char*>(&group_end_[g]),
                           sizeof(EventTime));
      });
}

arrow::Status WindowGroupAggregateOperator::RestoreState(
    state::KeyedStateBackend* backend) {
  ARROW_RETURN_NOT_OK(table_.Restore(
      backend, kStateName, options_.keys, options_.aggregates, /*retractions=*/false,
      [&](uint32_t g, std::string_view* in) -> arrow::Status {
        if (in->size() < sizeof(EventTime)) {
          return InternalError("window aggregation state is truncated");
        }
        EventTime end;
        std::memcpy(&end, in->data(), sizeof(end));
        in->remove_prefix(sizeof(end));
        Track(g, end);
        return arrow::Status::OK();
      }));
  if (table_.prepared()) {
    end_index_ = table_.input_schema()->GetFieldIndex(options_.end_column);
    output_schema_ = arrow::schema(table_.output_fields());
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
