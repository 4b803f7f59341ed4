#include "weir/api/table_connectors.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/api/csv_table_options.h"
#include "weir/api/kafka_table.h"
#include "weir/api/table_options.h"
#include "weir/api/text_format_scan.h"
#include "weir/common/error.h"
#include "weir/connectors/blackhole/sink.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/filesystem/bucket_assigner.h"
#include "weir/connectors/filesystem/file_sink.h"
#include "weir/connectors/filesystem/parquet_source.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/connectors/print/sink.h"
#include "weir/expr/pruning.h"
#include "weir/format/csv/csv_writer.h"
#include "weir/format/json/json_writer.h"
#include "weir/format/parquet/dataset.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/format/parquet/statistics.h"
#include "weir/format/parquet/writer_options.h"
#include "weir/sql/suggest.h"

namespace weir::api {
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
      "parquet.compression",
      "parquet.compression-level",
      "parquet.block.size",
      "parquet.page.size",
      "parquet.enable.dictionary",
      "parquet.bloom-filter.columns",
      "parquet.writer.version",
      "csv.field-delimiter",
      "csv.quote-character",
      "csv.null-literal",
      "csv.ignore-parse-errors",
      "json.ignore-parse-errors",
  };
  return options;
}

const std::set<std::string>& PrintOptionsList() {
  static const std::set<std::string> options = {"connector", "print-identifier",
                                                "standard-error", "sink.parallelism"};
  return options;
}

arrow::Status ValidateDatagen(const sql::CatalogTable& table) {
  static const std::set<std::string> field_options = {
      "kind", "min", "max", "length", "start", "end", "null-rate"};
  for (const std::string& key : table.option_order) {
    if (key == "connector" || key == "rows-per-second" || key == "number-of-rows" ||
        key == "seed") {
      continue;
    }
    if (key.rfind("fields.", 0) == 0) {
      size_t dot = key.rfind('.');
      std::string field = key.substr(7, dot - 7);
      std::string option = key.substr(dot + 1);
      bool known_field = false;
      for (const sql::CatalogColumn& column : table.columns) {
        if (column.name == field) known_field = true;
      }
      if (!known_field) {
        return arrow::Status::Invalid(
            fmt::format("table '{}', option '{}': '{}' is not a column of the table",
                        table.name, key, field));
      }
      if (field_options.count(option) == 0) {
        return arrow::Status::Invalid(fmt::format(
            "table '{}': unknown option '{}' (fields.<name>. takes kind, min, max, "
            "length, start, end, null-rate)",
            table.name, key));
      }
      continue;
    }
    return arrow::Status::Invalid(fmt::format(
        "table '{}': unknown option '{}' for connector 'datagen' (rows-per-second, "
        "number-of-rows, fields.<name>.kind|min|max|length|start|end|null-rate)",
        table.name, key));
  }
  return arrow::Status::OK();
}

arrow::Result<connectors::DatagenOptions> DatagenOptionsOf(
    const sql::CatalogTable& table) {
  connectors::DatagenOptions options;
  options.schema = table.PhysicalSchema();
  if (!table.Option("rows-per-second").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t rate, ParseInteger(table, "rows-per-second"));
    options.rows_per_second = rate;
  }
  if (!table.Option("number-of-rows").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t rows, ParseInteger(table, "number-of-rows"));
    options.number_of_rows = rows;
  }
  if (!table.Option("seed").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t seed, ParseInteger(table, "seed"));
    options.seed = static_cast<uint64_t>(seed);
  }
  for (const sql::CatalogColumn& column : table.columns) {
    if (column.computed) continue;
    connectors::DatagenFieldOptions field;
    std::string prefix = "fields." + column.name + ".";
    std::string kind = table.Option(prefix + "kind", "random");
    if (kind == "sequence") {
      field.kind = connectors::DatagenFieldOptions::Kind::kSequence;
      if (table.Option(prefix + "start").empty() ||
          table.Option(prefix + "end").empty()) {
        return OptionError(table, prefix + "kind",
                           "a sequence needs fields.<name>.start and fields.<name>.end");
      }
    } else if (kind != "random") {
      return OptionError(table, prefix + "kind",
                         fmt::format("expected random or sequence but got '{}'", kind));
    }
    if (!table.Option(prefix + "start").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.start, ParseInteger(table, prefix + "start"));
    }
    if (!table.Option(prefix + "end").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.end, ParseInteger(table, prefix + "end"));
    }
    if (!table.Option(prefix + "min").empty()) {
      ARROW_ASSIGN_OR_RAISE(double min, ParseNumber(table, prefix + "min"));
      field.min = min;
    }
    if (!table.Option(prefix + "max").empty()) {
      ARROW_ASSIGN_OR_RAISE(double max, ParseNumber(table, prefix + "max"));
      field.max = max;
    }
    if (!table.Option(prefix + "length").empty()) {
      ARROW_ASSIGN_OR_RAISE(int64_t length, ParseInteger(table, prefix + "length"));
      field.length = static_cast<int>(length);
    }
    if (!table.Option(prefix + "null-rate").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.null_rate, ParseNumber(table, prefix + "null-rate"));
    }
    options.fields[column.name] = field;
  }
  return options;
}

arrow::Result<connectors::FileSinkOptions> FileSinkOptionsOf(
    const sql::CatalogTable& table) {
  connectors::FileSinkOptions options;
  options.path = table.Option("path");
  if (!table.partition_keys.empty()) {
    options.buckets = connectors::PartitionColumns(
        table.partition_keys, table.Option("partition.time-extractor.timestamp-pattern"));
  }
  auto has = [&](const std::string& key) { return !table.Option(key).empty(); };
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
  using Trigger = connectors::PartitionCommitOptions::Trigger;
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
  const std::string format = table.Option("format", "parquet");
  if (format == "csv") {
    ARROW_ASSIGN_OR_RAISE(auto csv, CsvWriteOptionsOf(table));
    arrow::FieldVector fields;
    const auto physical = table.PhysicalSchema();
    for (const auto& field : physical->fields()) {
      if (std::find(table.partition_keys.begin(), table.partition_keys.end(),
                    field->name()) == table.partition_keys.end())
        fields.push_back(field);
    }
    auto st = format::CheckCsvWritable(*arrow::schema(fields));
    if (!st.ok()) {
      return arrow::Status::Invalid(
          fmt::format("table '{}': {}", table.name, st.message()));
    }
    options.row_encoder = [csv](const arrow::RecordBatch& batch, std::string* out) {
      return format::AppendCsvRows(batch, csv, out);
    };
    options.suffix = ".csv";
  } else if (format == "json") {
    options.row_encoder = [](const arrow::RecordBatch& batch, std::string* out) {
      return format::AppendJsonLines(batch, out);
    };
    options.suffix = ".json";
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
    auto st = format::ParseCompression(sql::ToLowerAscii(codec), &options.writer);
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
    std::string version = sql::ToLowerAscii(table.Option("parquet.writer.version"));
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

}  // namespace

arrow::Result<std::chrono::milliseconds> ParseDurationOption(std::string_view text) {
  std::string_view view = text;
  while (!view.empty() && view.front() == ' ') view.remove_prefix(1);
  while (!view.empty() && view.back() == ' ') view.remove_suffix(1);
  double amount = 0;
  auto [ptr, ec] = std::from_chars(view.data(), view.data() + view.size(), amount);
  if (view.empty() || ec != std::errc() || !std::isfinite(amount) || amount < 0 ||
      amount > 1e12) {
    return arrow::Status::Invalid(fmt::format(
        "invalid duration '{}': expected e.g. 500ms, 10s, 1 min, 2h or 1d", text));
  }
  std::string unit = sql::ToLowerAscii(std::string(ptr, view.data() + view.size()));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double millis = 0;
  if (unit.empty() || unit == "ms" || unit == "milli" || unit == "millis" ||
      unit == "millisecond" || unit == "milliseconds") {
    millis = amount;
  } else if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
             unit == "seconds") {
    millis = amount * 1e3;
  } else if (unit == "min" || unit == "mins" || unit == "m" || unit == "minute" ||
             unit == "minutes") {
    millis = amount * 60e3;
  } else if (unit == "h" || unit == "hour" || unit == "hours") {
    millis = amount * 3600e3;
  } else if (unit == "d" || unit == "day" || unit == "days") {
    millis = amount * 86400e3;
  } else {
    return arrow::Status::Invalid(fmt::format(
        "invalid duration '{}': unknown unit '{}' (ms, s, min, h, d)", text, unit));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

arrow::Status ValidateTableOptions(sql::CatalogTable& table) {
  std::string connector = table.connector();
  if (connector == "filesystem") {
    ARROW_RETURN_NOT_OK(CheckKnown(table, FilesystemOptions(), connector));
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
    if (format != "parquet" && format != "csv" && format != "json") {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': unknown format '{}' (parquet, csv, json)", table.name, format));
    }
    for (const std::string& key : table.option_order) {
      bool csv_key = key.rfind("csv.", 0) == 0;
      bool json_key = key.rfind("json.", 0) == 0;
      bool parquet_key = key.rfind("parquet.", 0) == 0;
      if ((csv_key && format != "csv") || (json_key && format != "json") ||
          (parquet_key && format != "parquet")) {
        return arrow::Status::Invalid(
            fmt::format("table '{}': option '{}' does not apply to format '{}'",
                        table.name, key, format));
      }
    }
    if (!table.Option("source.monitor-interval").empty()) {
      ARROW_RETURN_NOT_OK(Duration(table, "source.monitor-interval").status());
    }
    if (!table.Option("sink.parallelism").empty()) {
      ARROW_ASSIGN_OR_RAISE(int64_t parallelism, ParseInteger(table, "sink.parallelism"));
      if (parallelism < 1 || parallelism > 1024) {
        return OptionError(table, "sink.parallelism", "expected 1 to 1024");
      }
    }
    return FileSinkOptionsOf(table).status();
  }
  if (connector == "datagen") {
    ARROW_RETURN_NOT_OK(ValidateDatagen(table));
    ARROW_ASSIGN_OR_RAISE(auto options, DatagenOptionsOf(table));
    return connectors::MakeDatagenSource(options).status();
  }
  if (connector == "kafka") return ValidateKafkaTable(table);
  if (connector == "print") return CheckKnown(table, PrintOptionsList(), connector);
  if (connector == "blackhole") {
    return CheckKnown(table, {"connector", "sink.parallelism"}, connector);
  }
  return arrow::Status::Invalid(fmt::format(
      "table '{}': unknown connector '{}'{} (connectors: filesystem, kafka, datagen, "
      "print, blackhole)",
      table.name, connector,
      sql::DidYouMean(connector,
                      {"filesystem", "datagen", "print", "blackhole", "kafka"})));
}

bool IsBoundedTable(const sql::CatalogTable& table) {
  std::string connector = table.connector();
  if (connector == "filesystem") return table.Option("source.monitor-interval").empty();
  if (connector == "kafka") return IsBoundedKafkaTable(table);
  if (connector == "datagen") {
    if (!table.Option("number-of-rows").empty()) return true;
    for (const sql::CatalogColumn& column : table.columns) {
      if (table.Option("fields." + column.name + ".kind") == "sequence") return true;
    }
    return false;
  }
  return false;
}

// The partition columns with their declared types (null when unpartitioned, so the
// reader infers nothing and reads no partitions).
static std::shared_ptr<arrow::Schema> PartitionSchema(const sql::CatalogTable& table) {
  if (table.partition_keys.empty()) return nullptr;
  arrow::FieldVector fields;
  for (const std::string& key : table.partition_keys) {
    for (const sql::CatalogColumn& column : table.columns) {
      if (column.name == key) fields.push_back(arrow::field(key, column.type));
    }
  }
  return arrow::schema(fields);
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

arrow::Status ReplaceOverwrittenFiles(const sql::CatalogTable& table,
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

arrow::Result<std::shared_ptr<format::ParquetDataset>> OpenTableDataset(
    const sql::CatalogTable& table) {
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

std::optional<sql::TableStatistics> ScanStatistics(const sql::PlanNode& scan) {
  const sql::CatalogTable& table = *scan.table;
  if (table.connector() != "filesystem" || table.Option("format", "parquet") != "parquet")
    return std::nullopt;
  auto dataset = OpenTableDataset(table);
  if (!dataset.ok()) return std::nullopt;
  sql::TableStatistics out;
  if (*dataset == nullptr) return out;  // an empty table directory
  auto read = format::ReadDatasetStatistics(**dataset, scan.scan_columns);
  if (!read.ok()) return std::nullopt;
  out.row_count = read->row_count;
  for (const auto& [name, column] : read->columns) {
    out.columns[name] = sql::ColumnStatistics{column.min, column.max, column.null_count,
                                              column.distinct_count};
  }
  return out;
}

arrow::Result<std::pair<int64_t, int64_t>> CountPartitionPruning(
    const sql::PlanNode& scan) {
  ARROW_ASSIGN_OR_RAISE(auto dataset, OpenTableDataset(*scan.table));
  if (dataset == nullptr) return std::make_pair(int64_t{0}, int64_t{0});
  int64_t files = static_cast<int64_t>(dataset->files().size());
  const auto& partitions = *dataset->partition_schema();
  if (!scan.scan_filter || partitions.num_fields() == 0)
    return std::make_pair(files, int64_t{0});
  ARROW_ASSIGN_OR_RAISE(auto filter, scan.scan_filter->Bind(*dataset->schema()));
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

arrow::Result<runtime::SourceFactory> MakeScanSource(
    const sql::PlanNode& scan, bool streaming,
    const runtime::WatermarkStrategy& watermarks) {
  const sql::CatalogTable& table = *scan.table;
  std::string connector = table.connector();
  if (connector == "filesystem") {
    connectors::ParquetSourceOptions options;
    options.paths = table.read_paths.empty()
                        ? std::vector<std::string>{table.Option("path")}
                        : table.read_paths;
    options.scan.columns = scan.scan_columns;
    options.scan.filter = scan.scan_filter;
    options.dataset.partition_schema = PartitionSchema(table);
    if (table.Option("format", "parquet") != "parquet") {
      auto node = std::make_shared<sql::PlanNode>(scan);
      options.open_files = [node](std::vector<format::DiscoveredFile> files)
          -> arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> {
        return OpenTextFormatFiles(*node, std::move(files));
      };
    }
    if (streaming && !table.Option("source.monitor-interval").empty()) {
      ARROW_ASSIGN_OR_RAISE(options.monitor_interval,
                            Duration(table, "source.monitor-interval"));
    }
    return connectors::MakeParquetSource(options);
  }
  if (connector == "datagen") {
    ARROW_ASSIGN_OR_RAISE(auto options, DatagenOptionsOf(table));
    return connectors::MakeDatagenSource(options);
  }
  if (connector == "kafka") {
    ARROW_ASSIGN_OR_RAISE(auto options, KafkaSourceOptionsOf(table));
    options.watermarks = watermarks;
    return connectors::MakeKafkaSource(options);
  }
  return arrow::Status::Invalid(fmt::format(
      "table '{}' (connector '{}') cannot be read: it is a sink-only connector",
      table.name, connector));
}

arrow::Result<TableSink> MakeTableSink(const sql::CatalogTable& table) {
  std::string connector = table.connector();
  TableSink sink;
  if (!table.Option("sink.parallelism").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t parallelism, ParseInteger(table, "sink.parallelism"));
    if (parallelism < 1 || parallelism > 1024) {
      return OptionError(table, "sink.parallelism", "expected 1 to 1024");
    }
    sink.parallelism = static_cast<int>(parallelism);
  }
  if (connector == "filesystem") {
    ARROW_ASSIGN_OR_RAISE(auto options, FileSinkOptionsOf(table));
    ARROW_ASSIGN_OR_RAISE(sink.factory,
                          connectors::MakeFileSink(options, table.PhysicalSchema()));
    return sink;
  }
  if (connector == "kafka") {
    for (const sql::CatalogColumn& column : table.columns) {
      if (!column.metadata_key.empty() && !column.is_virtual) {
        return arrow::Status::NotImplemented(fmt::format(
            "table '{}': writing metadata column '{}' to Kafka is not supported yet; "
            "declare it VIRTUAL",
            table.name, column.name));
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto options, KafkaSinkOptionsOf(table));
    ARROW_ASSIGN_OR_RAISE(sink.factory, connectors::MakeKafkaSink(options));
    return sink;
  }
  if (connector == "print") {
    connectors::PrintOptions options;
    options.identifier = table.Option("print-identifier");
    if (!table.Option("standard-error").empty()) {
      ARROW_ASSIGN_OR_RAISE(options.standard_error, ParseBool(table, "standard-error"));
    }
    sink.factory = connectors::MakePrintSink(options);
    return sink;
  }
  if (connector == "blackhole") {
    sink.factory = connectors::MakeBlackholeSink();
    return sink;
  }
  return arrow::Status::Invalid(fmt::format(
      "table '{}' (connector '{}') cannot be written to", table.name, connector));
}

}  // namespace weir::api
