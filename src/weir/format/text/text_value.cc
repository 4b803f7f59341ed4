#include "weir/format/text/text_value.h"

#include <strings.h>

#include <charconv>
#include <cmath>
#include <limits>

#include <arrow/array.h>
#include <arrow/compute/api_vector.h>
#include <arrow/util/base64.h>
#include <arrow/util/decimal.h>
#include <arrow/util/value_parsing.h>

#include "weir/types/time_unit.h"

namespace weir::format::text {

// A builder and what decoding into it needs, mirroring the type tree.

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

namespace {

arrow::Status Unsupported(const arrow::DataType& type) {
  return arrow::Status::NotImplemented("cannot hold type ", type.ToString());
}

}  // namespace

arrow::Status Plan(Node* node) {
  using arrow::Type;
  const auto& type = *node->type;
  switch (type.id()) {
    case Type::BOOL:
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64:
    case Type::FLOAT:
    case Type::DOUBLE:
    case Type::STRING:
    case Type::LARGE_STRING:
    case Type::BINARY:
    case Type::LARGE_BINARY:
    case Type::DATE32:
      return arrow::Status::OK();
    case Type::DECIMAL128:
    case Type::DECIMAL256: {
      const auto& d = static_cast<const arrow::DecimalType&>(type);
      node->precision = d.precision();
      node->scale = d.scale();
      return arrow::Status::OK();
    }
    case Type::TIME32:
    case Type::TIME64:
      node->units_per_second =
          types::TicksPerSecond(static_cast<const arrow::TimeType&>(type).unit());
      return arrow::Status::OK();
    case Type::TIMESTAMP:
      node->units_per_second =
          types::TicksPerSecond(static_cast<const arrow::TimestampType&>(type).unit());
      return arrow::Status::OK();
    case Type::LIST:
    case Type::LARGE_LIST:
    case Type::STRUCT:
    case Type::MAP: {
      std::vector<arrow::ArrayBuilder*> builders;
      if (type.id() == Type::LIST) {
        builders = {static_cast<arrow::ListBuilder*>(node->builder)->value_builder()};
      } else if (type.id() == Type::LARGE_LIST) {
        builders = {
            static_cast<arrow::LargeListBuilder*>(node->builder)->value_builder()};
      } else if (type.id() == Type::MAP) {
        auto* map = static_cast<arrow::MapBuilder*>(node->builder);
        builders = {map->key_builder(), map->item_builder()};
      } else {
        auto* row = static_cast<arrow::StructBuilder*>(node->builder);
        for (int i = 0; i < row->num_fields(); ++i)
          builders.push_back(row->field_builder(i));
        for (const auto& f : type.fields()) node->names.push_back(f->name());
        node->filled.assign(builders.size(), 0);
      }
      for (arrow::ArrayBuilder* b : builders) {
        Node child;
        child.builder = b;
        child.type = b->type();
        ARROW_RETURN_NOT_OK(Plan(&child));
        node->children.push_back(std::move(child));
      }
      return arrow::Status::OK();
    }
    default:
      return Unsupported(type);
  }
}

namespace {

// Parses `HH:mm[:ss[.f]]` into units of the day.
bool ParseTimeOfDay(std::string_view s, int64_t units_per_second, int64_t* out) {
  auto two = [&](size_t at, int* v) {
    if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' ||
        s[at + 1] > '9')
      return false;
    *v = (s[at] - '0') * 10 + (s[at + 1] - '0');
    return true;
  };
  int h = 0, m = 0, sec = 0;
  if (!two(0, &h) || s.size() < 5 || s[2] != ':' || !two(3, &m)) return false;
  size_t pos = 5;
  if (pos < s.size()) {
    if (s[pos] != ':' || !two(pos + 1, &sec)) return false;
    pos += 3;
  }
  if (h > 23 || m > 59 || sec > 59) return false;
  int64_t fraction = 0;
  if (pos < s.size()) {
    if (s[pos] != '.' || pos + 1 == s.size()) return false;
    int64_t scale = units_per_second;
    for (size_t i = pos + 1; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      scale /= 10;
      fraction += (s[i] - '0') * scale;
    }
  }
  *out = (h * 3600 + m * 60 + sec) * units_per_second + fraction;
  return true;
}

// Parses `yyyy-MM-dd[ T]HH:mm:ss[.f][zone]` into units since the epoch.
bool ParseTimestamp(std::string_view s, int64_t units_per_second, int64_t* out) {
  // Parse without the fraction at whole seconds, then add the fraction, so every
  // fraction length works at every unit.
  std::string base(s);
  int64_t fraction = 0;
  if (s.size() > 20 && s[19] == '.') {
    size_t end = 20;
    int64_t scale = units_per_second;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
      scale /= 10;
      fraction += (s[end] - '0') * scale;
      ++end;
    }
    if (end == 20) return false;
    base = std::string(s.substr(0, 19)) + std::string(s.substr(end));
  }
  int64_t seconds = 0;
  if (!arrow::internal::ParseTimestampISO8601(base.data(), base.size(),
                                              arrow::TimeUnit::SECOND, &seconds))
    return false;
  int64_t units = 0;
  if (__builtin_mul_overflow(seconds, units_per_second, &units)) return false;
  *out = units + fraction;
  return true;
}

template <typename Decimal>
arrow::Status AppendDecimal(Node& node, std::string_view text) {
  Decimal value;
  int32_t precision = 0, scale = 0;
  if (!Decimal::FromString(text, &value, &precision, &scale).ok()) {
    return arrow::Status::Invalid("cannot read '", text, "' as ", node.type->ToString());
  }
  if (scale < node.scale) {
    if (precision + node.scale - scale > Decimal::kMaxPrecision) {
      return arrow::Status::Invalid("'", text, "' does not fit ", node.type->ToString());
    }
    value = value.IncreaseScaleBy(node.scale - scale);
  } else if (scale > node.scale) {
    value = value.ReduceScaleBy(scale - node.scale, /*round=*/true);
  }
  if (!value.FitsInPrecision(node.precision)) {
    return arrow::Status::Invalid("'", text, "' does not fit ", node.type->ToString());
  }
  using Builder = std::conditional_t<std::is_same_v<Decimal, arrow::Decimal128>,
                                     arrow::Decimal128Builder, arrow::Decimal256Builder>;
  return static_cast<Builder*>(node.builder)->Append(value);
}

template <typename T>
bool ParseInteger(std::string_view text, T* out) {
  text = TrimSpace(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool ParseDouble(std::string_view text, double* out) {
  text = TrimSpace(text);
  if (text == "NaN") {
    *out = std::nan("");
    return true;
  }
  if (text == "Infinity" || text == "+Infinity") {
    *out = HUGE_VAL;
    return true;
  }
  if (text == "-Infinity") {
    *out = -HUGE_VAL;
    return true;
  }
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool IsBase64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                    (c == '=' && i + 2 >= s.size());
    if (!ok) return false;
  }
  return true;
}

template <typename Builder, typename T>
arrow::Status AppendChecked(Node& node, T value) {
  using C = typename Builder::value_type;
  if (value < static_cast<T>(std::numeric_limits<C>::min()) ||
      value > static_cast<T>(std::numeric_limits<C>::max())) {
    return arrow::Status::Invalid(value, " is out of range for ", node.type->ToString());
  }
  return static_cast<Builder*>(node.builder)->Append(static_cast<C>(value));
}

}  // namespace

arrow::Status AppendText(Node& node, std::string_view text) {
  using arrow::Type;
  auto bad = [&] {
    return arrow::Status::Invalid("cannot read '", text, "' as ", node.type->ToString());
  };
  switch (node.type->id()) {
    case Type::BOOL: {
      const std::string_view t = TrimSpace(text);
      if (t.size() == 4 && strncasecmp(t.data(), "true", 4) == 0)
        return static_cast<arrow::BooleanBuilder*>(node.builder)->Append(true);
      if (t.size() == 5 && strncasecmp(t.data(), "false", 5) == 0)
        return static_cast<arrow::BooleanBuilder*>(node.builder)->Append(false);
      return bad();
    }
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64: {
      int64_t v = 0;
      if (!ParseInteger(text, &v)) return bad();
      switch (node.type->id()) {
        case Type::INT8:
          return AppendChecked<arrow::Int8Builder>(node, v);
        case Type::INT16:
          return AppendChecked<arrow::Int16Builder>(node, v);
        case Type::INT32:
          return AppendChecked<arrow::Int32Builder>(node, v);
        default:
          return static_cast<arrow::Int64Builder*>(node.builder)->Append(v);
      }
    }
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64: {
      uint64_t v = 0;
      if (!ParseInteger(text, &v)) return bad();
      switch (node.type->id()) {
        case Type::UINT8:
          return AppendChecked<arrow::UInt8Builder>(node, v);
        case Type::UINT16:
          return AppendChecked<arrow::UInt16Builder>(node, v);
        case Type::UINT32:
          return AppendChecked<arrow::UInt32Builder>(node, v);
        default:
          return static_cast<arrow::UInt64Builder*>(node.builder)->Append(v);
      }
    }
    case Type::FLOAT:
    case Type::DOUBLE: {
      double v = 0;
      if (!ParseDouble(text, &v)) return bad();
      if (node.type->id() == Type::FLOAT)
        return static_cast<arrow::FloatBuilder*>(node.builder)
            ->Append(static_cast<float>(v));
      return static_cast<arrow::DoubleBuilder*>(node.builder)->Append(v);
    }
    case Type::DECIMAL128:
      return AppendDecimal<arrow::Decimal128>(node, TrimSpace(text));
    case Type::DECIMAL256:
      return AppendDecimal<arrow::Decimal256>(node, TrimSpace(text));
    case Type::STRING:
      return static_cast<arrow::StringBuilder*>(node.builder)->Append(text);
    case Type::LARGE_STRING:
      return static_cast<arrow::LargeStringBuilder*>(node.builder)->Append(text);
    case Type::BINARY:
    case Type::LARGE_BINARY: {
      if (!IsBase64(text)) {
        return arrow::Status::Invalid("'", text, "' is not base64 (BYTES are base64)");
      }
      ARROW_ASSIGN_OR_RAISE(std::string bytes, arrow::util::base64_decode(text));
      if (node.type->id() == Type::BINARY)
        return static_cast<arrow::BinaryBuilder*>(node.builder)->Append(bytes);
      return static_cast<arrow::LargeBinaryBuilder*>(node.builder)->Append(bytes);
    }
    case Type::DATE32: {
      const std::string_view t = TrimSpace(text);
      int32_t days = 0;
      if (!arrow::internal::ParseValue<arrow::Date32Type>(t.data(), t.size(), &days))
        return bad();
      return static_cast<arrow::Date32Builder*>(node.builder)->Append(days);
    }
    case Type::TIME32:
    case Type::TIME64: {
      int64_t units = 0;
      if (!ParseTimeOfDay(TrimSpace(text), node.units_per_second, &units)) return bad();
      if (node.type->id() == Type::TIME32)
        return static_cast<arrow::Time32Builder*>(node.builder)
            ->Append(static_cast<int32_t>(units));
      return static_cast<arrow::Time64Builder*>(node.builder)->Append(units);
    }
    case Type::TIMESTAMP: {
      int64_t units = 0;
      if (!ParseTimestamp(TrimSpace(text), node.units_per_second, &units)) return bad();
      return static_cast<arrow::TimestampBuilder*>(node.builder)->Append(units);
    }
    default:
      return bad();
  }
}

arrow::Result<arrow::Datum> DropRows(arrow::Datum rows,
                                     const std::vector<int64_t>& drop) {
  if (drop.empty()) return rows;
  arrow::BooleanBuilder keep;
  ARROW_RETURN_NOT_OK(keep.AppendValues(rows.length(), true));
  std::shared_ptr<arrow::BooleanArray> mask;
  ARROW_RETURN_NOT_OK(keep.Finish(&mask));
  auto* bits = mask->values()->mutable_data();
  for (int64_t r : drop) arrow::bit_util::ClearBit(bits, r);
  return arrow::compute::Filter(rows, arrow::Datum(mask));
}

}  // namespace weir::format::text
