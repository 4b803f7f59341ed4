#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "weir/cli/parquet_commands.h"
#include "weir/cli/progress.h"
#include "weir/common/error.h"
#include "weir/format/csv/csv_reader.h"
#include "weir/format/json/json_reader.h"
#include "weir/format/parquet/partitioned_writer.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/writer.h"

namespace weir::cli {

namespace fs = std::filesystem;

namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  std::string from;
  std::string compression = "zstd(3)";
  std::string row_group_size;
  std::string row_group_bytes;
  std::string page_size;
  std::string partition_by;
  std::vector<std::string> bloom_filters;
  std::vector<std::string> sort_by;
  std::vector<std::string> metadata;
  int data_page_version = 1;
  bool no_dictionary = false;
  bool no_statistics = false;
  bool no_page_index = false;
  bool int96_timestamps = false;
  bool overwrite = false;
  bool quiet = false;
};

std::vector<std::string> SplitOn(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

arrow::Result<std::string> DetectFormat(const ConvertArgs& args) {
  if (!args.from.empty()) {
    if (args.from == "csv" || args.from == "json" || args.from == "parquet")
      return args.from;
    return UserError("unknown input format '{}'; use csv, json or parquet", args.from);
  }
  std::string ext = fs::path(args.input).extension().string();
  if (ext == ".csv" || ext == ".tsv") return std::string("csv");
  if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") return std::string("json");
  return std::string("parquet");
}

arrow::Result<format::WriterOptions> BuildWriterOptions(const ConvertArgs& args) {
  format::WriterOptions o;
  ARROW_RETURN_NOT_OK(format::ParseCompression(args.compression, &o));
  if (!args.row_group_size.empty()) {
    ARROW_ASSIGN_OR_RAISE(o.row_group_rows, format::ParseSize(args.row_group_size));
  }
  if (!args.row_group_bytes.empty()) {
    ARROW_ASSIGN_OR_RAISE(o.row_group_bytes, format::ParseSize(args.row_group_bytes));
  }
  if (!args.page_size.empty()) {
    ARROW_ASSIGN_OR_RAISE(o.page_size, format::ParseSize(args.page_size));
  }
  o.dictionary = !args.no_dictionary;
  o.statistics = !args.no_statistics;
  o.page_index = !args.no_page_index;
  o.data_page_version = args.data_page_version;
  o.int96_timestamps = args.int96_timestamps;
  for (const auto& spec : args.bloom_filters) {
    auto parts = SplitOn(spec, ':');
    if (parts.empty() || parts.size() > 3) {
      return UserError("invalid --bloom-filter '{}'; use COLUMN[:NDV[:FPP]]", spec);
    }
    format::BloomFilterSpec bf;
    try {
      if (parts.size() > 1) bf.ndv = std::stoll(parts[1]);
      if (parts.size() > 2) bf.fpp = std::stod(parts[2]);
    } catch (const std::exception&) {
      return UserError("invalid --bloom-filter '{}'; use COLUMN[:NDV[:FPP]]", spec);
    }
    o.bloom_filters[parts[0]] = bf;
  }
  for (const auto& s : args.sort_by) {
    auto parts = SplitOn(s, ':');
    format::SortingSpec spec;
    spec.column = parts.empty() ? s : parts[0];
    spec.descending = parts.size() > 1 && parts[1] == "desc";
    o.sorting_columns.push_back(spec);
  }
  for (const auto& kv : args.metadata) {
    auto eq = kv.find('=');
    if (eq == std::string::npos)
      return UserError("invalid --metadata '{}'; use KEY=VALUE", kv);
    o.key_value_metadata.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return o;
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenInput(
    const ConvertArgs& args, const std::string& kind) {
  if (kind == "csv") return format::OpenCsvReader(args.input);
  if (kind == "json") return format::OpenJsonReader(args.input);
  ARROW_ASSIGN_OR_RAISE(auto scanner, format::ScanParquet({args.input}, {}));
  return std::static_pointer_cast<arrow::RecordBatchReader>(scanner);
}

arrow::Status PrepareOutput(const ConvertArgs& args, bool directory) {
  std::error_code ec;
  if (!fs::exists(args.output, ec)) return arrow::Status::OK();
  if (!args.overwrite) {
    return UserError("output '{}' already exists; pass --overwrite to replace it",
                     args.output);
  }
  if (directory) {
    fs::remove_all(args.output, ec);
  } else if (fs::is_directory(args.output, ec)) {
    return UserError("output '{}' is a directory; give a file name", args.output);
  }
  if (ec)
    return arrow::Status::IOError("cannot replace '", args.output, "': ", ec.message());
  return arrow::Status::OK();
}

arrow::Status RunConvert(const ConvertArgs& args) {
  ARROW_ASSIGN_OR_RAISE(std::string kind, DetectFormat(args));
  ARROW_ASSIGN_OR_RAISE(auto options, BuildWriterOptions(args));
  auto partition_by = SplitOn(args.partition_by, ',');
  ARROW_RETURN_NOT_OK(PrepareOutput(args, !partition_by.empty()));
  ARROW_ASSIGN_OR_RAISE(auto input, OpenInput(args, kind));
  Progress progress("converting", args.quiet);
  int64_t rows = 0;

  if (!partition_by.empty()) {
    format::PartitionedWriteOptions po;
    po.partition_by = partition_by;
    po.writer = options;
    ARROW_ASSIGN_OR_RAISE(auto writer, format::PartitionedDatasetWriter::Open(
                                           args.output, input->schema(), po));
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(input->ReadNext(&batch));
      if (!batch) break;
      ARROW_RETURN_NOT_OK(writer->Write(*batch));
      rows += batch->num_rows();
      progress.Update(rows);
    }
    ARROW_RETURN_NOT_OK(writer->Commit());
    progress.Done();
    if (!args.quiet) {
      std::fprintf(stderr, "wrote %lld rows to %zu files under %s\n", (long long)rows,
                   writer->committed_files().size(), args.output.c_str());
    }
    return arrow::Status::OK();
  }

  // One file, written under a hidden name and renamed when complete.
  fs::path out(args.output);
  fs::path hidden = out.parent_path() / ("." + out.filename().string() + ".inprogress");
  auto run = [&]() -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto writer, format::ParquetFileWriter::Open(
                                           hidden.string(), input->schema(), options));
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(input->ReadNext(&batch));
      if (!batch) break;
      ARROW_RETURN_NOT_OK(writer->Write(*batch));
      rows += batch->num_rows();
      progress.Update(rows);
    }
    return writer->Close();
  };
  arrow::Status st = run();
  std::error_code ec;
  if (!st.ok()) {
    fs::remove(hidden, ec);
    return st;
  }
  fs::rename(hidden, out, ec);
  if (ec) {
    return arrow::Status::IOError("cannot rename '", hidden.string(), "' to '",
                                  args.output, "': ", ec.message());
  }
  progress.Done();
  if (!args.quiet) {
    std::fprintf(stderr, "wrote %lld rows to %s\n", (long long)rows, args.output.c_str());
  }
  return arrow::Status::OK();
}

}  // namespace

void RegisterConvertCommand(CLI::App* parquet, CommandAction* action) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = parquet->add_subcommand(
      "convert", "Convert CSV, newline-delimited JSON or Parquet into Parquet");
  cmd->add_option("INPUT", a->input, "Input file (Parquet also: directory or glob)")
      ->required();
  cmd->add_option("OUTPUT", a->output, "Output file, or directory with --partition-by")
      ->required();
  cmd->add_option("--from", a->from,
                  "Input format: csv, json or parquet (default: by extension)");
  cmd->add_option(
         "--compression", a->compression,
         "none, snappy, gzip, zstd, lz4_raw or brotli, with optional level: zstd(9)")
      ->capture_default_str();
  cmd->add_option("--row-group-size", a->row_group_size,
                  "Rows per row group (default 1M)");
  cmd->add_option("--row-group-bytes", a->row_group_bytes,
                  "Buffered bytes per row group, e.g. 128MB (default 128MB)");
  cmd->add_option("--page-size", a->page_size, "Data page size, e.g. 1MB");
  cmd->add_option("--partition-by", a->partition_by,
                  "Comma-separated columns for Hive-style directories col=value/");
  cmd->add_option("--bloom-filter", a->bloom_filters,
                  "Bloom filter on COLUMN[:NDV[:FPP]] (repeatable)");
  cmd->add_option(
      "--sort-by", a->sort_by,
      "Record COLUMN[:asc|desc] as a sorting column (data must already be sorted)");
  cmd->add_option("--metadata", a->metadata, "Key-value metadata KEY=VALUE (repeatable)");
  cmd->add_option("--data-page-version", a->data_page_version, "Data page format: 1 or 2")
      ->capture_default_str();
  cmd->add_flag("--no-dictionary", a->no_dictionary, "Disable dictionary encoding");
  cmd->add_flag("--no-statistics", a->no_statistics, "Do not write column statistics");
  cmd->add_flag("--no-page-index", a->no_page_index, "Do not write the page index");
  cmd->add_flag("--int96-timestamps", a->int96_timestamps,
                "Write timestamps as deprecated INT96 (only for readers that need it)");
  cmd->add_flag("--overwrite", a->overwrite, "Replace OUTPUT if it exists");
  cmd->add_flag("--quiet,-q", a->quiet, "No progress display or summary");
  cmd->callback([a, action] { *action = [a] { return RunConvert(*a); }; });
}

}  // namespace weir::cli
