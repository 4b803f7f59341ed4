#include "weir/planner/insert_job.h"

#include <algorithm>

#include <arrow/array/builder_binary.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/connectors/collect/sink.h"
#include "weir/connectors/collection/source.h"
#include "weir/planner/batch_executor.h"
#include "weir/planner/insert_columns.h"
#include "weir/planner/table_connectors.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/project_operator.h"
#include "weir/sql/suggest.h"

namespace weir::planner {
namespace {

namespace cp = arrow::compute;
using runtime::Partitioning;

// Adds an operator after `from`: forward at equal parallelism, else rebalanced (as
// Flink turns a forward edge between different parallelisms into a rebalance).
arrow::Result<int> Append(runtime::JobGraph* graph, int from, std::string name,
                          int parallelism, runtime::OperatorFactory op,
                          Partitioning partitioning = Partitioning::Forward()) {
  const int v = graph->AddOperator(std::move(name), parallelism, std::move(op));
  if (partitioning.kind == Partitioning::Kind::kForward &&
      graph->vertices()[from].parallelism != parallelism) {
    partitioning = Partitioning::Rebalance();
  }
  ARROW_RETURN_NOT_OK(graph->Connect(from, v, std::move(partitioning)));
  return v;
}

runtime::OperatorFactory Projection(std::vector<runtime::NamedExpression> columns) {
  return [columns](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<runtime::ProjectOperator>(columns);
  };
}

// A batch of a translated plan (its columns, maybe a row-kind column) as changes.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ChangesBatch(
    const arrow::RecordBatch& batch, const arrow::Schema& plan,
    const std::vector<std::string>& names) {
  const int8_t* kinds = runtime::RowKinds(batch);
  arrow::StringBuilder ops;
  ARROW_RETURN_NOT_OK(ops.Reserve(batch.num_rows()));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    const auto kind =
        kinds ? static_cast<runtime::RowKind>(kinds[r]) : runtime::RowKind::kInsert;
    ARROW_RETURN_NOT_OK(ops.Append(std::string(runtime::RowKindString(kind))));
  }
  ARROW_ASSIGN_OR_RAISE(auto op_array, ops.Finish());
  arrow::ArrayVector columns = {op_array};
  arrow::FieldVector fields = {arrow::field("op", arrow::utf8(), false)};
  for (int c = 0; c < plan.num_fields(); ++c) {
    columns.push_back(batch.column(c));
    fields.push_back(batch.schema()->field(c)->WithName(names[static_cast<size_t>(c)]));
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), batch.num_rows(), columns);
}

}  // namespace

std::string InsertCheckpointFolder(const std::string& table,
                                   const std::string& statement_text) {
  // FNV-1a over the text with whitespace runs collapsed to one space.
  uint64_t hash = 1469598103934665603ULL;
  bool space = false;
  for (char c : statement_text) {
    const bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (blank) {
      space = true;
      continue;
    }
    if (space) {
      hash = (hash ^ static_cast<uint8_t>(' ')) * 1099511628211ULL;
      space = false;
    }
    hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  }
  std::string safe;
  for (char c : table) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  return fmt::format("insert-{}-{:016x}", safe, hash);
}

arrow::Status ApplyCheckpointConfig(const ExecutionConfig& exec, const std::string& dir,
                                    runtime::RuntimeOptions* options) {
  if (exec.streaming && exec.checkpoint_interval) {
    if (exec.checkpoint_dir.empty()) {
      return arrow::Status::Invalid(
          "checkpointing is on (execution.checkpointing.interval) but "
          "state.checkpoints.dir is not set: SET 'state.checkpoints.dir' = '/path'");
    }
    runtime::CheckpointingOptions& checkpoints = options->checkpointing;
    checkpoints.interval = *exec.checkpoint_interval;
    checkpoints.dir = dir;
    if (exec.checkpoint_timeout) checkpoints.timeout = *exec.checkpoint_timeout;
    if (exec.checkpoint_min_pause) checkpoints.min_pause = *exec.checkpoint_min_pause;
    if (exec.checkpoints_retained) checkpoints.retain = *exec.checkpoints_retained;
    runtime::RestartStrategy& restart = options->restart;
    restart.kind = exec.restart ? runtime::RestartStrategy::Kind::kFixedDelay
                                : runtime::RestartStrategy::Kind::kNone;
    if (exec.restart_attempts) restart.attempts = *exec.restart_attempts;
    if (exec.restart_delay) restart.delay = *exec.restart_delay;
  }
  if (!exec.savepoint_path.empty()) {
    if (exec.checkpoint_dir.empty() || !exec.checkpoint_interval) {
      // Restoring needs checkpoint storage to continue into.
      return arrow::Status::Invalid(
          "execution.savepoint.path needs checkpointing: set "
          "execution.checkpointing.interval and state.checkpoints.dir too");
    }
    options->checkpointing.restore_path = exec.savepoint_path;
  }
  return arrow::Status::OK();
}

bool ReadsStreamTables(const sql::PlanNode& plan,
                       const std::set<std::string>& stream_tables) {
  if (plan.kind == sql::PlanKind::kScan &&
      stream_tables.count(sql::ToLowerAscii(plan.table->name)) > 0) {
    return true;
  }
  return std::any_of(plan.inputs.begin(), plan.inputs.end(), [&](const sql::PlanPtr& in) {
    return ReadsStreamTables(*in, stream_tables);
  });
}

arrow::Result<InsertJob> BuildInsertJob(const sql::Statement& statement,
                                        const sql::PlanPtr& plan,
                                        const InsertInputs& inputs,
                                        runtime::JobGraph* graph) {
  const ExecutionConfig& exec = *inputs.exec;
  const sql::CatalogTable& target = *inputs.target;
  const std::string& name = inputs.target_name;
  InsertJob job;
  job.job_name = "insert-into_" + name;
  job.counted_vertex = "Insert " + name;
  if (statement.overwrite && exec.streaming) {
    return arrow::Status::Invalid(
        "INSERT OVERWRITE needs batch mode: SET 'execution.runtime-mode' = 'batch'");
  }
  if (exec.streaming && exec.checkpoint_interval) {
    job.checkpoint_dir = exec.checkpoint_dir.empty()
                             ? std::string()
                             : fmt::format("{}/{}", exec.checkpoint_dir,
                                           InsertCheckpointFolder(name, statement.text));
  }
  ARROW_RETURN_NOT_OK(ApplyCheckpointConfig(exec, job.checkpoint_dir, &job.options));

  // Map the query's columns (plus static partition values) onto the table's.
  ARROW_ASSIGN_OR_RAISE(std::vector<runtime::NamedExpression> output,
                        InsertColumns(statement, name, target, *plan->schema));

  // The batch engine runs what the job graph cannot yet (ORDER BY, LIMIT) over
  // bounded input, and batch-mode aggregations and joins (final rows, faster); the rest
  // runs as a job, with Flink's changelog semantics in streaming mode.
  const bool bounded = IsBoundedPlan(*plan);
  const std::string unsupported = FirstUnsupportedInStreaming(*plan);
  if (!exec.streaming) ARROW_RETURN_NOT_OK(CheckInsertOnlySources(*plan));
  if (!unsupported.empty() && exec.streaming &&
      (!bounded || FirstChangelogScan(*plan) != nullptr)) {
    return arrow::Status::NotImplemented(fmt::format(
        "INSERT INTO {}: streaming queries with {} over unbounded or changelog sources "
        "are not supported yet",
        name, unsupported));
  }
  const bool on_batch_engine =
      !unsupported.empty() ||
      (!exec.streaming &&
       (plan->HasKind(sql::PlanKind::kAggregate) || plan->HasKind(sql::PlanKind::kJoin)));
  if (on_batch_engine && !job.checkpoint_dir.empty()) {
    return arrow::Status::NotImplemented(fmt::format(
        "INSERT INTO {}: a query with {} runs on the batch engine, whose result cannot "
        "be checkpointed yet, so it would not be exactly-once after a failure; run it "
        "in batch mode (SET 'execution.runtime-mode' = 'batch'), where the output "
        "appears only when the job succeeds",
        name, unsupported));
  }
  int rows_vertex = -1;
  if (!on_batch_engine) {
    ARROW_ASSIGN_OR_RAISE(ChangelogModes modes,
                          ChangelogModes::Infer(plan, inputs.stream_tables));
    ARROW_RETURN_NOT_OK(CheckSinkAccepts(target, *plan, modes));
    ARROW_ASSIGN_OR_RAISE(StreamOutput translated,
                          TranslateToStream(plan, modes, inputs.translate, graph));
    rows_vertex = translated.vertex;
    if (!translated.mode.insert_only()) {
      const std::string kinds(runtime::kRowKindColumn);
      output.push_back({kinds, cp::field_ref(kinds)});
    }
  } else {
    // Relational queries run on the batch engine; their rows stream into the sink
    // job as they are produced (one reader, spread over the sink's subtasks).
    ARROW_ASSIGN_OR_RAISE(auto rows, StreamBatchPlan(plan, inputs.batch));
    rows_vertex = graph->AddSource("Query result", 1,
                                   connectors::MakeReaderSource(std::move(rows)));
  }
  ARROW_ASSIGN_OR_RAISE(TableSink sink, MakeTableSink(target));
  if (statement.overwrite) {
    ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, target.Factory());
    ARROW_ASSIGN_OR_RAISE(job.after_success,
                          factory->PrepareOverwrite(target.Descriptor()));
  }
  const int parallelism = inputs.sink_parallelism > 0 ? inputs.sink_parallelism
                                                      : inputs.translate.parallelism;
  // An updating stream into a table with a primary key (upsert-kafka): every change
  // of a key goes to the same sink subtask, in order.
  const bool updating = std::any_of(output.begin(), output.end(), [](const auto& c) {
    return c.name == runtime::kRowKindColumn;
  });
  ARROW_ASSIGN_OR_RAISE(int selected, Append(graph, rows_vertex, job.counted_vertex,
                                             parallelism, Projection(output)));
  const Partitioning to_sink = updating && !target.primary_key.empty()
                                   ? Partitioning::Hash(target.primary_key)
                                   : Partitioning::Forward();
  ARROW_ASSIGN_OR_RAISE(int written, Append(graph, selected, "Sink " + name, parallelism,
                                            sink.factory, to_sink));
  if (sink.parallelism > 0) graph->SetParallelism(written, sink.parallelism);
  return job;
}

std::shared_ptr<arrow::Schema> ChangesSchema(const arrow::Schema& plan,
                                             const std::vector<std::string>& names) {
  arrow::FieldVector fields = {arrow::field("op", arrow::utf8(), false)};
  for (int c = 0; c < plan.num_fields(); ++c) {
    fields.push_back(plan.field(c)->WithName(names[static_cast<size_t>(c)]));
  }
  return arrow::schema(fields);
}

arrow::Status BuildChangesJob(const sql::PlanPtr& plan,
                              const std::vector<std::string>& names,
                              const ChangelogModes& modes, StreamTranslateOptions options,
                              ChangeCallback callback, runtime::JobGraph* graph) {
  // The changes leave the plan from one subtask, so that -U always precedes its +U.
  options.output_parallelism = 1;
  ARROW_ASSIGN_OR_RAISE(StreamOutput output,
                        TranslateToStream(plan, modes, options, graph));
  const std::shared_ptr<arrow::Schema> schema = plan->schema;
  ARROW_RETURN_NOT_OK(
      Append(graph, output.vertex, "Changes", 1,
             connectors::MakeCallbackSink(
                 [callback, schema, names](const std::shared_ptr<arrow::RecordBatch>& b) {
                   ARROW_ASSIGN_OR_RAISE(auto change, ChangesBatch(*b, *schema, names));
                   return callback(change);
                 }))
          .status());
  return arrow::Status::OK();
}

}  // namespace weir::planner
