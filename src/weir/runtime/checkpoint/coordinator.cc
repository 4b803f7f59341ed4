#include "weir/runtime/checkpoint/coordinator.h"

#include <filesystem>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::runtime {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CheckpointId CheckpointHistory::NextId() {
  std::lock_guard<std::mutex> lock(mu_);
  return next_id_++;
}

void CheckpointHistory::Record(const CheckpointStats& stats) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stats.status == "COMPLETED" && stats.id > latest_id_) {
    // Savepoints count: sinks published what they cover, so nothing older may be
    // restored after them.
    latest_id_ = stats.id;
    latest_ = stats.path;
  }
  for (auto& s : stats_) {
    if (s.id == stats.id) {
      s = stats;
      return;
    }
  }
  stats_.push_back(stats);
  if (stats_.size() > 1000) stats_.erase(stats_.begin());  // bounded for long jobs
}

std::vector<CheckpointStats> CheckpointHistory::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::optional<std::string> CheckpointHistory::latest_completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

CheckpointCoordinator::CheckpointCoordinator(
    std::string job_name, CheckpointingOptions options, CheckpointHistory* history,
    std::function<void(const arrow::Status&)> fail)
    : job_name_(std::move(job_name)),
      options_(std::move(options)),
      history_(history),
      fail_(std::move(fail)) {}

CheckpointCoordinator::~CheckpointCoordinator() { Stop(); }

int CheckpointCoordinator::AddTask(CheckpointParticipant* task, bool is_source) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.push_back(task);
  finished_.emplace_back();
  finished_mark_.push_back(0);
  const int index = static_cast<int>(tasks_.size()) - 1;
  if (is_source) sources_.push_back(index);
  return index;
}

void CheckpointCoordinator::Start() {
  last_end_ = Clock::now();
  if (enabled() && options_.interval.count() > 0)
    thread_ = std::thread([this] { Run(); });
}

void CheckpointCoordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (savepoint_id_ && !savepoint_result_) {
      savepoint_result_ =
          arrow::Result<std::string>(arrow::Status::Cancelled("the job stopped before "
                                                              "the savepoint completed"));
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CheckpointCoordinator::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next_trigger = Clock::now() + options_.interval;
  while (!stopping_) {
    if (finishing_ && !pending_) {
      // No more periodic checkpoints: sleep until stopped (a savepoint in flight is
      // aborted by BeginFinish).
      cv_.wait(lock, [&] { return stopping_; });
      break;
    }
    Clock::time_point wake;
    if (pending_) {
      wake = pending_->started + options_.timeout;
    } else {
      wake = std::max(next_trigger, last_end_ + options_.min_pause);
    }
    cv_.wait_until(lock, wake);
    if (stopping_) break;
    const auto now = Clock::now();
    if (pending_ && now >= pending_->started + options_.timeout) {
      AbortLocked(fmt::format("timed out after {} ms", options_.timeout.count()));
      continue;
    }
    if (pending_ || finishing_) continue;
    if (now >= next_trigger && now >= last_end_ + options_.min_pause) {
      const CheckpointId id = history_->NextId();
      TriggerLocked(CheckpointKind::kCheckpoint, CheckpointFolder(options_.dir, id),
                    false, id);
      next_trigger = now + options_.interval;
    }
  }
}

void CheckpointCoordinator::TriggerLocked(CheckpointKind kind, std::string folder,
                                          bool stop, CheckpointId id) {
  Pending p;
  p.id = id;
  p.kind = kind;
  p.folder = std::move(folder);
  p.stop = stop;
  p.started = Clock::now();
  p.acks.resize(tasks_.size());
  p.stats.id = id;
  p.stats.kind = kind;
  p.stats.trigger_ms = WallMillis();
  p.stats.path = p.folder;
  history_->Record(p.stats);
  pending_ = std::move(p);
  for (int s : sources_) tasks_[s]->TriggerCheckpoint(id);
}

void CheckpointCoordinator::AbortLocked(const std::string& why) {
  if (!pending_) return;
  Pending p = std::move(*pending_);
  pending_.reset();
  p.stats.status = "FAILED";
  p.stats.failure = why;
  p.stats.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.started);
  history_->Record(p.stats);
  if (p.kind != CheckpointKind::kCheckpoint) {
    LogWarning("{} {} aborted: {}", CheckpointKindName(p.kind), p.id, why);
  }
  if (savepoint_id_ == p.id && !savepoint_result_) {
    savepoint_result_ = arrow::Result<std::string>(
        arrow::Status::Invalid("savepoint ", p.id, " aborted: ", why));
  }
  std::error_code ec;
  fs::remove_all(p.folder, ec);
  last_end_ = Clock::now();
  cv_.notify_all();
}

bool CheckpointCoordinator::IsStopSavepoint(CheckpointId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return (pending_ && pending_->id == id && pending_->stop) ||
         (id != 0 && id == completing_stop_id_);
}

std::string CheckpointCoordinator::FolderFor(CheckpointId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_ && pending_->id == id) return pending_->folder;
  if (finishing_ && id == final_id_ && enabled())
    return CheckpointFolder(options_.dir, final_id_);
  return "";
}

void CheckpointCoordinator::Acknowledge(int task, CheckpointId id,
                                        const TaskStateFile& file,
                                        std::chrono::microseconds alignment) {
  std::optional<Pending> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_ || pending_->id != id || pending_->acks[task]) return;
    pending_->acks[task] = file;
    ++pending_->acked;
    pending_->stats.bytes += file.bytes;
    pending_->stats.alignment = std::max(pending_->stats.alignment, alignment);
    if (pending_->acked < static_cast<int>(tasks_.size())) return;
    // Until its manifest is written and the tasks told, a stop-with-savepoint still
    // holds its sources (IsStopSavepoint), or they would emit rows after its barrier.
    if (pending_->stop) completing_stop_id_ = id;
    done = std::move(*pending_);
    pending_.reset();
  }
  Complete(std::move(*done));
}

void CheckpointCoordinator::Complete(Pending p) {
  CheckpointManifest m;
  m.id = p.id;
  m.kind = p.kind;
  m.job_name = job_name_;
  m.timestamp_ms = p.stats.trigger_ms;
  for (auto& a : p.acks) m.tasks.push_back(*a);
  auto st = WriteManifest(p.folder, m);
  p.stats.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.started);
  if (!st.ok()) {
    p.stats.status = "FAILED";
    p.stats.failure = st.message();
    history_->Record(p.stats);
    LogWarning("checkpoint {} failed: {}", p.id, st.message());
    std::lock_guard<std::mutex> lock(mu_);
    if (completing_stop_id_ == p.id) completing_stop_id_ = 0;  // sources go on
    if (savepoint_id_ == p.id && !savepoint_result_)
      savepoint_result_ = arrow::Result<std::string>(st);
    last_end_ = Clock::now();
    cv_.notify_all();
    return;
  }
  p.stats.status = "COMPLETED";
  history_->Record(p.stats);
  if (p.kind == CheckpointKind::kCheckpoint)
    PruneCheckpoints(options_.dir, options_.retain);
  if (p.kind == CheckpointKind::kSavepoint)
    LogInfo("savepoint {} completed in '{}'", p.id, p.folder);
  std::vector<CheckpointParticipant*> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks = tasks_;
  }
  if (p.stop) stop_completed_.store(true);
  for (auto* t : tasks) t->NotifyCheckpointComplete(p.id, p.stop);
  std::lock_guard<std::mutex> lock(mu_);
  if (savepoint_id_ == p.id && !savepoint_result_)
    savepoint_result_ = arrow::Result<std::string>(p.folder);
  last_end_ = Clock::now();
  cv_.notify_all();
}

void CheckpointCoordinator::Decline(CheckpointId id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_ && pending_->id == id) AbortLocked(reason);
}

CheckpointId CheckpointCoordinator::BeginFinish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!finishing_) {
    finishing_ = true;
    final_id_ = history_->NextId();
    AbortLocked("an input ended; the final checkpoint covers what it held");
  }
  return final_id_;
}

void CheckpointCoordinator::TaskFinished(int task, std::optional<TaskStateFile> file) {
  std::vector<CheckpointParticipant*> tasks;
  std::vector<std::optional<TaskStateFile>> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_mark_[task]) return;
    finished_mark_[task] = 1;
    finished_[task] = std::move(file);
    if (++finished_count_ < static_cast<int>(tasks_.size())) return;
    tasks = tasks_;
    files = finished_;
  }
  if (enabled()) {
    CheckpointStats stats;
    stats.id = final_id_;
    stats.kind = CheckpointKind::kFinal;
    stats.trigger_ms = WallMillis();
    stats.path = CheckpointFolder(options_.dir, final_id_);
    CheckpointManifest m;
    m.id = final_id_;
    m.kind = CheckpointKind::kFinal;
    m.job_name = job_name_;
    m.timestamp_ms = stats.trigger_ms;
    for (auto& f : files) {
      if (!f) {
        fail_(InternalError("final checkpoint {} misses a task's state", final_id_));
        return;
      }
      m.tasks.push_back(*f);
      stats.bytes += f->bytes;
    }
    auto st = WriteManifest(stats.path, m);
    if (!st.ok()) {
      // Committing without a durable final checkpoint could duplicate rows after a
      // restore, so the job fails and nothing more becomes visible.
      fail_(WithContext(st, fmt::format("final checkpoint {}", final_id_)));
      return;
    }
    stats.status = "COMPLETED";
    history_->Record(stats);
    PruneCheckpoints(options_.dir, options_.retain);
  }
  final_notified_.store(true);
  for (auto* t : tasks) t->NotifyCheckpointComplete(final_id_, false);
}

arrow::Result<std::string> CheckpointCoordinator::TriggerSavepoint(
    const std::string& dir, bool stop, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = Clock::now() + timeout;
  if (!cv_.wait_until(lock, deadline, [&] { return stopping_ || !pending_; }))
    return arrow::Status::IOError("timed out waiting for a running checkpoint");
  if (stopping_) return arrow::Status::Cancelled("the job is not running");
  if (finishing_) {
    return UserError(
        "the job's input ended; its final checkpoint commits everything, "
        "no savepoint is needed");
  }
  const CheckpointId id = history_->NextId();
  savepoint_id_ = id;
  savepoint_result_.reset();
  savepoint_requested_.store(true);
  TriggerLocked(CheckpointKind::kSavepoint,
                (fs::path(dir) / fmt::format("savepoint-{}", id)).string(), stop, id);
  if (!cv_.wait_until(lock, deadline, [&] { return savepoint_result_.has_value(); })) {
    // Still collecting acknowledgements: abort it. Otherwise its manifest is being
    // written right now and the outcome is moments away.
    if (pending_ && pending_->id == id) AbortLocked("timed out");
    cv_.wait(lock, [&] { return savepoint_result_.has_value(); });
  }
  auto result = std::move(*savepoint_result_);
  savepoint_result_.reset();
  return result;
}

}  // namespace weir::runtime
