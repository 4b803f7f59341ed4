#include "weir/cli/sql_shell.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include <editline/readline.h>
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <arrow/table.h>

#include "weir/api/signal_cancellation.h"
#include "weir/api/table_environment.h"
#include "weir/cli/batch_printer.h"
#include "weir/cli/change_table_view.h"
#include "weir/sql/parse/statement_parser.h"

namespace weir::cli {
namespace {

struct SqlArgs {
  std::string file;
  std::string execute;
  std::vector<std::string> defines;
  std::string format = "table";
};

// Prints one statement's result: rows to stdout in the chosen format, messages
// and timings to stderr.
arrow::Status PrintResult(const api::TableResult& result, OutputFormat format,
                          double seconds) {
  if (result.kind() != api::TableResult::Kind::kRows) {
    std::fprintf(stderr, "%s\n", result.message().c_str());
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto table, result.Collect());
  if (format == OutputFormat::kTable) {
    ARROW_RETURN_NOT_OK(result.Print(stdout));
    std::fflush(stdout);
    std::fprintf(stderr, "(%.3f seconds)\n", seconds);
    return arrow::Status::OK();
  }
  BatchPrinter printer(stdout, format);
  ARROW_ASSIGN_OR_RAISE(auto combined, table->CombineChunksToBatch());
  ARROW_RETURN_NOT_OK(printer.Print(*combined));
  ARROW_RETURN_NOT_OK(printer.Finish(*table->schema(), table->num_rows()));
  std::fflush(stdout);
  std::fprintf(stderr, "%lld row%s in set (%.3f seconds)\n",
               static_cast<long long>(table->num_rows()),
               table->num_rows() == 1 ? "" : "s", seconds);
  return arrow::Status::OK();
}

arrow::Status RunStatement(api::TableEnvironment& env, const sql::StatementPtr& statement,
                           OutputFormat format) {
  auto start = std::chrono::steady_clock::now();
  // A SELECT over unbounded sources shows its changes until Ctrl-C: on a terminal
  // with result-mode `table` (Flink's default) as a view refreshed in place, else
  // each change as it comes (Flink's tableau and changelog modes).
  BatchPrinter changes(stdout, format);
  std::shared_ptr<arrow::Schema> change_schema;
  int64_t change_rows = 0;
  std::optional<ChangeTableView> view;
  if (format == OutputFormat::kTable && isatty(fileno(stdout)) &&
      env.execution_config().result_mode ==
          planner::ExecutionConfig::ResultMode::kTable) {
    view.emplace(stdout, std::chrono::milliseconds(500));
  }
  env.set_change_listener([&](const std::shared_ptr<arrow::RecordBatch>& batch) {
    change_schema = batch->schema();
    change_rows += batch->num_rows();
    if (view) return view->Apply(*batch);
    ARROW_RETURN_NOT_OK(changes.Print(*batch));
    std::fflush(stdout);
    return arrow::Status::OK();
  });
  auto executed = env.Execute(statement);
  env.set_change_listener(nullptr);
  if (view && change_schema) {
    view->Finish();
  } else if (change_schema) {
    ARROW_RETURN_NOT_OK(changes.Finish(*change_schema, change_rows));
  }
  ARROW_ASSIGN_OR_RAISE(api::TableResult result, std::move(executed));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return PrintResult(result, format, seconds);
}

arrow::Status RunScript(api::TableEnvironment& env, const std::string& script,
                        OutputFormat format) {
  ARROW_ASSIGN_OR_RAISE(auto statements, sql::ParseScript(script));
  for (const sql::StatementPtr& statement : statements) {
    ARROW_RETURN_NOT_OK(RunStatement(env, statement, format));
  }
  return arrow::Status::OK();
}

volatile std::sig_atomic_t interrupted = 0;
// Set by Ctrl-C; running batch queries stop soon after (lock-free, so the handler
// may store it).
std::atomic<bool> cancel_query{false};
static_assert(std::atomic<bool>::is_always_lock_free);
void OnInterrupt(int) {
  interrupted = 1;
  cancel_query.store(true);
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home == nullptr ? std::string() : std::string(home) + "/.weir_history";
}

bool IsQuit(const std::string& statement) {
  std::string word;
  for (char c : statement) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    word += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  return word == "QUIT" || word == "EXIT";
}

arrow::Status Interactive(api::TableEnvironment& env, OutputFormat format) {
  std::fprintf(stderr,
               "weir SQL shell. Statements end with ';'. Ctrl-C cancels the running "
               "job, Ctrl-D or QUIT; leaves.\n");
  std::string history = HistoryPath();
  using_history();
  if (!history.empty()) read_history(history.c_str());
  // Ctrl-C at the prompt clears the line, during a query cancels it; INSERT jobs
  // install their own handling while they run.
  std::signal(SIGINT, OnInterrupt);
  env.set_cancel_flag(&cancel_query);
  std::string buffer;
  while (true) {
    char* line = readline(buffer.empty() ? "weir> " : "   -> ");
    if (line == nullptr) break;
    std::string text(line);
    std::free(line);
    if (interrupted) {
      interrupted = 0;
      buffer.clear();
      continue;
    }
    buffer += (buffer.empty() ? "" : "\n") + text;
    bool complete = false;
    std::vector<std::string> statements = sql::SplitStatements(buffer, &complete);
    if (!complete) continue;
    if (!buffer.empty()) {
      add_history(buffer.c_str());
      if (!history.empty()) write_history(history.c_str());
    }
    buffer.clear();
    for (const std::string& statement : statements) {
      if (IsQuit(statement)) return arrow::Status::OK();
      cancel_query.store(false);
      interrupted = 0;
      auto st = RunScript(env, statement, format);
      // A Ctrl-C during the statement was spent cancelling it.
      interrupted = 0;
      cancel_query.store(false);
      if (!st.ok()) std::fprintf(stderr, "[ERROR] %s\n", st.message().c_str());
    }
  }
  std::fprintf(stderr, "\n");
  return arrow::Status::OK();
}

arrow::Status RunSql(const SqlArgs& args) {
  ARROW_ASSIGN_OR_RAISE(OutputFormat format, ParseOutputFormat(args.format));
  std::map<std::string, std::string> variables;
  for (const std::string& define : args.defines) {
    size_t eq = define.find('=');
    if (eq == std::string::npos || eq == 0) {
      return arrow::Status::Invalid(
          fmt::format("-D expects VAR=value but got '{}'", define));
    }
    variables[define.substr(0, eq)] = define.substr(eq + 1);
  }
  auto env = api::TableEnvironment::Create();
  // SIGTERM stops a running INSERT with a savepoint into its checkpoint directory;
  // Ctrl-C cancels it.
  env->set_job_waiter([](const std::shared_ptr<runtime::JobClient>& client,
                         const std::string& savepoint_dir) {
    if (savepoint_dir.empty()) return api::WaitCancellingOnSignal(client);
    return api::WaitStoppingOnSignal(client, savepoint_dir);
  });
  if (!args.file.empty() && !args.execute.empty()) {
    return arrow::Status::Invalid("give either -f FILE or -e STATEMENTS, not both");
  }
  std::string script;
  if (!args.file.empty()) {
    std::ifstream in(args.file);
    if (!in) return arrow::Status::IOError(fmt::format("cannot read {}", args.file));
    std::stringstream content;
    content << in.rdbuf();
    script = content.str();
  } else if (!args.execute.empty()) {
    script = args.execute;
  } else if (isatty(STDIN_FILENO)) {
    return Interactive(*env, format);
  } else {
    std::stringstream content;
    content << std::cin.rdbuf();
    script = content.str();
  }
  ARROW_ASSIGN_OR_RAISE(script, SubstituteVariables(script, variables));
  return RunScript(*env, script, format);
}

}  // namespace

arrow::Result<std::string> SubstituteVariables(
    const std::string& text, const std::map<std::string, std::string>& variables) {
  std::string out;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c == '$' && i + 2 < text.size() && text[i + 1] == '$' && text[i + 2] == '{') {
      out += "${";
      i += 2;
      continue;
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        return arrow::Status::Invalid(
            fmt::format("line {}: '${{' without a closing '}}'", line));
      }
      std::string name = text.substr(i + 2, close - i - 2);
      auto it = variables.find(name);
      if (it == variables.end()) {
        return arrow::Status::Invalid(
            fmt::format("line {}: undefined variable ${{{}}}; define it with -D {}=value",
                        line, name, name));
      }
      out += it->second;
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

void RegisterSqlCommand(CLI::App* app, CommandAction* action) {
  auto args = std::make_shared<SqlArgs>();
  CLI::App* sql = app->add_subcommand(
      "sql", "Run SQL (Flink dialect): a script, statements, or an interactive shell");
  sql->add_option("-f,--file", args->file, "Run the statements of a script file");
  sql->add_option("-e,--execute", args->execute, "Run these statements");
  sql->add_option("-D,--define", args->defines,
                  "Set a script variable: -D NAME=value replaces ${NAME}");
  sql->add_option("--format", args->format, "Result format: table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  sql->callback([args, action]() { *action = [args]() { return RunSql(*args); }; });
}

}  // namespace weir::cli
