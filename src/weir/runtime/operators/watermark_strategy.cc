#include "weir/runtime/operators/watermark_strategy.h"

#include <arrow/array.h>
#include <arrow/type.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

// Scale from the column's unit to microseconds: value * mul / div.
arrow::Status MicrosScale(const arrow::DataType& type, const std::string& name,
                          int64_t* mul, int64_t* div) {
  *mul = 1;
  *div = 1;
  if (type.id() == arrow::Type::INT64) {
    *mul = 1000;  // epoch milliseconds
    return arrow::Status::OK();
  }
  if (type.id() != arrow::Type::TIMESTAMP) {
    return UserError(
        "event-time column '{}' has type {}; expected a timestamp or BIGINT epoch "
        "milliseconds",
        name, type.ToString());
  }
  switch (static_cast<const arrow::TimestampType&>(type).unit()) {
    case arrow::TimeUnit::SECOND:
      *mul = 1000000;
      break;
    case arrow::TimeUnit::MILLI:
      *mul = 1000;
      break;
    case arrow::TimeUnit::MICRO:
      break;
    case arrow::TimeUnit::NANO:
      *div = 1000;
      break;
  }
  return arrow::Status::OK();
}

inline EventTime ToMicros(int64_t v, int64_t mul, int64_t div) {
  if (div != 1) return v >= 0 ? v / div : -((-v + div - 1) / div);  // floor
  return v * mul;
}

}  // namespace

arrow::Result<std::vector<EventTime>> EventTimesMicros(const arrow::Array& column,
                                                       const std::string& name) {
  int64_t mul, div;
  ARROW_RETURN_NOT_OK(MicrosScale(*column.type(), name, &mul, &div));
  const int64_t* raw = column.data()->GetValues<int64_t>(1);
  std::vector<EventTime> out(static_cast<size_t>(column.length()));
  for (int64_t i = 0; i < column.length(); ++i) {
    out[i] = column.IsNull(i) ? kMinWatermark : ToMicros(raw[i], mul, div);
  }
  return out;
}

arrow::Status WatermarkAssigner::Open(OperatorContext* context) {
  context_ = context;
  if (strategy_.timestamp_column.empty()) {
    return UserError("a watermark strategy needs a timestamp column");
  }
  last_data_time_ = context->ProcessingTime();
  ScheduleCallback(last_data_time_);
  return arrow::Status::OK();
}

void WatermarkAssigner::ScheduleCallback(EventTime now) {
  int64_t next = 0;
  if (strategy_.emit_interval.count() > 0 && max_timestamp_ != kMinWatermark)
    next = now + strategy_.emit_interval.count();
  if (strategy_.idleness.count() > 0 && !idle_) {
    const int64_t idle_at = last_data_time_ + strategy_.idleness.count();
    if (next == 0 || idle_at < next) next = idle_at;
  }
  if (next != 0) context_->RequestProcessingTimeCallback(next);
}

arrow::Status WatermarkAssigner::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  auto column = batch->GetColumnByName(strategy_.timestamp_column);
  if (!column) {
    return UserError("event-time column '{}' is not in the stream's schema {}",
                     strategy_.timestamp_column, batch->schema()->ToString());
  }
  int64_t mul, div;
  ARROW_RETURN_NOT_OK(
      MicrosScale(*column->type(), strategy_.timestamp_column, &mul, &div));
  const int64_t* raw = column->data()->GetValues<int64_t>(1);
  int64_t max_raw = INT64_MIN;
  bool any = false;
  if (column->null_count() == 0) {
    for (int64_t i = 0; i < column->length(); ++i) max_raw = std::max(max_raw, raw[i]);
    any = column->length() > 0;
  } else {
    for (int64_t i = 0; i < column->length(); ++i) {
      if (column->IsNull(i)) continue;
      max_raw = std::max(max_raw, raw[i]);
      any = true;
    }
  }
  if (any) max_timestamp_ = std::max(max_timestamp_, ToMicros(max_raw, mul, div));
  ARROW_RETURN_NOT_OK(out->Emit(batch));
  const EventTime now = context_->ProcessingTime();
  last_data_time_ = now;
  idle_ = false;
  return MaybeEmit(now, out);
}

arrow::Status WatermarkAssigner::MaybeEmit(EventTime now, Output* out) {
  if (max_timestamp_ == kMinWatermark) return arrow::Status::OK();
  const EventTime wm = strategy_.WatermarkFor(max_timestamp_);
  if (wm <= emitted_) return arrow::Status::OK();
  if (strategy_.emit_interval.count() > 0 &&
      now - last_emit_time_ < strategy_.emit_interval.count()) {
    ScheduleCallback(now);  // emit at the next tick instead
    return arrow::Status::OK();
  }
  emitted_ = wm;
  last_emit_time_ = now;
  return out->EmitWatermark(wm);
}

arrow::Status WatermarkAssigner::ProcessWatermark(EventTime watermark, Output* out) {
  if (watermark == kMaxWatermark) return out->EmitWatermark(watermark);
  return arrow::Status::OK();
}

arrow::Status WatermarkAssigner::OnProcessingTime(EventTime now, Output* out) {
  last_emit_time_ = std::min(last_emit_time_, now - strategy_.emit_interval.count());
  ARROW_RETURN_NOT_OK(MaybeEmit(now, out));
  if (strategy_.idleness.count() > 0 && !idle_ &&
      now - last_data_time_ >= strategy_.idleness.count()) {
    idle_ = true;
    ARROW_RETURN_NOT_OK(out->MarkIdle());
  }
  ScheduleCallback(now);
  return arrow::Status::OK();
}

arrow::Status ProcessingTimeWatermarks::Open(OperatorContext* context) {
  context_ = context;
  context_->RequestProcessingTimeCallback(context_->ProcessingTime() + interval_.count());
  return arrow::Status::OK();
}

arrow::Status ProcessingTimeWatermarks::EmitNow(EventTime now, Output* out) {
  const EventTime watermark = now / 1000 * 1000 - 1;
  if (watermark <= emitted_) return arrow::Status::OK();
  emitted_ = watermark;
  return out->EmitWatermark(watermark);
}

arrow::Status ProcessingTimeWatermarks::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  ARROW_RETURN_NOT_OK(out->Emit(batch));
  return EmitNow(context_->ProcessingTime(), out);
}

arrow::Status ProcessingTimeWatermarks::ProcessWatermark(EventTime watermark,
                                                         Output* out) {
  if (watermark == kMaxWatermark) return out->EmitWatermark(watermark);
  return arrow::Status::OK();
}

arrow::Status ProcessingTimeWatermarks::OnProcessingTime(EventTime now, Output* out) {
  ARROW_RETURN_NOT_OK(EmitNow(now, out));
  context_->RequestProcessingTimeCallback(now + interval_.count());
  return arrow::Status::OK();
}

}  // namespace weir::runtime
