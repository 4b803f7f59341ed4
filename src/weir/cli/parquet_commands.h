#pragma once

#include <functional>

#include <arrow/status.h>

namespace CLI {
class App;
}

namespace weir::cli {

/// The action a parsed command line runs.
using CommandAction = std::function<arrow::Status()>;

/// Adds `inspect`, `cat` and `convert` under the `parquet` command; the chosen
/// one stores its action in `*action`.
void RegisterParquetCommands(CLI::App* parquet, CommandAction* action);

/// Adds `weir parquet inspect PATH [--json]`.
void RegisterInspectCommand(CLI::App* parquet, CommandAction* action);

/// Adds `weir parquet cat PATH… [--columns] [--where] [--limit] [--format]`.
void RegisterCatCommand(CLI::App* parquet, CommandAction* action);

/// Adds `weir parquet convert INPUT OUTPUT [options]`.
void RegisterConvertCommand(CLI::App* parquet, CommandAction* action);

}  // namespace weir::cli
