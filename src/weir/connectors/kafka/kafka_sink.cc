#include "weir/connectors/kafka/kafka_sink.h"

#include <optional>

#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/connectors/kafka/kafka_record_encoder.h"
#include "weir/connectors/kafka/kafka_transactional_sink.h"

namespace weir::connectors {
namespace {

class KafkaSinkOperator : public runtime::Operator {
 public:
  explicit KafkaSinkOperator(KafkaSinkOptions options) : options_(std::move(options)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    subtask_ = context->subtask().index;
    std::map<std::string, std::string> settings = options_.properties;
    if (options_.guarantee != KafkaDeliveryGuarantee::kNone &&
        !settings.count("enable.idempotence")) {
      settings["enable.idempotence"] = "true";
    }
    // Keys go to the partitions Java clients (and Flink) choose.
    if (!settings.count("partitioner")) settings["partitioner"] = "murmur2_random";
    if (!settings.count("client.id"))
      settings["client.id"] = fmt::format("weir-sink-{}", subtask_);
    ARROW_ASSIGN_OR_RAISE(client_,
                          KafkaClient::Make(RD_KAFKA_PRODUCER, options_.bootstrap_servers,
                                            settings, KafkaDelivery::OnDelivery));
    ARROW_ASSIGN_OR_RAISE(
        auto partitions,
        client_->ListPartitions({options_.topic}, "", options_.flush_timeout));
    chooser_.emplace(options_.partitioner, subtask_,
                     static_cast<int32_t>(partitions.size()));
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    ARROW_RETURN_NOT_OK(CheckDelivery());
    ARROW_RETURN_NOT_OK(ForEachKafkaRecord(
        *batch, options_, [&](const std::string* key, const std::string* value) {
          return Produce(key, value);
        }));
    rd_kafka_poll(client_->get(), 0);
    return CheckDelivery();
  }

  arrow::Status SnapshotOperatorState(runtime::CheckpointId,
                                      std::vector<std::string>*) override {
    if (options_.guarantee == KafkaDeliveryGuarantee::kNone) return arrow::Status::OK();
    return Flush();
  }

  arrow::Status Finish(runtime::Output*) override { return Flush(); }

  arrow::Status Close() override {
    client_.reset();
    return arrow::Status::OK();
  }

 private:
  arrow::Status CheckDelivery() {
    ARROW_RETURN_NOT_OK(client_->FatalError());
    return delivery_.Check();
  }

  arrow::Status Produce(const std::string* key, const std::string* value) {
    ARROW_RETURN_NOT_OK(client_->FatalError());
    return ProduceKafkaRecord(client_->get(), options_.topic, chooser_->Next(), key,
                              value, &delivery_);
  }

  // Waits until every record sent so far is acknowledged (or failed).
  arrow::Status Flush() {
    const auto err =
        rd_kafka_flush(client_->get(), static_cast<int>(options_.flush_timeout.count()));
    ARROW_RETURN_NOT_OK(CheckDelivery());
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return UserError(
          "Kafka sink: {} record(s) to '{}' were not acknowledged within {} s (are the "
          "brokers at '{}' up?)",
          rd_kafka_outq_len(client_->get()), options_.topic,
          options_.flush_timeout.count() / 1000, options_.bootstrap_servers);
    }
    return arrow::Status::OK();
  }

  KafkaSinkOptions options_;
  int subtask_ = 0;
  KafkaDelivery delivery_;
  std::unique_ptr<KafkaClient> client_;
  std::optional<KafkaPartitionChooser> chooser_;
};

}  // namespace

arrow::Result<runtime::OperatorFactory> MakeKafkaSink(KafkaSinkOptions options) {
  if (options.bootstrap_servers.empty()) {
    return UserError("the Kafka sink needs bootstrap servers");
  }
  if (options.topic.empty()) return UserError("the Kafka sink needs a topic");
  if (options.guarantee == KafkaDeliveryGuarantee::kExactlyOnce &&
      options.transactional_id_prefix.empty()) {
    return UserError(
        "the exactly-once Kafka sink needs a transactional id prefix "
        "(sink.transactional-id-prefix), unique to this job");
  }
  // debezium-json is the Kafka connector's changelog envelope around json values.
  if (options.value_format != "debezium-json") {
    ARROW_RETURN_NOT_OK(
        format::RecordFormatOf(options.value_format, "Kafka sink value").status());
  }
  ARROW_RETURN_NOT_OK(
      format::RecordFormatOf(options.key_format, "Kafka sink key").status());
  ARROW_RETURN_NOT_OK(CheckKafkaSettings(options.properties));
  return runtime::OperatorFactory(
      [options](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        if (options.guarantee == KafkaDeliveryGuarantee::kExactlyOnce)
          return MakeTransactionalKafkaSink(options);
        return std::make_unique<KafkaSinkOperator>(options);
      });
}

}  // namespace weir::connectors
