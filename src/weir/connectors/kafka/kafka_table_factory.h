#pragma once

#include <arrow/result.h>

#include "weir/connectors/kafka/kafka_options.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/table_descriptor.h"
#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Checks the options of a `'connector' = 'kafka'` table (Flink's names): `topic`
/// (`;`-separated) or `topic-pattern`, `properties.bootstrap.servers`,
/// `properties.group.id`, any `properties.*` (passed to librdkafka),
/// `scan.startup.mode` (earliest-offset, latest-offset, group-offsets, timestamp,
/// specific-offsets) with `scan.startup.timestamp-millis` /
/// `scan.startup.specific-offsets`, `scan.bounded.mode` (unbounded, latest-offset,
/// timestamp, specific-offsets) with its `.timestamp-millis` / `.specific-offsets`,
/// `scan.topic-partition-discovery.interval`, `scan.broker-timeout` (weir's: how long
/// the brokers may be unreachable before the job fails, default 60 s),
/// `format` / `value.format` (json, raw),
/// `json.ignore-parse-errors`, `sink.parallelism`. Unknown options are errors.
arrow::Status ValidateKafkaTable(const TableDescriptor& table);

/// Returns the source options of a Kafka table: value columns are the physical
/// columns that are not metadata columns; metadata columns follow.
arrow::Result<KafkaSourceOptions> KafkaSourceOptionsOf(const TableDescriptor& table);

/// Returns the sink options of a Kafka table: `topic` (one), `properties.*` (producer
/// settings), `sink.delivery-guarantee` (none, at-least-once (default), exactly-once
/// with `sink.transactional-id-prefix`), `sink.partitioner` (default, fixed,
/// round-robin), `key.fields`
/// (`;`-separated) with `key.format`, `value.fields-include` (ALL, EXCEPT_KEY).
arrow::Result<KafkaSinkOptions> KafkaSinkOptionsOf(const TableDescriptor& table);

/// Returns the factory of `'connector' = 'kafka'` tables (the functions above).
std::unique_ptr<TableFactory> MakeKafkaTableFactory();

/// Returns the factory of `'connector' = 'upsert-kafka'` tables (Flink's
/// upsert-kafka, as a sink): a PRIMARY KEY is the record key (`key.format`), rows
/// are values (`value.format`, `value.fields-include`); +I/+U are written, -D as
/// tombstones, -U not at all. Every changelog mode is accepted. Reading such a table
/// is not supported yet.
std::unique_ptr<TableFactory> MakeUpsertKafkaTableFactory();

/// Returns whether a Kafka table is bounded (`scan.bounded.mode` other than
/// unbounded).
bool IsBoundedKafkaTable(const TableDescriptor& table);

}  // namespace weir::connectors
