#include "weir/connectors/kafka/kafka_sink.h"

#include <atomic>
#include <mutex>
#include <optional>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/format/json/json_writer.h"

namespace weir::connectors {
namespace {

// Remembers the first delivery failure; librdkafka calls this from rd_kafka_poll.
struct DeliveryState {
  std::mutex mu;
  std::string first_error;
  std::atomic<int64_t> failed{0};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* state = static_cast<DeliveryState*>(message->_private);
  if (state->failed.fetch_add(1) == 0) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->first_error = fmt::format("{}-{}: {}", rd_kafka_topic_name(message->rkt),
                                     message->partition, rd_kafka_err2str(message->err));
  }
}

// Encodes some columns of a batch, one record at a time.
class FieldsEncoder {
 public:
  static arrow::Result<FieldsEncoder> Make(const arrow::RecordBatch& batch,
                                           const std::vector<std::string>& columns,
                                           const std::string& format) {
    FieldsEncoder e;
    e.format_ = format;
    std::vector<int> indices;
    for (const std::string& name : columns) {
      const int i = batch.schema()->GetFieldIndex(name);
      if (i < 0) return UserError("Kafka sink: no column '{}' in the rows", name);
      indices.push_back(i);
    }
    if (columns.empty()) {
      for (int i = 0; i < batch.num_columns(); ++i) indices.push_back(i);
    }
    ARROW_ASSIGN_OR_RAISE(e.batch_, batch.SelectColumns(indices));
    if (format == "raw") {
      const auto id = e.batch_->column(0)->type_id();
      if (e.batch_->num_columns() != 1 ||
          (id != arrow::Type::STRING && id != arrow::Type::BINARY)) {
        return UserError(
            "the raw format writes exactly one STRING or BYTES column, not {} columns",
            e.batch_->num_columns());
      }
      return e;
    }
    ARROW_ASSIGN_OR_RAISE(auto json, format::JsonRowEncoder::Make(*e.batch_));
    e.json_ = std::make_shared<format::JsonRowEncoder>(std::move(json));
    return e;
  }

  // The record bytes of `row`; null (no bytes) for a NULL raw value.
  arrow::Status Encode(int64_t row, std::string* out, bool* is_null) const {
    out->clear();
    *is_null = false;
    if (json_) return json_->Append(row, out);
    const auto& column = *batch_->column(0);
    if (column.IsNull(row)) {
      *is_null = true;
      return arrow::Status::OK();
    }
    out->assign(static_cast<const arrow::BinaryArray&>(column).GetView(row));
    return arrow::Status::OK();
  }

 private:
  std::string format_;
  std::shared_ptr<arrow::RecordBatch> batch_;
  std::shared_ptr<format::JsonRowEncoder> json_;
};

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
    if (!settings.count("client.id"))
      settings["client.id"] = fmt::format("weir-sink-{}", subtask_);
    ARROW_ASSIGN_OR_RAISE(client_, KafkaClient::Make(RD_KAFKA_PRODUCER,
                                                     options_.bootstrap_servers, settings,
                                                     OnDelivery));
    ARROW_ASSIGN_OR_RAISE(auto partitions,
                          client_->ListPartitions({options_.topic}, "",
                                                  options_.flush_timeout));
    partitions_ = static_cast<int32_t>(partitions.size());
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    ARROW_RETURN_NOT_OK(CheckDelivery());
    ARROW_ASSIGN_OR_RAISE(auto values, FieldsEncoder::Make(*batch, options_.value_columns,
                                                           options_.value_format));
    std::optional<FieldsEncoder> keys;
    if (!options_.key_columns.empty()) {
      ARROW_ASSIGN_OR_RAISE(keys, FieldsEncoder::Make(*batch, options_.key_columns,
                                                      options_.key_format));
    }
    std::string value, key;
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      bool value_null = false, key_null = true;
      ARROW_RETURN_NOT_OK(values.Encode(r, &value, &value_null));
      if (keys) ARROW_RETURN_NOT_OK(keys->Encode(r, &key, &key_null));
      int32_t partition = RD_KAFKA_PARTITION_UA;
      if (options_.partitioner == KafkaPartitioner::kFixed) {
        partition = subtask_ % partitions_;
      } else if (options_.partitioner == KafkaPartitioner::kRoundRobin) {
        partition = static_cast<int32_t>(next_++ % partitions_);
      }
      while (true) {
        const auto err = rd_kafka_producev(
            client_->get(), RD_KAFKA_V_TOPIC(options_.topic.c_str()),
            RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(value_null ? nullptr : value.data(),
                             value_null ? 0 : value.size()),
            RD_KAFKA_V_KEY(key_null ? nullptr : key.data(), key_null ? 0 : key.size()),
            RD_KAFKA_V_OPAQUE(&delivery_), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          return UserError("Kafka sink: cannot send to '{}': {}", options_.topic,
                           KafkaErrorText(err));
        }
        // The producer's queue is full: serve acknowledgements until there is room.
        rd_kafka_poll(client_->get(), 50);
        ARROW_RETURN_NOT_OK(CheckDelivery());
      }
    }
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
    if (delivery_.failed.load() == 0) return arrow::Status::OK();
    std::lock_guard<std::mutex> lock(delivery_.mu);
    return UserError("Kafka sink: {} record(s) were not delivered, the first to {}",
                     delivery_.failed.load(), delivery_.first_error);
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
  DeliveryState delivery_;
  std::unique_ptr<KafkaClient> client_;
  int32_t partitions_ = 1;
  uint64_t next_ = 0;
};

}  // namespace

arrow::Result<runtime::OperatorFactory> MakeKafkaSink(KafkaSinkOptions options) {
  if (options.bootstrap_servers.empty()) {
    return UserError("the Kafka sink needs bootstrap servers");
  }
  if (options.topic.empty()) return UserError("the Kafka sink needs a topic");
  if (options.guarantee == KafkaDeliveryGuarantee::kExactlyOnce) {
    return arrow::Status::NotImplemented(
        "the exactly-once Kafka sink (transactions) is not supported yet; use "
        "at-least-once");
  }
  for (const std::string& format : {options.value_format, options.key_format}) {
    if (format != "json" && format != "raw") {
      return UserError("Kafka sink format '{}' is not supported (json, raw)", format);
    }
  }
  ARROW_RETURN_NOT_OK(CheckKafkaSettings(options.properties));
  return runtime::OperatorFactory(
      [options](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<KafkaSinkOperator>(options);
      });
}

}  // namespace weir::connectors
