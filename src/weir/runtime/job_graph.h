#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/runtime/operator.h"
#include "weir/runtime/partitioner.h"

namespace weir::runtime {

/// Creates the operator instance of one subtask.
using OperatorFactory =
    std::function<arrow::Result<std::unique_ptr<Operator>>(const SubtaskInfo&)>;

/// Creates the source reader of one subtask (which reads its share of the splits).
using SourceFactory =
    std::function<arrow::Result<std::unique_ptr<SourceReader>>(const SubtaskInfo&)>;

/// A node of the job graph: a source or an operator, with its parallelism.
struct Vertex {
  int id = 0;
  std::string name;
  int parallelism = 1;
  /// Set for sources.
  SourceFactory source;
  /// Set for operators.
  OperatorFactory op;
  /// Whether the vertex is a source.
  bool is_source() const { return static_cast<bool>(source); }
};

/// A connection from one vertex's output to one logical input of another.
struct Edge {
  int from = 0;
  int to = 0;
  Partitioning partitioning;
  /// Logical input of the consumer: 0, or 1 for the second input of Connect.
  int input = 0;
  /// The producer's side output this edge carries; empty for the main output.
  std::string output_tag;
};

/// A dataflow job as vertices and edges, before it runs. Vertices are added in
/// topological order: an edge always goes from an earlier vertex to a later one.
class JobGraph {
 public:
  /// Adds a source vertex and returns its id.
  int AddSource(std::string name, int parallelism, SourceFactory factory);
  /// Adds an operator vertex and returns its id.
  int AddOperator(std::string name, int parallelism, OperatorFactory factory);
  /// Connects `from`'s output (or its side output `output_tag`) to logical input
  /// `input` of `to`.
  arrow::Status Connect(int from, int to, Partitioning partitioning, int input = 0,
                        std::string output_tag = "");

  /// Changes a vertex's parallelism; forward edges to or from it whose ends now
  /// differ become rebalancing edges (as Flink does).
  void SetParallelism(int vertex, int parallelism);

  /// Checks the graph: parallelism ≥ 1, forward edges between equal parallelism,
  /// every operator has an input, sources have none. Errors name the vertex.
  arrow::Status Validate() const;

  /// Returns the vertices, by id.
  const std::vector<Vertex>& vertices() const { return vertices_; }
  /// Returns the edges, in the order they were added.
  const std::vector<Edge>& edges() const { return edges_; }
  /// Returns the vertex with `id`.
  Vertex& vertex(int id) { return vertices_[id]; }

  /// Returns a readable plan: one line per vertex with its inputs.
  std::string ToString() const;

 private:
  std::vector<Vertex> vertices_;
  std::vector<Edge> edges_;
};

}  // namespace weir::runtime
