#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <arrow/type_fwd.h>

#include "weir/format/record_format.h"
#include "weir/runtime/operators/watermark_strategy.h"

namespace weir::connectors {

/// Where a Kafka source starts, or stops, in each partition (Flink's
/// scan.startup.mode and scan.bounded.mode).
enum class KafkaOffsetMode {
  kEarliest,         ///< the oldest retained record
  kLatest,           ///< the end of the partition when the job starts
  kGroupOffsets,     ///< the consumer group's committed offsets
  kTimestamp,        ///< the first record at or after a timestamp
  kSpecificOffsets,  ///< offsets given per partition
  kUnbounded,        ///< (stop only) never stop
};

/// How a Kafka source turns records into rows (Flink's changelog formats).
enum class KafkaChangelog {
  kAppend,        ///< every record is a +I row
  kUpsert,        ///< upsert-kafka: a record is +U of its key, a tombstone -D
  kDebeziumJson,  ///< debezium-json values: c/r +I, u -U and +U, d -D
};

/// A metadata column a Kafka source adds to each row.
struct KafkaMetadataColumn {
  /// The output column's name.
  std::string name;
  /// What it holds: "topic", "partition", "offset", "timestamp" (TIMESTAMP_LTZ(3)),
  /// "timestamp-type", "headers" (MAP<STRING, BYTES>) or "key" (BYTES).
  std::string key;
  /// The column's type, when it differs from the key's natural one (it is cast).
  std::shared_ptr<arrow::DataType> type;
};

/// Options of the Kafka source (docs/design/kafka.md).
struct KafkaSourceOptions {
  /// `host:port,…` of the brokers.
  std::string bootstrap_servers;
  /// Topics to read; or `topic_pattern`, a regular expression over topic names.
  std::vector<std::string> topics;
  std::string topic_pattern;
  /// The consumer group: needed for kGroupOffsets, and to commit offsets (for
  /// monitoring) when a checkpoint completes.
  std::string group_id;
  /// Any other librdkafka setting (`properties.*` in SQL without the prefix).
  std::map<std::string, std::string> properties;

  KafkaOffsetMode startup = KafkaOffsetMode::kGroupOffsets;
  /// For kGroupOffsets: where a partition without a committed offset starts
  /// ("earliest", "latest"; "none" fails), as `auto.offset.reset`.
  std::string reset = "none";
  /// For startup kTimestamp: milliseconds since the epoch.
  int64_t startup_timestamp_ms = 0;
  /// For startup kSpecificOffsets: offset per partition (others start earliest).
  std::map<int32_t, int64_t> startup_offsets;

  KafkaOffsetMode stop = KafkaOffsetMode::kUnbounded;
  int64_t stop_timestamp_ms = 0;
  std::map<int32_t, int64_t> stop_offsets;

  /// The columns decoded from each record's value, and how: "json" (fields by name),
  /// "csv" (fields by position) or "raw" (one BYTES or STRING column holding the
  /// value).
  std::shared_ptr<arrow::Schema> value_schema;
  std::string value_format = "json";
  /// Columns decoded from each record's key (none when null), and how ("json" or
  /// "raw"), for keys that carry columns the value does not (Flink's key.fields with
  /// value.fields-include = EXCEPT_KEY). Key columns follow the value columns.
  std::shared_ptr<arrow::Schema> key_schema;
  std::string key_format = "json";
  /// key.fields-prefix: the key's columns carry this prefix in the table, not in
  /// the key's format (a column `k_id` is the key field `id`).
  std::string key_fields_prefix;
  /// The formats' options (`csv.field-delimiter`, …), for the key's and the value's.
  format::FormatOptions format_options;
  /// Skip (and count) records whose value does not decode instead of failing.
  bool ignore_parse_errors = false;
  /// How records become rows. Not kAppend: the rows carry the row-kind column
  /// (runtime::kRowKindColumn) last. kUpsert needs `key_schema` (the primary key),
  /// decoded from every record's key; columns the value also holds are taken from
  /// the key. kDebeziumJson reads `value_schema` from the envelope's before/after.
  KafkaChangelog changelog = KafkaChangelog::kAppend;
  /// kDebeziumJson: the envelope is wrapped as {"schema": …, "payload": {…}}
  /// (debezium-json.schema-include).
  bool debezium_schema_include = false;
  /// Metadata columns appended after the value columns, in this order.
  std::vector<KafkaMetadataColumn> metadata;

  /// How often to look for new partitions (and topics, with a pattern); zero never.
  std::chrono::milliseconds discovery_interval{0};
  /// How long the brokers may be unreachable (at start, or all of them later)
  /// before the job fails with an error.
  std::chrono::milliseconds broker_timeout{std::chrono::seconds(60)};
  /// Event time (when `timestamp_column` is set): the source emits watermarks
  /// itself, per partition: each partition's is its largest event time minus
  /// `out_of_orderness`, the source's the smallest over the partitions that are not
  /// idle (no record for `idleness`, when set); with every partition idle the source
  /// is marked idle. Downstream then needs no watermark assigner.
  runtime::WatermarkStrategy watermarks;
  /// Rows per emitted batch at most.
  int64_t batch_rows = 16 * 1024;
};

}  // namespace weir::connectors
