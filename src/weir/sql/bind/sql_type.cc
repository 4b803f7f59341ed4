#include "weir/sql/bind/sql_type.h"

#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

constexpr int64_t kMaxDecimalPrecision = 38;
constexpr int64_t kDefaultTimestampPrecision = 6;

const std::vector<std::string>& KnownTypeNames() {
  static const std::vector<std::string> names = {
      "BOOLEAN",       "TINYINT", "SMALLINT",  "INT",     "INTEGER",
      "BIGINT",        "FLOAT",   "REAL",      "DOUBLE",  "DECIMAL",
      "DEC",           "NUMERIC", "STRING",    "VARCHAR", "CHAR",
      "BYTES",         "BINARY",  "VARBINARY", "DATE",    "TIMESTAMP",
      "TIMESTAMP_LTZ", "TIME",    "ARRAY",     "MAP",     "ROW"};
  return names;
}

arrow::TimeUnit::type UnitForPrecision(int64_t precision) {
  if (precision == 0) return arrow::TimeUnit::SECOND;
  if (precision <= 3) return arrow::TimeUnit::MILLI;
  if (precision <= 6) return arrow::TimeUnit::MICRO;
  return arrow::TimeUnit::NANO;
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::DataType>> ResolveType(const TypeSpec& spec,
                                                            std::string_view source) {
  const std::string& name = spec.name;
  auto error = [&](std::string message) {
    return ErrorAt(source, spec.position, "type error", ": " + message);
  };
  auto max_params = [&](size_t n) -> arrow::Status {
    if (spec.params.size() <= n) return arrow::Status::OK();
    return error(n == 0 ? fmt::format("type {} takes no parameters", name)
                        : fmt::format("type {} takes at most {} parameter{}", name, n,
                                      n == 1 ? "" : "s"));
  };
  std::shared_ptr<arrow::DataType> type;
  if (name == "BOOLEAN") {
    type = arrow::boolean();
  } else if (name == "TINYINT") {
    type = arrow::int8();
  } else if (name == "SMALLINT") {
    type = arrow::int16();
  } else if (name == "INT" || name == "INTEGER") {
    type = arrow::int32();
  } else if (name == "BIGINT") {
    type = arrow::int64();
  } else if (name == "FLOAT" || name == "REAL") {
    type = arrow::float32();
  } else if (name == "DOUBLE") {
    type = arrow::float64();
  } else if (name == "STRING" || name == "VARCHAR" || name == "CHAR") {
    ARROW_RETURN_NOT_OK(max_params(name == "STRING" ? 0 : 1));
    return arrow::utf8();
  } else if (name == "BYTES" || name == "BINARY" || name == "VARBINARY") {
    ARROW_RETURN_NOT_OK(max_params(name == "BYTES" ? 0 : 1));
    return arrow::binary();
  } else if (name == "DATE") {
    type = arrow::date32();
  } else if (name == "TIME") {
    ARROW_RETURN_NOT_OK(max_params(1));
    int64_t precision = spec.params.empty() ? 0 : spec.params[0];
    if (precision < 0 || precision > 9) {
      return error(
          fmt::format("TIME precision must be between 0 and 9, not {}", precision));
    }
    if (precision == 0) return arrow::time32(arrow::TimeUnit::SECOND);
    if (precision <= 3) return arrow::time32(arrow::TimeUnit::MILLI);
    if (precision <= 6) return arrow::time64(arrow::TimeUnit::MICRO);
    return arrow::time64(arrow::TimeUnit::NANO);
  } else if (name == "ARRAY" || name == "MULTISET") {
    if (spec.children.size() != 1)
      return error(name + " needs an element type: ARRAY<INT>");
    ARROW_ASSIGN_OR_RAISE(auto element, ResolveType(spec.children[0], source));
    return arrow::list(arrow::field("element", element, !spec.children[0].not_null));
  } else if (name == "MAP") {
    if (spec.children.size() != 2)
      return error("MAP needs a key and a value type: MAP<STRING, INT>");
    ARROW_ASSIGN_OR_RAISE(auto key, ResolveType(spec.children[0], source));
    ARROW_ASSIGN_OR_RAISE(auto value, ResolveType(spec.children[1], source));
    return arrow::map(key, arrow::field("value", value, !spec.children[1].not_null));
  } else if (name == "ROW") {
    if (spec.children.empty()) return error("ROW needs fields: ROW<a INT, b STRING>");
    arrow::FieldVector fields;
    for (size_t i = 0; i < spec.children.size(); ++i) {
      ARROW_ASSIGN_OR_RAISE(auto child, ResolveType(spec.children[i], source));
      fields.push_back(
          arrow::field(spec.field_names[i], child, !spec.children[i].not_null));
    }
    return arrow::struct_(fields);
  } else if (name == "DECIMAL" || name == "DEC" || name == "NUMERIC") {
    ARROW_RETURN_NOT_OK(max_params(2));
    int64_t precision = spec.params.empty() ? 10 : spec.params[0];
    int64_t scale = spec.params.size() > 1 ? spec.params[1] : 0;
    if (precision < 1 || precision > kMaxDecimalPrecision) {
      return error(fmt::format("DECIMAL precision must be between 1 and {}, not {}",
                               kMaxDecimalPrecision, precision));
    }
    if (scale < 0 || scale > precision) {
      return error(
          fmt::format("DECIMAL scale must be between 0 and the precision {}, not {}",
                      precision, scale));
    }
    return arrow::decimal128(static_cast<int32_t>(precision),
                             static_cast<int32_t>(scale));
  } else if (name == "TIMESTAMP" || name == "TIMESTAMP_LTZ") {
    ARROW_RETURN_NOT_OK(max_params(1));
    int64_t precision = spec.params.empty() ? kDefaultTimestampPrecision : spec.params[0];
    if (precision < 0 || precision > 9) {
      return error(
          fmt::format("{} precision must be between 0 and 9, not {}", name, precision));
    }
    bool local = name == "TIMESTAMP_LTZ" || spec.with_local_time_zone;
    return arrow::timestamp(UnitForPrecision(precision), local ? "UTC" : "");
  } else {
    return ErrorAt(source, spec.position, fmt::format("unknown type '{}'", name),
                   DidYouMean(name, KnownTypeNames()));
  }
  ARROW_RETURN_NOT_OK(max_params(0));
  return type;
}

int32_t IntegerDigits(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::UINT8:
      return 3;
    case arrow::Type::INT16:
    case arrow::Type::UINT16:
      return 5;
    case arrow::Type::INT32:
    case arrow::Type::UINT32:
      return 10;
    case arrow::Type::INT64:
      return 19;
    case arrow::Type::UINT64:
      return 20;
    default:
      return 0;
  }
}

std::string SqlTypeName(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::BOOL:
      return "BOOLEAN";
    case arrow::Type::INT8:
      return "TINYINT";
    case arrow::Type::INT16:
      return "SMALLINT";
    case arrow::Type::INT32:
      return "INT";
    case arrow::Type::INT64:
      return "BIGINT";
    case arrow::Type::FLOAT:
      return "FLOAT";
    case arrow::Type::DOUBLE:
      return "DOUBLE";
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
      return "STRING";
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
      return "BYTES";
    case arrow::Type::DATE32:
      return "DATE";
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256: {
      const auto& d = static_cast<const arrow::DecimalType&>(*type);
      return fmt::format("DECIMAL({}, {})", d.precision(), d.scale());
    }
    case arrow::Type::TIMESTAMP: {
      const auto& t = static_cast<const arrow::TimestampType&>(*type);
      int precision = t.unit() == arrow::TimeUnit::SECOND  ? 0
                      : t.unit() == arrow::TimeUnit::MILLI ? 3
                      : t.unit() == arrow::TimeUnit::MICRO ? 6
                                                           : 9;
      return fmt::format("TIMESTAMP{}({})", t.timezone().empty() ? "" : "_LTZ",
                         precision);
    }
    case arrow::Type::LIST:
      return fmt::format("ARRAY<{}>", SqlTypeName(type->field(0)->type()));
    case arrow::Type::MAP: {
      const auto& m = static_cast<const arrow::MapType&>(*type);
      return fmt::format("MAP<{}, {}>", SqlTypeName(m.key_type()),
                         SqlTypeName(m.item_type()));
    }
    case arrow::Type::STRUCT: {
      std::string out = "ROW<";
      for (int i = 0; i < type->num_fields(); ++i) {
        out += fmt::format("{}{} {}", i ? ", " : "", type->field(i)->name(),
                           SqlTypeName(type->field(i)->type()));
      }
      return out + ">";
    }
    default:
      return type->ToString();
  }
}

}  // namespace weir::sql
