#include "weir/format/json/json_decoder.h"

#include <charconv>
#include <cmath>
#include <fstream>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/type.h>
#include <arrow/util/base64.h>
#include <arrow/util/decimal.h>
#include <arrow/util/value_parsing.h>
#include <fmt/format.h>
#include <simdjson.h>

namespace weir::format {

namespace od = simdjson::ondemand;

namespace {

// A builder and what decoding into it needs, mirroring the type tree.
struct Node {
  std::shared_ptr<arrow::DataType> type;
  arrow::ArrayBuilder* builder = nullptr;
  std::vector<Node> children;      // list: values; struct: fields; map: keys, items
  std::vector<std::string> names;  // struct field names
  std::vector<char> filled;        // struct: children given a value in this row
  int64_t units_per_second = 1;    // time and timestamp
  int32_t precision = 0;           // decimal
  int32_t scale = 0;
};

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

int64_t UnitsPerSecond(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 1;
    case arrow::TimeUnit::MILLI:
      return 1000;
    case arrow::TimeUnit::MICRO:
      return 1000000;
    default:
      return 1000000000;
  }
}

arrow::Status Unsupported(const arrow::DataType& type) {
  return arrow::Status::NotImplemented("the json format cannot hold type ",
                                       type.ToString());
}

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
          UnitsPerSecond(static_cast<const arrow::TimeType&>(type).unit());
      return arrow::Status::OK();
    case Type::TIMESTAMP:
      node->units_per_second =
          UnitsPerSecond(static_cast<const arrow::TimestampType&>(type).unit());
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

std::string JsonTypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    default:
      return "null";
  }
}

arrow::Status JsonError(simdjson::error_code code) {
  return arrow::Status::Invalid("malformed JSON: ", simdjson::error_message(code));
}

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

// Appends a value given as text (a JSON string, a number's token, or a map key).
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

}  // namespace

struct JsonDecoder::State {
  od::parser parser;
  std::string padded;  // the record with simdjson's padding after it
  std::unique_ptr<arrow::ArrayBuilder> root_builder;
  Node root;
  std::string error_path;  // built while an error unwinds

  arrow::Status AppendValue(Node& node, od::value value);
  arrow::Status AppendObject(Node& node, od::object object);

  // Leaves `node` with its one value for this row after an error.
  arrow::Status FailWith(Node& node, arrow::Status error) {
    ARROW_RETURN_NOT_OK(node.builder->AppendNull());
    return error;
  }
};

arrow::Status JsonDecoder::State::AppendObject(Node& node, od::object object) {
  // The struct's own slot is appended first; every child then gets exactly one value
  // (or a NULL), also when a child fails part way.
  ARROW_RETURN_NOT_OK(static_cast<arrow::StructBuilder*>(node.builder)->Append());
  std::fill(node.filled.begin(), node.filled.end(), 0);
  arrow::Status error;
  size_t hint = 0;
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (auto code = std::move(field_result).get(field); code != simdjson::SUCCESS) {
      error = JsonError(code);
      break;
    }
    if (auto code = field.unescaped_key().get(key); code != simdjson::SUCCESS) {
      error = JsonError(code);
      break;
    }
    size_t child = node.names.size();
    if (hint < node.names.size() && node.names[hint] == key) {
      child = hint;
    } else {
      for (size_t i = 0; i < node.names.size(); ++i) {
        if (node.names[i] == key) {
          child = i;
          break;
        }
      }
    }
    if (child == node.names.size() || node.filled[child]) continue;
    hint = child + 1;
    node.filled[child] = 1;
    error = AppendValue(node.children[child], field.value());
    if (!error.ok()) {
      error_path = node.names[child] +
                   (error_path.empty() || error_path[0] == '[' ? "" : ".") + error_path;
      break;
    }
  }
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (!node.filled[i]) ARROW_RETURN_NOT_OK(node.children[i].builder->AppendNull());
  }
  return error;
}

arrow::Status JsonDecoder::State::AppendValue(Node& node, od::value value) {
  using arrow::Type;
  od::json_type json_type;
  if (auto code = value.type().get(json_type); code != simdjson::SUCCESS) {
    return FailWith(node, JsonError(code));
  }
  if (json_type == od::json_type::null) {
    bool is_null = false;
    if (auto code = value.is_null().get(is_null); code != simdjson::SUCCESS || !is_null)
      return FailWith(node, JsonError(simdjson::INCORRECT_TYPE));
    return node.builder->AppendNull();
  }
  auto expected = [&](const char* what) {
    return FailWith(
        node, arrow::Status::Invalid("expected ", what, " for ", node.type->ToString(),
                                     " but got ", JsonTypeName(json_type)));
  };
  const Type::type id = node.type->id();
  switch (id) {
    case Type::STRUCT: {
      od::object object;
      if (json_type != od::json_type::object) return expected("an object");
      if (auto code = value.get_object().get(object); code != simdjson::SUCCESS)
        return FailWith(node, JsonError(code));
      return AppendObject(node, object);
    }
    case Type::LIST:
    case Type::LARGE_LIST: {
      if (json_type != od::json_type::array) return expected("an array");
      od::array array;
      if (auto code = value.get_array().get(array); code != simdjson::SUCCESS)
        return FailWith(node, JsonError(code));
      if (id == Type::LIST) {
        ARROW_RETURN_NOT_OK(static_cast<arrow::ListBuilder*>(node.builder)->Append());
      } else {
        ARROW_RETURN_NOT_OK(
            static_cast<arrow::LargeListBuilder*>(node.builder)->Append());
      }
      int64_t index = 0;
      for (auto element : array) {
        od::value v;
        if (auto code = element.get(v); code != simdjson::SUCCESS) return JsonError(code);
        auto st = AppendValue(node.children[0], v);
        if (!st.ok()) {
          error_path = fmt::format("[{}]", index) +
                       (error_path.empty() || error_path[0] == '[' ? "" : ".") +
                       error_path;
          return st;
        }
        ++index;
      }
      return arrow::Status::OK();
    }
    case Type::MAP: {
      if (json_type != od::json_type::object) return expected("an object");
      od::object object;
      if (auto code = value.get_object().get(object); code != simdjson::SUCCESS)
        return FailWith(node, JsonError(code));
      ARROW_RETURN_NOT_OK(static_cast<arrow::MapBuilder*>(node.builder)->Append());
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (auto code = std::move(field_result).get(field); code != simdjson::SUCCESS)
          return JsonError(code);
        if (auto code = field.unescaped_key().get(key); code != simdjson::SUCCESS)
          return JsonError(code);
        auto st = AppendText(node.children[0], key);
        if (!st.ok()) {
          // Keep keys and items the same length.
          ARROW_RETURN_NOT_OK(node.children[1].builder->AppendNull());
          error_path = fmt::format("[{}]", key);
          return st;
        }
        st = AppendValue(node.children[1], field.value());
        if (!st.ok()) {
          error_path = fmt::format("[{}]", key) +
                       (error_path.empty() || error_path[0] == '[' ? "" : ".") +
                       error_path;
          return st;
        }
      }
      return arrow::Status::OK();
    }
    case Type::STRING:
    case Type::LARGE_STRING: {
      std::string_view text;
      simdjson::error_code code = simdjson::SUCCESS;
      if (json_type == od::json_type::string) {
        code = value.get_string().get(text);
      } else if (json_type == od::json_type::object) {
        od::object object;  // Flink keeps nested JSON as its text
        code = value.get_object().get(object);
        if (code == simdjson::SUCCESS) code = object.raw_json().get(text);
      } else if (json_type == od::json_type::array) {
        od::array array;
        code = value.get_array().get(array);
        if (code == simdjson::SUCCESS) code = array.raw_json().get(text);
      } else {
        text = TrimSpace(value.raw_json_token());
      }
      if (code != simdjson::SUCCESS) return FailWith(node, JsonError(code));
      auto st = AppendText(node, text);
      return st.ok() ? st : FailWith(node, st);
    }
    default:
      break;
  }
  // Scalars other than strings.
  if (json_type == od::json_type::object || json_type == od::json_type::array) {
    return expected("a scalar");
  }
  if (json_type == od::json_type::number) {
    if (id == Type::INT64) {
      int64_t v = 0;
      if (value.get_int64().get(v) == simdjson::SUCCESS)
        return static_cast<arrow::Int64Builder*>(node.builder)->Append(v);
    } else if (id == Type::DOUBLE) {
      double v = 0;
      if (value.get_double().get(v) == simdjson::SUCCESS)
        return static_cast<arrow::DoubleBuilder*>(node.builder)->Append(v);
    } else if (id == Type::DATE32 || id == Type::TIME32 || id == Type::TIME64 ||
               id == Type::TIMESTAMP || id == Type::BINARY || id == Type::LARGE_BINARY ||
               id == Type::BOOL) {
      return expected("a string");
    }
  } else if (json_type == od::json_type::boolean) {
    if (id != Type::BOOL) return expected("a number or string");
    bool v = false;
    if (auto code = value.get_bool().get(v); code != simdjson::SUCCESS)
      return FailWith(node, JsonError(code));
    return static_cast<arrow::BooleanBuilder*>(node.builder)->Append(v);
  }
  std::string_view text;
  simdjson::error_code code = simdjson::SUCCESS;
  if (json_type == od::json_type::string) {
    code = value.get_string().get(text);
  } else {
    text = TrimSpace(value.raw_json_token());
  }
  if (code != simdjson::SUCCESS) return FailWith(node, JsonError(code));
  auto st = AppendText(node, text);
  return st.ok() ? st : FailWith(node, st);
}

JsonDecoder::~JsonDecoder() = default;

arrow::Result<std::unique_ptr<JsonDecoder>> JsonDecoder::Make(
    std::shared_ptr<arrow::Schema> schema) {
  std::unique_ptr<JsonDecoder> decoder(new JsonDecoder());
  decoder->schema_ = schema;
  decoder->state_ = std::make_unique<State>();
  State& s = *decoder->state_;
  ARROW_ASSIGN_OR_RAISE(s.root_builder,
                        arrow::MakeBuilder(arrow::struct_(schema->fields())));
  s.root.builder = s.root_builder.get();
  s.root.type = s.root_builder->type();
  for (int i = 0; i < schema->num_fields(); ++i) {
    Node probe;
    probe.type = schema->field(i)->type();
    probe.builder =
        static_cast<arrow::StructBuilder*>(s.root_builder.get())->field_builder(i);
    auto st = Plan(&probe);
    if (!st.ok()) {
      return arrow::Status::NotImplemented("column '", schema->field(i)->name(),
                                           "': ", st.message());
    }
  }
  ARROW_RETURN_NOT_OK(Plan(&s.root));
  return decoder;
}

arrow::Status JsonDecoder::Append(std::string_view record) {
  State& s = *state_;
  s.padded.assign(record);
  s.padded.resize(record.size() + simdjson::SIMDJSON_PADDING, ' ');
  s.error_path.clear();
  od::document doc;
  od::object object;
  arrow::Status st;
  auto code = s.parser.iterate(s.padded.data(), record.size(), s.padded.size()).get(doc);
  if (code == simdjson::SUCCESS) code = doc.get_object().get(object);
  if (code == simdjson::INCORRECT_TYPE) {
    st = arrow::Status::Invalid("expected a JSON object");
  } else if (code != simdjson::SUCCESS) {
    st = JsonError(code);
  } else {
    st = s.AppendObject(s.root, object);
  }
  if (st.ok()) {
    ++rows_;
    return st;
  }
  if (code == simdjson::SUCCESS && s.root.builder->length() > rows_) {
    // The row is in the builders, completed with NULLs: drop it at Finish.
    bad_rows_.push_back(rows_++);
  }
  if (!s.error_path.empty()) {
    return arrow::Status::Invalid("field '", s.error_path, "': ", st.message());
  }
  return st;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> JsonDecoder::Finish() {
  State& s = *state_;
  std::shared_ptr<arrow::Array> rows;
  ARROW_RETURN_NOT_OK(s.root_builder->Finish(&rows));
  if (!bad_rows_.empty()) {
    arrow::BooleanBuilder keep;
    ARROW_RETURN_NOT_OK(keep.AppendValues(rows->length(), true));
    std::shared_ptr<arrow::BooleanArray> mask;
    ARROW_RETURN_NOT_OK(keep.Finish(&mask));
    auto* bits = mask->values()->mutable_data();
    for (int64_t r : bad_rows_) arrow::bit_util::ClearBit(bits, r);
    ARROW_ASSIGN_OR_RAISE(auto filtered,
                          arrow::compute::Filter(arrow::Datum(rows), arrow::Datum(mask)));
    rows = filtered.make_array();
  }
  rows_ = 0;
  bad_rows_.clear();
  const auto& array = static_cast<const arrow::StructArray&>(*rows);
  arrow::ArrayVector columns;
  for (int i = 0; i < array.num_fields(); ++i) columns.push_back(array.field(i));
  return arrow::RecordBatch::Make(schema_, array.length(), std::move(columns));
}

}  // namespace weir::format

namespace weir::format {
namespace {

class JsonLinesReader : public arrow::RecordBatchReader {
 public:
  JsonLinesReader(std::string path, std::unique_ptr<JsonDecoder> decoder,
                  bool skip_bad_lines, std::shared_ptr<std::atomic<int64_t>> skipped,
                  int64_t batch_rows)
      : path_(std::move(path)),
        decoder_(std::move(decoder)),
        skip_bad_lines_(skip_bad_lines),
        skipped_(std::move(skipped)),
        batch_rows_(batch_rows) {}

  arrow::Status Open() {
    in_.rdbuf()->pubsetbuf(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    in_.open(path_, std::ios::binary);
    if (!in_) return arrow::Status::IOError("cannot open '", path_, "'");
    return arrow::Status::OK();
  }

  std::shared_ptr<arrow::Schema> schema() const override { return decoder_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::string line;
    while (decoder_->num_rows() < batch_rows_ && std::getline(in_, line)) {
      ++line_number_;
      std::string_view text = line;
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
      auto st = decoder_->Append(text);
      if (st.ok()) continue;
      if (!skip_bad_lines_) {
        return arrow::Status::Invalid("line ", line_number_, ": ", st.message());
      }
      if (skipped_) skipped_->fetch_add(1);
    }
    if (in_.bad()) return arrow::Status::IOError("cannot read '", path_, "'");
    if (decoder_->num_rows() == 0) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*out, decoder_->Finish());
    return arrow::Status::OK();
  }

 private:
  std::string path_;
  std::unique_ptr<JsonDecoder> decoder_;
  bool skip_bad_lines_;
  std::shared_ptr<std::atomic<int64_t>> skipped_;
  int64_t batch_rows_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::ifstream in_;
  int64_t line_number_ = 0;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenJsonLinesReader(
    const std::string& path, std::shared_ptr<arrow::Schema> schema, bool skip_bad_lines,
    std::shared_ptr<std::atomic<int64_t>> skipped, int64_t batch_rows) {
  ARROW_ASSIGN_OR_RAISE(auto decoder, JsonDecoder::Make(std::move(schema)));
  auto reader = std::make_shared<JsonLinesReader>(
      path, std::move(decoder), skip_bad_lines, std::move(skipped), batch_rows);
  ARROW_RETURN_NOT_OK(reader->Open());
  return reader;
}

}  // namespace weir::format
