#pragma once

#include <map>
#include <string>

#include <arrow/result.h>

#include "weir/cli/parquet_commands.h"

namespace CLI {
class App;
}

namespace weir::cli {

/// Adds `weir sql [-f script.sql | -e "statements"] [-D VAR=value]… [--format
/// table|csv|json]`: runs SQL scripts, or an interactive shell with line editing
/// and history when neither is given and stdin is a terminal (statements read
/// from stdin otherwise).
void RegisterSqlCommand(CLI::App* app, CommandAction* action);

/// Replaces `${NAME}` in `text` with `variables[NAME]`; an undefined variable is an
/// error naming it and its line. `$${` is a literal `${`.
arrow::Result<std::string> SubstituteVariables(
    const std::string& text, const std::map<std::string, std::string>& variables);

}  // namespace weir::cli
