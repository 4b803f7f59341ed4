#include "weir/cli/value_format.h"

#include <cmath>

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/float16.h>
#include <fmt/format.h>

#include "weir/format/parquet/metadata_inspector.h"

namespace weir::cli {

namespace {

template <typename ArrayType>
void AppendInteger(const arrow::Array& a, int64_t i, std::string* out) {
  *out += std::to_string(static_cast<const ArrayType&>(a).Value(i));
}

void AppendFloat(double v, std::string* out, bool json) {
  if (std::isnan(v)) {
    *out += json ? "\"NaN\"" : "NaN";
  } else if (std::isinf(v)) {
    *out += json ? (v > 0 ? "\"Infinity\"" : "\"-Infinity\"") : (v > 0 ? "inf" : "-inf");
  } else {
    *out += fmt::format("{}", v);
  }
}

void AppendBinaryText(std::string_view bytes, std::string* out) {
  // Non-printable bytes are shown as \xNN, so binary columns stay readable.
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out->push_back(static_cast<char>(c));
    } else {
      *out += fmt::format("\\x{:02x}", c);
    }
  }
}

void AppendValue(const arrow::Array& a, int64_t i, std::string* out, bool json,
                 bool top) {
  using arrow::Type;
  if (a.IsNull(i)) {
    *out += "null";
    return;
  }
  auto quote = [&](const std::string& s) {
    *out += (json || !top) ? format::JsonQuote(s) : s;
  };
  switch (a.type_id()) {
    case Type::BOOL:
      *out += static_cast<const arrow::BooleanArray&>(a).Value(i) ? "true" : "false";
      return;
    case Type::INT8:
      return AppendInteger<arrow::Int8Array>(a, i, out);
    case Type::INT16:
      return AppendInteger<arrow::Int16Array>(a, i, out);
    case Type::INT32:
      return AppendInteger<arrow::Int32Array>(a, i, out);
    case Type::INT64:
      return AppendInteger<arrow::Int64Array>(a, i, out);
    case Type::UINT8:
      return AppendInteger<arrow::UInt8Array>(a, i, out);
    case Type::UINT16:
      return AppendInteger<arrow::UInt16Array>(a, i, out);
    case Type::UINT32:
      return AppendInteger<arrow::UInt32Array>(a, i, out);
    case Type::UINT64:
      return AppendInteger<arrow::UInt64Array>(a, i, out);
    case Type::HALF_FLOAT:
      return AppendFloat(arrow::util::Float16::FromBits(
                             static_cast<const arrow::HalfFloatArray&>(a).Value(i))
                             .ToDouble(),
                         out, json);
    case Type::FLOAT:
      return AppendFloat(static_cast<const arrow::FloatArray&>(a).Value(i), out, json);
    case Type::DOUBLE:
      return AppendFloat(static_cast<const arrow::DoubleArray&>(a).Value(i), out, json);
    case Type::DECIMAL32:
    case Type::DECIMAL64:
    case Type::DECIMAL128:
    case Type::DECIMAL256: {
      // Decimals print exactly as written (JSON numbers keep every digit).
      auto s = a.GetScalar(i);
      *out += s.ok() ? (*s)->ToString() : "?";
      return;
    }
    case Type::STRING:
      return quote(std::string(static_cast<const arrow::StringArray&>(a).GetView(i)));
    case Type::LARGE_STRING:
      return quote(
          std::string(static_cast<const arrow::LargeStringArray&>(a).GetView(i)));
    case Type::STRING_VIEW:
      return quote(std::string(static_cast<const arrow::StringViewArray&>(a).GetView(i)));
    case Type::BINARY:
    case Type::LARGE_BINARY:
    case Type::FIXED_SIZE_BINARY:
    case Type::BINARY_VIEW: {
      std::string text;
      auto s = a.GetScalar(i);
      if (s.ok()) {
        AppendBinaryText(static_cast<const arrow::BaseBinaryScalar&>(**s).view(), &text);
      }
      if (a.type_id() == Type::FIXED_SIZE_BINARY && s.ok()) {
        text.clear();
        auto& fsb = static_cast<const arrow::FixedSizeBinaryScalar&>(**s);
        AppendBinaryText(
            std::string_view(reinterpret_cast<const char*>(fsb.value->data()),
                             fsb.value->size()),
            &text);
      }
      return quote(text);
    }
    case Type::LIST:
    case Type::LARGE_LIST:
    case Type::FIXED_SIZE_LIST:
    case Type::LIST_VIEW:
    case Type::LARGE_LIST_VIEW: {
      auto s = a.GetScalar(i);
      if (!s.ok()) return quote("?");
      const auto& values = *static_cast<const arrow::BaseListScalar&>(**s).value;
      *out += '[';
      for (int64_t k = 0; k < values.length(); ++k) {
        if (k) *out += ", ";
        AppendValue(values, k, out, json, false);
      }
      *out += ']';
      return;
    }
    case Type::STRUCT: {
      const auto& s = static_cast<const arrow::StructArray&>(a);
      *out += '{';
      for (int f = 0; f < s.num_fields(); ++f) {
        if (f) *out += ", ";
        *out += format::JsonQuote(s.type()->field(f)->name()) + ": ";
        AppendValue(*s.field(f), i, out, json, false);
      }
      *out += '}';
      return;
    }
    case Type::MAP: {
      const auto& m = static_cast<const arrow::MapArray&>(a);
      *out += '{';
      for (int64_t k = m.value_offset(i); k < m.value_offset(i) + m.value_length(i);
           ++k) {
        if (k > m.value_offset(i)) *out += ", ";
        std::string key;
        AppendValue(*m.keys(), k, &key, false, true);
        *out += format::JsonQuote(key) + ": ";
        AppendValue(*m.items(), k, out, json, false);
      }
      *out += '}';
      return;
    }
    case Type::DICTIONARY: {
      const auto& d = static_cast<const arrow::DictionaryArray&>(a);
      return AppendValue(*d.dictionary(), d.GetValueIndex(i), out, json, top);
    }
    default: {
      auto s = a.GetScalar(i);
      return quote(s.ok() ? (*s)->ToString() : "?");
    }
  }
}

}  // namespace

void AppendJsonValue(const arrow::Array& array, int64_t i, std::string* out) {
  AppendValue(array, i, out, true, true);
}

void AppendTextValue(const arrow::Array& array, int64_t i, std::string* out,
                     const std::string& null_text) {
  if (array.IsNull(i)) {
    *out += null_text;
    return;
  }
  AppendValue(array, i, out, false, true);
}

size_t DisplayWidth(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string TruncateText(const std::string& text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return text;
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++n > max_width - 1) break;
    out.push_back(text[i]);
  }
  return out + "…";
}

}  // namespace weir::cli
