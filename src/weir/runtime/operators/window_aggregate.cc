#include "weir/runtime/operators/window_aggregate.h"

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/operators/watermark_strategy.h"

namespace weir::runtime {

namespace {

// Floor division for negative event times (before 1970).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsIntegerLike(arrow::Type::type id) {
  return arrow::is_integer(id) || id == arrow::Type::TIMESTAMP ||
         id == arrow::Type::DATE32 || id == arrow::Type::DATE64 ||
         id == arrow::Type::DURATION || id == arrow::Type::TIME32 ||
         id == arrow::Type::TIME64;
}

}  // namespace

WindowAggregateOperator::WindowAggregateOperator(WindowAggregateOptions options)
    : options_(std::move(options)) {}

arrow::Status WindowAggregateOperator::Open(OperatorContext* context) {
  context_ = context;
  const auto& w = options_.window;
  if (w.size.count() <= 0) return UserError("window size must be positive");
  if (w.kind == WindowSpec::Kind::kSliding &&
      (w.slide.count() <= 0 || w.slide.count() > w.size.count())) {
    return UserError("window slide must be positive and at most the window size");
  }
  if (options_.allowed_lateness.count() < 0) {
    return UserError("allowed lateness must not be negative");
  }
  if (options_.aggregates.empty()) return UserError("a window needs an aggregate");
  return arrow::Status::OK();
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
  std::vector<int> key_indices;
  for (const auto& k : options_.keys) {
    const int i = schema->GetFieldIndex(k);
    if (i < 0) return UserError("key column '{}' is not in {}", k, schema->ToString());
    key_indices.push_back(i);
  }
  ARROW_ASSIGN_OR_RAISE(auto encoder, KeyEncoder::Make(schema, key_indices));
  encoder_.emplace(std::move(encoder));
  int_key_ = encoder_->single_integer();
  time_index_ = schema->GetFieldIndex(options_.time_column);
  if (time_index_ < 0) {
    return UserError("event-time column '{}' is not in {}", options_.time_column,
                     schema->ToString());
  }
  arrow::FieldVector out = encoder_->fields();
  out.push_back(arrow::field("window_start", arrow::timestamp(arrow::TimeUnit::MICRO)));
  out.push_back(arrow::field("window_end", arrow::timestamp(arrow::TimeUnit::MICRO)));
  for (const auto& a : options_.aggregates) {
    int index = -1;
    bool floating = false;
    if (!a.column.empty()) {
      index = schema->GetFieldIndex(a.column);
      if (index < 0) {
        return UserError("aggregate column '{}' is not in {}", a.column,
                         schema->ToString());
      }
      const auto id = schema->field(index)->type()->id();
      floating = arrow::is_floating(id);
      if (a.kind != AggregateSpec::Kind::kCount && !floating && !IsIntegerLike(id)) {
        return UserError("cannot aggregate column '{}' of type {}", a.column,
                         schema->field(index)->type()->ToString());
      }
    } else if (a.kind != AggregateSpec::Kind::kCount) {
      return UserError("aggregate '{}' needs a column", a.name);
    }
    agg_index_.push_back(index);
    agg_floating_.push_back(floating);
    std::shared_ptr<arrow::DataType> type;
    switch (a.kind) {
      case AggregateSpec::Kind::kCount:
        type = arrow::int64();
        break;
      case AggregateSpec::Kind::kAvg:
        type = arrow::float64();
        break;
      default:
        type = floating ? arrow::float64() : arrow::int64();
    }
    out.push_back(arrow::field(a.name, type));
  }
  output_schema_ = arrow::schema(out);
  schema_ = schema;
  return arrow::Status::OK();
}

arrow::Status WindowAggregateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  ARROW_RETURN_NOT_OK(Prepare(batch->schema()));
  ARROW_ASSIGN_OR_RAISE(
      auto times, EventTimesMicros(*batch->column(time_index_), options_.time_column));
  // Aggregate inputs as int64 or double arrays, cast once per batch.
  const size_t na = options_.aggregates.size();
  std::vector<std::shared_ptr<arrow::Array>> inputs(na);
  std::vector<const int64_t*> ivals(na, nullptr);
  std::vector<const double*> dvals(na, nullptr);
  for (size_t a = 0; a < na; ++a) {
    if (agg_index_[a] < 0) continue;
    auto column = batch->column(agg_index_[a]);
    if (options_.aggregates[a].kind == AggregateSpec::Kind::kCount) {
      inputs[a] = column;
      continue;
    }
    auto target = agg_floating_[a] ? arrow::float64() : arrow::int64();
    if (!column->type()->Equals(*target)) {
      ARROW_ASSIGN_OR_RAISE(
          column,
          arrow::compute::Cast(*column, target, arrow::compute::CastOptions::Unsafe()));
    }
    inputs[a] = column;
    if (agg_floating_[a]) {
      dvals[a] = column->data()->GetValues<double>(1);
    } else {
      ivals[a] = column->data()->GetValues<int64_t>(1);
    }
  }

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
  EventTime cached_start = kMinWatermark;
  Window* cached = nullptr;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    const EventTime t = times[r];
    if (t == kMinWatermark) {  // null event time: no window
      ++late_rows_dropped_;
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
      Accumulator* acc = &w->accumulators[size_t{group} * na];
      for (size_t a = 0; a < na; ++a) {
        Accumulator& x = acc[a];
        if (agg_index_[a] < 0) {
          ++x.count;
          continue;
        }
        if (inputs[a]->IsNull(r)) continue;
        ++x.count;
        if (dvals[a]) {
          const double v = dvals[a][r];
          if (x.count == 1) x.dmin = x.dmax = v;
          x.dsum += v;
          x.dmin = std::min(x.dmin, v);
          x.dmax = std::max(x.dmax, v);
        } else if (ivals[a]) {
          const int64_t v = ivals[a][r];
          x.isum += v;
          x.imin = std::min(x.imin, v);
          x.imax = std::max(x.imax, v);
        }
      }
      if (w->fired) w->dirty = true;
    }
    if (!accepted) ++late_rows_dropped_;
  }
  std::vector<std::pair<EventTime, Window*>> updated;
  for (auto& [start, w] : windows_) {
    if (w.dirty) {
      w.dirty = false;
      updated.emplace_back(start, &w);
    }
  }
  return Emit(updated, out);
}

size_t WindowAggregateOperator::BytesHash::operator()(std::string_view s) const {
  return static_cast<size_t>(expr::HashBytes(s.data(), static_cast<int64_t>(s.size())));
}

uint32_t WindowAggregateOperator::GroupFor(
    Window* w, const std::vector<const arrow::Array*>& key_columns,
    const int64_t* int_keys, int64_t row) {
  const size_t na = options_.aggregates.size();
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
  w->accumulators.resize(w->accumulators.size() + na);
  return next;
}

arrow::Status WindowAggregateOperator::Emit(
    const std::vector<std::pair<EventTime, Window*>>& windows, Output* out) {
  // One output batch for all windows fired together: downstream operators and sinks
  // handle a few large batches far better than one small batch per window.
  std::vector<const std::string*> keys;
  std::vector<int64_t> starts;
  std::vector<const Accumulator*> accs;  // per output row: its accumulators
  const size_t na = options_.aggregates.size();
  for (const auto& [window_start, w] : windows) {
    for (size_t g = 0; g < w->keys.size(); ++g) {
      keys.push_back(w->keys[g]);
      starts.push_back(window_start);
      accs.push_back(&w->accumulators[g * na]);
    }
  }
  const int64_t rows = static_cast<int64_t>(keys.size());
  if (rows == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto columns, encoder_->Decode(keys));
  const int64_t size = options_.window.size.count();
  arrow::TimestampBuilder start_b(arrow::timestamp(arrow::TimeUnit::MICRO),
                                  arrow::default_memory_pool());
  arrow::TimestampBuilder end_b(arrow::timestamp(arrow::TimeUnit::MICRO),
                                arrow::default_memory_pool());
  ARROW_RETURN_NOT_OK(start_b.Reserve(rows));
  ARROW_RETURN_NOT_OK(end_b.Reserve(rows));
  for (int64_t r = 0; r < rows; ++r) {
    start_b.UnsafeAppend(starts[r]);
    end_b.UnsafeAppend(starts[r] + size);
  }
  ARROW_ASSIGN_OR_RAISE(auto start_array, start_b.Finish());
  ARROW_ASSIGN_OR_RAISE(auto end_array, end_b.Finish());
  columns.push_back(start_array);
  columns.push_back(end_array);
  for (size_t a = 0; a < na; ++a) {
    const auto kind = options_.aggregates[a].kind;
    const bool floating = agg_floating_[a];
    if (kind == AggregateSpec::Kind::kCount) {
      arrow::Int64Builder b;
      ARROW_RETURN_NOT_OK(b.Reserve(rows));
      for (int64_t r = 0; r < rows; ++r) b.UnsafeAppend(accs[r][a].count);
      ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
      columns.push_back(arr);
      continue;
    }
    if (kind == AggregateSpec::Kind::kAvg || floating) {
      arrow::DoubleBuilder b;
      ARROW_RETURN_NOT_OK(b.Reserve(rows));
      for (int64_t r = 0; r < rows; ++r) {
        const Accumulator& x = accs[r][a];
        if (x.count == 0) {
          b.UnsafeAppendNull();
          continue;
        }
        const double sum = floating ? x.dsum : static_cast<double>(x.isum);
        switch (kind) {
          case AggregateSpec::Kind::kAvg:
            b.UnsafeAppend(sum / static_cast<double>(x.count));
            break;
          case AggregateSpec::Kind::kSum:
            b.UnsafeAppend(sum);
            break;
          case AggregateSpec::Kind::kMin:
            b.UnsafeAppend(x.dmin);
            break;
          default:
            b.UnsafeAppend(x.dmax);
        }
      }
      ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
      columns.push_back(arr);
      continue;
    }
    arrow::Int64Builder b;
    ARROW_RETURN_NOT_OK(b.Reserve(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const Accumulator& x = accs[r][a];
      if (x.count == 0) {
        b.UnsafeAppendNull();
        continue;
      }
      b.UnsafeAppend(kind == AggregateSpec::Kind::kSum   ? x.isum
                     : kind == AggregateSpec::Kind::kMin ? x.imin
                                                         : x.imax);
    }
    ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
    columns.push_back(arr);
  }
  return out->Emit(arrow::RecordBatch::Make(output_schema_, rows, std::move(columns)));
}

arrow::Status WindowAggregateOperator::ProcessWatermark(EventTime watermark,
                                                        Output* out) {
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
    if (watermark == kMaxWatermark || max_ts + lateness <= watermark) {
      expired.push_back(start);
    }
  }
  ARROW_RETURN_NOT_OK(Emit(fire, out));
  for (EventTime start : expired) windows_.erase(start);
  return out->EmitWatermark(watermark);
}

}  // namespace weir::runtime
