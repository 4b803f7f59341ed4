#include "weir/runtime/operators/keyed_process.h"

#include <cstring>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

// A timer: (time, encoded key, key group). Ordered by time, then key.
using Timer = std::tuple<EventTime, std::string, int>;

class KeyedProcessOperator::Context : public KeyedContext {
 public:
  state::KeyedStateBackend* state() override { return backend.get(); }

  arrow::Result<std::vector<std::shared_ptr<arrow::Scalar>>> key() override {
    if (!encoder) return UserError("no key yet");
    const std::string k(backend->current_key());
    ARROW_ASSIGN_OR_RAISE(auto arrays, encoder->Decode({&k}));
    std::vector<std::shared_ptr<arrow::Scalar>> out;
    for (const auto& a : arrays) {
      ARROW_ASSIGN_OR_RAISE(auto s, a->GetScalar(0));
      out.push_back(std::move(s));
    }
    return out;
  }
  std::optional<EventTime> timestamp() const override { return current_time; }
  EventTime current_watermark() const override { return watermark; }
  EventTime current_processing_time() const override {
    return op_context->ProcessingTime();
  }
  void RegisterEventTimeTimer(EventTime time) override {
    event_timers.emplace(time, std::string(backend->current_key()), key_group);
  }
  void DeleteEventTimeTimer(EventTime time) override {
    event_timers.erase(Timer{time, std::string(backend->current_key()), key_group});
  }
  void RegisterProcessingTimeTimer(EventTime time) override {
    processing_timers.emplace(time, std::string(backend->current_key()), key_group);
    op_context->RequestProcessingTimeCallback(std::get<0>(*processing_timers.begin()));
  }
  void DeleteProcessingTimeTimer(EventTime time) override {
    processing_timers.erase(Timer{time, std::string(backend->current_key()), key_group});
  }

  OperatorContext* op_context = nullptr;
  std::unique_ptr<state::KeyedStateBackend> backend;
  std::optional<KeyEncoder> encoder;
  std::shared_ptr<arrow::Schema> schema;
  std::vector<int> key_indices;
  std::unique_ptr<RowCollector> collector;
  std::set<Timer> event_timers;
  std::set<Timer> processing_timers;
  std::optional<EventTime> current_time;
  EventTime watermark = kMinWatermark;
  int key_group = 0;
};

KeyedProcessOperator::KeyedProcessOperator(std::unique_ptr<KeyedProcessFunction> function,
                                           std::vector<std::string> keys,
                                           std::string time_column)
    : function_(std::move(function)),
      keys_(std::move(keys)),
      time_column_(std::move(time_column)),
      context_(std::make_unique<Context>()) {}

KeyedProcessOperator::~KeyedProcessOperator() = default;

arrow::Status KeyedProcessOperator::Open(OperatorContext* context) {
  if (keys_.empty()) return UserError("a keyed process function needs key columns");
  context_->op_context = context;
  context_->backend = state::MakeInMemoryStateBackend();
  ARROW_ASSIGN_OR_RAISE(context_->collector,
                        RowCollector::Make(function_->output_schema()));
  return function_->Open(*context_);
}

arrow::Status KeyedProcessOperator::FlushOutput(Output* out) {
  ARROW_ASSIGN_OR_RAISE(auto batch, context_->collector->Flush());
  if (batch) return out->Emit(std::move(batch));
  return arrow::Status::OK();
}

arrow::Status KeyedProcessOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  Context& ctx = *context_;
  if (!ctx.schema || !ctx.schema->Equals(*batch->schema(), false)) {
    ctx.key_indices.clear();
    for (const auto& k : keys_) {
      const int i = batch->schema()->GetFieldIndex(k);
      if (i < 0)
        return UserError("key column '{}' is not in {}", k, batch->schema()->ToString());
      ctx.key_indices.push_back(i);
    }
    ARROW_ASSIGN_OR_RAISE(auto encoder,
                          KeyEncoder::Make(batch->schema(), ctx.key_indices));
    ctx.encoder.emplace(std::move(encoder));
    ctx.schema = batch->schema();
  }
  std::vector<EventTime> times;
  if (!time_column_.empty()) {
    auto column = batch->GetColumnByName(time_column_);
    if (!column) {
      return UserError("event-time column '{}' is not in {}", time_column_,
                       batch->schema()->ToString());
    }
    ARROW_ASSIGN_OR_RAISE(times, EventTimesMicros(*column, time_column_));
  }
  ARROW_ASSIGN_OR_RAISE(auto hashes, expr::HashKeyColumns(*batch, ctx.key_indices));
  const int max_parallelism = ctx.op_context->subtask().max_parallelism;
  const auto columns = ctx.encoder->Columns(*batch);
  std::string key;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    ctx.encoder->Encode(columns, r, &key);
    ctx.key_group = state::KeyGroupForHash(hashes[r], max_parallelism);
    ctx.backend->SetCurrentKey(key, ctx.key_group);
    ctx.current_time = times.empty() || times[r] == kMinWatermark
                           ? std::nullopt
                           : std::optional<EventTime>(times[r]);
    RowView row(batch.get(), r);
    ARROW_RETURN_NOT_OK(function_->ProcessElement(row, ctx, *ctx.collector));
  }
  ctx.current_time.reset();
  return FlushOutput(out);
}

arrow::Status KeyedProcessOperator::FireTimers(TimeDomain domain, EventTime until,
                                               Output* out) {
  Context& ctx = *context_;
  auto& timers =
      domain == TimeDomain::kEventTime ? ctx.event_timers : ctx.processing_timers;
  // A timer may register new timers (even due ones); take them one at a time. At the
  // end of input every timer is due, so a function that re-arms itself on each firing
  // (t + interval) would never stop: there, fire only up to the latest timer that
  // existed when the final watermark arrived.
  if (until == kMaxWatermark && !timers.empty()) until = std::get<0>(*timers.rbegin());
  while (!timers.empty() && std::get<0>(*timers.begin()) <= until) {
    Timer t = *timers.begin();
    timers.erase(timers.begin());
    ctx.key_group = std::get<2>(t);
    ctx.backend->SetCurrentKey(std::get<1>(t), ctx.key_group);
    ctx.current_time = std::get<0>(t);
    ARROW_RETURN_NOT_OK(function_->OnTimer(std::get<0>(t), domain, ctx, *ctx.collector));
  }
  ctx.current_time.reset();
  return FlushOutput(out);
}

arrow::Status KeyedProcessOperator::ProcessWatermark(EventTime watermark, Output* out) {
  context_->watermark = watermark;
  ARROW_RETURN_NOT_OK(FireTimers(TimeDomain::kEventTime, watermark, out));
  return out->EmitWatermark(watermark);
}

arrow::Status KeyedProcessOperator::OnProcessingTime(EventTime now, Output* out) {
  ARROW_RETURN_NOT_OK(FireTimers(TimeDomain::kProcessingTime, now, out));
  if (!context_->processing_timers.empty()) {
    context_->op_context->RequestProcessingTimeCallback(
        std::get<0>(*context_->processing_timers.begin()));
  }
  return arrow::Status::OK();
}

namespace {

constexpr const char* kTimerState = "keyed-process-timers";

// Copies every state of `from` into `to`, keeping only key groups in `range`.
arrow::Status CopyState(state::KeyedStateBackend* from, state::KeyedStateBackend* to,
                        state::KeyGroupRange range) {
  ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  ARROW_RETURN_NOT_OK(from->Snapshot(sink.get()));
  ARROW_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  arrow::io::BufferReader reader(buffer);
  return to->Restore(&reader, range);
}

}  // namespace

arrow::Status KeyedProcessOperator::SnapshotState(state::KeyedStateBackend* backend) {
  Context& ctx = *context_;
  const int max_parallelism = ctx.op_context->subtask().max_parallelism;
  ARROW_RETURN_NOT_OK(CopyState(ctx.backend.get(), backend,
                                state::KeyGroupRange{0, max_parallelism - 1}));
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kTimerState, state::StateKind::kMap, {}));
  for (auto domain : {TimeDomain::kEventTime, TimeDomain::kProcessingTime}) {
    const auto& timers =
        domain == TimeDomain::kEventTime ? ctx.event_timers : ctx.processing_timers;
    for (const auto& [time, key, key_group] : timers) {
      backend->SetCurrentKey(key, key_group);
      std::string entry(1, domain == TimeDomain::kEventTime ? 'e' : 'p');
      entry.append(reinterpret_cast<const char*>(&time), sizeof(time));
      backend->PutEntry(
          id, entry,
          std::string_view(reinterpret_cast<const char*>(&key_group), sizeof(key_group)));
    }
  }
  return arrow::Status::OK();
}

arrow::Status KeyedProcessOperator::RestoreState(state::KeyedStateBackend* backend) {
  Context& ctx = *context_;
  const int max_parallelism = ctx.op_context->subtask().max_parallelism;
  ARROW_RETURN_NOT_OK(CopyState(backend, ctx.backend.get(),
                                state::KeyGroupRange{0, max_parallelism - 1}));
  {
    // Timers live in the timer sets, never in the function's state: drop the copy, or
    // the next snapshot would carry timers that have fired since.
    ARROW_ASSIGN_OR_RAISE(int own,
                          ctx.backend->Register(kTimerState, state::StateKind::kMap, {}));
    std::vector<std::string> copied;
    ctx.backend->ForEachKey(own, [&](std::string_view k) { copied.emplace_back(k); });
    for (const auto& k : copied) {
      ctx.backend->SetCurrentKey(k, 0);
      ctx.backend->Clear(own);
    }
  }
  ARROW_ASSIGN_OR_RAISE(int id,
                        backend->Register(kTimerState, state::StateKind::kMap, {}));
  std::vector<std::string> keys;
  backend->ForEachKey(id, [&](std::string_view k) { keys.emplace_back(k); });
  arrow::Status status;
  for (const auto& key : keys) {
    backend->SetCurrentKey(key, 0);
    backend->ForEachEntry(id, [&](std::string_view entry, std::string_view value) {
      if (entry.size() != 1 + sizeof(EventTime) || value.size() != sizeof(int)) {
        status = InternalError("timer state is corrupt");
        return;
      }
      EventTime time;
      int key_group;
      std::memcpy(&time, entry.data() + 1, sizeof(time));
      std::memcpy(&key_group, value.data(), sizeof(key_group));
      auto& timers = entry[0] == 'e' ? ctx.event_timers : ctx.processing_timers;
      timers.emplace(time, key, key_group);
    });
    ARROW_RETURN_NOT_OK(status);
  }
  if (!ctx.processing_timers.empty()) {
    ctx.op_context->RequestProcessingTimeCallback(
        std::get<0>(*ctx.processing_timers.begin()));
  }
  return arrow::Status::OK();
}

}  // namespace weir::runtime
