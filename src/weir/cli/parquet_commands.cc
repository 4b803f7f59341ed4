#include "weir/cli/parquet_commands.h"

namespace weir::cli {

void RegisterParquetCommands(CLI::App* parquet, CommandAction* action) {
  RegisterInspectCommand(parquet, action);
  RegisterCatCommand(parquet, action);
  RegisterConvertCommand(parquet, action);
}

}  // namespace weir::cli
