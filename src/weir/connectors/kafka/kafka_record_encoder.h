#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_sink.h"

namespace weir::connectors {

/// Collects a producer's delivery reports: pass `this` as each record's opaque
/// (RD_KAFKA_V_OPAQUE) and OnDelivery as the client's callback.
struct KafkaDelivery {
  std::mutex mu;
  std::string first_error;
  std::atomic<int64_t> failed{0};

  /// The delivery report callback (librdkafka's dr_msg_cb).
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void*);
  /// Returns an error naming the first failed record, if any failed.
  arrow::Status Check();
};

/// Calls `record` with the key and value bytes of every row of `batch`, encoded as
/// the sink's options say (null pointers for a missing key or a NULL raw value).
arrow::Status ForEachKafkaRecord(
    const arrow::RecordBatch& batch, const KafkaSinkOptions& options,
    const std::function<arrow::Status(const std::string* key, const std::string* value)>&
        record);

}  // namespace weir::connectors
