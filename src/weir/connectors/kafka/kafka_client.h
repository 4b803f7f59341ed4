#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

namespace weir::connectors {

/// Destroys a librdkafka handle.
struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* handle) const;
};
/// An owned librdkafka client (consumer or producer).
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

/// Destroys a librdkafka partition list.
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
/// An owned librdkafka partition list.
using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

/// One partition of a topic.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  /// Orders by topic, then partition.
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
  /// Compares topic and partition.
  bool operator==(const TopicPartition& o) const {
    return topic == o.topic && partition == o.partition;
  }
};

/// What a client has seen of its brokers, filled by librdkafka's threads.
struct KafkaClientState;

/// A librdkafka client with its configuration checked: every setting is applied in
/// order and a rejected one is an error naming it. librdkafka's log lines go to
/// weir's log; its errors are remembered (see BrokersDownFor and FatalError).
class KafkaClient {
 public:
  /// Creates a consumer or producer for `bootstrap_servers` with `settings`.
  /// A producer's `on_delivery` is called for every record acknowledged or failed,
  /// from rd_kafka_poll and rd_kafka_flush (the record's own opaque is in
  /// `message->_private`).
  static arrow::Result<std::unique_ptr<KafkaClient>> Make(
      rd_kafka_type_t type, const std::string& bootstrap_servers,
      const std::map<std::string, std::string>& settings,
      void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr);
  ~KafkaClient();

  /// Returns the handle.
  rd_kafka_t* get() const { return handle_.get(); }

  /// Returns the partitions of `topics` (each must exist) and of the topics matching
  /// `pattern` (when not empty), sorted. Fails with a clear error when the brokers
  /// cannot be reached within `timeout` or a named topic does not exist.
  arrow::Result<std::vector<TopicPartition>> ListPartitions(
      const std::vector<std::string>& topics, const std::string& pattern,
      std::chrono::milliseconds timeout);

  /// Returns how long all brokers have been down (zero while any is up).
  std::chrono::milliseconds BrokersDownFor() const;
  /// Notes that a broker answered (a record or metadata arrived).
  void MarkBrokersUp();

  /// Returns a fatal error librdkafka reported, if any.
  arrow::Status FatalError() const;

  /// Returns the bootstrap servers, for messages.
  const std::string& servers() const { return servers_; }

 private:
  KafkaClient() = default;
  std::string servers_;
  std::shared_ptr<KafkaClientState> state_;
  KafkaHandle handle_;
};

/// Checks that librdkafka accepts every setting (name and value), without
/// connecting; the error names the first one it rejects.
arrow::Status CheckKafkaSettings(const std::map<std::string, std::string>& settings);

/// Returns librdkafka's text for an error code.
std::string KafkaErrorText(rd_kafka_resp_err_t err);

}  // namespace weir::connectors
