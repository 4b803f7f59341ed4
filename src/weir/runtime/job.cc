#include "weir/runtime/job.h"

#include <thread>

#include <fmt/format.h>

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

JobClient::~JobClient() {
  if (!state_) return;  // never started
  Cancel();
  Join();
}

JobStatus JobClient::status() const {
  if (!state_->failure().ok()) return JobStatus::kFailed;
  if (state_->cancelled()) return JobStatus::kCancelled;
  return state_->all_done() ? JobStatus::kFinished : JobStatus::kRunning;
}

void JobClient::Cancel() { state_->Cancel(); }

void JobClient::Join() {
  std::lock_guard<std::mutex> lock(join_mu_);
  if (joined_) return;
  state_->WaitAllDone();
  duration_ = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start_);
  scheduler_.reset();  // joins the worker threads
  joined_ = true;
}

bool JobClient::WaitFor(std::chrono::milliseconds timeout) {
  return state_->WaitAllDoneFor(timeout);
}

arrow::Result<JobResult> JobClient::Wait() {
  Join();
  ARROW_RETURN_NOT_OK(state_->failure());
  if (state_->cancelled())
    return arrow::Status::Cancelled("job '", name_, "' was cancelled");
  JobResult result;
  result.job_name = name_;
  result.duration = duration_;
  result.subtask_metrics = Metrics();
  return result;
}

std::vector<OperatorMetricsSnapshot> JobClient::Metrics() const {
  std::vector<OperatorMetricsSnapshot> out;
  for (const auto& m : metrics_) out.push_back(m.Snapshot());
  return out;
}

arrow::Result<std::shared_ptr<JobClient>> ExecuteAsync(const JobGraph& graph,
                                                       const RuntimeOptions& options,
                                                       std::string name) {
  ARROW_RETURN_NOT_OK(graph.Validate());
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

  std::shared_ptr<JobClient> client(new JobClient());
  client->name_ = std::move(name);
  for (const auto& chain : chains) {
    std::string line;
    for (int v : chain) line += (line.empty() ? "" : " -> ") + vertices[v].name;
    client->plan_ += fmt::format("task [{}] x{}\n", line, vertices[chain[0]].parallelism);
  }

  // Input gates of chains that do not start with a source.
  std::vector<std::vector<InputGate*>> gates(chains.size());
  for (size_t c = 0; c < chains.size(); ++c) {
    const Vertex& head = vertices[chains[c][0]];
    if (head.is_source()) continue;
    for (int s = 0; s < head.parallelism; ++s) {
      client->gates_.push_back(std::make_unique<InputGate>(options.channel_capacity));
      gates[c].push_back(client->gates_.back().get());
    }
  }

  // One TaskSpec per chain subtask, with its operator instances.
  std::vector<std::vector<TaskSpec>> specs(chains.size());
  std::vector<std::vector<std::pair<std::atomic<int64_t>*, std::atomic<int64_t>*>>>
      counters(chains.size());
  for (size_t c = 0; c < chains.size(); ++c) {
    const int parallelism = vertices[chains[c][0]].parallelism;
    for (int s = 0; s < parallelism; ++s) {
      auto* busy = &client->task_counters_.emplace_back(0);
      auto* backpressured = &client->task_counters_.emplace_back(0);
      counters[c].emplace_back(busy, backpressured);
      TaskSpec spec;
      spec.quantum = std::max(1, options.quantum);
      if (!gates[c].empty()) spec.input = gates[c][s];
      for (int v : chains[c]) {
        const Vertex& vertex = vertices[v];
        SubtaskInfo info{vertex.name, s, parallelism, options.max_parallelism};
        OperatorMetrics& m = client->metrics_.emplace_back();
        m.name = vertex.name;
        m.subtask = s;
        m.busy_micros = busy;
        m.backpressured_micros = backpressured;
        if (vertex.is_source()) {
          ARROW_ASSIGN_OR_RAISE(spec.source, vertex.source(info));
          spec.source_info = info;
          spec.source_metrics = &m;
        } else {
          ChainLink link;
          ARROW_ASSIGN_OR_RAISE(link.op, vertex.op(info));
          link.info = info;
          link.metrics = &m;
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
  for (const auto& g : client->gates_) all_gates.push_back(g.get());
  client->state_ = std::make_unique<JobState>(num_tasks, std::move(all_gates));
  for (size_t c = 0; c < chains.size(); ++c) {
    for (size_t s = 0; s < specs[c].size(); ++s) {
      client->tasks_.push_back(
          std::make_unique<Task>(client->state_.get(), std::move(specs[c][s]),
                                 counters[c][s].first, counters[c][s].second));
      client->state_->AddTask(client->tasks_.back().get());
    }
  }
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::thread::hardware_concurrency());
  client->scheduler_ = std::make_unique<TaskScheduler>(std::max(1, threads));
  for (auto& t : client->tasks_) client->scheduler_->Register(t.get());
  client->start_ = std::chrono::steady_clock::now();
  for (auto& t : client->tasks_) client->scheduler_->Start(t.get());
  return client;
}

arrow::Result<JobResult> Execute(const JobGraph& graph, const RuntimeOptions& options,
                                 std::string name) {
  ARROW_ASSIGN_OR_RAISE(auto client, ExecuteAsync(graph, options, std::move(name)));
  return client->Wait();
}

}  // namespace weir::runtime
