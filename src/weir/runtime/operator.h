#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "weir/runtime/stream_element.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

/// Where a subtask sits in its job.
struct SubtaskInfo {
  /// The vertex (operator or source) name as given in the job graph.
  std::string name;
  /// This subtask's index, 0 … parallelism-1.
  int index = 0;
  /// How many subtasks the vertex has.
  int parallelism = 1;
  /// Number of key groups (the most subtasks a keyed vertex may be rescaled to).
  int max_parallelism = 128;
};

/// Receives what an operator or source emits. Calls run synchronously on the
/// emitting subtask's thread: into the next chained operator, or into the task's
/// outbox toward the next vertex.
class Output {
 public:
  virtual ~Output() = default;
  /// Emits a batch downstream. Empty batches are dropped.
  virtual arrow::Status Emit(std::shared_ptr<arrow::RecordBatch> batch) = 0;
  /// Emits a watermark: no later element will have an event time at or below it.
  /// Watermarks that do not advance are dropped.
  virtual arrow::Status EmitWatermark(EventTime watermark) = 0;
  /// Emits a batch to the side output `tag` (e.g. late data). Side outputs without a
  /// consumer in the job graph drop what they get.
  virtual arrow::Status EmitSide(const std::string& tag,
                                 std::shared_ptr<arrow::RecordBatch> batch) {
    (void)tag;
    (void)batch;
    return arrow::Status::OK();
  }
  /// Declares this stream idle until its next element: downstream tasks then leave it
  /// out of their minimum watermark (Flink's WithIdleness).
  virtual arrow::Status MarkIdle() { return arrow::Status::OK(); }
};

/// Wakes a task from another thread (an I/O completion, a client library's
/// callback). Safe to call at any time, even after the task ended: it is then a no-op.
class WakeHandle {
 public:
  virtual ~WakeHandle() = default;
  /// Asks for the owning task to run again soon.
  virtual void Wake() = 0;
};

/// What an operator may ask of the runtime. Valid from Open() to Close().
class OperatorContext {
 public:
  virtual ~OperatorContext() = default;
  /// Returns the subtask this operator instance runs as.
  virtual const SubtaskInfo& subtask() const = 0;
  /// Returns the watermark last delivered to this operator.
  virtual EventTime current_watermark() const = 0;
  /// Returns the wall-clock processing time in microseconds since the epoch.
  virtual EventTime ProcessingTime() const = 0;
  /// Asks for OnProcessingTime() to be called once processing time reaches `time`.
  /// Only the earliest pending request per operator is kept.
  virtual void RequestProcessingTimeCallback(EventTime time) = 0;
  /// Returns a handle that wakes this operator's task from any thread; used by
  /// sources whose Poll() returned kPending.
  virtual std::shared_ptr<WakeHandle> MakeWakeHandle() = 0;
  /// Returns whether checkpoints of this job are stored, so that state snapshotted
  /// for one may be restored later (transactional sinks then keep staged files on
  /// failure instead of deleting them).
  virtual bool checkpoints_stored() const { return false; }
  /// Returns whether checkpoint `id`, being snapshotted now, is a stop-with-savepoint
  /// (the job ends after it: sinks publish everything they hold).
  virtual bool IsStopSavepoint(CheckpointId id) const {
    (void)id;
    return false;
  }
  /// Returns the parallelism of the checkpoint this operator was restored from, or 0
  /// when it started fresh.
  virtual int restored_parallelism() const { return 0; }
};

/// Writes an operator's keyed state, copied at a checkpoint, into a backend (see
/// Operator::SnapshotStateAsync).
using KeyedStateWriter = std::function<arrow::Status(state::KeyedStateBackend*)>;

/// A runtime operator: the mutable, per-subtask half of a plan node.
///
/// Threading: every hook of one instance runs on one thread at a time (the task that
/// owns it), so an operator needs no locks for its own state. Order per instance:
/// Open, then any interleaving of ProcessBatch / ProcessWatermark / OnProcessingTime,
/// then Finish (only when every input ended; not on cancellation or failure), then
/// Close (always, exactly once, even when Open failed).
class Operator {
 public:
  virtual ~Operator() = default;
  /// Prepares the operator; `context` stays valid until Close().
  virtual arrow::Status Open(OperatorContext* context) {
    (void)context;
    return arrow::Status::OK();
  }
  /// Processes one batch from logical input `input` (0, or 1 for the second input of
  /// a two-input operator).
  virtual arrow::Status ProcessBatch(int input,
                                     const std::shared_ptr<arrow::RecordBatch>& batch,
                                     Output* out) = 0;
  /// Reacts to the combined watermark of all inputs advancing; forwards it by default.
  virtual arrow::Status ProcessWatermark(EventTime watermark, Output* out) {
    return out->EmitWatermark(watermark);
  }
  /// Called when a processing time requested through the context is reached.
  virtual arrow::Status OnProcessingTime(EventTime now, Output* out) {
    (void)now;
    (void)out;
    return arrow::Status::OK();
  }
  /// Flushes at the end of bounded input. Runs after the final watermark
  /// (kMaxWatermark) has passed through the whole chain and downstream, so rows
  /// emitted here are late for event-time operators further down (as in Flink):
  /// flush event-time state on the final watermark instead.
  virtual arrow::Status Finish(Output* out) {
    (void)out;
    return arrow::Status::OK();
  }
  /// Releases resources.
  virtual arrow::Status Close() { return arrow::Status::OK(); }

  /// Writes the operator's state into `backend` for a checkpoint, keyed and by key
  /// group, so that a restore at another parallelism gets the right share. Called
  /// between elements, never concurrently with other hooks. Stateless operators keep
  /// the default.
  virtual arrow::Status SnapshotState(state::KeyedStateBackend* backend) {
    (void)backend;
    return arrow::Status::OK();
  }
  /// The asynchronous form of SnapshotState, for operators with large state: takes a
  /// copy of what the snapshot needs now (between elements, as SnapshotState) and
  /// returns a function that writes that copy into a backend later, on the
  /// checkpoint's writer thread, while the operator goes on (Flink's asynchronous
  /// snapshot phase). The function must not touch the operator. Returns a null
  /// function (the default) to have SnapshotState run instead.
  virtual arrow::Result<KeyedStateWriter> SnapshotStateAsync() {
    return KeyedStateWriter();
  }
  /// Loads state written by SnapshotState from `backend` (which holds only this
  /// subtask's key groups); called after Open and before any element.
  virtual arrow::Status RestoreState(state::KeyedStateBackend* backend) {
    (void)backend;
    return arrow::Status::OK();
  }

  /// Writes non-keyed state for checkpoint `id` as independent entries (Flink's
  /// operator list state): on restore at another parallelism the entries of all old
  /// subtasks are dealt round-robin to the new ones. Called when the checkpoint's
  /// barrier passes this operator (after SnapshotState), and once more at the end of
  /// input for the final checkpoint. Transactional sinks stage their files here.
  virtual arrow::Status SnapshotOperatorState(CheckpointId id,
                                              std::vector<std::string>* entries) {
    (void)id;
    (void)entries;
    return arrow::Status::OK();
  }
  /// Loads the entries SnapshotOperatorState wrote (this subtask's share; may be
  /// empty). Called after Open and RestoreState, before any element, whenever the
  /// job starts from a checkpoint.
  virtual arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) {
    (void)entries;
    return arrow::Status::OK();
  }
  /// Says checkpoint `id` is durable: every operator's state for it is stored and its
  /// manifest written. Transactional sinks make the files staged for checkpoints up
  /// to `id` visible here. Runs on the operator's task, between elements.
  virtual arrow::Status NotifyCheckpointComplete(CheckpointId id) {
    (void)id;
    return arrow::Status::OK();
  }
};

/// What a source's Poll() reports.
struct PollResult {
  /// The kind of outcome.
  enum class Kind {
    kMore,       ///< call again soon
    kWaitUntil,  ///< nothing before processing time `until` (rate limit, monitor
                 ///< interval)
    kPending,    ///< nothing now; the source wakes the task through a WakeHandle
    kEnd,        ///< bounded input exhausted
  };
  Kind kind = Kind::kMore;
  /// For kWaitUntil: processing time, microseconds since the epoch.
  EventTime until = 0;

  /// Returns kMore.
  static PollResult More() { return {Kind::kMore, 0}; }
  /// Returns kWaitUntil.
  static PollResult WaitUntil(EventTime t) { return {Kind::kWaitUntil, t}; }
  /// Returns kPending.
  static PollResult Pending() { return {Kind::kPending, 0}; }
  /// Returns kEnd.
  static PollResult End() { return {Kind::kEnd, 0}; }
};

/// The per-subtask reader of a source (a split reader, in Flink's terms). Same
/// threading and lifecycle rules as Operator; Poll() replaces ProcessBatch().
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  /// Prepares the reader; `context` stays valid until Close().
  virtual arrow::Status Open(OperatorContext* context) {
    (void)context;
    return arrow::Status::OK();
  }
  /// Emits at most one batch (and any watermarks) and says what to do next. Must not
  /// block: a source with nothing to emit returns kWaitUntil.
  virtual arrow::Result<PollResult> Poll(Output* out) = 0;
  /// Writes the reader's position (remaining splits, offsets, generator ranges) for
  /// checkpoint `id` as independent entries that a restore may deal to any subtask.
  /// Called between two Polls; everything emitted before belongs to the checkpoint.
  virtual arrow::Status SnapshotOperatorState(CheckpointId id,
                                              std::vector<std::string>* entries) {
    (void)id;
    (void)entries;
    return arrow::Status::OK();
  }
  /// Loads this subtask's share of the entries; called after Open, before any Poll,
  /// whenever the job starts from a checkpoint.
  virtual arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) {
    (void)entries;
    return arrow::Status::OK();
  }
  /// Whether, restored at another parallelism, every subtask is given every entry
  /// (Flink's union list state) rather than a round-robin share: for readers that
  /// pick their own part of the entries (Kafka partitions by ownership).
  virtual bool RestoresAllEntries() const { return false; }
  /// Says checkpoint `id` completed (for sources that acknowledge upstream).
  virtual arrow::Status NotifyCheckpointComplete(CheckpointId id) {
    (void)id;
    return arrow::Status::OK();
  }
  /// Releases resources.
  virtual arrow::Status Close() { return arrow::Status::OK(); }
};

}  // namespace weir::runtime
