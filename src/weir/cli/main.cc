// The `weir` command line. Exit codes: 0 success, 1 user error, 2 internal error.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "weir/cli/parquet_commands.h"
#include "weir/cli/sql_shell.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"

int main(int argc, char** argv) {
  try {
    if (auto st = weir::InitializeRuntime(); !st.ok()) {
      std::fprintf(stderr, "weir: internal error: %s\n", st.ToString().c_str());
      return 2;
    }
    CLI::App app{"weir: stream and batch processing for Parquet data"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "weir 0.1.0");
    CLI::App* parquet =
        app.add_subcommand("parquet", "Inspect, print and convert Parquet files");
    parquet->require_subcommand(1);
    weir::cli::CommandAction action;
    weir::cli::RegisterParquetCommands(parquet, &action);
    weir::cli::RegisterSqlCommand(&app, &action);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : 1;
    }
    arrow::Status st = action ? action() : arrow::Status::OK();
    if (!st.ok()) {
      bool user = weir::ClassifyError(st) == weir::ErrorKind::kUser;
      std::fprintf(stderr, "weir: %s%s\n",
                   user ? "error: " : "internal error: ", st.message().c_str());
      return weir::ExitCodeFor(st);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weir: internal error: %s\n", e.what());
    return 2;
  } catch (...) {
    std::fprintf(stderr, "weir: internal error: unknown exception\n");
    return 2;
  }
}
