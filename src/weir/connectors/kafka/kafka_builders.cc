#include "weir/connectors/kafka/kafka_builders.h"

#include "weir/connectors/kafka/kafka_source.h"

namespace weir::connectors {

KafkaSourceBuilder& KafkaSourceBuilder::SetBootstrapServers(std::string servers) {
  options_.bootstrap_servers = std::move(servers);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetTopics(std::vector<std::string> topics) {
  options_.topics = std::move(topics);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetTopicPattern(std::string pattern) {
  options_.topic_pattern = std::move(pattern);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetGroupId(std::string group) {
  options_.group_id = std::move(group);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetProperty(std::string key, std::string value) {
  options_.properties[std::move(key)] = std::move(value);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetStartingOffsets(KafkaOffsets offsets) {
  options_.startup = offsets.mode;
  options_.reset = offsets.reset;
  options_.startup_timestamp_ms = offsets.timestamp_ms;
  options_.startup_offsets = std::move(offsets.offsets);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetBounded(KafkaOffsets offsets) {
  options_.stop = offsets.mode;
  options_.stop_timestamp_ms = offsets.timestamp_ms;
  options_.stop_offsets = std::move(offsets.offsets);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetValueSchema(
    std::shared_ptr<arrow::Schema> schema, std::string format) {
  options_.value_schema = std::move(schema);
  options_.value_format = std::move(format);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::AddMetadataColumn(std::string name,
                                                          std::string key) {
  options_.metadata.push_back({std::move(name), std::move(key), nullptr});
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetIgnoreParseErrors(bool ignore) {
  options_.ignore_parse_errors = ignore;
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetFormatOption(const std::string& key,
                                                        std::string value) {
  options_.format_options.Set(key, std::move(value));
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetPartitionDiscoveryInterval(
    std::chrono::milliseconds interval) {
  options_.discovery_interval = interval;
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetWatermarkStrategy(
    runtime::WatermarkStrategy strategy) {
  options_.watermarks = std::move(strategy);
  return *this;
}
KafkaSourceBuilder& KafkaSourceBuilder::SetBrokerTimeout(
    std::chrono::milliseconds timeout) {
  options_.broker_timeout = timeout;
  return *this;
}
arrow::Result<runtime::SourceFactory> KafkaSourceBuilder::Build() const {
  return MakeKafkaSource(options_);
}

KafkaSinkBuilder& KafkaSinkBuilder::SetBootstrapServers(std::string servers) {
  options_.bootstrap_servers = std::move(servers);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetTopic(std::string topic) {
  options_.topic = std::move(topic);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetProperty(std::string key, std::string value) {
  options_.properties[std::move(key)] = std::move(value);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetDeliveryGuarantee(
    KafkaDeliveryGuarantee guarantee) {
  options_.guarantee = guarantee;
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetTransactionalIdPrefix(std::string prefix) {
  options_.transactional_id_prefix = std::move(prefix);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetPartitioner(KafkaPartitioner partitioner) {
  options_.partitioner = partitioner;
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetValueColumns(std::vector<std::string> columns,
                                                    std::string format) {
  options_.value_columns = std::move(columns);
  options_.value_format = std::move(format);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetKeyColumns(std::vector<std::string> columns,
                                                  std::string format) {
  options_.key_columns = std::move(columns);
  options_.key_format = std::move(format);
  return *this;
}
KafkaSinkBuilder& KafkaSinkBuilder::SetFormatOption(const std::string& key,
                                                    std::string value) {
  options_.format_options.Set(key, std::move(value));
  return *this;
}
arrow::Result<runtime::OperatorFactory> KafkaSinkBuilder::Build() const {
  return MakeKafkaSink(options_);
}

}  // namespace weir::connectors
