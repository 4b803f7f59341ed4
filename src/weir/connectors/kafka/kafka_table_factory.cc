#include "weir/connectors/kafka/kafka_table_factory.h"

#include <algorithm>
#include <charconv>

#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/connectors/kafka/kafka_record_decoder.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/connectors/table_formats.h"
#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

const std::set<std::string>& KafkaOptions() {
  static const std::set<std::string> options = {
      "connector",
      "topic",
      "topic-pattern",
      "properties.bootstrap.servers",
      "properties.group.id",
      "scan.startup.mode",
      "scan.startup.timestamp-millis",
      "scan.startup.specific-offsets",
      "scan.bounded.mode",
      "scan.bounded.timestamp-millis",
      "scan.bounded.specific-offsets",
      "scan.topic-partition-discovery.interval",
      "scan.broker-timeout",
      "format",
      "value.format",
      "json.ignore-parse-errors",
      "debezium-json.ignore-parse-errors",
      "debezium-json.schema-include",
      "key.fields",
      "key.fields-prefix",
      "key.format",
      "value.fields-include",
      "sink.parallelism",
      "sink.delivery-guarantee",
      "sink.transactional-id-prefix",
      "sink.partitioner",
  };
  return options;
}

arrow::Result<KafkaOffsetMode> OffsetMode(const TableDescriptor& table,
                                          const std::string& key, bool stop) {
  const std::string text = table.Option(key, stop ? "unbounded" : "group-offsets");
  if (text == "earliest-offset" && !stop) return KafkaOffsetMode::kEarliest;
  if (text == "latest-offset") return KafkaOffsetMode::kLatest;
  if (text == "group-offsets" && !stop) return KafkaOffsetMode::kGroupOffsets;
  if (text == "timestamp") return KafkaOffsetMode::kTimestamp;
  if (text == "specific-offsets") return KafkaOffsetMode::kSpecificOffsets;
  if (text == "unbounded" && stop) return KafkaOffsetMode::kUnbounded;
  return OptionError(table, key,
                     fmt::format("expected {} but got '{}'",
                                 stop ? "unbounded, latest-offset, timestamp or "
                                        "specific-offsets"
                                      : "earliest-offset, latest-offset, group-offsets, "
                                        "timestamp or specific-offsets",
                                 text));
}

// 'partition:0,offset:42;partition:1,offset:300' (Flink's format).
arrow::Result<std::map<int32_t, int64_t>> SpecificOffsets(const TableDescriptor& table,
                                                          const std::string& key) {
  const std::string text = table.Option(key);
  if (text.empty()) {
    return OptionError(table, key, "needed by the specific-offsets mode");
  }
  std::map<int32_t, int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    int32_t partition = -1;
    int64_t offset = -1;
    char tail = 0;
    if (std::sscanf(item.c_str(), "partition:%d,offset:%ld%c", &partition, &offset,
                    &tail) != 2 ||
        partition < 0 || offset < 0) {
      return OptionError(
          table, key,
          fmt::format("expected 'partition:N,offset:M;…' but got '{}'", item));
    }
    out[partition] = offset;
    start = end + 1;
  }
  return out;
}

// Flink's rules for key.fields-prefix: only with value.fields-include = EXCEPT_KEY,
// and every key field carries the prefix.
arrow::Status CheckKeyFieldsPrefix(const TableDescriptor& table,
                                   const std::vector<std::string>& key_fields) {
  const std::string prefix = table.Option("key.fields-prefix");
  if (prefix.empty()) return arrow::Status::OK();
  if (table.Option("value.fields-include", "ALL") != "EXCEPT_KEY") {
    return OptionError(table, "key.fields-prefix",
                       "a key prefix is not allowed when option 'value.fields-include' "
                       "is set to 'ALL'; set it to 'EXCEPT_KEY'");
  }
  for (const std::string& field : key_fields) {
    if (field.rfind(prefix, 0) != 0 || field.size() == prefix.size()) {
      return OptionError(
          table, "key.fields",
          fmt::format("all fields in 'key.fields' must be prefixed with '{}' when "
                      "option 'key.fields-prefix' is set but field '{}' is not prefixed",
                      prefix, field));
    }
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Status ValidateKafkaTable(const TableDescriptor& table) {
  for (const std::string& key : table.option_order) {
    if (key.rfind("properties.", 0) == 0 || KafkaOptions().count(key) != 0 ||
        IsRecordFormatOption(key))
      continue;
    std::vector<std::string> names(KafkaOptions().begin(), KafkaOptions().end());
    for (const std::string& format_key : RecordFormatOptionKeys()) {
      names.push_back(format_key);
    }
    return arrow::Status::Invalid(
        fmt::format("table '{}': unknown option '{}' for connector 'kafka'{}", table.name,
                    key, common::DidYouMean(key, names)));
  }
  ARROW_RETURN_NOT_OK(KafkaSourceOptionsOf(table).status());
  // A table of one topic may also be written: check its sink options now too.
  const std::string topic = table.Option("topic");
  if (topic.empty() || topic.find(';') != std::string::npos) return arrow::Status::OK();
  return KafkaSinkOptionsOf(table).status();
}

arrow::Result<KafkaSinkOptions> KafkaSinkOptionsOf(const TableDescriptor& table) {
  KafkaSinkOptions options;
  options.bootstrap_servers = table.Option("properties.bootstrap.servers");
  options.topic = table.Option("topic");
  for (const std::string& key : table.option_order) {
    if (key.rfind("properties.", 0) != 0) continue;
    const std::string name = key.substr(11);
    // Consumer settings do not apply to the producer.
    if (name == "bootstrap.servers" || name == "group.id" ||
        name == "auto.offset.reset" || name == "isolation.level")
      continue;
    options.properties[name] = table.Option(key);
  }
  const std::string guarantee = table.Option("sink.delivery-guarantee", "at-least-once");
  if (guarantee == "none") {
    options.guarantee = KafkaDeliveryGuarantee::kNone;
  } else if (guarantee == "at-least-once") {
    options.guarantee = KafkaDeliveryGuarantee::kAtLeastOnce;
  } else if (guarantee == "exactly-once") {
    options.guarantee = KafkaDeliveryGuarantee::kExactlyOnce;
  } else {
    return OptionError(
        table, "sink.delivery-guarantee",
        fmt::format("expected none, at-least-once or exactly-once but got '{}'",
                    guarantee));
  }
  options.transactional_id_prefix = table.Option("sink.transactional-id-prefix");
  const std::string partitioner = table.Option("sink.partitioner", "default");
  if (partitioner == "default") {
    options.partitioner = KafkaPartitioner::kDefault;
  } else if (partitioner == "fixed") {
    options.partitioner = KafkaPartitioner::kFixed;
  } else if (partitioner == "round-robin") {
    options.partitioner = KafkaPartitioner::kRoundRobin;
  } else {
    return OptionError(
        table, "sink.partitioner",
        fmt::format("expected default, fixed or round-robin but got '{}'", partitioner));
  }
  options.value_format = table.Option("value.format", table.Option("format"));
  options.key_format = table.Option("key.format", "json");
  options.format_options = FormatOptionsOf(table);
  const std::string keys = table.Option("key.fields");
  for (size_t start = 0; !keys.empty() && start <= keys.size();) {
    size_t end = keys.find(';', start);
    if (end == std::string::npos) end = keys.size();
    options.key_columns.push_back(keys.substr(start, end - start));
    start = end + 1;
  }
  const std::string include = table.Option("value.fields-include", "ALL");
  if (include != "ALL" && include != "EXCEPT_KEY") {
    return OptionError(table, "value.fields-include",
                       fmt::format("expected ALL or EXCEPT_KEY but got '{}'", include));
  }
  ARROW_RETURN_NOT_OK(CheckKeyFieldsPrefix(table, options.key_columns));
  options.key_fields_prefix = table.Option("key.fields-prefix");
  std::vector<std::string> physical;
  for (const TableColumn& column : table.columns) {
    if (column.computed || column.is_virtual) continue;
    if (!column.metadata_key.empty()) {
      continue;  // checked when written (see MakeKafkaTableSink)
    }
    physical.push_back(column.name);
  }
  for (const std::string& key : options.key_columns) {
    if (std::find(physical.begin(), physical.end(), key) == physical.end()) {
      return OptionError(table, "key.fields",
                         fmt::format("'{}' is not a physical column of the table", key));
    }
  }
  for (const std::string& name : physical) {
    const bool is_key = std::find(options.key_columns.begin(), options.key_columns.end(),
                                  name) != options.key_columns.end();
    if (include == "ALL" || !is_key) options.value_columns.push_back(name);
  }
  if (options.topic.empty() || options.topic.find(';') != std::string::npos) {
    return OptionError(table, "topic", "a Kafka sink writes to exactly one topic");
  }
  // Columns a format cannot hold (nested values in csv, several columns in raw):
  // say so when the table is declared.
  auto columns_of = [&](const std::vector<std::string>& names) {
    arrow::FieldVector fields;
    for (const TableColumn& column : table.columns) {
      if (std::find(names.begin(), names.end(), column.name) != names.end())
        fields.push_back(arrow::field(column.name, column.type));
    }
    return arrow::schema(fields);
  };
  auto check_writable = [&](const std::string& key, const std::string& name,
                            const std::vector<std::string>& columns,
                            format::RecordPart part) -> arrow::Status {
    const format::RecordFormat* format = format::FindRecordFormat(name);
    if (format == nullptr) return arrow::Status::OK();  // refused below
    auto encoder = format->MakeEncoder(columns_of(columns), options.format_options, part);
    if (!encoder.ok()) return OptionError(table, key, encoder.status().message());
    return arrow::Status::OK();
  };
  ARROW_RETURN_NOT_OK(check_writable(
      table.Option("value.format").empty() ? "format" : "value.format",
      options.value_format, options.value_columns, format::RecordPart::kValue));
  if (!options.key_columns.empty()) {
    ARROW_RETURN_NOT_OK(check_writable("key.format", options.key_format,
                                       options.key_columns, format::RecordPart::kKey));
  }
  auto checked = MakeKafkaSink(options);
  if (!checked.ok()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}': {}", table.name, checked.status().message()));
  }
  return options;
}

bool IsBoundedKafkaTable(const TableDescriptor& table) {
  const std::string mode = table.Option("scan.bounded.mode", "unbounded");
  return mode != "unbounded";
}

arrow::Result<KafkaSourceOptions> KafkaSourceOptionsOf(const TableDescriptor& table) {
  KafkaSourceOptions options;
  options.bootstrap_servers = table.Option("properties.bootstrap.servers");
  if (options.bootstrap_servers.empty()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the kafka connector needs 'properties.bootstrap.servers'",
        table.name));
  }
  const std::string topics = table.Option("topic");
  options.topic_pattern = table.Option("topic-pattern");
  if (topics.empty() == options.topic_pattern.empty()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the kafka connector needs either 'topic' or 'topic-pattern'",
        table.name));
  }
  for (size_t start = 0; !topics.empty() && start <= topics.size();) {
    size_t end = topics.find(';', start);
    if (end == std::string::npos) end = topics.size();
    std::string topic = topics.substr(start, end - start);
    if (topic.empty()) return OptionError(table, "topic", "empty topic name");
    options.topics.push_back(std::move(topic));
    start = end + 1;
  }
  options.group_id = table.Option("properties.group.id");
  for (const std::string& key : table.option_order) {
    if (key.rfind("properties.", 0) != 0) continue;
    const std::string name = key.substr(11);
    if (name == "bootstrap.servers" || name == "group.id") continue;
    if (name == "auto.offset.reset") {
      options.reset = common::ToLowerAscii(table.Option(key));
      if (options.reset == "smallest") options.reset = "earliest";
      if (options.reset == "largest") options.reset = "latest";
      if (options.reset != "earliest" && options.reset != "latest" &&
          options.reset != "none") {
        return OptionError(table, key, "expected earliest, latest or none");
      }
      continue;
    }
    options.properties[name] = table.Option(key);
  }
  ARROW_ASSIGN_OR_RAISE(options.startup, OffsetMode(table, "scan.startup.mode", false));
  if (options.startup == KafkaOffsetMode::kTimestamp) {
    ARROW_ASSIGN_OR_RAISE(options.startup_timestamp_ms,
                          ParseInteger(table, "scan.startup.timestamp-millis"));
  }
  if (options.startup == KafkaOffsetMode::kSpecificOffsets) {
    ARROW_ASSIGN_OR_RAISE(options.startup_offsets,
                          SpecificOffsets(table, "scan.startup.specific-offsets"));
  }
  ARROW_ASSIGN_OR_RAISE(options.stop, OffsetMode(table, "scan.bounded.mode", true));
  if (options.stop == KafkaOffsetMode::kTimestamp) {
    ARROW_ASSIGN_OR_RAISE(options.stop_timestamp_ms,
                          ParseInteger(table, "scan.bounded.timestamp-millis"));
  }
  if (options.stop == KafkaOffsetMode::kSpecificOffsets) {
    ARROW_ASSIGN_OR_RAISE(options.stop_offsets,
                          SpecificOffsets(table, "scan.bounded.specific-offsets"));
  }
  if (!table.Option("scan.topic-partition-discovery.interval").empty()) {
    ARROW_ASSIGN_OR_RAISE(options.discovery_interval,
                          Duration(table, "scan.topic-partition-discovery.interval"));
  }
  if (!table.Option("scan.broker-timeout").empty()) {
    ARROW_ASSIGN_OR_RAISE(options.broker_timeout, Duration(table, "scan.broker-timeout"));
    if (options.broker_timeout.count() <= 0) {
      return OptionError(table, "scan.broker-timeout", "must be positive");
    }
  }
  std::string format = table.Option("value.format", table.Option("format"));
  if (format.empty()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': the kafka connector needs 'format' (json, csv, raw)", table.name));
  }
  const std::string key_format = table.Option("key.format", "json");
  // The value's and key's record formats; debezium-json is the connector's own
  // changelog envelope around json values.
  std::vector<const format::RecordFormat*> used;
  for (const char* key : {"format", "value.format", "key.format"}) {
    const std::string value = table.Option(key);
    const bool is_key = std::string(key) == "key.format";
    if (value.empty() || (value == "debezium-json" && !is_key)) continue;
    const format::RecordFormat* found = format::FindRecordFormat(value);
    if (found == nullptr) {
      std::string known;
      for (const std::string& name : format::RecordFormatNames()) {
        known += (known.empty() ? "" : ", ") + name;
      }
      return OptionError(table, key,
                         fmt::format("format '{}' is not supported for Kafka ({}{})",
                                     value, known, is_key ? "" : ", debezium-json"));
    }
  }
  used.push_back(format::FindRecordFormat(format == "debezium-json" ? "json" : format));
  if (!table.Option("key.fields").empty()) {
    used.push_back(format::FindRecordFormat(key_format));
  }
  options.value_format = format;
  if (format == "debezium-json") {
    options.changelog = KafkaChangelog::kDebeziumJson;
    if (!table.Option("debezium-json.schema-include").empty()) {
      ARROW_ASSIGN_OR_RAISE(options.debezium_schema_include,
                            ParseBool(table, "debezium-json.schema-include"));
    }
  }
  std::vector<std::string> changelog_formats = format::RecordFormatNames();
  changelog_formats.push_back("debezium-json");
  for (const std::string& applies : changelog_formats) {
    const std::string key = applies + ".ignore-parse-errors";
    if (table.Option(key).empty()) continue;
    if (format != applies) {
      return OptionError(table, key,
                         fmt::format("applies to the {} value format", applies));
    }
    ARROW_ASSIGN_OR_RAISE(options.ignore_parse_errors, ParseBool(table, key));
  }
  ARROW_RETURN_NOT_OK(CheckRecordFormatOptions(table, used));
  options.format_options = FormatOptionsOf(table);
  // Key columns are decoded from the record key when the value leaves them out
  // (value.fields-include = EXCEPT_KEY); with ALL the value holds them.
  std::vector<std::string> key_fields;
  const std::string keys = table.Option("key.fields");
  for (size_t start = 0; !keys.empty() && start <= keys.size();) {
    size_t end = keys.find(';', start);
    if (end == std::string::npos) end = keys.size();
    key_fields.push_back(keys.substr(start, end - start));
    start = end + 1;
  }
  const bool except_key = table.Option("value.fields-include", "ALL") == "EXCEPT_KEY";
  if (except_key && key_fields.empty()) {
    return OptionError(table, "value.fields-include", "EXCEPT_KEY needs key.fields");
  }
  arrow::FieldVector value_fields, key_schema_fields;
  for (const TableColumn& column : table.columns) {
    if (column.computed) continue;
    if (except_key && column.metadata_key.empty() &&
        std::find(key_fields.begin(), key_fields.end(), column.name) !=
            key_fields.end()) {
      key_schema_fields.push_back(
          arrow::field(column.name, column.type, column.nullable));
      continue;
    }
    if (!column.metadata_key.empty()) {
      auto natural = KafkaMetadataType(column.metadata_key);
      if (!natural.ok()) {
        return arrow::Status::Invalid(fmt::format("table '{}', column '{}': {}",
                                                  table.name, column.name,
                                                  natural.status().message()));
      }
      options.metadata.push_back({column.name, column.metadata_key, column.type});
      continue;
    }
    value_fields.push_back(arrow::field(column.name, column.type, column.nullable));
  }
  options.value_schema = arrow::schema(value_fields);
  // The key's columns in key.fields order, as the sink writes them (positional
  // formats such as csv depend on it).
  std::sort(key_schema_fields.begin(), key_schema_fields.end(),
            [&](const auto& a, const auto& b) {
              return std::find(key_fields.begin(), key_fields.end(), a->name()) <
                     std::find(key_fields.begin(), key_fields.end(), b->name());
            });
  if (!key_schema_fields.empty()) {
    options.key_schema = arrow::schema(key_schema_fields);
    options.key_format = table.Option("key.format", "json");
  }
  ARROW_RETURN_NOT_OK(CheckKeyFieldsPrefix(table, key_fields));
  options.key_fields_prefix = table.Option("key.fields-prefix");
  auto checked = MakeKafkaSource(options);
  if (!checked.ok()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}': {}", table.name, checked.status().message()));
  }
  return options;
}

namespace {

bool IsDebezium(const TableDescriptor& table) {
  return table.Option("value.format", table.Option("format")) == "debezium-json";
}

class KafkaTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "kafka"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    return ValidateKafkaTable(*table);
  }
  bool IsBounded(const TableDescriptor& table) const override {
    return IsBoundedKafkaTable(table);
  }
  bool AppliesWatermarks() const override { return true; }
  bool HasMetadata() const override { return true; }
  // debezium-json carries a changelog both ways.
  ChangelogMode SourceChangelogMode(const TableDescriptor& table) const override {
    return IsDebezium(table) ? ChangelogMode::kAll : ChangelogMode::kInsertOnly;
  }
  bool SinkAccepts(const TableDescriptor& table, ChangelogMode mode) const override {
    return mode == ChangelogMode::kInsertOnly || IsDebezium(table);
  }
  arrow::Result<runtime::SourceFactory> MakeSource(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    ARROW_ASSIGN_OR_RAISE(auto options, KafkaSourceOptionsOf(table));
    options.watermarks = scan.watermarks;
    return MakeKafkaSource(options);
  }
  arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const override {
    for (const TableColumn& column : table.columns) {
      if (!column.metadata_key.empty() && !column.is_virtual) {
        return arrow::Status::NotImplemented(fmt::format(
            "table '{}': writing metadata column '{}' to Kafka is not supported yet; "
            "declare it VIRTUAL",
            table.name, column.name));
      }
    }
    TableSink sink;
    ARROW_ASSIGN_OR_RAISE(sink.parallelism, SinkParallelism(table));
    ARROW_ASSIGN_OR_RAISE(auto options, KafkaSinkOptionsOf(table));
    ARROW_ASSIGN_OR_RAISE(sink.factory, MakeKafkaSink(options));
    return sink;
  }
};

// The options of an upsert-kafka table (Flink's upsert-kafka connector).
const std::set<std::string>& UpsertKafkaOptions() {
  static const std::set<std::string> options = {
      "connector",
      "topic",
      "properties.bootstrap.servers",
      "key.format",
      "value.format",
      "value.fields-include",
      "scan.bounded.mode",
      "scan.bounded.timestamp-millis",
      "scan.bounded.specific-offsets",
      "sink.parallelism",
      "sink.delivery-guarantee",
      "sink.transactional-id-prefix",
  };
  return options;
}

// The source options of an upsert-kafka table: the whole topic from its start, the
// primary key from each record's key, a tombstone deleting its key.
arrow::Result<KafkaSourceOptions> UpsertKafkaSourceOptionsOf(
    const TableDescriptor& table) {
  TableDescriptor keyed = table;
  std::string fields;
  for (const std::string& column : table.primary_key) {
    fields += (fields.empty() ? "" : ";") + column;
  }
  keyed.options["key.fields"] = fields;
  keyed.options["scan.startup.mode"] = "earliest-offset";
  keyed.option_order.push_back("key.fields");
  keyed.option_order.push_back("scan.startup.mode");
  ARROW_ASSIGN_OR_RAISE(KafkaSourceOptions options, KafkaSourceOptionsOf(keyed));
  options.changelog = KafkaChangelog::kUpsert;
  if (!options.key_schema) {
    // value.fields-include = ALL: the value holds the key's columns too; the key's
    // are read from the record key all the same (a tombstone has no value).
    arrow::FieldVector key_fields;
    for (const std::string& column : table.primary_key) {
      for (const TableColumn& c : table.columns) {
        if (c.name == column) key_fields.push_back(arrow::field(c.name, c.type, false));
      }
    }
    options.key_schema = arrow::schema(key_fields);
    options.key_format = table.Option("key.format");
  }
  auto checked = MakeKafkaSource(options);
  if (!checked.ok()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}': {}", table.name, checked.status().message()));
  }
  return options;
}

// The sink options of an upsert-kafka table: the key is the primary key.
arrow::Result<KafkaSinkOptions> UpsertKafkaSinkOptionsOf(const TableDescriptor& table) {
  if (table.primary_key.empty()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}': 'upsert-kafka' tables require to define a PRIMARY KEY constraint "
        "(PRIMARY KEY (…) NOT ENFORCED): its columns are the record key",
        table.name));
  }
  for (const char* key : {"key.format", "value.format"}) {
    if (table.Option(key).empty()) {
      return OptionError(table, key, "is required by the upsert-kafka connector");
    }
  }
  TableDescriptor keyed = table;
  std::string fields;
  for (const std::string& column : table.primary_key) {
    fields += (fields.empty() ? "" : ";") + column;
  }
  keyed.options["key.fields"] = fields;
  keyed.option_order.push_back("key.fields");
  ARROW_ASSIGN_OR_RAISE(KafkaSinkOptions options, KafkaSinkOptionsOf(keyed));
  options.upsert = true;
  return options;
}

// Flink's upsert-kafka as a sink: updating results keyed by the table's primary
// key, deletes as tombstones, so a compacted topic holds the latest row per key.
class UpsertKafkaTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "upsert-kafka"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    for (const std::string& key : table->option_order) {
      if (key.rfind("properties.", 0) == 0 || UpsertKafkaOptions().count(key) != 0 ||
          IsRecordFormatOption(key)) {
        continue;
      }
      std::vector<std::string> names(UpsertKafkaOptions().begin(),
                                     UpsertKafkaOptions().end());
      return arrow::Status::Invalid(
          fmt::format("table '{}': unknown option '{}' for connector 'upsert-kafka'{}",
                      table->name, key, common::DidYouMean(key, names)));
    }
    ARROW_RETURN_NOT_OK(UpsertKafkaSinkOptionsOf(*table).status());
    return UpsertKafkaSourceOptionsOf(*table).status();
  }
  bool IsBounded(const TableDescriptor& table) const override {
    return IsBoundedKafkaTable(table);
  }
  bool AppliesWatermarks() const override { return true; }
  // The latest row per key: the planner normalizes it into a full changelog.
  ChangelogMode SourceChangelogMode(const TableDescriptor&) const override {
    return ChangelogMode::kUpsert;
  }
  bool SinkAccepts(const TableDescriptor&, ChangelogMode) const override { return true; }
  arrow::Result<runtime::SourceFactory> MakeSource(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    ARROW_ASSIGN_OR_RAISE(auto options, UpsertKafkaSourceOptionsOf(table));
    options.watermarks = scan.watermarks;
    return MakeKafkaSource(options);
  }
  arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const override {
    TableSink sink;
    ARROW_ASSIGN_OR_RAISE(sink.parallelism, SinkParallelism(table));
    ARROW_ASSIGN_OR_RAISE(auto options, UpsertKafkaSinkOptionsOf(table));
    ARROW_ASSIGN_OR_RAISE(sink.factory, MakeKafkaSink(options));
    return sink;
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakeKafkaTableFactory() {
  return std::make_unique<KafkaTableFactory>();
}

std::unique_ptr<TableFactory> MakeUpsertKafkaTableFactory() {
  return std::make_unique<UpsertKafkaTableFactory>();
}

}  // namespace weir::connectors
