#include "weir/format/json/json_writer.h"

#include <cmath>

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <arrow/util/base64.h>
#include <fmt/format.h>

namespace weir::format {
namespace {

bool IsTemporal(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
      return true;
    default:
      return false;
  }
}

// `type` with its temporal leaves replaced by strings, or null when it has none.
std::shared_ptr<arrow::DataType> TemporalAsText(
    const std::shared_ptr<arrow::DataType>& type) {
  if (IsTemporal(type->id())) return arrow::utf8();
  if (type->num_fields() == 0) return nullptr;
  bool changed = false;
  arrow::FieldVector fields;
  for (const auto& f : type->fields()) {
    auto t = TemporalAsText(f->type());
    changed |= t != nullptr;
    fields.push_back(t ? f->WithType(t) : f);
  }
  if (!changed) return nullptr;
  switch (type->id()) {
    case arrow::Type::LIST:
      return arrow::list(fields[0]);
    case arrow::Type::LARGE_LIST:
      return arrow::large_list(fields[0]);
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(
          fields[0], static_cast<const arrow::FixedSizeListType&>(*type).list_size());
    case arrow::Type::STRUCT:
      return arrow::struct_(fields);
    case arrow::Type::MAP: {
      const auto& entries = static_cast<const arrow::StructType&>(*fields[0]->type());
      return std::make_shared<arrow::MapType>(entries.field(0), entries.field(1));
    }
    default:
      return nullptr;
  }
}

void AppendEscaped(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += fmt::format("\\u{:04x}", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "\"NaN\"";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", v);
  }
}

template <typename T>
void AppendInt(const arrow::Array& a, int64_t i, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "{}",
                 static_cast<const arrow::NumericArray<T>&>(a).Value(i));
}

arrow::Status AppendValue(const arrow::Array& a, int64_t i, std::string* out);

arrow::Status AppendElements(const arrow::Array& values, int64_t begin, int64_t end,
                             std::string* out) {
  out->push_back('[');
  for (int64_t k = begin; k < end; ++k) {
    if (k > begin) out->push_back(',');
    ARROW_RETURN_NOT_OK(AppendValue(values, k, out));
  }
  out->push_back(']');
  return arrow::Status::OK();
}

arrow::Status AppendValue(const arrow::Array& a, int64_t i, std::string* out) {
  using arrow::Type;
  if (a.IsNull(i)) {
    *out += "null";
    return arrow::Status::OK();
  }
  switch (a.type_id()) {
    case Type::BOOL:
      *out += static_cast<const arrow::BooleanArray&>(a).Value(i) ? "true" : "false";
      return arrow::Status::OK();
    case Type::INT8:
      AppendInt<arrow::Int8Type>(a, i, out);
      return arrow::Status::OK();
    case Type::INT16:
      AppendInt<arrow::Int16Type>(a, i, out);
      return arrow::Status::OK();
    case Type::INT32:
      AppendInt<arrow::Int32Type>(a, i, out);
      return arrow::Status::OK();
    case Type::INT64:
      AppendInt<arrow::Int64Type>(a, i, out);
      return arrow::Status::OK();
    case Type::UINT8:
      AppendInt<arrow::UInt8Type>(a, i, out);
      return arrow::Status::OK();
    case Type::UINT16:
      AppendInt<arrow::UInt16Type>(a, i, out);
      return arrow::Status::OK();
    case Type::UINT32:
      AppendInt<arrow::UInt32Type>(a, i, out);
      return arrow::Status::OK();
    case Type::UINT64:
      AppendInt<arrow::UInt64Type>(a, i, out);
      return arrow::Status::OK();
    case Type::FLOAT:
      AppendDouble(static_cast<const arrow::FloatArray&>(a).Value(i), out);
      return arrow::Status::OK();
    case Type::DOUBLE:
      AppendDouble(static_cast<const arrow::DoubleArray&>(a).Value(i), out);
      return arrow::Status::OK();
    case Type::DECIMAL32:
      *out += static_cast<const arrow::Decimal32Array&>(a).FormatValue(i);
      return arrow::Status::OK();
    case Type::DECIMAL64:
      *out += static_cast<const arrow::Decimal64Array&>(a).FormatValue(i);
      return arrow::Status::OK();
    case Type::DECIMAL128:
      *out += static_cast<const arrow::Decimal128Array&>(a).FormatValue(i);
      return arrow::Status::OK();
    case Type::DECIMAL256:
      *out += static_cast<const arrow::Decimal256Array&>(a).FormatValue(i);
      return arrow::Status::OK();
    case Type::STRING:
      AppendEscaped(static_cast<const arrow::StringArray&>(a).GetView(i), out);
      return arrow::Status::OK();
    case Type::LARGE_STRING:
      AppendEscaped(static_cast<const arrow::LargeStringArray&>(a).GetView(i), out);
      return arrow::Status::OK();
    case Type::STRING_VIEW:
      AppendEscaped(static_cast<const arrow::StringViewArray&>(a).GetView(i), out);
      return arrow::Status::OK();
    case Type::BINARY:
      AppendEscaped(arrow::util::base64_encode(
                        static_cast<const arrow::BinaryArray&>(a).GetView(i)),
                    out);
      return arrow::Status::OK();
    case Type::LARGE_BINARY:
      AppendEscaped(arrow::util::base64_encode(
                        static_cast<const arrow::LargeBinaryArray&>(a).GetView(i)),
                    out);
      return arrow::Status::OK();
    case Type::FIXED_SIZE_BINARY:
      AppendEscaped(arrow::util::base64_encode(
                        static_cast<const arrow::FixedSizeBinaryArray&>(a).GetView(i)),
                    out);
      return arrow::Status::OK();
    case Type::LIST: {
      const auto& l = static_cast<const arrow::ListArray&>(a);
      return AppendElements(*l.values(), l.value_offset(i),
                            l.value_offset(i) + l.value_length(i), out);
    }
    case Type::LARGE_LIST: {
      const auto& l = static_cast<const arrow::LargeListArray&>(a);
      return AppendElements(*l.values(), l.value_offset(i),
                            l.value_offset(i) + l.value_length(i), out);
    }
    case Type::FIXED_SIZE_LIST: {
      const auto& l = static_cast<const arrow::FixedSizeListArray&>(a);
      return AppendElements(*l.values(), l.value_offset(i),
                            l.value_offset(i) + l.value_length(i), out);
    }
    case Type::STRUCT: {
      const auto& s = static_cast<const arrow::StructArray&>(a);
      out->push_back('{');
      for (int f = 0; f < s.num_fields(); ++f) {
        if (f) out->push_back(',');
        AppendEscaped(s.type()->field(f)->name(), out);
        out->push_back(':');
        ARROW_RETURN_NOT_OK(AppendValue(*s.field(f), i, out));
      }
      out->push_back('}');
      return arrow::Status::OK();
    }
    case Type::MAP: {
      const auto& m = static_cast<const arrow::MapArray&>(a);
      out->push_back('{');
      const int64_t begin = m.value_offset(i);
      for (int64_t k = begin; k < begin + m.value_length(i); ++k) {
        if (k > begin) out->push_back(',');
        // Object keys are strings: other key types are written as their JSON text.
        std::string key;
        ARROW_RETURN_NOT_OK(AppendValue(*m.keys(), k, &key));
        if (key.size() >= 2 && key.front() == '"' && key.back() == '"') {
          *out += key;
        } else {
          AppendEscaped(key, out);
        }
        out->push_back(':');
        ARROW_RETURN_NOT_OK(AppendValue(*m.items(), k, out));
      }
      out->push_back('}');
      return arrow::Status::OK();
    }
    case Type::DICTIONARY: {
      const auto& d = static_cast<const arrow::DictionaryArray&>(a);
      return AppendValue(*d.dictionary(), d.GetValueIndex(i), out);
    }
    default:
      return arrow::Status::NotImplemented("the json format cannot write type ",
                                           a.type()->ToString());
  }
}

}  // namespace

arrow::Result<JsonRowEncoder> JsonRowEncoder::Make(const arrow::RecordBatch& batch) {
  JsonRowEncoder encoder;
  for (int c = 0; c < batch.num_columns(); ++c) {
    std::shared_ptr<arrow::Array> column = batch.column(c);
    if (auto text = TemporalAsText(column->type())) {
      auto cast = arrow::compute::Cast(*column, text);
      if (!cast.ok()) {
        return arrow::Status::NotImplemented(
            "the json format cannot write column '", batch.schema()->field(c)->name(),
            "' (", column->type()->ToString(), "): ", cast.status().message());
      }
      column = *cast;
    }
    encoder.columns_.push_back(std::move(column));
    std::string key;
    AppendEscaped(batch.schema()->field(c)->name(), &key);
    encoder.keys_.push_back(key + ":");
  }
  return encoder;
}

arrow::Status JsonRowEncoder::Append(int64_t row, std::string* out) const {
  out->push_back('{');
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (c) out->push_back(',');
    *out += keys_[c];
    auto st = AppendValue(*columns_[c], row, out);
    if (!st.ok()) {
      return arrow::Status::NotImplemented("column ", keys_[c], " ", st.message());
    }
  }
  out->push_back('}');
  return arrow::Status::OK();
}

arrow::Status AppendJsonLines(const arrow::RecordBatch& batch, std::string* out) {
  ARROW_ASSIGN_OR_RAISE(JsonRowEncoder encoder, JsonRowEncoder::Make(batch));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    ARROW_RETURN_NOT_OK(encoder.Append(r, out));
    out->push_back('\n');
  }
  return arrow::Status::OK();
}

}  // namespace weir::format
