#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/api/data_stream.h"
#include "weir/api/table_result.h"
#include "weir/planner/batch_executor.h"
#include "weir/planner/execution_config.h"
#include "weir/planner/stream_translator.h"
#include "weir/runtime/job.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"
#include "weir/sql/plan/planner.h"

namespace weir::api {

/// How a TableEnvironment starts (Flink's EnvironmentSettings).
struct EnvironmentSettings {
  /// Streaming (Flink's default) or batch execution.
  bool streaming = true;
  /// Default parallelism; 0 means one per core.
  int parallelism = 0;

  /// Returns settings for streaming mode.
  static EnvironmentSettings InStreamingMode() { return {true, 0}; }
  /// Returns settings for batch mode.
  static EnvironmentSettings InBatchMode() { return {false, 0}; }
};

class Table;
class StreamExecutionEnvironment;

/// Runs SQL and Table API programs (Flink's TableEnvironment): a catalog of tables
/// and views, session configuration (SET/RESET), and execution of queries and
/// INSERTs on the batch engine or as streaming jobs (docs/design/sql.md).
///
/// Configuration keys: execution.runtime-mode (streaming|batch), parallelism.default,
/// execution.checkpointing.interval, execution.checkpointing.timeout,
/// execution.checkpointing.min-pause, state.checkpoints.dir,
/// state.checkpoints.num-retained, execution.savepoint.path, restart-strategy.type
/// (none|fixed-delay), restart-strategy.fixed-delay.attempts,
/// restart-strategy.fixed-delay.delay, table.dml-sync.
class TableEnvironment : public std::enable_shared_from_this<TableEnvironment> {
 public:
  /// Waits for a submitted job; the shell installs one that stops the job with a
  /// savepoint on SIGTERM and cancels it on Ctrl-C.
  using JobWaiter = std::function<arrow::Result<runtime::JobResult>(
      const std::shared_ptr<runtime::JobClient>& client,
      const std::string& savepoint_dir)>;

  /// Makes an environment with an empty catalog.
  static std::shared_ptr<TableEnvironment> Create(EnvironmentSettings settings = {});

  /// Makes an environment bound to a DataStream job (Flink's
  /// StreamTableEnvironment.create(env)): FromDataStream and ToDataStream connect
  /// tables with the streams of `env`, and the job runs when `env` executes.
  static std::shared_ptr<TableEnvironment> Create(
      std::shared_ptr<StreamExecutionEnvironment> env, EnvironmentSettings settings = {});

  /// Registers `stream`, whose batches have `schema`, as table `name` and returns it.
  /// `extra_columns` are column definitions as CREATE TABLE writes them, after the
  /// stream's columns: computed columns (`ts AS CAST(f0 AS TIMESTAMP(3))`) and a
  /// `WATERMARK FOR … AS …` (Flink's fromDataStream with a Schema).
  arrow::Result<Table> FromDataStream(const DataStream& stream,
                                      std::shared_ptr<arrow::Schema> schema,
                                      const std::string& name,
                                      const std::vector<std::string>& extra_columns = {});

  /// Turns a query into a stream of the bound job, with the query's column names:
  /// stateless queries (projection, filter, UNION ALL) become operators of the job;
  /// other queries over bounded tables run on the batch engine and their rows
  /// become a bounded stream.
  arrow::Result<DataStream> ToDataStream(const Table& table);

  /// Parses and runs every statement of `script` in order, stopping at the first
  /// error; returns the result of each statement run.
  arrow::Result<std::vector<TableResult>> ExecuteScript(std::string_view script);

  /// Runs exactly one statement (a trailing ';' is allowed).
  arrow::Result<TableResult> ExecuteSql(std::string_view statement);

  /// Runs one parsed statement.
  arrow::Result<TableResult> Execute(const sql::StatementPtr& statement);

  /// Returns a query as a Table (Flink's sqlQuery); nothing runs until it is
  /// executed.
  arrow::Result<Table> SqlQuery(std::string_view query);

  /// Returns the table or view `name` as a Table (Flink's from/fromPath).
  arrow::Result<Table> FromPath(const std::string& name);

  /// Registers the rows of `data` as table `name` (connector `memory`: bounded, read
  /// in batch and streaming jobs without copying) and returns it.
  arrow::Result<Table> FromArrow(std::shared_ptr<arrow::Table> data,
                                 const std::string& name);

  /// Returns the columns of a query as it would produce them: visible names and
  /// types.
  arrow::Result<std::shared_ptr<arrow::Schema>> QuerySchema(std::string_view query);

  /// Returns whether `statement` is a SELECT that runs until cancelled: streaming
  /// mode, unbounded sources. Such a query needs a change listener (below).
  arrow::Result<bool> IsContinuousQuery(std::string_view statement);

  /// Registers a scalar function, or a table function when
  /// `function.table_function` is set (Flink's createTemporaryFunction, or
  /// createTemporarySystemFunction when `function.system`); fails when one of that
  /// name and kind exists.
  arrow::Status CreateTemporaryFunction(sql::CatalogFunction function);

  /// Removes a function registered by CreateTemporaryFunction (an absent one is an
  /// error unless `if_exists`).
  arrow::Status DropTemporaryFunction(const std::string& name, bool system,
                                      bool if_exists);

  /// Returns the plan of a query or INSERT as EXPLAIN prints it.
  arrow::Result<std::string> ExplainSql(std::string_view statement);

  /// Sets a configuration key (like SET); unknown keys and bad values are errors.
  arrow::Status SetConfig(const std::string& key, const std::string& value);

  /// Returns the session configuration.
  const std::map<std::string, std::string>& config() const { return config_; }

  /// Returns the catalog.
  sql::Catalog& catalog() { return catalog_; }

  /// Replaces how submitted jobs are awaited (default: JobClient::Wait()).
  void set_job_waiter(JobWaiter waiter) { waiter_ = std::move(waiter); }

  /// Receives the changes of a SELECT over unbounded sources as they happen, as
  /// batches of an `op` column (+I, -U, +U, -D) and the query's columns; called from
  /// one thread at a time. With a listener such a SELECT runs until it is cancelled
  /// (the job waiter's Ctrl-C) and returns "Query terminated…" (Flink's SQL client);
  /// without one it is refused.
  using ChangeListener =
      std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)>;
  /// Sets the listener (null removes it).
  void set_change_listener(ChangeListener listener) { listener_ = std::move(listener); }
  /// Returns the execution settings as SET made them (mode, result mode, …).
  const planner::ExecutionConfig& execution_config() const { return exec_; }

  /// Makes batch queries stop (with a Cancelled error) soon after `*flag` becomes
  /// true; the shell sets it from its Ctrl-C handler. Null disables.
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

  /// Returns true in streaming mode.
  bool streaming() const;

  /// Returns the effective default parallelism.
  int parallelism() const;
  // SET 'table.exec.source.idle-timeout': a source (partition) without records for
  // this long stops holding back the watermark (0: never).
  std::chrono::microseconds IdleTimeout() const;

 private:
  explicit TableEnvironment(EnvironmentSettings settings);
  arrow::Result<TableResult> RunQuery(const sql::Statement& statement);
  arrow::Result<TableResult> RunInsert(const sql::Statement& statement);
  // Runs INSERTs as one job (a statement set, whose text is `set_text`, when more
  // than one).
  arrow::Result<TableResult> RunInserts(const std::vector<const sql::Statement*>& inserts,
                                        const std::string& set_text);
  // Runs a SELECT as a job and returns its changes with an `op` column.
  arrow::Result<TableResult> RunChangelogQuery(const sql::PlanPtr& plan,
                                               const std::vector<std::string>& names);
  // Runs a SELECT as a job handing its changes (op column first) to `listener` from
  // one sink subtask; returns how many there were.
  arrow::Result<int64_t> RunChangesJob(const sql::PlanPtr& plan,
                                       const std::vector<std::string>& names,
                                       const ChangeListener& listener);
  // Runs a SELECT over unbounded sources, handing its changes to listener_.
  arrow::Result<TableResult> RunContinuousQuery(const sql::PlanPtr& plan,
                                                const std::vector<std::string>& names);
  planner::StreamTranslateOptions StreamOptions() const;
  std::set<std::string> StreamTableNames() const;
  arrow::Result<TableResult> Describe(const sql::Statement& statement);
  arrow::Result<std::string> Explain(const sql::Statement& statement,
                                     const std::vector<std::string>& details = {});
  sql::PlanExecutor Executor();
  // How batch plans run, from the SET options.
  planner::BatchOptions BatchRunOptions() const;
  // Optimises a plan with this environment's statistics and SET options.
  sql::PlanPtr Optimize(const sql::PlanPtr& plan) const;

  sql::Catalog catalog_;
  std::map<std::string, std::string> config_;
  // config_ parsed (after every SET and RESET).
  planner::ExecutionConfig exec_;
  arrow::Status UpdateExecutionConfig();
  JobWaiter waiter_;
  ChangeListener listener_;
  std::atomic<int64_t> changes_seen_{0};  // by the running RunChangesJob
  std::shared_ptr<StreamExecutionEnvironment> stream_env_;
  const std::atomic<bool>* cancel_ = nullptr;
  std::map<std::string, DataStream> stream_tables_;  // by lower-case name
};

/// A relational query built with methods (Flink's Table). Each call returns a new
/// Table over the same logical plan machinery as SQL: the Table holds a query and
/// the environment it runs in. Expressions are SQL expressions, e.g.
/// `t.Select({"a + b AS s", "UPPER(c)"})`.
class Table {
 public:
  /// Projects columns (SQL expressions with optional aliases).
  Table Select(const std::vector<std::string>& expressions) const;
  /// Keeps rows where `predicate` (a SQL boolean expression) is true.
  Table Filter(const std::string& predicate) const;
  /// Alias of Filter.
  Table Where(const std::string& predicate) const { return Filter(predicate); }
  /// Groups by key expressions; follow with Aggregate.
  Table GroupBy(const std::vector<std::string>& keys) const;
  /// Aggregates the groups (or the whole table): `{"COUNT(*) AS n", "SUM(x) AS s"}`.
  /// The result has the group keys followed by the aggregates.
  Table Aggregate(const std::vector<std::string>& aggregates) const;
  /// Joins with `right` on a SQL condition (`type`: INNER, LEFT, RIGHT, FULL).
  Table Join(const Table& right, const std::string& condition,
             const std::string& type = "INNER") const;
  /// Orders rows (`{"x DESC", "y"}`).
  Table OrderBy(const std::vector<std::string>& keys) const;
  /// Keeps at most `count` rows after skipping `offset`.
  Table Limit(int64_t count, int64_t offset = 0) const;
  /// Runs the query and returns its rows.
  arrow::Result<TableResult> Execute() const;
  /// Writes the rows into catalog table `name` (INSERT INTO).
  arrow::Result<TableResult> ExecuteInsert(const std::string& name) const;
  /// Returns the query as SQL text.
  const std::string& sql() const { return sql_; }

 private:
  friend class TableEnvironment;
  Table(std::shared_ptr<TableEnvironment> env, std::string sql,
        std::vector<std::string> group_keys = {})
      : env_(std::move(env)), sql_(std::move(sql)), group_keys_(std::move(group_keys)) {}
  std::string Alias() const;

  std::shared_ptr<TableEnvironment> env_;
  std::string sql_;
  std::vector<std::string> group_keys_;  // set between GroupBy and Aggregate
};

}  // namespace weir::api
