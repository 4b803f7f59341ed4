#pragma once
// Logical plans to runtime job graphs for streaming (and batch-runtime) jobs: scans
// with event time, filters, projections, unions, VALUES and group aggregations, with
// the row kinds of updating streams carried along.

#include <chrono>
#include <map>
#include <string>

#include <arrow/result.h>

#include "weir/planner/changelog_mode.h"
#include "weir/runtime/job_graph.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// What translating a plan into a job needs to know.
struct StreamTranslateOptions {
  /// Streaming runtime mode (watermarks as data arrives) rather than batch mode
  /// (only the final watermark).
  bool streaming = true;
  /// Parallelism of the job's vertices (global aggregations run at 1).
  int parallelism = 1;
  /// table.exec.source.idle-timeout: sources quiet this long stop holding back the
  /// watermark (zero: never).
  std::chrono::microseconds idle_timeout{0};
  /// pipeline.auto-watermark-interval (zero: a watermark after every batch).
  std::chrono::microseconds watermark_interval{std::chrono::milliseconds(200)};
  /// table.exec.state.ttl for group aggregations (zero: state kept forever).
  std::chrono::milliseconds state_ttl{0};
  /// The parallelism of the output vertex (0: `parallelism`): 1 for a SELECT's
  /// changes, so that one subtask sees them in the order they were made.
  int output_parallelism = 0;
  /// Tables whose rows come from a vertex already in the graph (DataStreams
  /// registered as tables), by lower-case table name.
  std::map<std::string, int> table_vertices;
};

/// Where a translated plan's rows leave the graph.
struct StreamOutput {
  /// The vertex producing the plan's rows, under the plan's column names (plus the
  /// row-kind column when the plan updates).
  int vertex = -1;
  /// The row kinds it produces.
  ChangelogModeSet mode;
};

/// Returns what the job-graph translation cannot run yet in `plan` ("a join", "ORDER
/// BY", "LIMIT"), or an empty string when it can run all of it.
std::string FirstUnsupportedInStreaming(const sql::PlanNode& plan);

/// Returns whether a bounded plan's result in streaming mode differs from what the
/// batch engine computes, so a streaming SELECT must run the streaming job: LAG over
/// a RANGE window, where Flink's streaming OverAggregate gives every row of equal
/// time the same value (the row `offset` before the last of them).
bool NeedsStreamingSemantics(const sql::PlanNode& plan);

/// Adds the vertices computing `plan` to `graph` and returns its output. `modes` is
/// the plan's inferred changelog modes. Key exchanges hash on the group keys;
/// global aggregations run at parallelism 1.
arrow::Result<StreamOutput> TranslateToStream(const sql::PlanPtr& plan,
                                              const ChangelogModes& modes,
                                              const StreamTranslateOptions& options,
                                              runtime::JobGraph* graph);

}  // namespace weir::planner
