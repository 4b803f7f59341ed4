#include "weir/runtime/operators/window_tvf.h"

#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

#include "weir/common/error.h"
#include "weir/types/time_unit.h"

namespace weir::runtime {

namespace {

// Rounds down to a multiple of `step` (also for negative times).
int64_t FloorTo(int64_t value, int64_t step) {
  int64_t q = value / step;
  if (value % step != 0 && value < 0) --q;
  return q * step;
}

}  // namespace

arrow::Status WindowTvfOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  const int index = batch->schema()->GetFieldIndex(options_.time_column);
  if (index < 0 || batch->column(index)->type_id() != arrow::Type::TIMESTAMP) {
    return UserError("window function: time column '{}' is missing or not a timestamp",
                     options_.time_column);
  }
  const auto& times = *batch->column(index);
  const auto unit = static_cast<const arrow::TimestampType&>(*times.type()).unit();
  const int64_t* values = times.data()->GetValues<int64_t>(1);
  const int64_t n = batch->num_rows();

  arrow::Int64Builder rows;
  arrow::TimestampBuilder starts(arrow::timestamp(arrow::TimeUnit::MILLI),
                                 arrow::default_memory_pool());
  arrow::TimestampBuilder ends(arrow::timestamp(arrow::TimeUnit::MILLI),
                               arrow::default_memory_pool());
  const auto time_type = arrow::timestamp(arrow::TimeUnit::MILLI, options_.time_zone);
  arrow::TimestampBuilder window_times(time_type, arrow::default_memory_pool());
  const int64_t copies = options_.kind == WindowTvfOptions::Kind::kTumble ||
                                 options_.kind == WindowTvfOptions::Kind::kSession
                             ? 1
                             : options_.size / options_.slide;
  ARROW_RETURN_NOT_OK(rows.Reserve(n * copies));
  ARROW_RETURN_NOT_OK(starts.Reserve(n * copies));
  ARROW_RETURN_NOT_OK(ends.Reserve(n * copies));
  ARROW_RETURN_NOT_OK(window_times.Reserve(n * copies));
  bool identity = true;
  auto add = [&](int64_t row, int64_t start, int64_t end) {
    identity = identity && rows.length() == row;
    rows.UnsafeAppend(row);
    starts.UnsafeAppend(start / 1000);
    ends.UnsafeAppend(end / 1000);
    window_times.UnsafeAppend(end / 1000 - 1);
  };
  const int64_t size = options_.size, slide = options_.slide, offset = options_.offset;
  for (int64_t r = 0; r < n; ++r) {
    if (times.IsNull(r)) {
      identity = false;
      continue;
    }
    const int64_t t = types::ToMicros(values[r], unit);
    switch (options_.kind) {
      case WindowTvfOptions::Kind::kTumble: {
        const int64_t start = FloorTo(t - offset, size) + offset;
        add(r, start, start + size);
        break;
      }
      case WindowTvfOptions::Kind::kHop: {
        // The latest window starting at or before t, then earlier ones still
        // covering t.
        for (int64_t start = FloorTo(t - offset, slide) + offset; start > t - size;
             start -= slide) {
          add(r, start, start + size);
        }
        break;
      }
      case WindowTvfOptions::Kind::kSession:
        add(r, t, t + size);
        break;
      case WindowTvfOptions::Kind::kCumulate: {
        const int64_t start = FloorTo(t - offset, size) + offset;
        for (int64_t end = FloorTo(t - start, slide) + start + slide; end <= start + size;
             end += slide) {
          add(r, start, end);
        }
        break;
      }
    }
  }
  identity = identity && rows.length() == n;
  arrow::ArrayVector columns;
  if (identity) {
    columns = batch->columns();
  } else {
    ARROW_ASSIGN_OR_RAISE(auto indices, rows.Finish());
    ARROW_ASSIGN_OR_RAISE(
        auto taken, arrow::compute::Take(arrow::Datum(batch), arrow::Datum(indices)));
    columns = taken.record_batch()->columns();
  }
  const int64_t out_rows = starts.length();
  ARROW_ASSIGN_OR_RAISE(auto start_array, starts.Finish());
  ARROW_ASSIGN_OR_RAISE(auto end_array, ends.Finish());
  ARROW_ASSIGN_OR_RAISE(auto time_array, window_times.Finish());
  columns.push_back(start_array);
  columns.push_back(end_array);
  columns.push_back(time_array);
  arrow::FieldVector fields = batch->schema()->fields();
  fields.push_back(arrow::field(options_.start_column, start_array->type(), false));
  fields.push_back(arrow::field(options_.end_column, end_array->type(), false));
  fields.push_back(arrow::field(options_.time_out_column, time_type, false));
  if (out_rows == 0) return arrow::Status::OK();
  return out->Emit(
      arrow::RecordBatch::Make(arrow::schema(fields), out_rows, std::move(columns)));
}

}  // namespace weir::runtime
