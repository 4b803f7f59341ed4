#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/connectors/kafka/kafka_options.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Where a Kafka source starts or stops (Flink's OffsetsInitializer).
struct KafkaOffsets {
  KafkaOffsetMode mode = KafkaOffsetMode::kEarliest;
  /// For Committed: where a partition without a committed offset starts.
  std::string reset = "none";
  int64_t timestamp_ms = 0;
  std::map<int32_t, int64_t> offsets;

  /// The oldest retained record.
  static KafkaOffsets Earliest() { return Of(KafkaOffsetMode::kEarliest); }
  /// The end of each partition when the job starts.
  static KafkaOffsets Latest() { return Of(KafkaOffsetMode::kLatest); }
  /// The consumer group's committed offsets; `reset` ("earliest", "latest" or
  /// "none": fail) where there is none.
  static KafkaOffsets Committed(std::string reset = "none") {
    KafkaOffsets o = Of(KafkaOffsetMode::kGroupOffsets);
    o.reset = std::move(reset);
    return o;
  }
  /// The first record at or after `ms` (milliseconds since the epoch).
  static KafkaOffsets Timestamp(int64_t ms) {
    KafkaOffsets o = Of(KafkaOffsetMode::kTimestamp);
    o.timestamp_ms = ms;
    return o;
  }
  /// Offsets per partition (partitions not given: earliest when starting, latest
  /// when stopping).
  static KafkaOffsets Specific(std::map<int32_t, int64_t> offsets) {
    KafkaOffsets o = Of(KafkaOffsetMode::kSpecificOffsets);
    o.offsets = std::move(offsets);
    return o;
  }

 private:
  static KafkaOffsets Of(KafkaOffsetMode mode) {
    KafkaOffsets o;
    o.mode = mode;
    return o;
  }
};

/// Builds a Kafka source for the DataStream API, with the settings of the SQL
/// connector (Flink's KafkaSource.builder()):
///
///     auto source = KafkaSource::Builder()
///                       .SetBootstrapServers("127.0.0.1:9092")
///                       .SetTopics({"events"})
///                       .SetGroupId("weir")
///                       .SetStartingOffsets(KafkaOffsets::Earliest())
///                       .SetValueSchema(schema)            // json by default
///                       .Build();
class KafkaSourceBuilder {
 public:
  KafkaSourceBuilder& SetBootstrapServers(std::string servers);
  KafkaSourceBuilder& SetTopics(std::vector<std::string> topics);
  /// A regular expression over topic names (full match).
  KafkaSourceBuilder& SetTopicPattern(std::string pattern);
  KafkaSourceBuilder& SetGroupId(std::string group);
  /// Any librdkafka setting.
  KafkaSourceBuilder& SetProperty(std::string key, std::string value);
  KafkaSourceBuilder& SetStartingOffsets(KafkaOffsets offsets);
  /// Makes the source bounded: it ends at these offsets.
  KafkaSourceBuilder& SetBounded(KafkaOffsets offsets);
  /// The columns decoded from each value and the format ("json", "csv" or "raw").
  KafkaSourceBuilder& SetValueSchema(std::shared_ptr<arrow::Schema> schema,
                                     std::string format = "json");
  /// Adds a metadata column (topic, partition, offset, timestamp, timestamp-type,
  /// key, headers) after the value columns.
  KafkaSourceBuilder& AddMetadataColumn(std::string name, std::string key);
  /// Skip (and count) records that do not decode instead of failing.
  KafkaSourceBuilder& SetIgnoreParseErrors(bool ignore);
  /// Sets an option of the key's or value's format, as a table would
  /// (`csv.field-delimiter`, …).
  KafkaSourceBuilder& SetFormatOption(const std::string& key, std::string value);
  KafkaSourceBuilder& SetPartitionDiscoveryInterval(std::chrono::milliseconds interval);
  /// Event time tracked per partition (see KafkaSourceOptions::watermarks); pass
  /// WatermarkStrategy::NoWatermarks() to FromSource then.
  KafkaSourceBuilder& SetWatermarkStrategy(runtime::WatermarkStrategy strategy);
  /// How long the brokers may be unreachable before the job fails.
  KafkaSourceBuilder& SetBrokerTimeout(std::chrono::milliseconds timeout);
  /// Returns the options built so far.
  const KafkaSourceOptions& options() const { return options_; }
  /// Checks the settings and returns the source.
  arrow::Result<runtime::SourceFactory> Build() const;

 private:
  KafkaSourceOptions options_;
};

/// Builds a Kafka sink for the DataStream API (Flink's KafkaSink.builder()).
class KafkaSinkBuilder {
 public:
  KafkaSinkBuilder& SetBootstrapServers(std::string servers);
  KafkaSinkBuilder& SetTopic(std::string topic);
  /// Any librdkafka producer setting.
  KafkaSinkBuilder& SetProperty(std::string key, std::string value);
  KafkaSinkBuilder& SetDeliveryGuarantee(KafkaDeliveryGuarantee guarantee);
  /// Needed for exactly-once: unique to the job.
  KafkaSinkBuilder& SetTransactionalIdPrefix(std::string prefix);
  KafkaSinkBuilder& SetPartitioner(KafkaPartitioner partitioner);
  /// The value's columns (all when not set) and format ("json", "csv" or "raw").
  KafkaSinkBuilder& SetValueColumns(std::vector<std::string> columns,
                                    std::string format = "json");
  /// The key's columns and format ("json", "csv" or "raw").
  KafkaSinkBuilder& SetKeyColumns(std::vector<std::string> columns,
                                  std::string format = "json");
  /// Sets an option of the key's or value's format, as a table would
  /// (`csv.field-delimiter`, …).
  KafkaSinkBuilder& SetFormatOption(const std::string& key, std::string value);
  /// Returns the options built so far.
  const KafkaSinkOptions& options() const { return options_; }
  /// Checks the settings and returns the sink.
  arrow::Result<runtime::OperatorFactory> Build() const;

 private:
  KafkaSinkOptions options_;
};

/// The entry point of the source builder: `KafkaSource::Builder()`.
struct KafkaSource {
  /// Returns a new builder.
  static KafkaSourceBuilder Builder() { return KafkaSourceBuilder(); }
};

/// The entry point of the sink builder: `KafkaSink::Builder()`.
struct KafkaSink {
  /// Returns a new builder.
  static KafkaSinkBuilder Builder() { return KafkaSinkBuilder(); }
};

}  // namespace weir::connectors
