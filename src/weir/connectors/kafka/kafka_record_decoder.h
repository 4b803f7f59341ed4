#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_options.h"

namespace weir::connectors {

/// Decodes Kafka records into rows: the value's columns (json, csv or raw), the key's,
/// the metadata columns, and for changelog formats (KafkaSourceOptions::changelog)
/// the row-kind column.
class KafkaRecordDecoder {
 public:
  /// Makes a decoder for `options` (value format, value schema, metadata).
  static arrow::Result<std::unique_ptr<KafkaRecordDecoder>> Make(
      const KafkaSourceOptions& options);
  ~KafkaRecordDecoder();

  /// Returns the schema of the rows: value columns, then metadata columns.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }

  /// Adds `message` as a record. A value that does not decode is an error with the
  /// reason, and adds nothing. A record without a value (a tombstone) is skipped,
  /// except by upsert-kafka, where it deletes its key.
  arrow::Status Append(const rd_kafka_message_t& message);

  /// Returns the records added since the last Finish.
  int64_t rows() const { return rows_; }

  /// Returns the rows of the records added since the last Finish as a batch. A
  /// Debezium update is two rows (-U, +U); a Debezium record whose "op" is unknown,
  /// or an update or delete without "before", is an error naming its partition and
  /// offset (or is dropped with `ignore_parse_errors`).
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish();

  /// After Finish: the record (in Append order since the previous Finish) of each
  /// row, or empty when every record gave exactly one row.
  const std::vector<int64_t>& record_of_row() const { return record_of_row_; }

 private:
  struct State;
  KafkaRecordDecoder() = default;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<State> state_;
  int64_t rows_ = 0;
  std::vector<int64_t> record_of_row_;
};

/// Returns the natural type of a metadata key, or an error naming the known keys.
arrow::Result<std::shared_ptr<arrow::DataType>> KafkaMetadataType(const std::string& key);

}  // namespace weir::connectors
