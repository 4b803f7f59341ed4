#include "weir/runtime/job.h"

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/runtime/checkpoint/storage.h"
#include "weir/runtime/job_state.h"
#include "weir/runtime/scheduler.h"
#include "weir/runtime/task.h"

namespace weir::runtime {

const char* JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kRunning:
      return "RUNNING";
    case JobStatus::kFinished:
      return "FINISHED";
    case JobStatus::kFailed:
      return "FAILED";
    case JobStatus::kCancelled:
      return "CANCELED";
  }
  return "?";
}

std::vector<OperatorMetricsSnapshot> SumBySubtask(
    const std::vector<OperatorMetricsSnapshot>& per_subtask) {
  std::vector<OperatorMetricsSnapshot> out;
  for (const auto& s : per_subtask) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const auto& o) { return o.name == s.name; });
    if (it == out.end()) {
      out.push_back(s);
      out.back().subtask = -1;
      continue;
    }
    it->records_in += s.records_in;
    it->records_out += s.records_out;
    it->batches_in += s.batches_in;
    it->batches_out += s.batches_out;
    it->bytes_in += s.bytes_in;
    it->bytes_out += s.bytes_out;
    it->busy_micros += s.busy_micros;
    it->backpressured_micros += s.backpressured_micros;
    it->watermark = std::min(it->watermark, s.watermark);
  }
  return out;
}

OperatorMetricsSnapshot JobResult::Totals(const std::string& name) const {
  for (const auto& s : SumBySubtask(subtask_metrics)) {
    if (s.name == name) return s;
  }
  return OperatorMetricsSnapshot{};
}

// One run of the job's tasks. Members are destroyed in reverse order: the scheduler
// (which joins its threads) first, then the tasks it ran, then what they referenced.
struct JobClient::Attempt {
  std::optional<RestoredCheckpoint> restored;
  std::deque<OperatorMetrics> metrics;
  std::deque<std::atomic<int64_t>> task_counters;
  std::vector<std::unique_ptr<InputGate>> gates;
  std::unique_ptr<JobState> state;
  std::shared_ptr<CheckpointCoordinator> coordinator;
  std::vector<std::unique_ptr<Task>> tasks;
  std::unique_ptr<TaskScheduler> scheduler;

  std::vector<OperatorMetricsSnapshot> Metrics() const {
    std::vector<OperatorMetricsSnapshot> out;
    for (const auto& m : metrics) out.push_back(m.Snapshot());
    return out;
  }
};

JobClient::JobClient() = default;

JobClient::~JobClient() {
  Cancel();
  Join();
}

JobStatus JobClient::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!done_) return JobStatus::kRunning;
  if (!failure_.ok()) return JobStatus::kFailed;
  if (attempt_cancelled_) return JobStatus::kCancelled;
  return JobStatus::kFinished;
}

void JobClient::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
  if (attempt_) attempt_->state->Cancel();
}

arrow::Result<std::string> JobClient::StopWithSavepoint(
    const std::string& dir, std::chrono::milliseconds timeout) {
  std::shared_ptr<CheckpointCoordinator> coordinator;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ || !attempt_) return UserError("job '{}' is not running", name_);
    coordinator = attempt_->coordinator;  // shared: survives the attempt's replacement
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return UserError("cannot create savepoint directory '{}': {}", dir, ec.message());
  // A stopped coordinator (the attempt failed meanwhile) refuses at once.
  return coordinator->TriggerSavepoint(dir, /*stop=*/true, timeout);
}

void JobClient::Join() {
  std::lock_guard<std::mutex> lock(join_mu_);
  if (supervisor_.joinable()) supervisor_.join();
}

bool JobClient::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done_; });
}

arrow::Result<JobResult> JobClient::Wait() {
  Join();
  std::lock_guard<std::mutex> lock(mu_);
  ARROW_RETURN_NOT_OK(failure_);
  if (attempt_cancelled_)
    return arrow::Status::Cancelled("job '", name_, "' was cancelled");
  JobResult result;
  result.job_name = name_;
  result.duration = duration_;
  result.subtask_metrics = final_metrics_;
  return result;
}

std::vector<OperatorMetricsSnapshot> JobClient::Metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return final_metrics_;
  return attempt_ ? attempt_->Metrics() : std::vector<OperatorMetricsSnapshot>{};
}

std::vector<CheckpointStats> JobClient::Checkpoints() const { return history_->stats(); }

int JobClient::restarts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restarts_;
}

std::string JobClient::restored_from() const { return restored_from_; }

void JobClient::Supervise() {
  for (;;) {
    Attempt* attempt;
    {
      std::lock_guard<std::mutex> lock(mu_);
      attempt = attempt_.get();
    }
    attempt->state->WaitAllDone();
    attempt->coordinator->Stop();
    {
      // Cancel() wakes tasks through the scheduler while holding mu_: join the
      // workers and destroy the scheduler only when no Cancel() is in flight.
      std::lock_guard<std::mutex> lock(mu_);
      attempt->scheduler.reset();
    }
    const arrow::Status failure = attempt->state->failure();
    const bool cancelled = attempt->state->cancelled();

    std::unique_lock<std::mutex> lock(mu_);
    const auto& restart = options_.restart;
    // Restarting is wrong once output was published that no restore point covers: a
    // stop-with-savepoint completed (the job was asked to end), or the final output
    // of a job without checkpoint storage is being published (a restart would run
    // from scratch and publish it twice).
    arrow::Status no_restart;
    if (!failure.ok() && attempt->coordinator->stop_completed()) {
      no_restart =
          WithContext(failure, "the job failed after its stop savepoint completed");
    } else if (!failure.ok() && attempt->coordinator->final_notified() &&
               options_.checkpointing.dir.empty()) {
      no_restart =
          WithContext(failure,
                      "the job failed while publishing its output; some files may be "
                      "visible already, so it is not restarted");
    }
    if (!no_restart.ok()) {
      failure_ = no_restart;
    } else if (!failure.ok() && !cancelled_ &&
               restart.kind == RestartStrategy::Kind::kFixedDelay &&
               restarts_ < restart.attempts) {
      ++restarts_;
      LogWarning("job '{}' failed: {}; restart {} of {} in {} ms", name_,
                 failure.message(), restarts_, restart.attempts, restart.delay.count());
      cv_.wait_for(lock, restart.delay, [&] { return cancelled_; });
      if (!cancelled_) {
        // The newest restore point wins (by id): this run's checkpoints and
        // savepoints, the directory's newest valid checkpoint, the one the job
        // started from. Restoring anything older would replay rows that sinks
        // published since.
        std::optional<std::string> restore;
        CheckpointId restore_id = 0;
        auto consider = [&](const std::optional<std::string>& folder) {
          if (!folder || folder->empty()) return;
          auto m = ReadManifest(*folder);
          if (m.ok() && m->id > restore_id) {
            restore_id = m->id;
            restore = folder;
          }
        };
        consider(history_->latest_completed());
        if (!options_.checkpointing.dir.empty()) {
          auto found = FindLatestCheckpoint(options_.checkpointing.dir);
          if (found.ok()) consider(*found);
        }
        consider(restored_from_);
        lock.unlock();
        auto next = StartAttempt(restore);
        lock.lock();
        if (next.ok()) {
          final_metrics_ = attempt_->Metrics();
          attempt_ = std::move(*next);
          if (cancelled_) attempt_->state->Cancel();
          lock.unlock();
          continue;
        }
        failure_ = WithContext(next.status(), "restarting the job");
      }
    } else {
      failure_ = failure;
    }
    attempt_cancelled_ = failure_.ok() && (cancelled || cancelled_);
    duration_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start_);
    final_metrics_ = attempt_->Metrics();
    done_ = true;
    cv_.notify_all();
    return;
  }
}

arrow::Result<std::shared_ptr<JobClient>> ExecuteAsync(const JobGraph& graph,
                                                       const RuntimeOptions& options,
                                                       std::string name) {
  ARROW_RETURN_NOT_OK(graph.Validate());
  std::shared_ptr<JobClient> client(new JobClient());
  client->name_ = std::move(name);
  client->graph_ = graph;
  client->options_ = options;
  const auto& cp = options.checkpointing;
  if (cp.retain < 1)
    return UserError("checkpoints to retain must be at least 1, got {}", cp.retain);
  if (cp.interval.count() < 0 || cp.timeout.count() <= 0 || cp.min_pause.count() < 0)
    return UserError("checkpoint interval, timeout and pause must not be negative");
  std::optional<std::string> restore;
  if (!cp.restore_path.empty()) {
    ARROW_ASSIGN_OR_RAISE(restore, ResolveRestorePath(cp.restore_path));
    if (!restore)
      return UserError("no completed checkpoint to restore under '{}'", cp.restore_path);
  } else if (!cp.dir.empty() && cp.restore_latest) {
    ARROW_ASSIGN_OR_RAISE(restore, FindLatestCheckpoint(cp.dir));
  }
  if (!cp.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cp.dir, ec);
    if (ec) {
      return UserError("cannot create checkpoint directory '{}': {}", cp.dir,
                       ec.message());
    }
  }
  CheckpointId last_id = cp.dir.empty() ? 0 : HighestCheckpointId(cp.dir);
  client->history_ = std::make_unique<CheckpointHistory>(last_id);
  client->start_ = std::chrono::steady_clock::now();
  ARROW_ASSIGN_OR_RAISE(client->attempt_, client->StartAttempt(restore));
  if (restore) client->restored_from_ = *restore;
  client->supervisor_ = std::thread([c = client.get()] { c->Supervise(); });
  return client;
}

arrow::Result<std::unique_ptr<JobClient::Attempt>> JobClient::StartAttempt(
    const std::optional<std::string>& restore) {
  const JobGraph& graph = graph_;
  const RuntimeOptions& options = options_;
  auto attempt = std::make_unique<Attempt>();
  if (restore) {
    ARROW_ASSIGN_OR_RAISE(attempt->restored, LoadCheckpoint(*restore));
    // Ids continue above the restored one, even when it came from elsewhere.
    while (history_->NextId() <= attempt->restored->manifest.id) {
    }
    LogInfo("job '{}' restores {} {} from '{}'", name_,
            CheckpointKindName(attempt->restored->manifest.kind),
            attempt->restored->manifest.id, *restore);
  }
  const auto& vertices = graph.vertices();
  const auto& edges = graph.edges();
  const size_t nv = vertices.size();
  std::vector<std::vector<size_t>> in_edges(nv), out_edges(nv);
  for (size_t i = 0; i < edges.size(); ++i) {
    out_edges[edges[i].from].push_back(i);
    in_edges[edges[i].to].push_back(i);
  }

  // Chains: fuse a vertex into its only predecessor over a forward edge that is the
  // predecessor's only output.
  std::vector<int> chain_of(nv, -1);
  std::vector<std::vector<int>> chains;
  for (size_t v = 0; v < nv; ++v) {
    bool fused = false;
    if (options.chaining && !vertices[v].is_source() && in_edges[v].size() == 1) {
      const Edge& e = edges[in_edges[v][0]];
      const auto& chain = chains[chain_of[e.from]];
      if (e.partitioning.kind == Partitioning::Kind::kForward && e.input == 0 &&
          e.output_tag.empty() && out_edges[e.from].size() == 1 &&
          chain.back() == e.from &&
          vertices[e.from].parallelism == vertices[v].parallelism) {
        chains[chain_of[e.from]].push_back(static_cast<int>(v));
        chain_of[v] = chain_of[e.from];
        fused = true;
      }
    }
    if (!fused) {
      chain_of[v] = static_cast<int>(chains.size());
      chains.push_back({static_cast<int>(v)});
    }
  }

  if (plan_.empty()) {
    for (const auto& chain : chains) {
      std::string line;
      for (int v : chain) line += (line.empty() ? "" : " -> ") + vertices[v].name;
      plan_ += fmt::format("task [{}] x{}\n", line, vertices[chain[0]].parallelism);
    }
  }

  // Input gates of chains that do not start with a source.
  std::vector<std::vector<InputGate*>> gates(chains.size());
  for (size_t c = 0; c < chains.size(); ++c) {
    const Vertex& head = vertices[chains[c][0]];
    if (head.is_source()) continue;
    for (int s = 0; s < head.parallelism; ++s) {
      attempt->gates.push_back(std::make_unique<InputGate>(options.channel_capacity));
      gates[c].push_back(attempt->gates.back().get());
    }
  }

  auto restored_parts =
      [&](const std::string& uid) -> const std::vector<OperatorSnapshot>* {
    if (!attempt->restored) return nullptr;
    auto it = attempt->restored->by_uid.find(uid);
    return it == attempt->restored->by_uid.end() ? nullptr : &it->second;
  };

  // One TaskSpec per chain subtask, with its operator instances.
  std::vector<std::vector<TaskSpec>> specs(chains.size());
  std::vector<std::vector<std::pair<std::atomic<int64_t>*, std::atomic<int64_t>*>>>
      counters(chains.size());
  for (size_t c = 0; c < chains.size(); ++c) {
    const int parallelism = vertices[chains[c][0]].parallelism;
    for (int s = 0; s < parallelism; ++s) {
      auto* busy = &attempt->task_counters.emplace_back(0);
      auto* backpressured = &attempt->task_counters.emplace_back(0);
      counters[c].emplace_back(busy, backpressured);
      TaskSpec spec;
      spec.quantum = std::max(1, options.quantum);
      spec.restored = attempt->restored.has_value();
      spec.key = fmt::format("task-{}-{}", chains[c][0], s);
      if (!gates[c].empty()) spec.input = gates[c][s];
      for (int v : chains[c]) {
        const Vertex& vertex = vertices[v];
        SubtaskInfo info{vertex.name, s, parallelism, options.max_parallelism};
        OperatorMetrics& m = attempt->metrics.emplace_back();
        m.name = vertex.name;
        m.subtask = s;
        m.busy_micros = busy;
        m.backpressured_micros = backpressured;
        const std::string uid = fmt::format("{}-{}", v, vertex.name);
        if (vertex.is_source()) {
          ARROW_ASSIGN_OR_RAISE(spec.source, vertex.source(info));
          spec.source_info = info;
          spec.source_metrics = &m;
          spec.source_uid = uid;
          spec.source_restore = restored_parts(uid);
        } else {
          ChainLink link;
          ARROW_ASSIGN_OR_RAISE(link.op, vertex.op(info));
          link.info = info;
          link.metrics = &m;
          link.uid = uid;
          link.restore = restored_parts(uid);
          spec.chain.push_back(std::move(link));
        }
      }
      specs[c].push_back(std::move(spec));
    }
  }

  // Channels for every edge between chains.
  for (const Edge& e : edges) {
    const int from_chain = chain_of[e.from], to_chain = chain_of[e.to];
    if (from_chain == to_chain) continue;  // fused
    const int producers = vertices[e.from].parallelism;
    const int consumers = vertices[e.to].parallelism;
    for (int p = 0; p < producers; ++p) {
      OutgoingEdge out;
      if (e.partitioning.kind == Partitioning::Kind::kForward) {
        out.channels.push_back(gates[to_chain][p]->AddChannel(e.input));
        out.partitioner = MakePartitioner(e.partitioning, p, 1, options.max_parallelism);
      } else {
        for (int j = 0; j < consumers; ++j)
          out.channels.push_back(gates[to_chain][j]->AddChannel(e.input));
        out.partitioner =
            MakePartitioner(e.partitioning, p, consumers, options.max_parallelism);
      }
      out.tag = e.output_tag;
      specs[from_chain][p].outputs.push_back(std::move(out));
    }
  }

  int num_tasks = 0;
  for (const auto& s : specs) num_tasks += static_cast<int>(s.size());
  std::vector<InputGate*> all_gates;
  for (const auto& g : attempt->gates) all_gates.push_back(g.get());
  attempt->state = std::make_unique<JobState>(num_tasks, std::move(all_gates));
  JobState* state = attempt->state.get();
  attempt->coordinator = std::make_shared<CheckpointCoordinator>(
      name_, options.checkpointing, history_.get(),
      [state](const arrow::Status& st) { state->Fail(st); });
  for (size_t c = 0; c < chains.size(); ++c) {
    for (size_t s = 0; s < specs[c].size(); ++s) {
      const bool is_source = specs[c][s].source != nullptr;
      specs[c][s].coordinator = attempt->coordinator.get();
      attempt->tasks.push_back(std::make_unique<Task>(
          state, std::move(specs[c][s]), counters[c][s].first, counters[c][s].second));
      Task* task = attempt->tasks.back().get();
      task->set_checkpoint_index(attempt->coordinator->AddTask(task, is_source));
      state->AddTask(task);
    }
  }
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::thread::hardware_concurrency());
  attempt->scheduler = std::make_unique<TaskScheduler>(std::max(1, threads));
  for (auto& t : attempt->tasks) attempt->scheduler->Register(t.get());
  attempt->coordinator->Start();
  for (auto& t : attempt->tasks) attempt->scheduler->Start(t.get());
  return attempt;
}

arrow::Result<JobResult> Execute(const JobGraph& graph, const RuntimeOptions& options,
                                 std::string name) {
  ARROW_ASSIGN_OR_RAISE(auto client, ExecuteAsync(graph, options, std::move(name)));
  return client->Wait();
}

}  // namespace weir::runtime
