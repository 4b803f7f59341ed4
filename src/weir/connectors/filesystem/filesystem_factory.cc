#include "weir/connectors/filesystem/filesystem_factory.h"

#include <filesystem>
#include <map>

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/suggest.h"
#include "weir/connectors/filesystem/bucket_assigner.h"
#include "weir/connectors/filesystem/file_sink.h"
#include "weir/connectors/filesystem/parquet_source.h"
#include "weir/connectors/filesystem/text_format_scan.h"
#include "weir/connectors/table_formats.h"
#include "weir/connectors/table_options.h"
#include "weir/expr/pruning.h"
#include "weir/format/csv/csv_writer.h"
#include "weir/format/json/json_writer.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/writer_options.h"

namespace weir::connectors {
namespace {

const std::set<std::string>& FilesystemOptions() {
  static const std::set<std::string> options = {
      "connector",
      "path",
      "format",
      "source.monitor-interval",
      "sink.parallelism",
      "sink.rolling-policy.file-size",
      "sink.rolling-policy.rollover-interval",
      "sink.rolling-policy.inactivity-interval",
      "sink.rolling-policy.check-interval",
      "sink.rolling-policy.on-checkpoint",
      "sink.partition-commit.trigger",
      "sink.partition-commit.delay",
      "sink.partition-commit.policy.kind",
      "sink.partition-commit.success-file.name",
      "partition.time-extractor.timestamp-pattern",
      "auto-compaction",
      "sink.memory-budget",
      "sink.bucket-assigner",
      "sink.bucket-assigner.date-time.format",
      "sink.bucket-assigner.date-time.time-zone",
      "sink.output-file.part-prefix",
      "sink.output-file.part-suffix",
      "parquet.compression",
      "parquet.compression-level",
      "parquet.block.size",
      "parquet.page.size",
      "parquet.enable.dictionary",
      "parquet.bloom-filter.columns",
      "parquet.writer.version",
  };
  return options;
}

arrow::Result<FileSinkOptions> FileSinkOptionsOf(const TableDescriptor& table) {
  FileSinkOptions options;
  options.path = table.Option("path");
  if (!table.partition_keys.empty()) {
    options.buckets = PartitionColumns(
        table.partition_keys, table.Option("partition.time-extractor.timestamp-pattern"));
  }
  auto has = [&](const std::string& key) { return !table.Option(key).empty(); };
  // The DataStream FileSink's bucket assigners and part names (weir's options, set
  // by the Python FileSink builder; a table's buckets are its partitions).
  const std::string assigner = table.Option("sink.bucket-assigner");
  if (!assigner.empty() && !table.partition_keys.empty()) {
    return OptionError(table, "sink.bucket-assigner",
                       "a PARTITIONED BY table is bucketed by its partitions");
  }
  if (assigner == "date-time") {
    const std::string pattern =
        table.Option("sink.bucket-assigner.date-time.format", "yyyy-MM-dd--HH");
    auto granularity = PatternGranularityMicros(pattern);
    if (!granularity.ok()) {
      return OptionError(table, "sink.bucket-assigner.date-time.format",
                         granularity.status().message());
    }
    options.buckets = ProcessingTimeBuckets(
        pattern, table.Option("sink.bucket-assigner.date-time.time-zone", "UTC"));
  } else if (!assigner.empty() && assigner != "base-path") {
    return OptionError(
        table, "sink.bucket-assigner",
        fmt::format("expected date-time or base-path but got '{}'", assigner));
  }
  if (has("sink.rolling-policy.file-size")) {
    ARROW_ASSIGN_OR_RAISE(options.rolling.file_size,
                          Size(table, "sink.rolling-policy.file-size"));
  }
  if (has("sink.rolling-policy.rollover-interval")) {
    ARROW_ASSIGN_OR_RAISE(options.rolling.rollover_interval,
                          Duration(table, "sink.rolling-policy.rollover-interval"));
  }
  if (has("sink.rolling-policy.inactivity-interval")) {
    ARROW_ASSIGN_OR_RAISE(options.rolling.inactivity_interval,
                          Duration(table, "sink.rolling-policy.inactivity-interval"));
  }
  if (has("sink.rolling-policy.check-interval")) {
    ARROW_ASSIGN_OR_RAISE(options.check_interval,
                          Duration(table, "sink.rolling-policy.check-interval"));
  }
  if (has("sink.rolling-policy.on-checkpoint")) {
    ARROW_ASSIGN_OR_RAISE(options.rolling.on_checkpoint,
                          ParseBool(table, "sink.rolling-policy.on-checkpoint"));
  }
  if (has("sink.memory-budget")) {
    ARROW_ASSIGN_OR_RAISE(options.memory_budget, Size(table, "sink.memory-budget"));
  }
  std::string trigger = table.Option("sink.partition-commit.trigger", "");
  std::string policy = table.Option("sink.partition-commit.policy.kind", "");
  if (!trigger.empty() && table.partition_keys.empty()) {
    return OptionError(table, "sink.partition-commit.trigger",
                       "partition commit needs a PARTITIONED BY table");
  }
  using Trigger = PartitionCommitOptions::Trigger;
  if (trigger == "process-time") {
    options.commit.trigger = Trigger::kProcessTime;
  } else if (trigger == "partition-time") {
    options.commit.trigger = Trigger::kPartitionTime;
  } else if (!trigger.empty()) {
    return OptionError(
        table, "sink.partition-commit.trigger",
        fmt::format("expected process-time or partition-time but got '{}'", trigger));
  }
  if (!table.partition_keys.empty() && trigger.empty() && !policy.empty()) {
    // Flink's default trigger is process-time once a policy is configured.
    options.commit.trigger = Trigger::kProcessTime;
  }
  if (has("sink.partition-commit.delay")) {
    ARROW_ASSIGN_OR_RAISE(options.commit.delay,
                          Duration(table, "sink.partition-commit.delay"));
  }
  if (!policy.empty()) {
    options.commit.success_file = false;
    size_t start = 0;
    while (start <= policy.size()) {
      size_t comma = policy.find(',', start);
      std::string kind = policy.substr(
          start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!kind.empty() && kind.front() == ' ') kind.erase(kind.begin());
      while (!kind.empty() && kind.back() == ' ') kind.pop_back();
      if (kind == "success-file") {
        options.commit.success_file = true;
      } else if (kind == "metastore" || kind == "custom") {
        return OptionError(table, "sink.partition-commit.policy.kind",
                           fmt::format("'{}' is not supported (weir has no metastore and "
                                       "no class loading); use success-file",
                                       kind));
      } else {
        return OptionError(table, "sink.partition-commit.policy.kind",
                           fmt::format("expected success-file but got '{}'", kind));
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (has("sink.partition-commit.success-file.name")) {
    options.commit.success_file_name =
        table.Option("sink.partition-commit.success-file.name");
  }
  const std::string format_name = table.Option("format", "parquet");
  if (format_name != "parquet") {
    // A record format (csv, json): one record per line.
    ARROW_ASSIGN_OR_RAISE(const format::RecordFormat* format,
                          TableRecordFormat(table, "format", format_name));
    arrow::FieldVector fields;
    const auto physical = table.PhysicalSchema();
    for (const auto& field : physical->fields()) {
      if (std::find(table.partition_keys.begin(), table.partition_keys.end(),
                    field->name()) == table.partition_keys.end())
        fields.push_back(field);
    }
    auto schema = arrow::schema(fields);
    format::FormatOptions format_options = FormatOptionsOf(table);
    auto made = format->MakeEncoder(schema, format_options, format::RecordPart::kLine);
    if (!made.ok()) {
      return arrow::Status::Invalid(
          fmt::format("table '{}': {}", table.name, made.status().message()));
    }
    // Sink subtasks encode at the same time: each batch gets its own encoder.
    options.row_encoder = [format, schema, format_options](
                              const arrow::RecordBatch& batch, std::string* out) {
      ARROW_ASSIGN_OR_RAISE(auto encoder, format->MakeEncoder(schema, format_options,
                                                              format::RecordPart::kLine));
      return encoder->AppendLines(batch, out);
    };
    options.suffix = std::string(format->file_suffix());
  }
  for (const char* key :
       {"sink.output-file.part-prefix", "sink.output-file.part-suffix"}) {
    if (table.Option(key).find('/') != std::string::npos) {
      return OptionError(table, key, "a part file name cannot contain '/'");
    }
  }
  if (has("sink.output-file.part-prefix")) {
    options.prefix = table.Option("sink.output-file.part-prefix");
  }
  if (table.options.count("sink.output-file.part-suffix") != 0) {
    options.suffix = table.Option("sink.output-file.part-suffix");
  }
  if (has("auto-compaction")) {
    ARROW_ASSIGN_OR_RAISE(bool compaction, ParseBool(table, "auto-compaction"));
    if (compaction) {
      return OptionError(
          table, "auto-compaction",
          "small-file compaction is not supported yet; files roll by "
          "sink.rolling-policy.file-size and are not cut at checkpoints, so "
          "they are large without it");
    }
  }
  if (has("parquet.compression")) {
    std::string codec = table.Option("parquet.compression");
    if (has("parquet.compression-level")) {
      codec += "(" + table.Option("parquet.compression-level") + ")";
    }
    auto st = format::ParseCompression(common::ToLowerAscii(codec), &options.writer);
    if (!st.ok()) return OptionError(table, "parquet.compression", st.message());
  }
  if (has("parquet.block.size")) {
    ARROW_ASSIGN_OR_RAISE(options.writer.row_group_bytes,
                          Size(table, "parquet.block.size"));
  }
  if (has("parquet.page.size")) {
    ARROW_ASSIGN_OR_RAISE(options.writer.page_size, Size(table, "parquet.page.size"));
  }
  if (has("parquet.enable.dictionary")) {
    ARROW_ASSIGN_OR_RAISE(options.writer.dictionary,
                          ParseBool(table, "parquet.enable.dictionary"));
  }
  if (has("parquet.writer.version")) {
    std::string version = common::ToLowerAscii(table.Option("parquet.writer.version"));
    if (version == "v1" || version == "parquet_1_0" || version == "1") {
      options.writer.data_page_version = 1;
    } else if (version == "v2" || version == "parquet_2_0" || version == "2") {
      options.writer.data_page_version = 2;
    } else {
      return OptionError(table, "parquet.writer.version", "expected v1 or v2");
    }
  }
  if (has("parquet.bloom-filter.columns")) {
    std::string columns = table.Option("parquet.bloom-filter.columns");
    size_t start = 0;
    while (start < columns.size()) {
      size_t comma = columns.find(',', start);
      std::string column = columns.substr(
          start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!column.empty() && column.front() == ' ') column.erase(column.begin());
      while (!column.empty() && column.back() == ' ') column.pop_back();
      if (!column.empty())
        options.writer.bloom_filters[column] = format::BloomFilterSpec{};
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return options;
}

// The partition columns with their declared types (null when unpartitioned, so the
// reader infers nothing and reads no partitions).
std::shared_ptr<arrow::Schema> PartitionSchema(const TableDescriptor& table) {
  if (table.partition_keys.empty()) return nullptr;
  arrow::FieldVector fields;
  for (const std::string& key : table.partition_keys) {
    for (const TableColumn& column : table.columns) {
      if (column.name == key) fields.push_back(arrow::field(key, column.type));
    }
  }
  return arrow::schema(fields);
}

// Finishes an INSERT OVERWRITE whose job succeeded: removes the files listed in
// `before` (the table's files when the job started) from the partitions the job
// wrote, or all of them for an unpartitioned table. The new files are already
// visible, so a crash here leaves old and new rows, never neither.
arrow::Status ReplaceOverwrittenFiles(const TableDescriptor& table,
                                      const std::set<std::string>& before) {
  std::set<std::string> after = VisibleDataFiles(table.Option("path"));
  std::set<std::string> written_dirs;
  for (const std::string& file : after) {
    if (before.count(file) == 0) {
      written_dirs.insert(std::filesystem::path(file).parent_path().string());
    }
  }
  for (const std::string& file : before) {
    std::string dir = std::filesystem::path(file).parent_path().string();
    // Partitioned: only the partitions this INSERT wrote; unpartitioned: all.
    bool replace = table.partition_keys.empty() || written_dirs.count(dir) != 0;
    if (!replace) continue;
    std::error_code ec;
    std::filesystem::remove(file, ec);
    if (ec) {
      return arrow::Status::IOError(fmt::format(
          "INSERT OVERWRITE {}: the new files are written but the old file {} could not "
          "be removed: {}",
          table.name, file, ec.message()));
    }
  }
  return arrow::Status::OK();
}

bool IsParquet(const TableDescriptor& table) {
  return !table.read_paths.empty() || table.Option("format", "parquet") == "parquet";
}

// The requested columns with the types the table declares.
std::shared_ptr<arrow::Schema> ScanSchema(const TableDescriptor& table,
                                          const std::vector<std::string>& columns) {
  arrow::FieldVector fields;
  for (const std::string& name : columns) {
    for (const TableColumn& column : table.columns) {
      if (column.name == name) fields.push_back(arrow::field(name, column.type));
    }
  }
  return arrow::schema(fields);
}

class FilesystemTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "filesystem"; }

  arrow::Status Validate(TableDescriptor* described) const override {
    TableDescriptor& table = *described;
    std::set<std::string> known = FilesystemOptions();
    for (const std::string& key : RecordFormatOptionKeys()) known.insert(key);
    ARROW_RETURN_NOT_OK(CheckKnown(table, known, "filesystem"));
    if (table.Option("path").empty()) {
      return arrow::Status::Invalid(
          fmt::format("table '{}': the filesystem connector needs 'path'", table.name));
    }
    auto local = format::LocalPath(table.Option("path"));
    if (!local.ok()) {
      return UserError("table '{}', option 'path': {}", table.name,
                       local.status().message());
    }
    table.options["path"] = *local;
    std::string format = table.Option("format");
    if (format.empty()) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': the filesystem connector needs 'format' (parquet)", table.name));
    }
    std::vector<const format::RecordFormat*> used;
    if (format != "parquet") {
      const format::RecordFormat* record = format::FindRecordFormat(format);
      if (record == nullptr || record->file_suffix().empty()) {
        std::string known = "parquet";
        for (const std::string& name : format::RecordFormatNames()) {
          const format::RecordFormat* f = format::FindRecordFormat(name);
          if (!f->file_suffix().empty()) known += ", " + name;
        }
        return arrow::Status::Invalid(fmt::format("table '{}': unknown format '{}' ({})",
                                                  table.name, format, known));
      }
      used.push_back(record);
    }
    for (const std::string& key : table.option_order) {
      const bool parquet_key = key.rfind("parquet.", 0) == 0;
      if ((parquet_key && format != "parquet") ||
          (IsRecordFormatOption(key) &&
           (used.empty() || used[0]->option_keys().count(key) == 0))) {
        return arrow::Status::Invalid(
            fmt::format("table '{}': option '{}' does not apply to format '{}'",
                        table.name, key, format));
      }
    }
    ARROW_RETURN_NOT_OK(CheckRecordFormatOptions(table, used));
    if (!table.Option("source.monitor-interval").empty()) {
      ARROW_RETURN_NOT_OK(Duration(table, "source.monitor-interval").status());
    }
    ARROW_RETURN_NOT_OK(SinkParallelism(table).status());
    return FileSinkOptionsOf(table).status();
  }

  bool IsBounded(const TableDescriptor& table) const override {
    return table.Option("source.monitor-interval").empty();
  }

  bool SupportsFilterPushdown(const TableDescriptor& table) const override {
    return IsParquet(table);
  }

  arrow::Result<runtime::SourceFactory> MakeSource(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    ParquetSourceOptions options;
    options.paths = table.read_paths.empty()
                        ? std::vector<std::string>{table.Option("path")}
                        : table.read_paths;
    options.scan.columns = scan.columns;
    options.scan.filter = scan.filter;
    options.dataset.partition_schema = PartitionSchema(table);
    if (table.Option("format", "parquet") != "parquet") {
      auto described = std::make_shared<TableDescriptor>(table);
      auto columns = scan.columns;
      options.open_files = [described, columns](std::vector<format::DiscoveredFile> files)
          -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
        return OpenTextFormatFiles(*described, columns, std::move(files));
      };
    }
    if (scan.streaming && !table.Option("source.monitor-interval").empty()) {
      ARROW_ASSIGN_OR_RAISE(options.monitor_interval,
                            Duration(table, "source.monitor-interval"));
    }
    return MakeParquetSource(options);
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenBatchReader(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    if (!IsParquet(table)) return OpenTextFormatScan(table, scan.columns);
    ARROW_ASSIGN_OR_RAISE(auto dataset, OpenTableDataset(table));
    if (dataset == nullptr) {
      return arrow::RecordBatchReader::Make({}, ScanSchema(table, scan.columns));
    }
    format::ScanOptions options;
    options.columns = scan.columns;
    options.filter = scan.filter;
    ARROW_ASSIGN_OR_RAISE(auto scanner, format::ParquetScanner::Make(dataset, options));
    return scanner;
  }

  arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const override {
    TableSink sink;
    ARROW_ASSIGN_OR_RAISE(sink.parallelism, SinkParallelism(table));
    ARROW_ASSIGN_OR_RAISE(auto options, FileSinkOptionsOf(table));
    ARROW_ASSIGN_OR_RAISE(sink.factory, MakeFileSink(options, table.PhysicalSchema()));
    return sink;
  }

  arrow::Result<std::function<arrow::Status()>> PrepareOverwrite(
      const TableDescriptor& table) const override {
    auto before = VisibleDataFiles(table.Option("path"));
    return std::function<arrow::Status()>(
        [table, before]() { return ReplaceOverwrittenFiles(table, before); });
  }

  std::optional<format::DatasetStatistics> Statistics(
      const TableDescriptor& table,
      const std::vector<std::string>& columns) const override {
    if (!IsParquet(table)) return std::nullopt;
    auto dataset = OpenTableDataset(table);
    if (!dataset.ok()) return std::nullopt;
    if (*dataset == nullptr) return format::DatasetStatistics{};  // an empty directory
    auto read = format::ReadDatasetStatistics(**dataset, columns);
    if (!read.ok()) return std::nullopt;
    return *read;
  }

  std::string ExplainScan(const TableDescriptor& table,
                          const ScanRequest& scan) const override {
    if (!IsParquet(table) || table.partition_keys.empty()) return "";
    auto counts = CountPartitionPruning(table, scan);
    if (!counts.ok()) return fmt::format("{}: {}", table.name, counts.status().message());
    return fmt::format("{}: {} of {} files pruned by partition values", table.name,
                       counts->second, counts->first);
  }

 private:
  // Counts the files a scan would open and those its filter prunes by partition
  // values alone: {files, pruned}.
  static arrow::Result<std::pair<int64_t, int64_t>> CountPartitionPruning(
      const TableDescriptor& table, const ScanRequest& scan) {
    ARROW_ASSIGN_OR_RAISE(auto dataset, OpenTableDataset(table));
    if (dataset == nullptr) return std::make_pair(int64_t{0}, int64_t{0});
    int64_t files = static_cast<int64_t>(dataset->files().size());
    const auto& partitions = *dataset->partition_schema();
    if (!scan.filter || partitions.num_fields() == 0)
      return std::make_pair(files, int64_t{0});
    ARROW_ASSIGN_OR_RAISE(auto filter, scan.filter->Bind(*dataset->schema()));
    int64_t pruned = 0;
    for (size_t i = 0; i < dataset->files().size(); ++i) {
      std::map<std::string, expr::ColumnRange> known;
      for (int p = 0; p < partitions.num_fields(); ++p) {
        known[partitions.field(p)->name()] =
            expr::ColumnRange::Exactly(dataset->partition_scalars(i)[p]);
      }
      bool skip = expr::CanSkip(
          filter, [&](const arrow::FieldRef& ref) -> const expr::ColumnRange* {
            auto it = known.find(expr::FieldKey(ref));
            return it == known.end() ? nullptr : &it->second;
          });
      if (skip) ++pruned;
    }
    return std::make_pair(files, pruned);
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakeFilesystemTableFactory() {
  return std::make_unique<FilesystemTableFactory>();
}

std::set<std::string> VisibleDataFiles(const std::string& root) {
  std::set<std::string> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return files;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.empty() && (name[0] == '.' || name[0] == '_')) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.insert(it->path().string());
  }
  return files;
}

arrow::Result<std::shared_ptr<format::ParquetDataset>> OpenTableDataset(
    const TableDescriptor& table) {
  if (table.dataset != nullptr) return table.dataset;
  format::DatasetOptions options;
  options.partition_schema = PartitionSchema(table);
  auto opened = format::ParquetDataset::Open({table.Option("path")}, options);
  if (!opened.ok()) {
    // A table directory nothing has been written to yet is empty, not an error; a
    // path that does not exist is (as in Flink).
    std::error_code ec;
    bool is_directory = std::filesystem::is_directory(table.Option("path"), ec);
    if (is_directory && VisibleDataFiles(table.Option("path")).empty()) {
      return std::shared_ptr<format::ParquetDataset>();
    }
    return arrow::Status::Invalid(
        fmt::format("table '{}': {}", table.name, opened.status().message()));
  }
  return *opened;
}

}  // namespace weir::connectors
