#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "weir/runtime/checkpoint/options.h"
#include "weir/runtime/checkpoint/storage.h"

namespace weir::runtime {

/// What the coordinator asks of a task. Calls come from other threads and must only
/// record the request and wake the task.
class CheckpointParticipant {
 public:
  virtual ~CheckpointParticipant() = default;
  /// For source tasks: snapshot and inject the barrier of checkpoint `id`.
  virtual void TriggerCheckpoint(CheckpointId id) = 0;
  /// Checkpoint `id` completed; when `stop` is set, the task ends after handling it.
  virtual void NotifyCheckpointComplete(CheckpointId id, bool stop) = 0;
};

/// Figures of one checkpoint, for metrics and logs.
struct CheckpointStats {
  CheckpointId id = 0;
  CheckpointKind kind = CheckpointKind::kCheckpoint;
  /// COMPLETED, FAILED or IN_PROGRESS.
  std::string status = "IN_PROGRESS";
  /// Wall-clock trigger time, ms since the epoch.
  int64_t trigger_ms = 0;
  /// From trigger to the manifest being durable.
  std::chrono::microseconds duration{0};
  /// Bytes of state files.
  int64_t bytes = 0;
  /// Longest time a task spent aligning barriers.
  std::chrono::microseconds alignment{0};
  /// The checkpoint folder.
  std::string path;
  /// Why it failed, when it did.
  std::string failure;
};

/// What outlives one attempt of a job: the next checkpoint id, the latest completed
/// checkpoint and the figures of every checkpoint. Thread-safe.
class CheckpointHistory {
 public:
  /// Starts ids after `last_id` (the highest found in the checkpoint directory).
  explicit CheckpointHistory(CheckpointId last_id) : next_id_(last_id + 1) {}
  /// Reserves the next id.
  CheckpointId NextId();
  /// Records a checkpoint's figures (replacing earlier figures of the same id).
  void Record(const CheckpointStats& stats);
  /// Returns the figures of the newest checkpoints (at most 1000), oldest first.
  std::vector<CheckpointStats> stats() const;
  /// Returns the folder of the newest completed checkpoint or savepoint of this job
  /// run, if any.
  std::optional<std::string> latest_completed() const;

 private:
  mutable std::mutex mu_;
  CheckpointId next_id_;
  std::vector<CheckpointStats> stats_;
  std::optional<std::string> latest_;
  CheckpointId latest_id_ = 0;
};

/// Triggers checkpoints of one job attempt, collects the tasks' acknowledgements,
/// writes manifests and tells tasks when a checkpoint is complete. Also runs the
/// final checkpoint when every input ended (with or without storage: it is what makes
/// transactional sinks commit at the end of a bounded job) and savepoints.
///
/// One checkpoint is pending at a time. Once any task finished its input, periodic
/// checkpoints stop and the pending one is aborted: the final checkpoint covers it.
class CheckpointCoordinator {
 public:
  /// Makes the coordinator of job `job_name`; `fail` stops the attempt with an error.
  CheckpointCoordinator(std::string job_name, CheckpointingOptions options,
                        CheckpointHistory* history,
                        std::function<void(const arrow::Status&)> fail);
  /// Stops the trigger thread.
  ~CheckpointCoordinator();

  /// Adds a task (before Start); returns its index for acknowledgements.
  int AddTask(CheckpointParticipant* task, bool is_source);
  /// Starts periodic checkpoints when an interval and a directory are set.
  void Start();
  /// Stops triggering and fails any waiting savepoint request. Idempotent.
  void Stop();

  /// Returns whether checkpoints are stored (a directory is set).
  bool enabled() const { return !options_.dir.empty(); }
  /// Returns whether snapshots may be restored later: checkpoints are stored, or a
  /// savepoint was requested.
  bool snapshots_stored() const { return enabled() || savepoint_requested_.load(); }

  /// Returns whether `id` is a stop-with-savepoint, pending or completed (sinks then
  /// publish everything they hold, since the job ends after it; sources that passed
  /// its barrier emit nothing more). False once it was aborted or failed.
  bool IsStopSavepoint(CheckpointId id) const;
  /// Returns whether a stop-with-savepoint completed (the job must not restart).
  bool stop_completed() const { return stop_completed_.load(); }
  /// Returns whether tasks were told to publish their final output.
  bool final_notified() const { return final_notified_.load(); }

  /// Returns the folder tasks write checkpoint `id` into, or empty when `id` is not
  /// pending (aborted, or storage disabled): the task then writes nothing.
  std::string FolderFor(CheckpointId id) const;
  /// A task stored its state for checkpoint `id`.
  void Acknowledge(int task, CheckpointId id, const TaskStateFile& file,
                   std::chrono::microseconds alignment);

  /// A task could not store its state for checkpoint `id`: the checkpoint is aborted
  /// at once instead of timing out.
  void Decline(CheckpointId id, const std::string& reason);

  /// A task reached the end of its input; returns the id of the final checkpoint
  /// it must snapshot for.
  CheckpointId BeginFinish();
  /// A task stored its final state (`file` unset when storage is disabled).
  void TaskFinished(int task, std::optional<TaskStateFile> file);

  /// Takes a savepoint into `dir` (as `savepoint-<id>/`) and waits for it; with
  /// `stop`, the tasks end right after it completes. Returns the folder.
  arrow::Result<std::string> TriggerSavepoint(const std::string& dir, bool stop,
                                              std::chrono::milliseconds timeout);

 private:
  struct Pending {
    CheckpointId id = 0;
    CheckpointKind kind = CheckpointKind::kCheckpoint;
    std::string folder;
    bool stop = false;
    std::chrono::steady_clock::time_point started;
    std::vector<std::optional<TaskStateFile>> acks;
    int acked = 0;
    CheckpointStats stats;
  };

  void Run();
  void TriggerLocked(CheckpointKind kind, std::string folder, bool stop, CheckpointId id);
  void AbortLocked(const std::string& why);
  // Writes the manifest; returns the stats. Called without the lock.
  void Complete(Pending pending);

  const std::string job_name_;
  const CheckpointingOptions options_;
  CheckpointHistory* history_;
  std::function<void(const arrow::Status&)> fail_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<CheckpointParticipant*> tasks_;
  std::vector<int> sources_;
  std::optional<Pending> pending_;
  std::chrono::steady_clock::time_point last_end_;
  bool stopping_ = false;
  bool finishing_ = false;
  CheckpointId final_id_ = 0;
  std::vector<std::optional<TaskStateFile>> finished_;
  std::vector<char> finished_mark_;
  int finished_count_ = 0;
  // Savepoint requests: the id asked for and its outcome.
  CheckpointId savepoint_id_ = 0;
  // A stop-with-savepoint whose acknowledgements are all in, being completed (its
  // sources stay held; 0: none).
  CheckpointId completing_stop_id_ = 0;
  std::optional<arrow::Result<std::string>> savepoint_result_;
  std::atomic<bool> savepoint_requested_{false};
  std::atomic<bool> stop_completed_{false};
  std::atomic<bool> final_notified_{false};
  std::thread thread_;
};

}  // namespace weir::runtime
