#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/format/record_format.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// What a Kafka sink guarantees after a failure (Flink's sink.delivery-guarantee).
enum class KafkaDeliveryGuarantee {
  kNone,         ///< records may be lost or repeated
  kAtLeastOnce,  ///< every checkpoint waits until its records are acknowledged
  kExactlyOnce,  ///< Kafka transactions committed when checkpoints complete
};

/// How records are spread over a topic's partitions (Flink's sink.partitioner).
enum class KafkaPartitioner {
  kDefault,     ///< by the key's hash (librdkafka's murmur2, as Java clients); keyless
                ///< records spread over partitions
  kFixed,       ///< each subtask writes to one partition (subtask mod partitions)
  kRoundRobin,  ///< records spread evenly, ignoring keys
};

/// Options of the Kafka sink.
struct KafkaSinkOptions {
  std::string bootstrap_servers;
  std::string topic;
  /// Any other librdkafka producer setting (`properties.*` in SQL).
  std::map<std::string, std::string> properties;
  KafkaDeliveryGuarantee guarantee = KafkaDeliveryGuarantee::kAtLeastOnce;
  /// Exactly-once: transactional ids are `<prefix>-<subtask>-<n>` and the commit
  /// marker group `<prefix>-<subtask>`; must be unique to the job.
  std::string transactional_id_prefix;
  KafkaPartitioner partitioner = KafkaPartitioner::kDefault;
  /// The value's format: "json" (an object of the value columns), "csv" (the value
  /// columns in order) or "raw" (the one value column's bytes).
  std::string value_format = "json";
  /// Columns of the value (empty: every column).
  std::vector<std::string> value_columns;
  /// Columns of the key and their format ("json", "csv", "raw"); no key when empty.
  std::vector<std::string> key_columns;
  std::string key_format = "json";
  /// key.fields-prefix: removed from the key columns' names in the key's format.
  std::string key_fields_prefix;
  /// The formats' options (`csv.field-delimiter`, …), for the key and the value.
  format::FormatOptions format_options;
  /// upsert-kafka: the input is a changelog (a row-kind column) whose key columns
  /// are the table's primary key: +I/+U rows are written, -D rows as tombstones
  /// (the key with a null value), -U rows not at all.
  bool upsert = false;
  /// How long a checkpoint (or the end of input) waits for acknowledgements before
  /// failing the job.
  std::chrono::milliseconds flush_timeout{std::chrono::seconds(60)};
};

/// Checks `options` and returns the factory of the Kafka sink (docs/design/kafka.md).
///
/// Each subtask has one producer. At-least-once: a checkpoint flushes the producer
/// and fails unless every record sent before it was acknowledged, so a restored job
/// re-sends at most what came after its last checkpoint; idempotence is on, so
/// broker retries add no duplicates. A record the brokers reject fails the job with
/// the reason. Exactly-once: see kafka_transactional_sink.h.
arrow::Result<runtime::OperatorFactory> MakeKafkaSink(KafkaSinkOptions options);

}  // namespace weir::connectors
