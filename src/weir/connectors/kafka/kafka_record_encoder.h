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

/// Chooses the partitions of a sink subtask's records per KafkaSinkOptions::partitioner.
class KafkaPartitionChooser {
 public:
  /// For subtask `subtask` of a topic with `partitions` partitions.
  KafkaPartitionChooser(KafkaPartitioner partitioner, int subtask, int32_t partitions)
      : partitioner_(partitioner), subtask_(subtask), partitions_(partitions) {}
  /// Returns the partition of the next record (RD_KAFKA_PARTITION_UA: by its key).
  int32_t Next();

 private:
  KafkaPartitioner partitioner_;
  int subtask_;
  int32_t partitions_;
  uint64_t next_ = 0;
};

/// Sends one record (copied) to `topic`; while the producer's queue is full, serves
/// acknowledgements and fails on a delivery failure `delivery` saw meanwhile.
arrow::Status ProduceKafkaRecord(rd_kafka_t* producer, const std::string& topic,
                                 int32_t partition, const std::string* key,
                                 const std::string* value, KafkaDelivery* delivery);

/// Calls `record` with the key and value bytes of every row of `batch`, encoded as
/// the sink's options say (null pointers for a missing key or a NULL raw value).
arrow::Status ForEachKafkaRecord(
    const arrow::RecordBatch& batch, const KafkaSinkOptions& options,
    const std::function<arrow::Status(const std::string* key, const std::string* value)>&
        record);

}  // namespace weir::connectors
