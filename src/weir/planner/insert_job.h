#pragma once
// SQL statements to runnable jobs: an INSERT becomes a job graph ending in its
// table's sink, with the checkpointing and restart options the session's SET
// values ask for; a SELECT run as a job ends in a sink handing its changes to a
// callback. The API layer only runs the jobs and reports their results.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/planner/batch_executor.h"
#include "weir/planner/changelog_mode.h"
#include "weir/planner/execution_config.h"
#include "weir/planner/stream_translator.h"
#include "weir/runtime/job.h"
#include "weir/runtime/job_graph.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"
#include "weir/sql/plan/logical_plan.h"

namespace weir::planner {

/// Returns the folder, under `state.checkpoints.dir`, where an INSERT into `table`
/// written as `statement_text` keeps its checkpoints: the table name and a stable
/// hash of the text with whitespace runs collapsed, so running the same script
/// again resumes each INSERT from its own newest checkpoint and a different
/// INSERT starts fresh.
std::string InsertCheckpointFolder(const std::string& table,
                                   const std::string& statement_text);

/// Fills `options` (checkpointing, restore, restart strategy) from the session's
/// SET values for a job checkpointing into `dir` (periodic checkpoints only in
/// streaming mode). Errors name the keys
/// that are missing (checkpointing without `state.checkpoints.dir`, a savepoint
/// path without checkpointing).
arrow::Status ApplyCheckpointConfig(const ExecutionConfig& exec, const std::string& dir,
                                    runtime::RuntimeOptions* options);

/// What an INSERT needs from its session besides the statement and the plan.
struct InsertInputs {
  /// The table written to, and its catalog name.
  std::shared_ptr<const sql::CatalogTable> target;
  std::string target_name;
  /// The session's parsed SET values.
  const ExecutionConfig* exec = nullptr;
  /// How the query's scans and operators are translated.
  StreamTranslateOptions translate;
  /// Tables registered from DataStreams, by lower-case name.
  std::set<std::string> stream_tables;
  /// How a plan that needs the batch engine runs.
  BatchOptions batch;
  /// Parallelism of the projection onto the table's columns and of the sink (0:
  /// `translate.parallelism`; the sink's own choice wins).
  int sink_parallelism = 0;
};

/// An INSERT as a runnable job, built into a caller's job graph.
struct InsertJob {
  /// The job's name, `insert-into_<table>`.
  std::string job_name;
  /// The vertex whose records-out count is the number of rows written.
  std::string counted_vertex;
  /// Where checkpoints (and the savepoint of a stop) go; empty without
  /// checkpointing.
  std::string checkpoint_dir;
  /// Runtime options for checkpointing and restarts (defaults when not streaming
  /// with checkpoints).
  runtime::RuntimeOptions options;
  /// Runs after the job succeeded (INSERT OVERWRITE swaps the old rows out); may be
  /// empty.
  std::function<arrow::Status()> after_success;
};

/// Returns true when `plan` reads one of the tables registered from DataStreams
/// (whose rows come from vertices of the stream environment's graph).
bool ReadsStreamTables(const sql::PlanNode& plan,
                       const std::set<std::string>& stream_tables);

/// Builds the job of `statement` (an INSERT whose query planned and optimised to
/// `plan`) into `graph`: the query's vertices (or, for what the job graph cannot
/// run yet, a source reading the batch engine's result), the projection onto the
/// table's columns and the sink. Refuses what would not be exactly-once or cannot
/// take the query's changes, with Flink's messages where Flink has them.
arrow::Result<InsertJob> BuildInsertJob(const sql::Statement& statement,
                                        const sql::PlanPtr& plan,
                                        const InsertInputs& inputs,
                                        runtime::JobGraph* graph);

/// Receives the changes of a SELECT run as a job: batches with an `op` column (+I,
/// -U, +U, -D) followed by the query's columns.
using ChangeCallback =
    std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)>;

/// Builds a SELECT's job into `graph`: the plan's vertices and one sink subtask
/// handing each batch of changes, converted for display under `names`, to
/// `callback` in the order they were made.
arrow::Status BuildChangesJob(const sql::PlanPtr& plan,
                              const std::vector<std::string>& names,
                              const ChangelogModes& modes, StreamTranslateOptions options,
                              ChangeCallback callback, runtime::JobGraph* graph);

/// Returns the schema of the batches `BuildChangesJob` hands over for `plan`: the
/// `op` column, then the plan's columns under `names`.
std::shared_ptr<arrow::Schema> ChangesSchema(const arrow::Schema& plan,
                                             const std::vector<std::string>& names);

}  // namespace weir::planner
