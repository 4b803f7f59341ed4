#include "weir/runtime/task.h"

#include <chrono>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

EventTime WallMicros() {
  return duration_cast<microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SteadyClock::time_point SteadyAt(EventTime wall_micros) {
  // Cap far-future deadlines ("never" timers) at a day: converting centuries to the
  // clock's nanoseconds would overflow. The task just asks again after a day.
  constexpr EventTime kMaxDelay = 86'400'000'000;
  const EventTime now = WallMicros();
  const EventTime delta =
      wall_micros > now ? std::min<EventTime>(wall_micros - now, kMaxDelay) : 0;
  return SteadyClock::now() + microseconds(delta);
}

void AddMicros(std::atomic<int64_t>* counter, SteadyClock::duration d) {
  if (counter)
    counter->fetch_add(duration_cast<microseconds>(d).count(), std::memory_order_relaxed);
}

}  // namespace

// Wakes the task until the task shuts down, then nothing: a callback that fires late
// (an I/O completion after cancellation) never touches a finished task.
class TaskWakeHandle : public WakeHandle {
 public:
  explicit TaskWakeHandle(Waker* task) : task_(task) {}
  void Wake() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (task_) task_->Wake();
  }
  void Detach() {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = nullptr;
  }

 private:
  std::mutex mu_;
  Waker* task_;
};

class Task::LinkContext : public OperatorContext {
 public:
  LinkContext(const SubtaskInfo* info, Task* task) : info_(info), task_(task) {}
  const SubtaskInfo& subtask() const override { return *info_; }
  EventTime current_watermark() const override { return watermark; }
  EventTime ProcessingTime() const override { return WallMicros(); }
  void RequestProcessingTimeCallback(EventTime time) override {
    if (!callback || time < *callback) callback = time;
  }
  std::shared_ptr<WakeHandle> MakeWakeHandle() override {
    auto handle = std::make_shared<TaskWakeHandle>(task_);
    task_->wake_handles_.push_back(handle);
    return handle;
  }

  bool checkpoints_stored() const override {
    return task_->spec_.coordinator && task_->spec_.coordinator->snapshots_stored();
  }
  bool IsStopSavepoint(CheckpointId id) const override {
    return task_->spec_.coordinator && task_->spec_.coordinator->IsStopSavepoint(id);
  }
  int restored_parallelism() const override { return restored_parallelism_; }

  int restored_parallelism_ = 0;

  const SubtaskInfo* info_;
  Task* task_;
  EventTime watermark = kMinWatermark;
  std::optional<EventTime> callback;
};

class Task::LinkOutput : public Output {
 public:
  LinkOutput(Task* task, size_t target, OperatorMetrics* producer)
      : task_(task), target_(target), producer_(producer) {}

  arrow::Status Emit(std::shared_ptr<arrow::RecordBatch> batch) override {
    if (!batch || batch->num_rows() == 0) return arrow::Status::OK();
    const int64_t bytes = BatchBytes(*batch);
    if (producer_) {
      producer_->records_out.fetch_add(batch->num_rows(), std::memory_order_relaxed);
      producer_->batches_out.fetch_add(1, std::memory_order_relaxed);
      producer_->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    }
    return task_->Deliver(target_, 0, std::move(batch), bytes);
  }

  arrow::Status EmitWatermark(EventTime watermark) override {
    return task_->DeliverWatermark(target_, watermark);
  }

  arrow::Status EmitSide(const std::string& tag,
                         std::shared_ptr<arrow::RecordBatch> batch) override {
    // Only a chain's last operator can have side-output edges (an edge with a tag is
    // never fused), so side output from inside a chain has no consumer.
    if (!batch || batch->num_rows() == 0 || target_ != task_->spec_.chain.size()) {
      return arrow::Status::OK();
    }
    return task_->Route(batch, BatchBytes(*batch), tag);
  }

  arrow::Status MarkIdle() override {
    // Idleness is a property of the task's outgoing streams; chained operators
    // between here and there only forward watermarks, so it skips them.
    if (!task_->output_idle_) {
      task_->output_idle_ = true;
      task_->Broadcast(StreamElement::Idle());
    }
    return arrow::Status::OK();
  }

 private:
  Task* task_;
  size_t target_;
  OperatorMetrics* producer_;
};

Task::Task(JobState* job, TaskSpec spec, std::atomic<int64_t>* busy_micros,
           std::atomic<int64_t>* backpressured_micros)
    : job_(job),
      spec_(std::move(spec)),
      busy_micros_(busy_micros),
      backpressured_micros_(backpressured_micros) {
  const size_t n = spec_.chain.size();
  for (size_t k = 0; k <= n; ++k) {
    OperatorMetrics* producer =
        k == 0 ? spec_.source_metrics : spec_.chain[k - 1].metrics;
    link_outputs_.push_back(std::make_unique<LinkOutput>(this, k, producer));
  }
  for (size_t k = 0; k < n; ++k)
    contexts_.push_back(std::make_unique<LinkContext>(&spec_.chain[k].info, this));
  if (spec_.source)
    contexts_.push_back(std::make_unique<LinkContext>(&spec_.source_info, this));
  for (const auto& edge : spec_.outputs) {
    edge_channel_base_.push_back(static_cast<int>(out_channels_.size()));
    for (Channel* c : edge.channels) out_channels_.push_back({c, {}});
  }
  if (spec_.input) {
    const int channels = spec_.input->num_channels();
    channel_watermark_.assign(channels, kMinWatermark);
    channel_idle_.assign(channels, 0);
    channel_ended_.assign(channels, 0);
    channel_blocked_.assign(channels, 0);
  }
}

Task::~Task() { WaitForStateWriter(); }

void Task::WaitForStateWriter() {
  if (state_writer_.joinable()) state_writer_.join();
}

arrow::Status Task::Annotate(const SubtaskInfo& where, arrow::Status status) {
  if (status.ok() || annotated_) return status;
  annotated_ = true;
  return WithContext(status, fmt::format("operator '{}' (subtask {} of {})", where.name,
                                         where.index + 1, where.parallelism));
}

arrow::Status Task::Open() {
  for (size_t k = 0; k < spec_.chain.size(); ++k) {
    auto& link = spec_.chain[k];
    ARROW_RETURN_NOT_OK(Annotate(link.info, link.op->Open(contexts_[k].get())));
  }
  if (spec_.source) {
    ARROW_RETURN_NOT_OK(
        Annotate(spec_.source_info, spec_.source->Open(contexts_.back().get())));
  }
  if (spec_.restored) return Restore();
  return arrow::Status::OK();
}

arrow::Status Task::RestoreOne(Operator* op, SourceReader* source,
                               const SubtaskInfo& info,
                               const std::vector<OperatorSnapshot>* parts) {
  if (!parts) return arrow::Status::OK();  // not in the checkpoint: starts fresh
  std::vector<std::string> entries;
  {
    if (op) {
      auto backend = state::MakeInMemoryStateBackend();
      const auto range =
          state::KeyGroupRangeFor(info.index, info.parallelism, info.max_parallelism);
      bool any = false;
      for (const auto& part : *parts) {
        if (part.keyed.empty()) continue;
        arrow::io::BufferReader reader(arrow::Buffer::FromString(part.keyed));
        ARROW_RETURN_NOT_OK(backend->Restore(&reader, range));
        any = true;
      }
      if (any) ARROW_RETURN_NOT_OK(op->RestoreState(backend.get()));
    }
    // Same parallelism: each subtask gets back what it wrote. Otherwise the entries
    // of all old subtasks are dealt round-robin.
    bool same = static_cast<int>(parts->size()) == info.parallelism;
    for (const auto& part : *parts) same = same && part.parallelism == info.parallelism;
    if (same) {
      for (const auto& part : *parts) {
        if (part.subtask == info.index) entries = part.entries;
      }
    } else if (!op && source->RestoresAllEntries()) {
      for (const auto& part : *parts) {
        entries.insert(entries.end(), part.entries.begin(), part.entries.end());
      }
    } else {
      size_t k = 0;
      for (const auto& part : *parts) {
        for (const auto& e : part.entries) {
          if (static_cast<int>(k++ % static_cast<size_t>(info.parallelism)) == info.index)
            entries.push_back(e);
        }
      }
    }
  }
  return op ? op->RestoreOperatorState(entries) : source->RestoreOperatorState(entries);
}

arrow::Status Task::Restore() {
  for (size_t k = 0; k < spec_.chain.size(); ++k) {
    const auto* parts = spec_.chain[k].restore;
    if (parts && !parts->empty())
      contexts_[k]->restored_parallelism_ = (*parts)[0].parallelism;
  }
  for (auto& link : spec_.chain) {
    ARROW_RETURN_NOT_OK(
        Annotate(link.info,
                 WithContext(RestoreOne(link.op.get(), nullptr, link.info, link.restore),
                             "restoring from a checkpoint")));
  }
  if (spec_.source) {
    ARROW_RETURN_NOT_OK(
        Annotate(spec_.source_info,
                 WithContext(RestoreOne(nullptr, spec_.source.get(), spec_.source_info,
                                        spec_.source_restore),
                             "restoring from a checkpoint")));
  }
  return arrow::Status::OK();
}

arrow::Result<TaskSnapshot> Task::SnapshotAll(CheckpointId id, bool keyed) {
  TaskSnapshot snapshot;
  if (spec_.source) {
    OperatorSnapshot s;
    s.uid = spec_.source_uid;
    s.subtask = spec_.source_info.index;
    s.parallelism = spec_.source_info.parallelism;
    ARROW_RETURN_NOT_OK(
        Annotate(spec_.source_info, spec_.source->SnapshotOperatorState(id, &s.entries)));
    snapshot.operators.push_back(std::move(s));
  }
  for (auto& link : spec_.chain) {
    OperatorSnapshot s;
    s.uid = link.uid;
    s.subtask = link.info.index;
    s.parallelism = link.info.parallelism;
    if (keyed) {
      // The synchronous part here; the serialization (and an operator's own
      // asynchronous part) runs later, on the checkpoint's writer thread.
      auto copied = link.op->SnapshotStateAsync();
      ARROW_RETURN_NOT_OK(Annotate(link.info, copied.status()));
      const std::string where =
          fmt::format("operator '{}' (subtask {} of {})", link.info.name,
                      link.info.index + 1, link.info.parallelism);
      std::shared_ptr<state::KeyedStateBackend> backend =
          state::MakeInMemoryStateBackend();
      if (!*copied) {
        ARROW_RETURN_NOT_OK(Annotate(link.info, link.op->SnapshotState(backend.get())));
      }
      s.keyed_pending = [writer = std::move(*copied), backend,
                         where](OperatorSnapshot* op) -> arrow::Status {
        if (writer) {
          ARROW_RETURN_NOT_OK(
              WithContext(writer(backend.get()), fmt::format("{}: snapshot", where)));
        }
        if (backend->num_entries() == 0) return arrow::Status::OK();
        // Views of the backend's values: it lives as long as the pieces.
        ARROW_ASSIGN_OR_RAISE(auto pieces, backend->SnapshotAsPieces());
        auto owner = std::make_shared<
            std::pair<std::shared_ptr<state::KeyedStateBackend>, state::SnapshotPieces>>(
            backend, std::move(pieces));
        op->keyed_pieces = owner->second.pieces;
        op->keyed_owner = std::move(owner);
        return arrow::Status::OK();
      };
    }
    ARROW_RETURN_NOT_OK(
        Annotate(link.info, link.op->SnapshotOperatorState(id, &s.entries)));
    snapshot.operators.push_back(std::move(s));
  }
  return snapshot;
}

arrow::Status Task::Checkpoint(CheckpointId id, std::chrono::microseconds alignment) {
  ARROW_ASSIGN_OR_RAISE(auto snapshot, SnapshotAll(id, /*keyed=*/true));
  const std::string folder = spec_.coordinator->FolderFor(id);
  if (folder.empty()) return arrow::Status::OK();  // aborted meanwhile
  // The snapshot is the task's own copy now: Flink's asynchronous phase writes it on
  // another thread while the task goes on; the checkpoint completes when every task
  // acknowledged. One write per task at a time: a checkpoint taken while the last
  // one is still being written waits for it.
  WaitForStateWriter();
  state_writer_ = std::thread([coordinator = spec_.coordinator, key = spec_.key,
                               index = checkpoint_index_, id, alignment, folder,
                               snapshot = std::move(snapshot)]() mutable {
    arrow::Status serialized = SerializePendingState(&snapshot);
    auto file = serialized.ok()
                    ? WriteTaskState(folder, key, EncodeTaskSnapshotPieces(snapshot))
                    : arrow::Result<TaskStateFile>(serialized);
    if (!file.ok()) {
      // A checkpoint that cannot be stored fails, the job does not: the next one may
      // succeed, and nothing was committed on its behalf.
      LogWarning("checkpoint {}: {}", id, file.status().message());
      coordinator->Decline(id, file.status().message());
      return;
    }
    coordinator->Acknowledge(index, id, *file, alignment);
  });
  return arrow::Status::OK();
}

void Task::TriggerCheckpoint(CheckpointId id) {
  CheckpointId cur = trigger_id_.load();
  while (cur < id && !trigger_id_.compare_exchange_weak(cur, id)) {
  }
  Wake();
}

void Task::NotifyCheckpointComplete(CheckpointId id, bool stop) {
  if (stop) stop_id_.store(id);
  CheckpointId cur = complete_id_.load();
  while (cur < id && !complete_id_.compare_exchange_weak(cur, id)) {
  }
  Wake();
}

arrow::Status Task::HandleCheckpointRequests(bool* stop) {
  const CheckpointId done = complete_id_.load();
  if (done > notified_id_) {
    notified_id_ = done;
    for (auto& link : spec_.chain)
      ARROW_RETURN_NOT_OK(Annotate(link.info, link.op->NotifyCheckpointComplete(done)));
    if (spec_.source) {
      ARROW_RETURN_NOT_OK(
          Annotate(spec_.source_info, spec_.source->NotifyCheckpointComplete(done)));
    }
  }
  const CheckpointId stop_after = stop_id_.load();
  *stop = stop_after != 0 && notified_id_ >= stop_after;
  if (*stop) return arrow::Status::OK();
  const CheckpointId trigger = trigger_id_.load();
  if (spec_.source && !ended_ && trigger > triggered_id_) {
    triggered_id_ = trigger;
    ARROW_RETURN_NOT_OK(Checkpoint(trigger, std::chrono::microseconds(0)));
    Broadcast(StreamElement::Barrier(trigger));
  }
  return arrow::Status::OK();
}

arrow::Status Task::OnBarrier(int channel, CheckpointId id) {
  if (id <= aligned_id_ || id < aligning_id_) return arrow::Status::OK();  // stale
  if (id > aligning_id_) {
    // A newer barrier while an older one is aligning: the older checkpoint was
    // abandoned (its barrier can no longer arrive everywhere); align the newer one.
    std::fill(channel_blocked_.begin(), channel_blocked_.end(), 0);
    aligning_id_ = id;
    alignment_start_ = SteadyClock::now();
  }
  channel_blocked_[channel] = 1;
  return MaybeCompleteAlignment();
}

arrow::Status Task::MaybeCompleteAlignment() {
  if (aligning_id_ <= aligned_id_) return arrow::Status::OK();
  for (size_t ch = 0; ch < channel_blocked_.size(); ++ch) {
    if (!channel_blocked_[ch] && !channel_ended_[ch]) return arrow::Status::OK();
  }
  const CheckpointId id = aligning_id_;
  aligned_id_ = id;
  std::fill(channel_blocked_.begin(), channel_blocked_.end(), 0);
  ARROW_RETURN_NOT_OK(Checkpoint(
      id, std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() -
                                                                alignment_start_)));
  Broadcast(StreamElement::Barrier(id));
  return arrow::Status::OK();
}

arrow::Status Task::ReportFinished() {
  WaitForStateWriter();  // the last checkpoint is acknowledged before the finish
  final_id_ = spec_.coordinator->BeginFinish();
  const std::string folder = spec_.coordinator->FolderFor(final_id_);
  // The final snapshot stages what sinks commit and the sources' positions (at
  // their end). Keyed state is not taken: every input ended, so no restore of this
  // checkpoint processes another row (Flink's finished operators, FLIP-147, keep no
  // state either), and it may be large.
  ARROW_ASSIGN_OR_RAISE(auto snapshot, SnapshotAll(final_id_, /*keyed=*/false));
  std::optional<TaskStateFile> file;
  if (!folder.empty()) {
    ARROW_ASSIGN_OR_RAISE(
        file, WriteTaskState(folder, spec_.key, EncodeTaskSnapshotPieces(snapshot)));
  }
  spec_.coordinator->TaskFinished(checkpoint_index_, std::move(file));
  return arrow::Status::OK();
}

void Task::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  WaitForStateWriter();
  auto close = [&](const SubtaskInfo& info, arrow::Status st) {
    if (!st.ok() && !job_->stopping()) job_->Fail(Annotate(info, st));
  };
  if (spec_.source) close(spec_.source_info, spec_.source->Close());
  for (auto& link : spec_.chain) close(link.info, link.op->Close());
  for (auto& h : wake_handles_) std::static_pointer_cast<TaskWakeHandle>(h)->Detach();
  job_->TaskDone();
}

arrow::Status Task::Deliver(size_t k, int input,
                            std::shared_ptr<arrow::RecordBatch> batch, int64_t bytes) {
  if (k == spec_.chain.size()) return Route(batch, bytes);
  ChainLink& link = spec_.chain[k];
  link.metrics->records_in.fetch_add(batch->num_rows(), std::memory_order_relaxed);
  link.metrics->batches_in.fetch_add(1, std::memory_order_relaxed);
  link.metrics->bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  return Annotate(link.info,
                  link.op->ProcessBatch(input, batch, link_outputs_[k + 1].get()));
}

arrow::Status Task::DeliverWatermark(size_t k, EventTime watermark) {
  if (k == spec_.chain.size()) {
    if (watermark <= emitted_watermark_) return arrow::Status::OK();
    emitted_watermark_ = watermark;
    Broadcast(StreamElement::Watermark(watermark));
    return arrow::Status::OK();
  }
  LinkContext& ctx = *contexts_[k];
  if (watermark <= ctx.watermark) return arrow::Status::OK();
  ctx.watermark = watermark;
  ChainLink& link = spec_.chain[k];
  link.metrics->watermark.store(watermark, std::memory_order_relaxed);
  return Annotate(link.info,
                  link.op->ProcessWatermark(watermark, link_outputs_[k + 1].get()));
}

arrow::Status Task::Route(const std::shared_ptr<arrow::RecordBatch>& batch, int64_t bytes,
                          const std::string& tag) {
  output_idle_ = false;
  for (size_t e = 0; e < spec_.outputs.size(); ++e) {
    if (spec_.outputs[e].tag != tag) continue;
    routed_.clear();
    ARROW_RETURN_NOT_OK(spec_.outputs[e].partitioner->Route(batch, &routed_));
    for (auto& [channel, part] : routed_) {
      const int64_t part_bytes = part == batch ? bytes : BatchBytes(*part);
      out_channels_[edge_channel_base_[e] + channel].pending.push_back(
          StreamElement::Batch(std::move(part), part_bytes));
    }
  }
  return arrow::Status::OK();
}

void Task::Broadcast(const StreamElement& element) {
  if (element.kind != StreamElement::Kind::kIdle) output_idle_ = false;
  for (auto& oc : out_channels_) oc.pending.push_back(element);
}

bool Task::DrainOutbox() {
  bool drained = true;
  for (auto& oc : out_channels_) {
    while (!oc.pending.empty()) {
      auto r = oc.channel->TryPush(oc.pending.front(), this);
      if (r == Channel::PushResult::kFull) {
        drained = false;
        break;
      }
      oc.pending.pop_front();  // pushed, or the consumer is gone (job stopping)
    }
  }
  return drained;
}

arrow::Status Task::EndOfInput() {
  ARROW_RETURN_NOT_OK(DeliverWatermark(0, kMaxWatermark));
  for (size_t k = 0; k < spec_.chain.size(); ++k) {
    auto& link = spec_.chain[k];
    ARROW_RETURN_NOT_OK(Annotate(link.info, link.op->Finish(link_outputs_[k + 1].get())));
  }
  Broadcast(StreamElement::EndOfInput());
  ended_ = true;
  return arrow::Status::OK();
}

arrow::Status Task::PollSource(std::optional<EventTime>* wait_until) {
  auto result = spec_.source->Poll(link_outputs_[0].get());
  if (!result.ok()) return Annotate(spec_.source_info, result.status());
  switch (result->kind) {
    case PollResult::Kind::kMore:
      return arrow::Status::OK();
    case PollResult::Kind::kWaitUntil:
      *wait_until = result->until;
      return arrow::Status::OK();
    case PollResult::Kind::kPending:
      *wait_until = kMaxWatermark;  // no deadline: a WakeHandle wakes the task
      return arrow::Status::OK();
    case PollResult::Kind::kEnd:
      return EndOfInput();
  }
  return arrow::Status::OK();
}

arrow::Status Task::OnInputWatermarkChange() {
  EventTime min = kMaxWatermark;
  bool any_active = false, all_ended = true;
  for (size_t ch = 0; ch < channel_watermark_.size(); ++ch) {
    if (channel_ended_[ch]) continue;
    all_ended = false;
    if (channel_idle_[ch]) continue;
    any_active = true;
    min = std::min(min, channel_watermark_[ch]);
  }
  if (all_ended) return EndOfInput();
  if (!any_active) {
    if (!sent_idle_) {
      sent_idle_ = true;
      if (!output_idle_) {
        output_idle_ = true;
        Broadcast(StreamElement::Idle());
      }
    }
    return arrow::Status::OK();
  }
  if (min > input_watermark_) {
    input_watermark_ = min;
    return DeliverWatermark(0, min);
  }
  return arrow::Status::OK();
}

arrow::Status Task::ProcessInput(bool* got_element) {
  const bool aligning = aligning_id_ > aligned_id_;
  auto polled = spec_.input->Poll(this, aligning ? &channel_blocked_ : nullptr);
  if (!polled) {
    *got_element = false;
    return arrow::Status::OK();
  }
  *got_element = true;
  const int ch = polled->channel;
  StreamElement& e = polled->element;
  switch (e.kind) {
    case StreamElement::Kind::kBatch:
      if (channel_idle_[ch]) {
        channel_idle_[ch] = 0;
        sent_idle_ = false;
      }
      return Deliver(0, spec_.input->logical_input(ch), std::move(e.batch), e.bytes);
    case StreamElement::Kind::kWatermark:
      channel_idle_[ch] = 0;
      sent_idle_ = false;
      channel_watermark_[ch] = std::max(channel_watermark_[ch], e.watermark);
      return OnInputWatermarkChange();
    case StreamElement::Kind::kIdle:
      channel_idle_[ch] = 1;
      return OnInputWatermarkChange();
    case StreamElement::Kind::kBarrier:
      return OnBarrier(ch, e.checkpoint_id);
    case StreamElement::Kind::kEndOfInput:
      channel_ended_[ch] = 1;
      ARROW_RETURN_NOT_OK(MaybeCompleteAlignment());
      return OnInputWatermarkChange();
  }
  return arrow::Status::OK();
}

arrow::Status Task::FireProcessingTimeCallbacks(EventTime now) {
  for (size_t k = 0; k < spec_.chain.size(); ++k) {
    LinkContext& ctx = *contexts_[k];
    if (!ctx.callback || *ctx.callback > now) continue;
    ctx.callback.reset();
    auto& link = spec_.chain[k];
    ARROW_RETURN_NOT_OK(
        Annotate(link.info, link.op->OnProcessingTime(now, link_outputs_[k + 1].get())));
  }
  return arrow::Status::OK();
}

std::optional<EventTime> Task::NextProcessingTimeCallback() const {
  std::optional<EventTime> next;
  for (size_t k = 0; k < spec_.chain.size(); ++k) {
    const auto& cb = contexts_[k]->callback;
    if (cb && (!next || *cb < *next)) next = cb;
  }
  return next;
}

StepResult Task::Step() {
  const auto start = SteadyClock::now();
  if (blocked_since_) {
    AddMicros(backpressured_micros_, start - *blocked_since_);
    blocked_since_.reset();
  }
  auto done = [&](StepResult r) {
    AddMicros(busy_micros_, SteadyClock::now() - start);
    return r;
  };
  auto fail = [&](const arrow::Status& st) {
    job_->Fail(st);
    Shutdown();
    return done(StepResult::Finished());
  };
  if (job_->stopping()) {
    Shutdown();
    return done(StepResult::Finished());
  }
  if (!opened_) {
    opened_ = true;
    auto st = Open();
    if (!st.ok()) return fail(st);
  }
  auto blocked_on_output = [&] {
    blocked_since_ = SteadyClock::now();
    return done(StepResult::Blocked());
  };
  // After the end of input: report the final state, then wait until the final
  // checkpoint completed (that is when transactional sinks commit) and end.
  auto after_end = [&] {
    if (!final_reported_) {
      final_reported_ = true;
      auto st = ReportFinished();
      if (!st.ok()) return fail(st);
      bool stop = false;
      st = HandleCheckpointRequests(&stop);
      if (!st.ok()) return fail(st);
    }
    if (notified_id_ >= final_id_) {
      Shutdown();
      return done(StepResult::Finished());
    }
    return done(StepResult::Blocked());  // woken by NotifyCheckpointComplete
  };
  {
    bool stop = false;
    auto st = HandleCheckpointRequests(&stop);
    if (!st.ok()) return fail(st);
    if (stop) {  // stop with savepoint: the savepoint holds everything
      Shutdown();
      return done(StepResult::Finished());
    }
  }
  if (!DrainOutbox()) return blocked_on_output();
  if (ended_) return after_end();
  auto st = FireProcessingTimeCallbacks(WallMicros());
  if (!st.ok()) return fail(st);
  if (!DrainOutbox()) return blocked_on_output();

  // A source that passed the barrier of a stop-with-savepoint emits nothing more
  // (Flink's synchronous savepoint): rows after it would be lost to the savepoint
  // yet seen by non-transactional sinks. It resumes if the savepoint is aborted.
  if (spec_.source && triggered_id_ != 0 && spec_.coordinator &&
      spec_.coordinator->IsStopSavepoint(triggered_id_)) {
    return done(
        StepResult::WaitUntil(SteadyClock::now() + std::chrono::milliseconds(10)));
  }
  std::optional<EventTime> wait_until;
  bool idle = false;
  for (int i = 0; i < spec_.quantum; ++i) {
    bool progressed = true;
    if (spec_.source) {
      st = PollSource(&wait_until);
      progressed = !wait_until;
    } else {
      st = ProcessInput(&progressed);
    }
    if (!st.ok()) return fail(st);
    if (!DrainOutbox()) return blocked_on_output();
    if (ended_) return after_end();
    if (!progressed) {
      idle = true;
      break;
    }
    if (job_->stopping()) break;
  }
  if (!idle) return done(StepResult::Ready());
  auto next = NextProcessingTimeCallback();
  if (wait_until && *wait_until != kMaxWatermark && (!next || *wait_until < *next))
    next = wait_until;
  if (!next) return done(StepResult::Blocked());  // woken by the input gate
  return done(StepResult::WaitUntil(SteadyAt(*next)));
}

}  // namespace weir::runtime
