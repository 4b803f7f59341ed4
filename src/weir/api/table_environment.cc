#include "weir/api/table_environment.h"

#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include <arrow/array/builder_binary.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/api/changelog_result.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/connectors/collection/source.h"
#include "weir/planner/batch_executor.h"
#include "weir/planner/execution_config.h"
#include "weir/planner/insert_job.h"
#include "weir/planner/stream_translator.h"
#include "weir/planner/table_connectors.h"
#include "weir/planner/time_attributes.h"
#include "weir/runtime/changelog.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/parse/statement_parser.h"
#include "weir/sql/plan/planner.h"
#include "weir/sql/suggest.h"

namespace weir::api {

using planner::BatchOptions;
using planner::ChangelogModes;
using planner::ExecuteBatchPlan;
using planner::IsBoundedPlan;
using planner::IsBoundedTable;
using planner::MakeScanSource;
using planner::ScanRequestOf;
using planner::ScanStatistics;
using planner::ValidateTableOptions;
namespace {

namespace cp = arrow::compute;

// A table of strings for SHOW/DESCRIBE/SET results; "\x01NULL" cells are NULL.
arrow::Result<std::shared_ptr<arrow::Table>> StringTable(
    const std::vector<std::string>& names,
    const std::vector<std::vector<std::string>>& rows) {
  arrow::FieldVector fields;
  arrow::ChunkedArrayVector columns;
  for (size_t c = 0; c < names.size(); ++c) {
    arrow::StringBuilder builder;
    for (const auto& row : rows) {
      if (row[c] == "\x01NULL") {
        ARROW_RETURN_NOT_OK(builder.AppendNull());
      } else {
        ARROW_RETURN_NOT_OK(builder.Append(row[c]));
      }
    }
    std::shared_ptr<arrow::Array> array;
    ARROW_RETURN_NOT_OK(builder.Finish(&array));
    fields.push_back(arrow::field(names[c], arrow::utf8()));
    columns.push_back(std::make_shared<arrow::ChunkedArray>(array));
  }
  return arrow::Table::Make(arrow::schema(fields), columns,
                            static_cast<int64_t>(rows.size()));
}

arrow::Result<TableResult> StringRows(const std::vector<std::string>& names,
                                      const std::vector<std::vector<std::string>>& rows) {
  ARROW_ASSIGN_OR_RAISE(auto table, StringTable(names, rows));
  return TableResult::Rows(table, names);
}

}  // namespace

std::shared_ptr<TableEnvironment> TableEnvironment::Create(EnvironmentSettings settings) {
  return std::shared_ptr<TableEnvironment>(new TableEnvironment(settings));
}

std::shared_ptr<TableEnvironment> TableEnvironment::Create(
    std::shared_ptr<StreamExecutionEnvironment> env, EnvironmentSettings settings) {
  auto table_env = std::shared_ptr<TableEnvironment>(new TableEnvironment(settings));
  table_env->stream_env_ = std::move(env);
  return table_env;
}

arrow::Result<Table> TableEnvironment::FromDataStream(
    const DataStream& stream, std::shared_ptr<arrow::Schema> schema,
    const std::string& name, const std::vector<std::string>& extra_columns) {
  if (stream_env_ == nullptr) {
    return arrow::Status::Invalid(
        "FromDataStream needs an environment made with "
        "TableEnvironment::Create(stream_execution_environment)");
  }
  auto table = std::make_shared<sql::CatalogTable>();
  if (extra_columns.empty()) {
    table->name = name;
    for (const auto& field : schema->fields()) {
      sql::CatalogColumn column;
      column.name = field->name();
      column.type = field->type();
      column.nullable = field->nullable();
      table->columns.push_back(std::move(column));
    }
  } else {
    // Computed columns and a watermark: the table as CREATE TABLE would declare it,
    // the stream's columns first, so they bind and check as in any table.
    auto quoted = [](const std::string& identifier) {
      std::string out = "`";
      for (char c : identifier) out += c == '`' ? std::string("``") : std::string(1, c);
      return out + "`";
    };
    std::string ddl = fmt::format("CREATE TABLE {} (", quoted(name));
    for (const auto& field : schema->fields()) {
      ddl +=
          fmt::format("{} {}{}, ", quoted(field->name()), sql::SqlTypeName(field->type()),
                      field->nullable() ? "" : " NOT NULL");
    }
    for (size_t i = 0; i < extra_columns.size(); ++i) {
      ddl += extra_columns[i] + (i + 1 < extra_columns.size() ? ", " : "");
    }
    ddl += ") WITH ('connector' = 'datastream')";
    ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(ddl));
    ARROW_ASSIGN_OR_RAISE(table, sql::MakeCatalogTable(*statement));
  }
  table->options = {{"connector", "datastream"}};
  table->option_order = {"connector"};
  ARROW_RETURN_NOT_OK(catalog_.AddTable(table, false));
  stream_tables_.emplace(sql::ToLowerAscii(name), stream);
  return FromPath(name);
}

arrow::Result<DataStream> TableEnvironment::ToDataStream(const Table& table) {
  if (stream_env_ == nullptr) {
    return arrow::Status::Invalid(
        "ToDataStream needs an environment made with "
        "TableEnvironment::Create(stream_execution_environment)");
  }
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(table.sql()));
  sql::Planner planner(catalog_, statement->script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement->query));
  sql::PlanPtr plan = Optimize(planned.plan);
  std::optional<DataStream> stream;
  const std::string unsupported = planner::FirstUnsupportedInStreaming(*plan);
  if (unsupported.empty()) {
    ARROW_ASSIGN_OR_RAISE(ChangelogModes modes,
                          ChangelogModes::Infer(plan, StreamTableNames()));
    if (!modes.Of(*plan).insert_only()) {
      return arrow::Status::NotImplemented(fmt::format(
          "ToDataStream takes insert-only tables, but this one is updated by node {}; "
          "changelog streams (Flink's toChangelogStream) are not supported yet",
          planner::FlinkNodeName(*modes.FirstUpdating(*plan))));
    }
    planner::StreamTranslateOptions options = StreamOptions();
    options.parallelism = stream_env_->parallelism();
    for (const auto& [table_name, registered] : stream_tables_) {
      options.table_vertices[table_name] = registered.vertex();
    }
    ARROW_ASSIGN_OR_RAISE(
        planner::StreamOutput output,
        planner::TranslateToStream(plan, modes, options, stream_env_->mutable_graph()));
    stream = stream_env_->StreamOf(output.vertex);
  } else {
    if (!IsBoundedPlan(*plan) || !plan->HasKind(sql::PlanKind::kScan)) {
      return arrow::Status::NotImplemented(fmt::format(
          "ToDataStream of a query with {} over unbounded sources is not supported yet",
          unsupported));
    }
    ARROW_ASSIGN_OR_RAISE(auto rows, ExecuteBatchPlan(plan, BatchRunOptions()));
    ARROW_ASSIGN_OR_RAISE(auto batch, rows->CombineChunksToBatch());
    stream = stream_env_->FromCollection({batch}, "Query result");
  }
  std::vector<runtime::NamedExpression> columns;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    columns.push_back(
        {planned.column_names[i], cp::field_ref(plan->schema->field(i)->name())});
  }
  return stream->Select(columns, "To DataStream");
}

TableEnvironment::TableEnvironment(EnvironmentSettings settings) {
  config_["execution.runtime-mode"] = settings.streaming ? "streaming" : "batch";
  if (settings.parallelism > 0) {
    config_["parallelism.default"] = std::to_string(settings.parallelism);
  }
  waiter_ = [](const std::shared_ptr<runtime::JobClient>& client, const std::string&) {
    return client->Wait();
  };
  // The settings above are valid: parsing them cannot fail.
  auto parsed = planner::ExecutionConfig::FromSettings(config_);
  if (parsed.ok()) exec_ = *parsed;
}

bool TableEnvironment::streaming() const { return exec_.streaming; }

sql::PlanExecutor TableEnvironment::Executor() {
  return [this](const sql::PlanPtr& plan) {
    return ExecuteBatchPlan(Optimize(plan), BatchRunOptions());
  };
}

BatchOptions TableEnvironment::BatchRunOptions() const {
  BatchOptions options;
  options.parallelism = parallelism();
  options.cancel = cancel_;
  options.stall_timeout = exec_.stall_timeout;
  return options;
}

sql::PlanPtr TableEnvironment::Optimize(const sql::PlanPtr& plan) const {
  sql::OptimizerOptions options;
  options.join_reorder = exec_.join_reorder;
  options.runtime_filters = exec_.runtime_filters;
  options.statistics = ScanStatistics;
  return sql::OptimizePlan(plan, options);
}

std::chrono::microseconds TableEnvironment::IdleTimeout() const {
  return exec_.idle_timeout;
}

int TableEnvironment::parallelism() const {
  if (exec_.parallelism > 0) return exec_.parallelism;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

arrow::Status TableEnvironment::SetConfig(const std::string& key,
                                          const std::string& value) {
  ARROW_RETURN_NOT_OK(planner::ExecutionConfig::Check(key, value));
  config_[key] = value;
  return UpdateExecutionConfig();
}

arrow::Status TableEnvironment::UpdateExecutionConfig() {
  ARROW_ASSIGN_OR_RAISE(exec_, planner::ExecutionConfig::FromSettings(config_));
  return arrow::Status::OK();
}

arrow::Result<std::vector<TableResult>> TableEnvironment::ExecuteScript(
    std::string_view script) {
  ARROW_ASSIGN_OR_RAISE(std::vector<sql::StatementPtr> statements,
                        sql::ParseScript(script));
  std::vector<TableResult> results;
  for (const sql::StatementPtr& statement : statements) {
    ARROW_ASSIGN_OR_RAISE(TableResult result, Execute(statement));
    results.push_back(std::move(result));
  }
  return results;
}

arrow::Result<TableResult> TableEnvironment::ExecuteSql(std::string_view text) {
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(text));
  return Execute(statement);
}

arrow::Result<TableResult> TableEnvironment::Execute(const sql::StatementPtr& statement) {
  using sql::StatementKind;
  switch (statement->kind) {
    case StatementKind::kQuery:
      return RunQuery(*statement);
    case StatementKind::kInsert:
      return RunInsert(*statement);
    case StatementKind::kStatementSet: {
      std::vector<const sql::Statement*> inserts;
      for (const auto& insert : statement->inserts) inserts.push_back(insert.get());
      return RunInserts(inserts, statement->text);
    }
    case StatementKind::kCreateTable: {
      ARROW_ASSIGN_OR_RAISE(auto table, sql::MakeCatalogTable(*statement));
      ARROW_RETURN_NOT_OK(ValidateTableOptions(*table));
      // Computed columns must bind over the physical ones now, not at first use.
      std::shared_ptr<arrow::DataType> watermark_type;
      if (std::any_of(
              table->columns.begin(), table->columns.end(),
              [](const sql::CatalogColumn& c) { return c.computed != nullptr; })) {
        sql::Catalog probe;
        ARROW_RETURN_NOT_OK(probe.AddTable(table, false));
        sql::Query query;
        sql::SelectItem star;
        star.star = true;
        query.select.items.push_back(star);
        auto from = std::make_shared<sql::TableRef>();
        from->name = {sql::Identifier{table->name, true, {}}};
        query.select.from = from;
        sql::Planner planner(probe, statement->script, nullptr);
        ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(query));
        for (size_t i = 0; i < planned.column_names.size(); ++i) {
          if (planned.column_names[i] == table->watermark_column) {
            watermark_type = planned.plan->schema->field(static_cast<int>(i))->type();
          }
        }
      }
      ARROW_RETURN_NOT_OK(planner::CheckWatermark(*table, watermark_type));
      ARROW_RETURN_NOT_OK(catalog_.AddTable(table, statement->if_not_exists));
      return TableResult::Ok("[INFO] Execute statement succeeded.");
    }
    case StatementKind::kCreateView: {
      auto view = std::make_shared<sql::CatalogView>();
      ARROW_ASSIGN_OR_RAISE(view->name, sql::CatalogName(statement->name));
      view->query = statement->query;
      view->text = statement->text;
      view->script = statement->script;
      for (const sql::Identifier& column : statement->view_columns) {
        view->column_names.push_back(column.name);
      }
      // Plan it once so errors surface at CREATE VIEW (subqueries that need values
      // run now).
      sql::Planner planner(catalog_, statement->script, Executor());
      auto planned = planner.Plan(*statement->query);
      ARROW_RETURN_NOT_OK(planned.status());
      if (!view->column_names.empty() &&
          view->column_names.size() != planned->column_names.size()) {
        return arrow::Status::Invalid(
            fmt::format("view '{}' names {} columns but its query returns {}", view->name,
                        view->column_names.size(), planned->column_names.size()));
      }
      ARROW_RETURN_NOT_OK(catalog_.AddView(view, statement->if_not_exists));
      return TableResult::Ok("[INFO] Execute statement succeeded.");
    }
    case StatementKind::kDrop: {
      ARROW_ASSIGN_OR_RAISE(std::string name, sql::CatalogName(statement->name));
      ARROW_RETURN_NOT_OK(catalog_.Drop(name, statement->is_view, statement->if_exists));
      return TableResult::Ok("[INFO] Execute statement succeeded.");
    }
    case StatementKind::kShowTables: {
      std::vector<std::vector<std::string>> rows;
      for (const std::string& name : catalog_.TableNames()) rows.push_back({name});
      for (const std::string& name : catalog_.ViewNames()) rows.push_back({name});
      std::sort(rows.begin(), rows.end());
      return StringRows({"table name"}, rows);
    }
    case StatementKind::kShowViews: {
      std::vector<std::vector<std::string>> rows;
      for (const std::string& name : catalog_.ViewNames()) rows.push_back({name});
      return StringRows({"view name"}, rows);
    }
    case StatementKind::kShowFunctions: {
      // Flink's SHOW FUNCTIONS: the user's functions and the built-in ones.
      std::set<std::string> names;
      for (const sql::FunctionDefinition* function : sql::AllFunctions()) {
        names.insert(function->name);
      }
      for (const std::string& name : catalog_.FunctionNames()) names.insert(name);
      std::vector<std::vector<std::string>> rows;
      for (const std::string& name : names) rows.push_back({name});
      return StringRows({"function name"}, rows);
    }
    case StatementKind::kDescribe:
      return Describe(*statement);
    // weir has Flink's default catalog and database only.
    case StatementKind::kShowCatalogs:
      return StringRows({"catalog name"}, {{"default_catalog"}});
    case StatementKind::kShowDatabases:
      return StringRows({"database name"}, {{"default_database"}});
    case StatementKind::kShowCurrentCatalog:
      return StringRows({"current catalog name"}, {{"default_catalog"}});
    case StatementKind::kShowCurrentDatabase:
      return StringRows({"current database name"}, {{"default_database"}});
    case StatementKind::kShowCreateTable: {
      ARROW_ASSIGN_OR_RAISE(std::string name, sql::CatalogName(statement->name));
      std::string ddl;
      if (auto table = catalog_.FindTable(name)) ddl = table->ddl;
      if (auto view = catalog_.FindView(name)) ddl = view->text;
      if (ddl.empty()) {
        if (catalog_.FindTable(name) != nullptr || catalog_.FindView(name) != nullptr) {
          return arrow::Status::NotImplemented(fmt::format(
              "'{}' was not made by a CREATE statement (it comes from the Table API or "
              "a DataStream); DESCRIBE shows its columns",
              name));
        }
        std::vector<std::string> names = catalog_.TableNames();
        for (const std::string& v : catalog_.ViewNames()) names.push_back(v);
        return arrow::Status::Invalid(fmt::format("table or view '{}' does not exist{}",
                                                  name, sql::DidYouMean(name, names)));
      }
      return StringRows({"result"}, {{ddl}});
    }
    case StatementKind::kExplain: {
      ARROW_ASSIGN_OR_RAISE(std::string plan,
                            Explain(*statement->explained, statement->explain_details));
      return StringRows({"plan"}, {{plan}});
    }
    case StatementKind::kSet: {
      if (statement->key.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [key, value] : config_) rows.push_back({key, value});
        return StringRows({"key", "value"}, rows);
      }
      ARROW_RETURN_NOT_OK(SetConfig(statement->key, statement->value));
      const std::string ignored =
          planner::ExecutionConfig::IgnoredBecause(statement->key);
      if (!ignored.empty()) {
        return TableResult::Ok(fmt::format(
            "[INFO] Execute statement succeeded. '{}' has no effect in weir: {}.",
            statement->key, ignored));
      }
      return TableResult::Ok("[INFO] Execute statement succeeded.");
    }
    case StatementKind::kReset: {
      if (statement->key.empty()) {
        config_.clear();
        config_["execution.runtime-mode"] = "streaming";
      } else {
        config_.erase(statement->key);
        if (statement->key == "execution.runtime-mode") {
          config_["execution.runtime-mode"] = "streaming";
        }
      }
      ARROW_RETURN_NOT_OK(UpdateExecutionConfig());
      return TableResult::Ok("[INFO] Execute statement succeeded.");
    }
  }
  return arrow::Status::Invalid("unknown statement");
}

arrow::Result<TableResult> TableEnvironment::Describe(const sql::Statement& statement) {
  ARROW_ASSIGN_OR_RAISE(std::string name, sql::CatalogName(statement.name));
  std::vector<std::vector<std::string>> rows;
  const std::string null = "\x01NULL";
  if (auto table = catalog_.FindTable(name)) {
    for (const sql::CatalogColumn& column : table->columns) {
      bool key = std::find(table->primary_key.begin(), table->primary_key.end(),
                           column.name) != table->primary_key.end();
      std::string type = column.type ? SqlTypeName(column.type) : "(computed)";
      std::string extras = column.computed ? "AS " + column.computed->ToString() : null;
      std::string watermark =
          column.name == table->watermark_column && table->watermark_expr
              ? table->watermark_expr->ToString()
              : null;
      rows.push_back({column.name, type, column.nullable && !key ? "TRUE" : "FALSE",
                      key ? "PRI(" + column.name + ")" : null, extras, watermark});
    }
    std::vector<std::string> names = {"name", "type",   "null",
                                      "key",  "extras", "watermark"};
    return StringRows(names, rows);
  }
  if (auto view = catalog_.FindView(name)) {
    sql::Planner planner(catalog_, view->script, Executor());
    ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*view->query));
    for (int i = 0; i < planned.plan->schema->num_fields(); ++i) {
      std::string column =
          view->column_names.empty() ? planned.column_names[i] : view->column_names[i];
      rows.push_back({column, SqlTypeName(planned.plan->schema->field(i)->type()), "TRUE",
                      null, null, null});
    }
    std::vector<std::string> names = {"name", "type",   "null",
                                      "key",  "extras", "watermark"};
    return StringRows(names, rows);
  }
  std::vector<std::string> names = catalog_.TableNames();
  for (const std::string& v : catalog_.ViewNames()) names.push_back(v);
  return arrow::Status::Invalid(fmt::format("table or view '{}' does not exist{}", name,
                                            sql::DidYouMean(name, names)));
}

arrow::Result<std::string> TableEnvironment::Explain(
    const sql::Statement& statement, const std::vector<std::string>& details) {
  const sql::Query* query = statement.query.get();
  sql::Planner planner(catalog_, statement.script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*query));
  sql::PlanPtr optimized = Optimize(planned.plan);
  sql::PlanNoteFn note;
  std::optional<ChangelogModes> modes;
  if (std::find(details.begin(), details.end(), "CHANGELOG_MODE") != details.end()) {
    // Flink's notation; batch plans produce final rows only.
    ARROW_ASSIGN_OR_RAISE(modes, ChangelogModes::Infer(optimized, StreamTableNames()));
    note = [&](const sql::PlanNode& node) {
      return "changelogMode=[" +
             (streaming() ? modes->Of(node) : planner::ChangelogModeSet::InsertOnly())
                 .ToString() +
             "]";
    };
  }
  std::string out = "== Optimized Logical Plan ==\n" + sql::PlanToString(optimized, note);
  // What the connectors know before reading (partition pruning by directory names).
  std::string pruning;
  std::function<void(const sql::PlanNode&)> visit = [&](const sql::PlanNode& node) {
    if (node.kind == sql::PlanKind::kScan) {
      auto factory = node.table->Factory();
      std::string line = factory.ok()
                             ? (*factory)->ExplainScan(node.table->Descriptor(),
                                                       ScanRequestOf(node, streaming()))
                             : "";
      if (!line.empty()) pruning += line + "\n";
    }
    for (const sql::PlanPtr& input : node.inputs) visit(*input);
  };
  visit(*optimized);
  if (!pruning.empty()) out += "== Partition pruning ==\n" + pruning;
  if (statement.kind == sql::StatementKind::kInsert) {
    out = fmt::format("== Sink ==\nInsert into {}\n", statement.name.back().name) + out;
  }
  out += fmt::format("== Execution ==\n{} mode", streaming() ? "streaming" : "batch");
  return out;
}

arrow::Result<std::string> TableEnvironment::ExplainSql(std::string_view text) {
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(text));
  if (statement->kind == sql::StatementKind::kExplain)
    return Explain(*statement->explained, statement->explain_details);
  return Explain(*statement);
}

arrow::Result<TableResult> TableEnvironment::RunQuery(const sql::Statement& statement) {
  sql::Planner planner(catalog_, statement.script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement.query));
  sql::PlanPtr plan = Optimize(planned.plan);
  if (planner::ReadsStreamTables(*plan, StreamTableNames())) {
    return arrow::Status::NotImplemented(
        "a SELECT over a table made from a DataStream runs in that stream's job: "
        "convert it back with to_data_stream(...) and collect or print the stream, or "
        "write it with an INSERT (execute_insert)");
  }
  const bool bounded = IsBoundedPlan(*plan);
  const std::string unsupported = planner::FirstUnsupportedInStreaming(*plan);
  if (!streaming()) ARROW_RETURN_NOT_OK(planner::CheckInsertOnlySources(*plan));
  const bool changelog_source = planner::FirstChangelogScan(*plan) != nullptr;
  if (streaming() && changelog_source && !unsupported.empty()) {
    return arrow::Status::NotImplemented(
        fmt::format("streaming queries with {} over a changelog source (upsert-kafka, "
                    "debezium-json) are not supported yet",
                    unsupported));
  }
  if (streaming() && !bounded) {
    if (!unsupported.empty()) {
      return arrow::Status::NotImplemented(fmt::format(
          "streaming queries with {} over unbounded sources are not supported yet; "
          "query bounded tables, or SET 'execution.runtime-mode' = 'batch'",
          unsupported));
    }
    if (listener_) return RunContinuousQuery(plan, planned.column_names);
    return arrow::Status::NotImplemented(
        "SELECT over an unbounded source would never end; write it to a table with "
        "INSERT INTO (e.g. a 'print' table), or run it in the `weir sql` shell");
  }
  if (exec_.ShowsChangelog() && unsupported.empty())
    return RunChangelogQuery(plan, planned.column_names);
  if (changelog_source ||
      (streaming() && unsupported.empty() && planner::NeedsStreamingSemantics(*plan))) {
    // The batch engine reads rows, not changes (or computes what the streaming job
    // would not): run the job and apply its changes.
    ARROW_ASSIGN_OR_RAISE(TableResult changes,
                          RunChangelogQuery(plan, planned.column_names));
    ARROW_ASSIGN_OR_RAISE(auto collected, changes.Collect());
    ARROW_ASSIGN_OR_RAISE(auto rows, MaterializeChanges(*collected));
    return TableResult::Rows(rows, planned.column_names);
  }
  // Bounded sources: the batch engine gives the final result a streaming run would.
  ARROW_ASSIGN_OR_RAISE(auto table, ExecuteBatchPlan(plan, BatchRunOptions()));
  return TableResult::Rows(table, planned.column_names);
}

arrow::Result<TableResult> TableEnvironment::RunChangelogQuery(
    const sql::PlanPtr& plan, const std::vector<std::string>& names) {
  // The changes as Flink's client shows them: an `op` column, then the columns.
  arrow::RecordBatchVector changes;
  ARROW_RETURN_NOT_OK(
      RunChangesJob(plan, names, [&](const std::shared_ptr<arrow::RecordBatch>& batch) {
        changes.push_back(batch);
        return arrow::Status::OK();
      }).status());
  auto schema = changes.empty() ? planner::ChangesSchema(*plan->schema, names)
                                : changes.front()->schema();
  ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema, changes));
  std::vector<std::string> visible = {"op"};
  visible.insert(visible.end(), names.begin(), names.end());
  return TableResult::Changes(table, visible);
}

arrow::Result<TableResult> TableEnvironment::RunContinuousQuery(
    const sql::PlanPtr& plan, const std::vector<std::string>& names) {
  auto rows = RunChangesJob(plan, names, listener_);
  // Ctrl-C (the waiter cancels the job) is how such a query ends.
  if (!rows.ok() && !rows.status().IsCancelled()) return rows.status();
  return TableResult::Ok(fmt::format("Query terminated, received a total of {} rows",
                                     rows.ok() ? *rows : changes_seen_.load()));
}

arrow::Result<int64_t> TableEnvironment::RunChangesJob(
    const sql::PlanPtr& plan, const std::vector<std::string>& names,
    const ChangeListener& listener) {
  ARROW_ASSIGN_OR_RAISE(ChangelogModes modes,
                        ChangelogModes::Infer(plan, StreamTableNames()));
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(parallelism());
  changes_seen_.store(0);
  ARROW_RETURN_NOT_OK(planner::BuildChangesJob(
      plan, names, modes, StreamOptions(),
      [this, listener](const std::shared_ptr<arrow::RecordBatch>& change) {
        changes_seen_.fetch_add(change->num_rows());
        return listener(change);
      },
      env->mutable_graph()));
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("select"));
  ARROW_RETURN_NOT_OK(waiter_(client, "").status());
  return changes_seen_.load();
}

std::set<std::string> TableEnvironment::StreamTableNames() const {
  std::set<std::string> names;
  for (const auto& entry : stream_tables_) names.insert(entry.first);
  return names;
}

planner::StreamTranslateOptions TableEnvironment::StreamOptions() const {
  planner::StreamTranslateOptions options;
  options.streaming = streaming();
  options.parallelism = parallelism();
  options.idle_timeout = IdleTimeout();
  options.watermark_interval = exec_.watermark_interval;
  options.state_ttl = exec_.state_ttl;
  return options;
}

arrow::Result<TableResult> TableEnvironment::RunInsert(const sql::Statement& statement) {
  return RunInserts({&statement}, "");
}

arrow::Result<TableResult> TableEnvironment::RunInserts(
    const std::vector<const sql::Statement*>& inserts, const std::string& set_text) {
  struct Planned {
    const sql::Statement* statement;
    planner::InsertInputs inputs;
    sql::PlanPtr plan;
  };
  std::vector<Planned> planned_inserts;
  bool reads_streams = false;
  std::set<std::string> targets;
  for (const sql::Statement* statement : inserts) {
    ARROW_ASSIGN_OR_RAISE(std::string name, sql::CatalogName(statement->name));
    if (!targets.insert(sql::ToLowerAscii(name)).second) {
      // Two sinks of one job on one table would clean up each other's files.
      return arrow::Status::NotImplemented(fmt::format(
          "the statement set writes table '{}' more than once; write it with one "
          "INSERT (combine the queries with UNION ALL)",
          name));
    }
    Planned p{statement, {}, nullptr};
    p.inputs.target = catalog_.FindTable(name);
    if (p.inputs.target == nullptr) {
      return arrow::Status::Invalid(
          fmt::format("INSERT INTO: table '{}' does not exist{}", name,
                      sql::DidYouMean(name, catalog_.TableNames())));
    }
    p.inputs.target_name = name;
    p.inputs.exec = &exec_;
    p.inputs.translate = StreamOptions();
    p.inputs.stream_tables = StreamTableNames();
    p.inputs.batch = BatchRunOptions();
    sql::Planner planner(catalog_, statement->script, Executor());
    ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement->query));
    p.plan = Optimize(planned.plan);
    reads_streams =
        reads_streams || planner::ReadsStreamTables(*p.plan, p.inputs.stream_tables);
    planned_inserts.push_back(std::move(p));
  }

  // Tables registered from DataStreams live in the stream environment's graph, so
  // a job reading them is built into that environment.
  std::shared_ptr<StreamExecutionEnvironment> env = StreamExecutionEnvironment::Create();
  env->SetParallelism(parallelism());
  env->SetRuntimeMode(streaming() ? RuntimeMode::kStreaming : RuntimeMode::kBatch);
  if (reads_streams) env = stream_env_;
  std::vector<planner::InsertJob> jobs;
  for (Planned& p : planned_inserts) {
    if (reads_streams) {
      for (const auto& [table_name, registered] : stream_tables_) {
        p.inputs.translate.table_vertices[table_name] = registered.vertex();
      }
      p.inputs.sink_parallelism = stream_env_->parallelism();
    }
    ARROW_ASSIGN_OR_RAISE(
        planner::InsertJob job,
        planner::BuildInsertJob(*p.statement, p.plan, p.inputs, env->mutable_graph()));
    jobs.push_back(std::move(job));
  }
  planner::InsertJob& first = jobs.front();
  std::string job_name = first.job_name;
  std::string checkpoint_dir = first.checkpoint_dir;
  if (jobs.size() > 1) {
    // One job for the set: named after its tables, checkpointed in its own folder.
    for (size_t i = 1; i < jobs.size(); ++i) {
      job_name += "," + planned_inserts[i].inputs.target_name;
    }
    if (!checkpoint_dir.empty()) {
      checkpoint_dir =
          fmt::format("{}/{}", exec_.checkpoint_dir,
                      planner::InsertCheckpointFolder("statement-set", set_text));
      first.options.checkpointing.dir = checkpoint_dir;
    }
  }
  // A DataStream job keeps the checkpointing its own environment was given.
  if (!reads_streams) {
    env->runtime_options().checkpointing = first.options.checkpointing;
    env->runtime_options().restart = first.options.restart;
  }
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync(job_name));
  ARROW_ASSIGN_OR_RAISE(runtime::JobResult result, waiter_(client, checkpoint_dir));
  int64_t rows = 0;
  std::string per_table;
  std::set<std::string> counted;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].after_success) ARROW_RETURN_NOT_OK(jobs[i].after_success());
    // INSERTs into one table share its vertex name, and so its count.
    if (!counted.insert(jobs[i].counted_vertex).second) continue;
    const int64_t written = result.Totals(jobs[i].counted_vertex).records_out;
    rows += written;
    per_table += fmt::format("{}{}: {}", per_table.empty() ? "" : ", ",
                             planned_inserts[i].inputs.target_name, written);
  }
  return TableResult::Job(
      fmt::format("[INFO] Job {} finished: {} rows written{} in {:.2f} s", job_name, rows,
                  jobs.size() > 1 ? " (" + per_table + ")" : "",
                  std::chrono::duration<double>(result.duration).count()),
      rows);
}

arrow::Result<Table> TableEnvironment::SqlQuery(std::string_view query) {
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(query));
  if (statement->kind != sql::StatementKind::kQuery) {
    return arrow::Status::Invalid("SqlQuery takes a query (SELECT, VALUES, WITH)");
  }
  // Checked now so errors surface here, not at Execute().
  sql::Planner planner(catalog_, statement->script, nullptr);
  auto planned = planner.Plan(*statement->query);
  if (!planned.ok() &&
      planned.status().message().find("needs values at planning") == std::string::npos) {
    return planned.status();
  }
  return Table(shared_from_this(), std::string(statement->text));
}

arrow::Result<Table> TableEnvironment::FromArrow(std::shared_ptr<arrow::Table> data,
                                                 const std::string& name) {
  auto table = std::make_shared<sql::CatalogTable>();
  table->name = name;
  for (const auto& field : data->schema()->fields()) {
    sql::CatalogColumn column;
    column.name = field->name();
    column.type = field->type();
    column.nullable = field->nullable();
    table->columns.push_back(std::move(column));
  }
  table->options = {{"connector", "memory"}};
  table->option_order = {"connector"};
  table->data = std::move(data);
  ARROW_RETURN_NOT_OK(catalog_.AddTable(table, false));
  return FromPath(name);
}

arrow::Result<std::shared_ptr<arrow::Schema>> TableEnvironment::QuerySchema(
    std::string_view query) {
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr statement, sql::ParseStatement(query));
  if (statement->kind != sql::StatementKind::kQuery) {
    return arrow::Status::Invalid("QuerySchema takes a query (SELECT, VALUES, WITH)");
  }
  sql::Planner planner(catalog_, statement->script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement->query));
  const arrow::Schema& schema = *planned.plan->schema;
  arrow::FieldVector fields;
  for (int i = 0; i < schema.num_fields(); ++i) {
    const auto& field = schema.field(i);
    fields.push_back(static_cast<size_t>(i) < planned.column_names.size()
                         ? field->WithName(planned.column_names[static_cast<size_t>(i)])
                         : field);
  }
  return arrow::schema(std::move(fields));
}

arrow::Result<bool> TableEnvironment::IsContinuousQuery(std::string_view statement) {
  ARROW_ASSIGN_OR_RAISE(sql::StatementPtr parsed, sql::ParseStatement(statement));
  if (parsed->kind != sql::StatementKind::kQuery || !streaming()) return false;
  sql::Planner planner(catalog_, parsed->script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*parsed->query));
  return !IsBoundedPlan(*Optimize(planned.plan));
}

arrow::Status TableEnvironment::CreateTemporaryFunction(sql::CatalogFunction function) {
  const bool scalar =
      function.table_function == nullptr && function.aggregate_function == nullptr;
  if (function.name.empty() ||
      (scalar && (function.arrow_function.empty() || function.result_type == nullptr))) {
    return arrow::Status::Invalid(
        "a function needs a name, an implementation and a result type");
  }
  if (function.description.empty()) {
    function.description = fmt::format("function '{}'", function.name);
  }
  return catalog_.AddFunction(
      std::make_shared<const sql::CatalogFunction>(std::move(function)));
}

arrow::Status TableEnvironment::DropTemporaryFunction(const std::string& name,
                                                      bool system, bool if_exists) {
  return catalog_.DropFunction(name, system, if_exists);
}

arrow::Result<Table> TableEnvironment::FromPath(const std::string& name) {
  if (catalog_.FindTable(name) == nullptr && catalog_.FindView(name) == nullptr) {
    std::vector<std::string> names = catalog_.TableNames();
    for (const std::string& v : catalog_.ViewNames()) names.push_back(v);
    return arrow::Status::Invalid(fmt::format("table or view '{}' does not exist{}", name,
                                              sql::DidYouMean(name, names)));
  }
  return SqlQuery(fmt::format("SELECT * FROM `{}`", name));
}

// ---- Table ----

std::string Table::Alias() const {
  static std::atomic<int> counter{0};
  return fmt::format("t{}", counter++);
}

Table Table::Select(const std::vector<std::string>& expressions) const {
  return Table(env_, fmt::format("SELECT {} FROM ({}) AS {}",
                                 fmt::join(expressions, ", "), sql_, Alias()));
}

Table Table::Filter(const std::string& predicate) const {
  return Table(
      env_, fmt::format("SELECT * FROM ({}) AS {} WHERE {}", sql_, Alias(), predicate));
}

Table Table::GroupBy(const std::vector<std::string>& keys) const {
  return Table(env_, sql_, keys);
}

Table Table::Aggregate(const std::vector<std::string>& aggregates) const {
  std::vector<std::string> items = group_keys_;
  items.insert(items.end(), aggregates.begin(), aggregates.end());
  std::string sql =
      fmt::format("SELECT {} FROM ({}) AS {}", fmt::join(items, ", "), sql_, Alias());
  if (!group_keys_.empty())
    sql += fmt::format(" GROUP BY {}", fmt::join(group_keys_, ", "));
  return Table(env_, sql);
}

Table Table::Join(const Table& right, const std::string& condition,
                  const std::string& type) const {
  return Table(env_, fmt::format("SELECT * FROM ({}) AS l {} JOIN ({}) AS r ON {}", sql_,
                                 type, right.sql_, condition));
}

Table Table::OrderBy(const std::vector<std::string>& keys) const {
  return Table(env_, fmt::format("SELECT * FROM ({}) AS {} ORDER BY {}", sql_, Alias(),
                                 fmt::join(keys, ", ")));
}

Table Table::Limit(int64_t count, int64_t offset) const {
  return Table(env_, fmt::format("SELECT * FROM ({}) AS {} LIMIT {} OFFSET {}", sql_,
                                 Alias(), count, offset));
}

arrow::Result<TableResult> Table::Execute() const { return env_->ExecuteSql(sql_); }

arrow::Result<TableResult> Table::ExecuteInsert(const std::string& name) const {
  return env_->ExecuteSql(fmt::format("INSERT INTO `{}` {}", name, sql_));
}

}  // namespace weir::api
