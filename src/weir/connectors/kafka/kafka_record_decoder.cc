#include "weir/connectors/kafka/kafka_record_decoder.h"

#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <arrow/util/utf8.h>

#include "weir/common/error.h"
#include "weir/format/record_format.h"
#include "weir/runtime/changelog.h"

namespace weir::connectors {

arrow::Result<std::shared_ptr<arrow::DataType>> KafkaMetadataType(
    const std::string& key) {
  if (key == "topic") return arrow::utf8();
  if (key == "partition") return arrow::int32();
  if (key == "offset") return arrow::int64();
  if (key == "timestamp") return arrow::timestamp(arrow::TimeUnit::MILLI, "UTC");
  if (key == "timestamp-type") return arrow::utf8();
  if (key == "key") return arrow::binary();
  if (key == "headers") return arrow::map(arrow::utf8(), arrow::binary());
  return UserError(
      "unknown Kafka metadata key '{}' (topic, partition, offset, timestamp, "
      "timestamp-type, key, headers)",
      key);
}

// Decodes one part of a record (the key or the value) into its columns, with the
// part's record format.
class PartDecoder {
 public:
  static arrow::Result<std::unique_ptr<PartDecoder>> Make(
      const std::shared_ptr<arrow::Schema>& schema, const std::string& format_name,
      const format::FormatOptions& options, format::RecordPart part) {
    ARROW_ASSIGN_OR_RAISE(
        const format::RecordFormat* format,
        format::RecordFormatOf(format_name,
                               fmt::format("Kafka {}", format::RecordPartName(part))));
    auto d = std::make_unique<PartDecoder>();
    ARROW_ASSIGN_OR_RAISE(d->decoder_, format->MakeDecoder(schema, options, part));
    return d;
  }

  // Adds the part as a row, or returns false for no row (a csv comment); `bytes` null
  // means the part is absent (every column NULL).
  arrow::Result<bool> Append(const void* bytes, size_t size) {
    if (bytes == nullptr) {
      ARROW_RETURN_NOT_OK(decoder_->AppendAbsent());
      return true;
    }
    return decoder_->Append(std::string_view(static_cast<const char*>(bytes), size));
  }

  // Undoes the last successful Append.
  arrow::Status DropLast() { return decoder_->DropLastRow(); }

  arrow::Result<arrow::ArrayVector> Finish() {
    ARROW_ASSIGN_OR_RAISE(auto rows, decoder_->Finish());
    return rows->columns();
  }

 private:
  std::unique_ptr<format::RecordDecoder> decoder_;
};

struct KafkaRecordDecoder::State {
  KafkaChangelog changelog = KafkaChangelog::kAppend;
  bool schema_include = false;  // debezium-json.schema-include
  bool ignore_parse_errors = false;
  std::unique_ptr<PartDecoder> value;
  std::unique_ptr<PartDecoder> key;
  std::shared_ptr<arrow::Schema> value_schema;
  std::shared_ptr<arrow::Schema> key_schema;
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> metadata;
  std::vector<KafkaMetadataColumn> columns;
  std::vector<int8_t> kinds;  // upsert-kafka: per record
  // debezium-json: per record, where it came from (for errors).
  std::vector<std::pair<int32_t, int64_t>> positions;
};

namespace {

// Debezium's envelope around rows of `row`: {"before": …, "after": …, "op": …},
// wrapped in {"payload": …} when the schema is included.
std::shared_ptr<arrow::Schema> DebeziumEnvelope(const arrow::Schema& row,
                                                bool schema_include) {
  auto fields = arrow::FieldVector{arrow::field("before", arrow::struct_(row.fields())),
                                   arrow::field("after", arrow::struct_(row.fields())),
                                   arrow::field("op", arrow::utf8())};
  if (!schema_include) return arrow::schema(fields);
  return arrow::schema({arrow::field("payload", arrow::struct_(fields))});
}

// The rows of decoded Debezium envelopes: per record, the rows it gives and their
// kinds; `record_of_row` maps rows to records (for the other columns).
arrow::Result<arrow::ArrayVector> ExpandDebezium(
    const arrow::ArrayVector& envelope, bool schema_include, bool ignore_errors,
    const std::vector<std::pair<int32_t, int64_t>>& positions,
    std::vector<int64_t>* record_of_row, std::shared_ptr<arrow::Array>* kinds_out) {
  arrow::ArrayVector parts = envelope;  // before, after, op
  if (schema_include) {
    ARROW_ASSIGN_OR_RAISE(parts,
                          static_cast<const arrow::StructArray&>(*envelope[0]).Flatten());
  }
  ARROW_ASSIGN_OR_RAISE(auto before_fields,
                        static_cast<const arrow::StructArray&>(*parts[0]).Flatten());
  ARROW_ASSIGN_OR_RAISE(auto after_fields,
                        static_cast<const arrow::StructArray&>(*parts[1]).Flatten());
  const auto& before = *parts[0];
  const auto& after = *parts[1];
  const auto& op = static_cast<const arrow::StringArray&>(*parts[2]);
  const int64_t n = op.length();
  // Row r takes index take[r] of before ++ after.
  arrow::Int64Builder take;
  arrow::Int8Builder kinds;
  record_of_row->clear();
  auto add = [&](int64_t record, int64_t index, runtime::RowKind kind) -> arrow::Status {
    record_of_row->push_back(record);
    ARROW_RETURN_NOT_OK(take.Append(index));
    return kinds.Append(static_cast<int8_t>(kind));
  };
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view o = op.IsNull(i) ? std::string_view() : op.GetView(i);
    std::string error;
    if (o == "c" || o == "r") {
      if (after.IsNull(i)) {
        error = fmt::format("a \"{}\" record without \"after\"", o);
      } else {
        ARROW_RETURN_NOT_OK(add(i, n + i, runtime::RowKind::kInsert));
      }
    } else if (o == "u") {
      if (before.IsNull(i) || after.IsNull(i)) {
        error =
            "the \"before\" field of an UPDATE message is null; with Debezium's Postgres "
            "connector, set the table's REPLICA IDENTITY to FULL";
      } else {
        ARROW_RETURN_NOT_OK(add(i, i, runtime::RowKind::kUpdateBefore));
        ARROW_RETURN_NOT_OK(add(i, n + i, runtime::RowKind::kUpdateAfter));
      }
    } else if (o == "d") {
      if (before.IsNull(i)) {
        error = "the \"before\" field of a DELETE message is null";
      } else {
        ARROW_RETURN_NOT_OK(add(i, i, runtime::RowKind::kDelete));
      }
    } else {
      error = op.IsNull(i) ? std::string("no \"op\" field")
                           : fmt::format("unknown \"op\" value \"{}\"", o);
    }
    if (!error.empty() && !ignore_errors) {
      return UserError(
          "Kafka record of partition {} at offset {} is not a Debezium "
          "change event: {}",
          positions[static_cast<size_t>(i)].first,
          positions[static_cast<size_t>(i)].second, error);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto indices, take.Finish());
  ARROW_ASSIGN_OR_RAISE(*kinds_out, kinds.Finish());
  arrow::ArrayVector columns;
  for (size_t f = 0; f < before_fields.size(); ++f) {
    ARROW_ASSIGN_OR_RAISE(auto both,
                          arrow::Concatenate({before_fields[f], after_fields[f]}));
    ARROW_ASSIGN_OR_RAISE(auto column, arrow::compute::Take(*both, *indices));
    columns.push_back(std::move(column));
  }
  return columns;
}

}  // namespace

KafkaRecordDecoder::~KafkaRecordDecoder() = default;

arrow::Result<std::unique_ptr<KafkaRecordDecoder>> KafkaRecordDecoder::Make(
    const KafkaSourceOptions& options) {
  std::unique_ptr<KafkaRecordDecoder> decoder(new KafkaRecordDecoder());
  decoder->state_ = std::make_unique<State>();
  State& s = *decoder->state_;
  if (!options.value_schema) return UserError("the Kafka source needs a value schema");
  s.changelog = options.changelog;
  s.schema_include = options.debezium_schema_include;
  s.ignore_parse_errors = options.ignore_parse_errors;
  s.value_schema = options.value_schema;
  s.key_schema = options.key_schema;
  if (s.changelog == KafkaChangelog::kUpsert && !options.key_schema) {
    return UserError("an upsert Kafka source needs the key's columns");
  }
  arrow::FieldVector fields;
  for (const auto& f : options.value_schema->fields()) {
    // upsert-kafka: a column the key holds comes from the key (tombstones have it).
    if (s.changelog == KafkaChangelog::kUpsert &&
        options.key_schema->GetFieldIndex(f->name()) >= 0) {
      continue;
    }
    fields.push_back(f);
  }
  if (s.changelog == KafkaChangelog::kDebeziumJson) {
    ARROW_ASSIGN_OR_RAISE(
        s.value,
        PartDecoder::Make(DebeziumEnvelope(*options.value_schema, s.schema_include),
                          "json", options.format_options, format::RecordPart::kValue));
  } else {
    ARROW_ASSIGN_OR_RAISE(
        s.value, PartDecoder::Make(options.value_schema, options.value_format,
                                   options.format_options, format::RecordPart::kValue));
  }
  if (options.key_schema) {
    // The key's format names its fields without key.fields-prefix.
    arrow::FieldVector key_fields;
    for (const auto& f : options.key_schema->fields()) {
      const std::string& prefix = options.key_fields_prefix;
      key_fields.push_back(!prefix.empty() && f->name().rfind(prefix, 0) == 0
                               ? f->WithName(f->name().substr(prefix.size()))
                               : f);
    }
    ARROW_ASSIGN_OR_RAISE(
        s.key, PartDecoder::Make(arrow::schema(key_fields), options.key_format,
                                 options.format_options, format::RecordPart::kKey));
    for (const auto& f : options.key_schema->fields()) fields.push_back(f);
  }
  for (const KafkaMetadataColumn& column : options.metadata) {
    ARROW_ASSIGN_OR_RAISE(auto type, KafkaMetadataType(column.key));
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(type));
    s.metadata.push_back(std::move(builder));
    s.columns.push_back(column);
    fields.push_back(arrow::field(column.name, column.type ? column.type : type));
  }
  if (s.changelog != KafkaChangelog::kAppend) {
    fields.push_back(
        arrow::field(std::string(runtime::kRowKindColumn), arrow::int8(), false));
  }
  decoder->schema_ = arrow::schema(fields);
  return decoder;
}

arrow::Status KafkaRecordDecoder::Append(const rd_kafka_message_t& message) {
  State& s = *state_;
  const bool upsert = s.changelog == KafkaChangelog::kUpsert;
  if (message.payload == nullptr && !upsert) return arrow::Status::OK();  // tombstone
  if (upsert && message.key == nullptr) {
    return arrow::Status::Invalid(
        "an upsert-kafka record needs a key (the primary key), and this one has none");
  }
  ARROW_ASSIGN_OR_RAISE(const bool row, s.value->Append(message.payload, message.len));
  if (!row) return arrow::Status::OK();  // a comment
  if (s.key) {
    auto key_row = s.key->Append(message.key, message.key_len);
    if (!key_row.ok() || !*key_row) {
      ARROW_RETURN_NOT_OK(s.value->DropLast());
      if (key_row.ok()) return arrow::Status::OK();  // a comment key: no row
      return arrow::Status::Invalid("key: ", key_row.status().message());
    }
  }
  if (upsert) {
    s.kinds.push_back(static_cast<int8_t>(message.payload == nullptr
                                              ? runtime::RowKind::kDelete
                                              : runtime::RowKind::kUpdateAfter));
  } else if (s.changelog == KafkaChangelog::kDebeziumJson) {
    s.positions.emplace_back(message.partition, message.offset);
  }
  for (size_t i = 0; i < s.columns.size(); ++i) {
    arrow::ArrayBuilder& b = *s.metadata[i];
    const std::string& key = s.columns[i].key;
    if (key == "topic") {
      ARROW_RETURN_NOT_OK(
          static_cast<arrow::StringBuilder&>(b).Append(rd_kafka_topic_name(message.rkt)));
    } else if (key == "partition") {
      ARROW_RETURN_NOT_OK(static_cast<arrow::Int32Builder&>(b).Append(message.partition));
    } else if (key == "offset") {
      ARROW_RETURN_NOT_OK(static_cast<arrow::Int64Builder&>(b).Append(message.offset));
    } else if (key == "timestamp" || key == "timestamp-type") {
      rd_kafka_timestamp_type_t kind;
      const int64_t ts = rd_kafka_message_timestamp(&message, &kind);
      if (key == "timestamp") {
        if (kind == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
          ARROW_RETURN_NOT_OK(b.AppendNull());
        } else {
          ARROW_RETURN_NOT_OK(static_cast<arrow::TimestampBuilder&>(b).Append(ts));
        }
      } else {
        const char* name = kind == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "CreateTime"
                           : kind == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                               ? "LogAppendTime"
                               : "NoTimestampType";
        ARROW_RETURN_NOT_OK(static_cast<arrow::StringBuilder&>(b).Append(name));
      }
    } else if (key == "key") {
      if (message.key == nullptr) {
        ARROW_RETURN_NOT_OK(b.AppendNull());
      } else {
        ARROW_RETURN_NOT_OK(static_cast<arrow::BinaryBuilder&>(b).Append(
            static_cast<const uint8_t*>(message.key),
            static_cast<int32_t>(message.key_len)));
      }
    } else if (key == "headers") {
      auto& map = static_cast<arrow::MapBuilder&>(b);
      ARROW_RETURN_NOT_OK(map.Append());
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* data;
        size_t size;
        for (size_t h = 0; rd_kafka_header_get_all(headers, h, &name, &data, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++h) {
          ARROW_RETURN_NOT_OK(
              static_cast<arrow::StringBuilder*>(map.key_builder())->Append(name));
          auto* items = static_cast<arrow::BinaryBuilder*>(map.item_builder());
          if (data == nullptr) {
            ARROW_RETURN_NOT_OK(items->AppendNull());
          } else {
            ARROW_RETURN_NOT_OK(items->Append(static_cast<const uint8_t*>(data),
                                              static_cast<int32_t>(size)));
          }
        }
      }
    }
  }
  ++rows_;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> KafkaRecordDecoder::Finish() {
  State& s = *state_;
  record_of_row_.clear();
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector values, s.value->Finish());
  arrow::ArrayVector columns;
  std::shared_ptr<arrow::Array> kinds;
  if (s.changelog == KafkaChangelog::kDebeziumJson) {
    ARROW_ASSIGN_OR_RAISE(columns,
                          ExpandDebezium(values, s.schema_include, s.ignore_parse_errors,
                                         s.positions, &record_of_row_, &kinds));
    s.positions.clear();
  } else {
    for (int i = 0; i < s.value_schema->num_fields(); ++i) {
      if (s.changelog == KafkaChangelog::kUpsert &&
          s.key_schema->GetFieldIndex(s.value_schema->field(i)->name()) >= 0) {
        continue;
      }
      columns.push_back(std::move(values[static_cast<size_t>(i)]));
    }
  }
  if (s.changelog == KafkaChangelog::kUpsert) {
    arrow::Int8Builder builder;
    ARROW_RETURN_NOT_OK(builder.AppendValues(s.kinds));
    ARROW_ASSIGN_OR_RAISE(kinds, builder.Finish());
    s.kinds.clear();
  }
  if (s.key) {
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector keys, s.key->Finish());
    for (auto& k : keys) columns.push_back(std::move(k));
  }
  for (size_t i = 0; i < s.metadata.size(); ++i) {
    std::shared_ptr<arrow::Array> column;
    ARROW_RETURN_NOT_OK(s.metadata[i]->Finish(&column));
    const auto& type = schema_->field(static_cast<int>(columns.size()))->type();
    if (!column->type()->Equals(*type)) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, type));
    }
    columns.push_back(std::move(column));
  }
  int64_t rows = rows_;
  rows_ = 0;
  if (s.changelog == KafkaChangelog::kDebeziumJson) {
    // The key and metadata columns follow their records' rows.
    arrow::Int64Builder take;
    ARROW_RETURN_NOT_OK(take.AppendValues(record_of_row_));
    ARROW_ASSIGN_OR_RAISE(auto indices, take.Finish());
    const size_t value_columns = static_cast<size_t>(s.value_schema->num_fields());
    for (size_t c = value_columns; c < columns.size(); ++c) {
      ARROW_ASSIGN_OR_RAISE(columns[c], arrow::compute::Take(*columns[c], *indices));
    }
    rows = static_cast<int64_t>(record_of_row_.size());
  }
  if (kinds) columns.push_back(std::move(kinds));
  return arrow::RecordBatch::Make(schema_, rows, std::move(columns));
}

}  // namespace weir::connectors
