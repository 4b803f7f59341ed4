#include "weir/runtime/job_graph.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::runtime {

int JobGraph::AddSource(std::string name, int parallelism, SourceFactory factory) {
  Vertex v;
  v.id = static_cast<int>(vertices_.size());
  v.name = std::move(name);
  v.parallelism = parallelism;
  v.source = std::move(factory);
  vertices_.push_back(std::move(v));
  return vertices_.back().id;
}

int JobGraph::AddOperator(std::string name, int parallelism, OperatorFactory factory) {
  Vertex v;
  v.id = static_cast<int>(vertices_.size());
  v.name = std::move(name);
  v.parallelism = parallelism;
  v.op = std::move(factory);
  vertices_.push_back(std::move(v));
  return vertices_.back().id;
}

arrow::Status JobGraph::Connect(int from, int to, Partitioning partitioning, int input,
                                std::string output_tag) {
  const int n = static_cast<int>(vertices_.size());
  if (from < 0 || from >= n || to < 0 || to >= n) {
    return arrow::Status::Invalid("edge ", from, " -> ", to, ": no such vertex");
  }
  if (from >= to) {
    return arrow::Status::Invalid("edge '", vertices_[from].name, "' -> '",
                                  vertices_[to].name,
                                  "' goes backwards: add vertices in topological order");
  }
  if (input != 0 && input != 1) {
    return arrow::Status::Invalid("input index must be 0 or 1, got ", input);
  }
  if (partitioning.kind == Partitioning::Kind::kHash && partitioning.keys.empty()) {
    return UserError("key_by into '{}' needs at least one key column",
                     vertices_[to].name);
  }
  edges_.push_back({from, to, std::move(partitioning), input, std::move(output_tag)});
  return arrow::Status::OK();
}

void JobGraph::SetParallelism(int vertex, int parallelism) {
  vertices_[vertex].parallelism = parallelism;
  for (auto& e : edges_) {
    if (e.partitioning.kind != Partitioning::Kind::kForward) continue;
    if ((e.from == vertex || e.to == vertex) &&
        vertices_[e.from].parallelism != vertices_[e.to].parallelism) {
      e.partitioning = Partitioning::Rebalance();
    }
  }
}

arrow::Status JobGraph::Validate() const {
  if (vertices_.empty()) return UserError("the job has no operators");
  std::vector<int> inputs(vertices_.size(), 0);
  for (const auto& e : edges_) {
    ++inputs[e.to];
    const Vertex& a = vertices_[e.from];
    const Vertex& b = vertices_[e.to];
    if (b.is_source()) return UserError("source '{}' cannot have an input", b.name);
    if (e.partitioning.kind == Partitioning::Kind::kForward &&
        a.parallelism != b.parallelism) {
      return UserError(
          "forward edge '{}' ({} subtasks) -> '{}' ({} subtasks) needs equal "
          "parallelism; use rebalance or key_by",
          a.name, a.parallelism, b.name, b.parallelism);
    }
  }
  for (const auto& v : vertices_) {
    if (v.parallelism < 1) {
      return UserError("'{}': parallelism must be at least 1, got {}", v.name,
                       v.parallelism);
    }
    if (!v.is_source() && !v.op) {
      return arrow::Status::Invalid("'", v.name, "' has neither source nor operator");
    }
    if (!v.is_source() && inputs[v.id] == 0) {
      return UserError("operator '{}' has no input", v.name);
    }
  }
  return arrow::Status::OK();
}

std::string JobGraph::ToString() const {
  std::string out;
  for (const auto& v : vertices_) {
    out += fmt::format("{}: {} [{}] x{}", v.id, v.name, v.is_source() ? "source" : "op",
                       v.parallelism);
    for (const auto& e : edges_) {
      if (e.to != v.id) continue;
      out += fmt::format(" <- {}{} via {}", e.from,
                         e.output_tag.empty() ? "" : "[" + e.output_tag + "]",
                         e.partitioning.ToString());
      if (e.input) out += fmt::format(" (input {})", e.input);
    }
    out += "\n";
  }
  return out;
}

}  // namespace weir::runtime
