#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "weir/cli/parquet_commands.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/format/parquet/metadata_inspector.h"

namespace weir::cli {

namespace {

struct InspectArgs {
  std::string path;
  bool json = false;
};

arrow::Status RunInspect(const InspectArgs& args) {
  ARROW_ASSIGN_OR_RAISE(auto files, format::DiscoverFiles({args.path}));
  if (args.json && files.size() > 1) std::fputs("[", stdout);
  for (size_t i = 0; i < files.size(); ++i) {
    ARROW_ASSIGN_OR_RAISE(auto info, format::InspectFile(files[i].path));
    if (args.json) {
      if (i) std::fputs(",\n", stdout);
      std::fputs(format::FormatFileInfoJson(info).c_str(), stdout);
    } else {
      if (i) std::fputs("\n", stdout);
      std::fputs(format::FormatFileInfoText(info).c_str(), stdout);
    }
  }
  if (args.json) std::fputs(files.size() > 1 ? "]\n" : "\n", stdout);
  return arrow::Status::OK();
}

}  // namespace

void RegisterInspectCommand(CLI::App* parquet, CommandAction* action) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = parquet->add_subcommand(
      "inspect",
      "Show schema, row groups, column chunks (encodings, codec, sizes, statistics, page "
      "index and bloom filter presence) and key-value metadata");
  cmd->add_option("PATH", args->path, "Parquet file, directory or glob")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->callback([args, action] { *action = [args] { return RunInspect(*args); }; });
}

}  // namespace weir::cli
