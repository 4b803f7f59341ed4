#include "weir/api/table_environment.h"

#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include <arrow/array/builder_binary.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/api/stream_execution_environment.h"
#include "weir/connectors/collect/sink.h"
#include "weir/connectors/collection/source.h"
#include "weir/planner/batch_executor.h"
#include "weir/planner/execution_config.h"
#include "weir/planner/insert_columns.h"
#include "weir/planner/table_connectors.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/parse/statement_parser.h"
#include "weir/sql/plan/planner.h"
#include "weir/sql/suggest.h"

namespace weir::api {

using planner::BatchOptions;
using planner::ExecuteBatchPlan;
using planner::IsBoundedTable;
using planner::MakeScanSource;
using planner::MakeTableSink;
using planner::ScanRequestOf;
using planner::ScanStatistics;
using planner::TableSink;
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

// Stateless plans (scan, filter, project, union) run as streaming jobs.
bool IsStateless(const sql::PlanNode& node) {
  switch (node.kind) {
    case sql::PlanKind::kScan:
      return true;
    case sql::PlanKind::kFilter:
    case sql::PlanKind::kProject:
    case sql::PlanKind::kUnion:
      for (const sql::PlanPtr& input : node.inputs) {
        if (!IsStateless(*input)) return false;
      }
      return true;
    default:
      return false;
  }
}

bool AllBounded(const sql::PlanNode& node) {
  if (node.kind == sql::PlanKind::kScan) return IsBoundedTable(*node.table);
  for (const sql::PlanPtr& input : node.inputs) {
    if (!AllBounded(*input)) return false;
  }
  return true;
}

std::string FirstStateful(const sql::PlanNode& node) {
  switch (node.kind) {
    case sql::PlanKind::kAggregate:
      return "aggregation (GROUP BY, DISTINCT, aggregates)";
    case sql::PlanKind::kJoin:
      return "a join or IN/EXISTS subquery";
    case sql::PlanKind::kSort:
      return "ORDER BY";
    case sql::PlanKind::kLimit:
      return "LIMIT/OFFSET";
    default:
      break;
  }
  for (const sql::PlanPtr& input : node.inputs) {
    std::string found = FirstStateful(*input);
    if (!found.empty()) return found;
  }
  return "";
}

// WATERMARK FOR ts AS ts [- INTERVAL 'n' unit] on a TIMESTAMP column is what the
// runtime's watermark strategy expresses; anything else is refused at CREATE TABLE.
arrow::Status CheckWatermark(const sql::CatalogTable& table) {
  if (table.watermark_column.empty()) return arrow::Status::OK();
  const sql::CatalogColumn* column = nullptr;
  for (const sql::CatalogColumn& c : table.columns) {
    if (c.name == table.watermark_column) column = &c;
  }
  if (column == nullptr || column->computed != nullptr ||
      column->type->id() != arrow::Type::TIMESTAMP) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the WATERMARK column '{}' must be a physical TIMESTAMP or "
        "TIMESTAMP_LTZ column",
        table.name, table.watermark_column));
  }
  auto is_column = [&](const sql::Expr& e) {
    return e.kind() == sql::ExprKind::kColumnRef &&
           sql::EqualsIgnoreCase(static_cast<const sql::ColumnRefExpr&>(e).DottedName(),
                                 table.watermark_column);
  };
  const sql::Expr& expr = *table.watermark_expr;
  bool ok = is_column(expr);
  if (!ok && expr.kind() == sql::ExprKind::kBinary) {
    const auto& binary = static_cast<const sql::BinaryExpr&>(expr);
    ok = binary.op() == sql::BinaryOp::kSubtract && is_column(*binary.left()) &&
         binary.right()->kind() == sql::ExprKind::kLiteral &&
         static_cast<const sql::LiteralExpr&>(*binary.right()).literal_kind() ==
             sql::LiteralKind::kInterval;
  }
  if (!ok) {
    return arrow::Status::NotImplemented(fmt::format(
        "table '{}': WATERMARK FOR {} AS {} is not supported; write {} or {} - INTERVAL "
        "'5' SECOND",
        table.name, table.watermark_column, expr.ToString(), table.watermark_column,
        table.watermark_column));
  }
  return arrow::Status::OK();
}

// Event time for a scan from the table's WATERMARK FOR col AS col [- INTERVAL …].
runtime::WatermarkStrategy WatermarksOf(const sql::CatalogTable& table,
                                        const sql::PlanNode& scan) {
  if (table.watermark_column.empty()) return runtime::WatermarkStrategy::NoWatermarks();
  bool read = std::find(scan.scan_columns.begin(), scan.scan_columns.end(),
                        table.watermark_column) != scan.scan_columns.end();
  if (!read) return runtime::WatermarkStrategy::NoWatermarks();
  std::chrono::microseconds delay{0};
  if (table.watermark_expr && table.watermark_expr->kind() == sql::ExprKind::kBinary) {
    const auto& binary = static_cast<const sql::BinaryExpr&>(*table.watermark_expr);
    if (binary.op() == sql::BinaryOp::kSubtract &&
        binary.right()->kind() == sql::ExprKind::kLiteral) {
      const auto& literal = static_cast<const sql::LiteralExpr&>(*binary.right());
      if (literal.literal_kind() == sql::LiteralKind::kInterval) {
        delay = std::chrono::microseconds(std::get<int64_t>(literal.value()));
      }
    }
  }
  return runtime::WatermarkStrategy::ForBoundedOutOfOrderness(delay).WithTimestampColumn(
      table.watermark_column);
}

// Tables registered from DataStreams, by lower-case name.
using StreamTables = std::map<std::string, DataStream>;

arrow::Result<DataStream> BuildStream(
    const std::shared_ptr<StreamExecutionEnvironment>& env, const sql::PlanNode& node,
    bool streaming, const StreamTables& streams, std::chrono::microseconds idle) {
  switch (node.kind) {
    case sql::PlanKind::kScan: {
      // Tables registered from a DataStream read it; the others their connector.
      auto it = streams.find(sql::ToLowerAscii(node.table->name));
      if (it != streams.end()) {
        std::vector<runtime::NamedExpression> columns;
        for (int i = 0; i < node.schema->num_fields(); ++i) {
          columns.push_back(
              {node.schema->field(i)->name(), cp::field_ref(node.scan_columns[i])});
        }
        return it->second.Select(columns, "From " + node.table->name);
      }
      // Sources that track event time themselves (per Kafka partition) get the
      // strategy; other sources get an assigner after them.
      ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory,
                            node.table->Factory());
      const auto watermarks = WatermarksOf(*node.table, node).WithIdleness(idle);
      const bool in_source = factory->AppliesWatermarks();
      ARROW_ASSIGN_OR_RAISE(
          runtime::SourceFactory source,
          MakeScanSource(
              node, streaming,
              in_source ? watermarks : runtime::WatermarkStrategy::NoWatermarks()));
      std::vector<runtime::NamedExpression> columns;
      for (int i = 0; i < node.schema->num_fields(); ++i) {
        cp::Expression column = cp::field_ref(node.scan_columns[i]);
        columns.push_back({node.schema->field(i)->name(), column});
      }
      return env
          ->FromSource(
              source, in_source ? runtime::WatermarkStrategy::NoWatermarks() : watermarks,
              node.table->name)
          .Select(columns, "Scan " + node.table->name);
    }
    case sql::PlanKind::kFilter: {
      ARROW_ASSIGN_OR_RAISE(DataStream input,
                            BuildStream(env, *node.inputs[0], streaming, streams, idle));
      return input.Filter(sql::UnbindExpression(node.predicate), "Filter");
    }
    case sql::PlanKind::kProject: {
      ARROW_ASSIGN_OR_RAISE(DataStream input,
                            BuildStream(env, *node.inputs[0], streaming, streams, idle));
      std::vector<runtime::NamedExpression> columns;
      for (size_t i = 0; i < node.exprs.size(); ++i) {
        columns.push_back({node.schema->field(static_cast<int>(i))->name(),
                           sql::UnbindExpression(node.exprs[i])});
      }
      return input.Select(columns, "Project");
    }
    case sql::PlanKind::kUnion: {
      ARROW_ASSIGN_OR_RAISE(DataStream first,
                            BuildStream(env, *node.inputs[0], streaming, streams, idle));
      std::vector<DataStream> others;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        ARROW_ASSIGN_OR_RAISE(DataStream other, BuildStream(env, *node.inputs[i],
                                                            streaming, streams, idle));
        others.push_back(other);
      }
      return first.Union(others);
    }
    default:
      return arrow::Status::NotImplemented(fmt::format(
          "streaming queries with {} over unbounded sources are not supported yet; they "
          "run when every source is bounded, or in batch mode",
          FirstStateful(node)));
  }
}

// A folder name for an INSERT's checkpoints: the table name and a hash of the
// statement text with whitespace runs collapsed (FNV-1a, stable across runs).
std::string JobFolder(const std::string& table, const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  bool space = false;
  for (char c : text) {
    bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
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
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  return fmt::format("insert-{}-{:016x}", safe, hash);
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
    const std::string& name) {
  if (stream_env_ == nullptr) {
    return arrow::Status::Invalid(
        "FromDataStream needs an environment made with "
        "TableEnvironment::Create(stream_execution_environment)");
  }
  auto table = std::make_shared<sql::CatalogTable>();
  table->name = name;
  for (const auto& field : schema->fields()) {
    sql::CatalogColumn column;
    column.name = field->name();
    column.type = field->type();
    column.nullable = field->nullable();
    table->columns.push_back(std::move(column));
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
  if (IsStateless(*plan)) {
    ARROW_ASSIGN_OR_RAISE(stream, BuildStream(stream_env_, *plan, streaming(),
                                              stream_tables_, IdleTimeout()));
  } else {
    if (!AllBounded(*plan) || plan->HasKind(sql::PlanKind::kScan) == false) {
      return arrow::Status::NotImplemented(fmt::format(
          "ToDataStream of a query with {} over unbounded sources is not supported yet",
          FirstStateful(*plan)));
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
    case StatementKind::kCreateTable: {
      ARROW_ASSIGN_OR_RAISE(auto table, sql::MakeCatalogTable(*statement));
      ARROW_RETURN_NOT_OK(ValidateTableOptions(*table));
      // Computed columns must bind over the physical ones now, not at first use.
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
        ARROW_RETURN_NOT_OK(planner.Plan(query).status());
      }
      ARROW_RETURN_NOT_OK(CheckWatermark(*table));
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
      std::set<std::string> names;
      for (const std::string& name : sql::SqlFunctionNames()) names.insert(name);
      for (const std::string& name : sql::SpecialFunctionNames()) names.insert(name);
      for (const char* name :
           {"COUNT", "SUM", "AVG", "MIN", "MAX", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP",
            "VAR_SAMP", "FIRST_VALUE", "LAST_VALUE"}) {
        names.insert(name);
      }
      std::vector<std::vector<std::string>> rows;
      for (const std::string& name : names) rows.push_back({name});
      return StringRows({"function name"}, rows);
    }
    case StatementKind::kDescribe:
      return Describe(*statement);
    case StatementKind::kExplain: {
      ARROW_ASSIGN_OR_RAISE(std::string plan, Explain(*statement->explained));
      return StringRows({"plan"}, {{plan}});
    }
    case StatementKind::kSet: {
      if (statement->key.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [key, value] : config_) rows.push_back({key, value});
        return StringRows({"key", "value"}, rows);
      }
      ARROW_RETURN_NOT_OK(SetConfig(statement->key, statement->value));
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

arrow::Result<std::string> TableEnvironment::Explain(const sql::Statement& statement) {
  const sql::Query* query = statement.query.get();
  sql::Planner planner(catalog_, statement.script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*query));
  sql::PlanPtr optimized = Optimize(planned.plan);
  std::string out = "== Optimized Logical Plan ==\n" + sql::PlanToString(optimized);
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
    return Explain(*statement->explained);
  return Explain(*statement);
}

arrow::Result<TableResult> TableEnvironment::RunQuery(const sql::Statement& statement) {
  sql::Planner planner(catalog_, statement.script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement.query));
  sql::PlanPtr plan = Optimize(planned.plan);
  if (streaming() && !AllBounded(*plan)) {
    if (!IsStateless(*plan)) {
      return arrow::Status::NotImplemented(fmt::format(
          "streaming queries with {} over unbounded sources are not supported yet; "
          "query bounded tables, or SET 'execution.runtime-mode' = 'batch'",
          FirstStateful(*plan)));
    }
    return arrow::Status::NotImplemented(
        "SELECT over an unbounded source would never end; write it to a table with "
        "INSERT INTO (e.g. a 'print' table)");
  }
  // Bounded sources: the batch engine gives the final result a streaming run would.
  ARROW_ASSIGN_OR_RAISE(auto table, ExecuteBatchPlan(plan, BatchRunOptions()));
  return TableResult::Rows(table, planned.column_names);
}

arrow::Result<TableResult> TableEnvironment::RunInsert(const sql::Statement& statement) {
  ARROW_ASSIGN_OR_RAISE(std::string name, sql::CatalogName(statement.name));
  auto target = catalog_.FindTable(name);
  if (target == nullptr) {
    return arrow::Status::Invalid(
        fmt::format("INSERT INTO: table '{}' does not exist{}", name,
                    sql::DidYouMean(name, catalog_.TableNames())));
  }
  if (statement.overwrite && streaming()) {
    return arrow::Status::Invalid(
        "INSERT OVERWRITE needs batch mode: SET 'execution.runtime-mode' = 'batch'");
  }
  sql::Planner planner(catalog_, statement.script, Executor());
  ARROW_ASSIGN_OR_RAISE(auto planned, planner.Plan(*statement.query));
  sql::PlanPtr plan = Optimize(planned.plan);

  // Map the query's columns (plus static partition values) onto the table's.
  ARROW_ASSIGN_OR_RAISE(std::vector<runtime::NamedExpression> output,
                        planner::InsertColumns(statement, name, *target, *plan->schema));

  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(parallelism());
  env->SetRuntimeMode(streaming() ? RuntimeMode::kStreaming : RuntimeMode::kBatch);
  std::string savepoint_dir;
  if (streaming() && exec_.checkpoint_interval) {
    if (exec_.checkpoint_dir.empty()) {
      return arrow::Status::Invalid(
          "checkpointing is on (execution.checkpointing.interval) but "
          "state.checkpoints.dir is not set: SET 'state.checkpoints.dir' = '/path'");
    }
    // Each INSERT statement checkpoints into its own folder, named by the target and a
    // fingerprint of the statement: running the same script again resumes each
    // INSERT from its own newest checkpoint; a different INSERT starts fresh.
    std::string dir =
        fmt::format("{}/{}", exec_.checkpoint_dir, JobFolder(name, statement.text));
    env->EnableCheckpointing(*exec_.checkpoint_interval, dir);
    savepoint_dir = dir;
    if (exec_.checkpoint_timeout) {
      env->checkpoint_config().timeout = *exec_.checkpoint_timeout;
    }
    if (exec_.checkpoint_min_pause) {
      env->checkpoint_config().min_pause = *exec_.checkpoint_min_pause;
    }
    if (exec_.checkpoints_retained) {
      env->checkpoint_config().retain = *exec_.checkpoints_retained;
    }
    runtime::RestartStrategy restart;
    restart.kind = exec_.restart ? runtime::RestartStrategy::Kind::kFixedDelay
                                 : runtime::RestartStrategy::Kind::kNone;
    if (exec_.restart_attempts) restart.attempts = *exec_.restart_attempts;
    if (exec_.restart_delay) restart.delay = *exec_.restart_delay;
    env->SetRestartStrategy(restart);
  }
  if (!exec_.savepoint_path.empty()) {
    if (exec_.checkpoint_dir.empty() || !exec_.checkpoint_interval) {
      // Restoring needs checkpoint storage to continue into.
      return arrow::Status::Invalid(
          "execution.savepoint.path needs checkpointing: set "
          "execution.checkpointing.interval and state.checkpoints.dir too");
    }
    env->checkpoint_config().restore_path = exec_.savepoint_path;
  }

  std::optional<DataStream> stream;
  bool stateless = IsStateless(*plan);
  if (!stateless && streaming() && !AllBounded(*plan)) {
    return arrow::Status::NotImplemented(fmt::format(
        "INSERT INTO {}: streaming queries with {} over unbounded sources are not "
        "supported yet",
        name, FirstStateful(*plan)));
  }
  if (!stateless && !savepoint_dir.empty()) {
    return arrow::Status::NotImplemented(fmt::format(
        "INSERT INTO {}: a query with {} runs on the batch engine, whose result cannot "
        "be checkpointed yet, so it would not be exactly-once after a failure; run it "
        "in batch mode (SET 'execution.runtime-mode' = 'batch'), where the output "
        "appears only when the job succeeds",
        name, FirstStateful(*plan)));
  }
  if (stateless) {
    ARROW_ASSIGN_OR_RAISE(
        stream, BuildStream(env, *plan, streaming(), stream_tables_, IdleTimeout()));
  } else {
    // Relational queries run on the batch engine; their rows stream into the sink
    // job as they are produced (one reader, spread over the sink's subtasks).
    ARROW_ASSIGN_OR_RAISE(auto rows, planner::StreamBatchPlan(plan, BatchRunOptions()));
    stream = env->FromSource(connectors::MakeReaderSource(std::move(rows)),
                             runtime::WatermarkStrategy::NoWatermarks(), "Query result");
    stream->SetParallelism(1);
  }
  ARROW_ASSIGN_OR_RAISE(TableSink sink, MakeTableSink(*target));
  std::function<arrow::Status()> replace_old_rows;
  if (statement.overwrite) {
    ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, target->Factory());
    ARROW_ASSIGN_OR_RAISE(replace_old_rows,
                          factory->PrepareOverwrite(target->Descriptor()));
  }
  DataStream written =
      stream->Select(output, "Insert " + name).SinkTo(sink.factory, "Sink " + name);
  if (sink.parallelism > 0) written.SetParallelism(sink.parallelism);
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("insert-into_" + name));
  ARROW_ASSIGN_OR_RAISE(runtime::JobResult result, waiter_(client, savepoint_dir));
  if (replace_old_rows) ARROW_RETURN_NOT_OK(replace_old_rows());
  int64_t rows = result.Totals("Insert " + name).records_out;
  return TableResult::Job(
      fmt::format("[INFO] Job insert-into_{} finished: {} rows written in {:.2f} s", name,
                  rows, std::chrono::duration<double>(result.duration).count()),
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
