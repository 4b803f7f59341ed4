#include "weir/connectors/kafka/kafka_record_encoder.h"

#include "weir/runtime/changelog.h"

#include <optional>

#include <arrow/array.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/format/record_format.h"

namespace weir::connectors {
namespace {

// Encodes some columns of a batch, one record at a time, with a record format.
class FieldsEncoder {
 public:
  static arrow::Result<FieldsEncoder> Make(const arrow::RecordBatch& batch,
                                           const std::vector<std::string>& columns,
                                           const std::string& format_name,
                                           const format::FormatOptions& options,
                                           format::RecordPart part,
                                           const std::string& strip_prefix = "") {
    FieldsEncoder e;
    std::vector<int> indices;
    for (const std::string& name : columns) {
      const int i = batch.schema()->GetFieldIndex(name);
      if (i < 0) return UserError("Kafka sink: no column '{}' in the rows", name);
      indices.push_back(i);
    }
    if (columns.empty()) {
      const int kinds = runtime::RowKindIndex(*batch.schema());
      for (int i = 0; i < batch.num_columns(); ++i) {
        if (i != kinds) indices.push_back(i);
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto selected, batch.SelectColumns(indices));
    if (!strip_prefix.empty()) {
      // key.fields-prefix: the key's format names the fields without it.
      arrow::FieldVector fields;
      for (const auto& f : selected->schema()->fields()) {
        fields.push_back(f->name().rfind(strip_prefix, 0) == 0
                             ? f->WithName(f->name().substr(strip_prefix.size()))
                             : f);
      }
      selected = arrow::RecordBatch::Make(arrow::schema(fields), selected->num_rows(),
                                          selected->columns());
    }
    ARROW_ASSIGN_OR_RAISE(
        const format::RecordFormat* format,
        format::RecordFormatOf(format_name,
                               fmt::format("Kafka {}", format::RecordPartName(part))));
    ARROW_ASSIGN_OR_RAISE(e.encoder_,
                          format->MakeEncoder(selected->schema(), options, part));
    ARROW_RETURN_NOT_OK(e.encoder_->Reset(*selected));
    return e;
  }

  // The bytes of `row`, or false for no bytes (a NULL raw value).
  arrow::Result<bool> Encode(int64_t row, std::string* out) const {
    return encoder_->Encode(row, out);
  }

 private:
  std::shared_ptr<format::RecordEncoder> encoder_;
};

}  // namespace

void KafkaDelivery::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR || message->_private == nullptr) return;
  auto* state = static_cast<KafkaDelivery*>(message->_private);
  if (state->failed.fetch_add(1) == 0) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->first_error = fmt::format("{}-{}: {}", rd_kafka_topic_name(message->rkt),
                                     message->partition, rd_kafka_err2str(message->err));
  }
}

arrow::Status KafkaDelivery::Check() {
  if (failed.load() == 0) return arrow::Status::OK();
  std::lock_guard<std::mutex> lock(mu);
  return UserError("Kafka sink: {} record(s) were not delivered, the first to {}",
                   failed.load(), first_error);
}

int32_t KafkaPartitionChooser::Next() {
  switch (partitioner_) {
    case KafkaPartitioner::kFixed:
      return subtask_ % partitions_;
    case KafkaPartitioner::kRoundRobin:
      return static_cast<int32_t>(next_++ % static_cast<uint64_t>(partitions_));
    default:
      return RD_KAFKA_PARTITION_UA;
  }
}

arrow::Status ProduceKafkaRecord(rd_kafka_t* producer, const std::string& topic,
                                 int32_t partition, const std::string* key,
                                 const std::string* value, KafkaDelivery* delivery) {
  while (true) {
    const auto err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(value ? const_cast<char*>(value->data()) : nullptr,
                         value ? value->size() : 0),
        RD_KAFKA_V_KEY(key ? key->data() : nullptr, key ? key->size() : 0),
        RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return arrow::Status::OK();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return UserError("Kafka sink: cannot send to '{}': {}", topic,
                       rd_kafka_err2str(err));
    }
    // The producer's queue is full: serve acknowledgements until there is room.
    rd_kafka_poll(producer, 50);
    ARROW_RETURN_NOT_OK(delivery->Check());
  }
}

arrow::Status ForEachKafkaRecord(
    const arrow::RecordBatch& batch, const KafkaSinkOptions& options,
    const std::function<arrow::Status(const std::string*, const std::string*)>& record) {
  // debezium-json: the row as json inside Debezium's envelope.
  const bool debezium = options.value_format == "debezium-json";
  ARROW_ASSIGN_OR_RAISE(
      auto values,
      FieldsEncoder::Make(batch, options.value_columns,
                          debezium ? "json" : options.value_format,
                          options.format_options, format::RecordPart::kValue));
  const int8_t* changes = debezium ? runtime::RowKinds(batch) : nullptr;
  std::optional<FieldsEncoder> keys;
  if (!options.key_columns.empty()) {
    ARROW_ASSIGN_OR_RAISE(
        keys, FieldsEncoder::Make(batch, options.key_columns, options.key_format,
                                  options.format_options, format::RecordPart::kKey,
                                  options.key_fields_prefix));
  }
  // upsert-kafka: -U rows are skipped, -D rows become tombstones.
  const int8_t* kinds = options.upsert ? runtime::RowKinds(batch) : nullptr;
  std::string value, key;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    if (kinds != nullptr) {
      const auto kind = static_cast<runtime::RowKind>(kinds[r]);
      if (kind == runtime::RowKind::kUpdateBefore) continue;
      if (kind == runtime::RowKind::kDelete) {
        ARROW_ASSIGN_OR_RAISE(bool has_key, keys->Encode(r, &key));
        ARROW_RETURN_NOT_OK(record(has_key ? &key : nullptr, nullptr));
        continue;
      }
    }
    ARROW_ASSIGN_OR_RAISE(bool has_value, values.Encode(r, &value));
    if (debezium) {
      // Flink's debezium-json: +I/+U are creates, -U/-D deletes.
      const bool add = changes == nullptr ||
                       runtime::IsAccumulate(static_cast<runtime::RowKind>(changes[r]));
      value = add ? "{\"before\":null,\"after\":" + value + ",\"op\":\"c\"}"
                  : "{\"before\":" + value + ",\"after\":null,\"op\":\"d\"}";
    }
    bool has_key = false;
    if (keys) {
      ARROW_ASSIGN_OR_RAISE(has_key, keys->Encode(r, &key));
    }
    ARROW_RETURN_NOT_OK(record(has_key ? &key : nullptr, has_value ? &value : nullptr));
  }
  return arrow::Status::OK();
}

}  // namespace weir::connectors
