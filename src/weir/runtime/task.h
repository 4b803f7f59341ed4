#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "weir/runtime/channel.h"
#include "weir/runtime/checkpoint/coordinator.h"
#include "weir/runtime/checkpoint/snapshot.h"
#include "weir/runtime/job_state.h"
#include "weir/runtime/metrics.h"
#include "weir/runtime/operator.h"
#include "weir/runtime/partitioner.h"
#include "weir/runtime/scheduler.h"

namespace weir::runtime {

/// One operator of a chain with its identity and counters.
struct ChainLink {
  std::unique_ptr<Operator> op;
  SubtaskInfo info;
  OperatorMetrics* metrics = nullptr;
  /// Identity in checkpoints (`<vertex id>-<name>`).
  std::string uid;
  /// Snapshots of this operator from the restored checkpoint, one per old subtask;
  /// null when the job does not start from a checkpoint.
  const std::vector<OperatorSnapshot>* restore = nullptr;
};

/// One outgoing edge of a task: how to split batches, and the channels to the
/// consumer subtasks (indexed as the partitioner numbers them).
struct OutgoingEdge {
  std::unique_ptr<Partitioner> partitioner;
  std::vector<Channel*> channels;
  /// The side output this edge carries; empty for the main output.
  std::string tag;
};

/// Everything a task is made of.
struct TaskSpec {
  /// For source tasks: the reader, its identity and counters.
  std::unique_ptr<SourceReader> source;
  SubtaskInfo source_info;
  OperatorMetrics* source_metrics = nullptr;
  std::string source_uid;
  const std::vector<OperatorSnapshot>* source_restore = nullptr;
  /// Whether the job starts from a checkpoint (operators that were not in it start
  /// fresh).
  bool restored = false;
  /// Names this task's state file in checkpoints (`task-<vertex id>-<subtask>`).
  std::string key;
  /// The attempt's checkpoint coordinator.
  CheckpointCoordinator* coordinator = nullptr;
  /// Chained operators, in order.
  std::vector<ChainLink> chain;
  /// For non-source tasks: where input arrives.
  InputGate* input = nullptr;
  std::vector<OutgoingEdge> outputs;
  /// Elements handled per step before yielding the thread.
  int quantum = 16;
};

/// One subtask of a chain of operators, run cooperatively by the TaskScheduler.
///
/// A step drains the outbox into the output channels (blocking on a full one:
/// backpressure), then takes up to `quantum` elements from the source or the input
/// gate and pushes each through the chain. Watermarks from several input channels are
/// merged (minimum over channels that are neither idle nor ended). When every input
/// has ended, the final watermark and Finish() run through the chain and end-of-input
/// goes downstream.
class Task : public Schedulable, public CheckpointParticipant {
 public:
  /// Makes a task of `job`; `busy_micros`/`backpressured_micros` are its counters.
  Task(JobState* job, TaskSpec spec, std::atomic<int64_t>* busy_micros,
       std::atomic<int64_t>* backpressured_micros);
  ~Task() override;

  StepResult Step() override;

  void TriggerCheckpoint(CheckpointId id) override;
  void NotifyCheckpointComplete(CheckpointId id, bool stop) override;

  /// Sets this task's index at the coordinator (before the job starts).
  void set_checkpoint_index(int index) { checkpoint_index_ = index; }

 private:
  class LinkOutput;
  class LinkContext;

  arrow::Status Open();
  void Shutdown();
  bool DrainOutbox();
  arrow::Status PollSource(std::optional<EventTime>* wait_until);
  arrow::Status ProcessInput(bool* got_element);
  arrow::Status OnInputWatermarkChange();
  arrow::Status EndOfInput();
  arrow::Status FireProcessingTimeCallbacks(EventTime now);
  std::optional<EventTime> NextProcessingTimeCallback() const;
  arrow::Status Deliver(size_t k, int input, std::shared_ptr<arrow::RecordBatch> batch,
                        int64_t bytes);
  arrow::Status DeliverWatermark(size_t k, EventTime watermark);
  arrow::Status Route(const std::shared_ptr<arrow::RecordBatch>& batch, int64_t bytes,
                      const std::string& tag = "");
  void Broadcast(const StreamElement& element);
  arrow::Status Annotate(const SubtaskInfo& where, arrow::Status status);
  arrow::Status Restore();
  arrow::Status RestoreOne(Operator* op, SourceReader* source, const SubtaskInfo& info,
                           const std::vector<OperatorSnapshot>* parts);
  // Snapshots every operator; `keyed` includes keyed state (skipped when no
  // checkpoint storage would keep it).
  arrow::Result<TaskSnapshot> SnapshotAll(CheckpointId id, bool keyed);
  arrow::Status Checkpoint(CheckpointId id, std::chrono::microseconds alignment);
  // Waits for the previous checkpoint's asynchronous write, if one is running.
  void WaitForStateWriter();
  arrow::Status OnBarrier(int channel, CheckpointId id);
  arrow::Status MaybeCompleteAlignment();
  arrow::Status HandleCheckpointRequests(bool* stop);
  arrow::Status ReportFinished();

  JobState* job_;
  TaskSpec spec_;
  std::atomic<int64_t>* busy_micros_;
  std::atomic<int64_t>* backpressured_micros_;

  std::vector<std::unique_ptr<LinkOutput>> link_outputs_;  // [k] feeds chain[k]
  std::vector<std::unique_ptr<LinkContext>> contexts_;  // [k] of chain[k], last: source

  // Outbox: per output channel, elements not yet accepted by the channel.
  struct OutChannel {
    Channel* channel;
    std::deque<StreamElement> pending;
  };
  std::vector<OutChannel> out_channels_;
  std::vector<int> edge_channel_base_;  // index into out_channels_ per edge
  std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>> routed_;

  // Input watermark tracking, per input channel.
  std::vector<EventTime> channel_watermark_;
  std::vector<char> channel_idle_;
  std::vector<char> channel_ended_;
  EventTime input_watermark_ = kMinWatermark;
  bool sent_idle_ = false;
  bool output_idle_ = false;  // the last thing sent downstream was an idle marker
  EventTime emitted_watermark_ = kMinWatermark;

  bool opened_ = false;
  bool ended_ = false;      // end-of-input queued in the outbox
  bool shut_down_ = false;  // Close() ran
  bool annotated_ = false;
  std::optional<SteadyClock::time_point> blocked_since_;

  // Checkpoints.
  int checkpoint_index_ = 0;
  std::atomic<CheckpointId> trigger_id_{0};  // sources: newest requested
  CheckpointId triggered_id_ = 0;
  std::atomic<CheckpointId> complete_id_{0};  // newest completed
  std::atomic<CheckpointId> stop_id_{0};      // end after this one completed
  CheckpointId notified_id_ = 0;
  CheckpointId aligning_id_ = 0;  // barrier being aligned (0: none)
  CheckpointId aligned_id_ = 0;   // last barrier passed on
  std::vector<char> channel_blocked_;
  SteadyClock::time_point alignment_start_;
  bool final_reported_ = false;
  CheckpointId final_id_ = 0;
  // The asynchronous phase of the last checkpoint: encoding, checksums and the
  // durable write of its snapshot, then the acknowledgement (one at a time).
  std::thread state_writer_;
  std::vector<std::shared_ptr<WakeHandle>> wake_handles_;
};

}  // namespace weir::runtime
