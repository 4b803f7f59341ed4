#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_options.h"

namespace weir::connectors {

/// Decodes Kafka records into rows: the value's columns (json or raw) followed by the
/// metadata columns.
class KafkaRecordDecoder {
 public:
  /// Makes a decoder for `options` (value format, value schema, metadata).
  static arrow::Result<std::unique_ptr<KafkaRecordDecoder>> Make(
      const KafkaSourceOptions& options);
  ~KafkaRecordDecoder();

  /// Returns the schema of the rows: value columns, then metadata columns.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }

  /// Adds `message` as a row. A value that does not decode is an error with the
  /// reason, and adds nothing. A record without a value (a tombstone) is skipped.
  arrow::Status Append(const rd_kafka_message_t& message);

  /// Returns the rows added since the last Finish.
  int64_t rows() const { return rows_; }

  /// Returns the rows added since the last Finish as a batch.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish();

 private:
  struct State;
  KafkaRecordDecoder() = default;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<State> state_;
  int64_t rows_ = 0;
};

/// Returns the natural type of a metadata key, or an error naming the known keys.
arrow::Result<std::shared_ptr<arrow::DataType>> KafkaMetadataType(const std::string& key);

}  // namespace weir::connectors
