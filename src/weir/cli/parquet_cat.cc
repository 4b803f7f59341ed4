#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "weir/cli/batch_printer.h"
#include "weir/cli/parquet_commands.h"
#include "weir/cli/progress.h"
#include "weir/common/error.h"
#include "weir/format/parquet/scanner.h"
#include "weir/sql/bind/expression_binder.h"

namespace weir::cli {

namespace {

struct CatArgs {
  std::vector<std::string> inputs;
  std::string columns;
  std::string where;
  int64_t limit = -1;
  std::string format = "table";
  int64_t batch_size = 64 * 1024;
  int threads = 0;
  bool stats = false;
  bool quiet = false;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

void PrintCounters(const format::ScanCounters& c) {
  std::fprintf(
      stderr,
      "files: %lld total, %lld pruned by partition\n"
      "row groups: %lld total, %lld read, pruned %lld by statistics, %lld by bloom "
      "filter, %lld by page index\n"
      "pages (filter columns): %lld total, %lld pruned by page index\n"
      "rows: %lld decoded, %lld dropped by page index, %lld output\n",
      (long long)c.files_total, (long long)c.files_pruned, (long long)c.row_groups_total,
      (long long)c.row_groups_read, (long long)c.row_groups_pruned_by_statistics,
      (long long)c.row_groups_pruned_by_bloom_filter,
      (long long)c.row_groups_pruned_by_page_index, (long long)c.pages_total,
      (long long)c.pages_pruned, (long long)c.rows_read,
      (long long)c.rows_skipped_by_page_index, (long long)c.rows_output);
}

arrow::Status RunCat(const CatArgs& args) {
  ARROW_ASSIGN_OR_RAISE(OutputFormat fmt, ParseOutputFormat(args.format));
  if (args.batch_size <= 0) return UserError("--batch-size must be positive");
  ARROW_ASSIGN_OR_RAISE(auto dataset, format::ParquetDataset::Open(args.inputs));
  format::ScanOptions options;
  options.columns = SplitList(args.columns);
  options.batch_size = args.batch_size;
  options.parallelism = args.threads;
  if (!args.where.empty()) {
    ARROW_ASSIGN_OR_RAISE(options.filter,
                          sql::ParseFilter(args.where, *dataset->schema()));
  }
  ARROW_ASSIGN_OR_RAISE(auto scanner, format::ParquetScanner::Make(dataset, options));
  BatchPrinter printer(stdout, fmt);
  Progress progress("reading", args.quiet || isatty(STDOUT_FILENO));
  int64_t printed = 0;
  while (args.limit < 0 || printed < args.limit) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(scanner->ReadNext(&batch));
    if (!batch) break;
    if (args.limit >= 0 && printed + batch->num_rows() > args.limit) {
      batch = batch->Slice(0, args.limit - printed);
    }
    ARROW_RETURN_NOT_OK(printer.Print(*batch));
    printed += batch->num_rows();
    progress.Update(printed);
  }
  progress.Done();
  ARROW_RETURN_NOT_OK(printer.Finish(*scanner->schema(), printed));
  ARROW_RETURN_NOT_OK(scanner->Close());
  if (args.stats) PrintCounters(scanner->counters());
  return arrow::Status::OK();
}

}  // namespace

void RegisterCatCommand(CLI::App* parquet, CommandAction* action) {
  auto args = std::make_shared<CatArgs>();
  CLI::App* cmd = parquet->add_subcommand("cat", "Print rows of Parquet files");
  cmd->add_option("PATH", args->inputs,
                  "Parquet files, directories (Hive partitions) or globs")
      ->required();
  cmd->add_option("--columns,-c", args->columns,
                  "Comma-separated columns to print; nested fields as a.b.c");
  cmd->add_option(
      "--where,-w", args->where,
      "SQL boolean expression to filter rows, e.g. \"price > 100 AND channel = "
      "'web'\"; pushed down to partitions, row groups and pages");
  cmd->add_option("--limit,-n", args->limit, "Print at most N rows");
  cmd->add_option("--format,-f", args->format, "Output format: table, csv or json")
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Rows per decoded batch")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Reader threads (0 = one per core)");
  cmd->add_flag("--stats", args->stats, "Print what was read and pruned to stderr");
  cmd->add_flag("--quiet,-q", args->quiet, "No progress display");
  cmd->callback([args, action] { *action = [args] { return RunCat(*args); }; });
}

}  // namespace weir::cli
