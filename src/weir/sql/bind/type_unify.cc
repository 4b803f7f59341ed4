#include "weir/sql/bind/type_unify.h"

#include <algorithm>

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

#include "weir/sql/bind/literal_coercion.h"
#include "weir/sql/bind/sql_type.h"

namespace weir::sql {
namespace {

using TypePtr = std::shared_ptr<arrow::DataType>;

int IntegerRank(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::INT8:
      return 1;
    case arrow::Type::UINT8:
    case arrow::Type::INT16:
      return 2;
    case arrow::Type::UINT16:
    case arrow::Type::INT32:
      return 3;
    case arrow::Type::UINT32:
    case arrow::Type::INT64:
      return 4;
    case arrow::Type::UINT64:
      return 5;
    default:
      return 0;
  }
}

TypePtr IntegerOfRank(int rank) {
  switch (rank) {
    case 1:
      return arrow::int8();
    case 2:
      return arrow::int16();
    case 3:
      return arrow::int32();
    case 4:
      return arrow::int64();
    default:
      return arrow::uint64();
  }
}

int TimeUnitRank(arrow::TimeUnit::type unit) { return static_cast<int>(unit); }

}  // namespace

arrow::Result<TypePtr> CommonType(const TypePtr& a_in, const TypePtr& b_in) {
  TypePtr a = ValueType(a_in);
  TypePtr b = ValueType(b_in);
  if (a->Equals(*b)) return a;
  if (a->id() == arrow::Type::NA) return b;
  if (b->id() == arrow::Type::NA) return a;
  arrow::Type::type x = a->id();
  arrow::Type::type y = b->id();
  if (arrow::is_integer(x) && arrow::is_integer(y)) {
    int rank = std::max(IntegerRank(x), IntegerRank(y));
    bool mixed_sign = arrow::is_signed_integer(x) != arrow::is_signed_integer(y);
    if (mixed_sign && rank < 5) {
      // An unsigned type of the top rank needs the next signed one.
      bool unsigned_top = (arrow::is_unsigned_integer(x) && IntegerRank(x) == rank) ||
                          (arrow::is_unsigned_integer(y) && IntegerRank(y) == rank);
      if (unsigned_top) rank = std::min(rank + 1, 4);
    }
    if (rank == 5 && mixed_sign) return arrow::decimal128(20, 0);
    if (rank == 5) return arrow::uint64();
    if (!mixed_sign && arrow::is_unsigned_integer(x)) {
      return IntegerRank(x) >= IntegerRank(y) ? a : b;  // the wider unsigned type
    }
    return IntegerOfRank(rank);
  }
  bool a_float = arrow::is_floating(x);
  bool b_float = arrow::is_floating(y);
  bool a_num = a_float || arrow::is_integer(x) || arrow::is_decimal(x);
  bool b_num = b_float || arrow::is_integer(y) || arrow::is_decimal(y);
  if (a_num && b_num) {
    if (a_float || b_float) {
      // Flink: FLOAT with FLOAT or an integer stays FLOAT; DOUBLE or DECIMAL
      // (LogicalTypeMerging enforces DOUBLE for DECIMAL) makes it DOUBLE.
      bool narrow = (x == arrow::Type::FLOAT || arrow::is_integer(x)) &&
                    (y == arrow::Type::FLOAT || arrow::is_integer(y));
      return narrow ? arrow::float32() : arrow::float64();
    }
    // Decimals, possibly with integers.
    auto digits = [](const TypePtr& t, int32_t* precision, int32_t* scale) {
      if (arrow::is_decimal(t->id())) {
        const auto& d = static_cast<const arrow::DecimalType&>(*t);
        *precision = d.precision();
        *scale = d.scale();
      } else {
        *precision = IntegerDigits(*t);
        *scale = 0;
      }
    };
    int32_t pa, sa, pb, sb;
    digits(a, &pa, &sa);
    digits(b, &pb, &sb);
    int32_t scale = std::max(sa, sb);
    int32_t whole = std::max(pa - sa, pb - sb);
    int32_t precision = std::min(whole + scale, 38);
    if (precision > 38 || whole + scale > 38) {
      scale = std::max(0, 38 - whole);
    }
    return arrow::decimal128(precision, scale);
  }
  if (arrow::is_string(x) && arrow::is_string(y)) return arrow::utf8();
  if (arrow::is_binary_like(x) && arrow::is_binary_like(y)) return arrow::binary();
  if ((x == arrow::Type::TIMESTAMP || x == arrow::Type::DATE32 ||
       x == arrow::Type::DATE64) &&
      (y == arrow::Type::TIMESTAMP || y == arrow::Type::DATE32 ||
       y == arrow::Type::DATE64)) {
    if (x != arrow::Type::TIMESTAMP && y != arrow::Type::TIMESTAMP)
      return arrow::date32();
    const auto* ta = x == arrow::Type::TIMESTAMP
                         ? &static_cast<const arrow::TimestampType&>(*a)
                         : nullptr;
    const auto* tb = y == arrow::Type::TIMESTAMP
                         ? &static_cast<const arrow::TimestampType&>(*b)
                         : nullptr;
    if (ta && tb) {
      if (ta->timezone().empty() != tb->timezone().empty()) {
        return arrow::Status::TypeError(
            fmt::format("TIMESTAMP and TIMESTAMP_LTZ values do not mix ({} and {})",
                        a->ToString(), b->ToString()));
      }
      auto unit =
          TimeUnitRank(ta->unit()) >= TimeUnitRank(tb->unit()) ? ta->unit() : tb->unit();
      return arrow::timestamp(unit, ta->timezone());
    }
    return ta ? a : b;
  }
  if (x == arrow::Type::DURATION && y == arrow::Type::DURATION) {
    return arrow::duration(arrow::TimeUnit::MICRO);
  }
  return arrow::Status::TypeError(
      fmt::format("types {} and {} have no common type", a->ToString(), b->ToString()));
}

arrow::compute::Expression CastValue(arrow::compute::Expression value,
                                     const TypePtr& from, const TypePtr& to) {
  namespace cp = arrow::compute;
  if (from->Equals(*to)) return value;
  if (from->id() != arrow::Type::STRUCT || to->id() != arrow::Type::STRUCT ||
      from->num_fields() != to->num_fields()) {
    return cp::call("cast", {std::move(value)}, cp::CastOptions::Safe(to));
  }
  std::vector<cp::Expression> fields;
  std::vector<std::string> names;
  std::vector<bool> nullable;
  for (int i = 0; i < to->num_fields(); ++i) {
    fields.push_back(
        CastValue(cp::call("struct_field", {value}, cp::StructFieldOptions({i})),
                  from->field(i)->type(), to->field(i)->type()));
    names.push_back(to->field(i)->name());
    nullable.push_back(to->field(i)->nullable());
  }
  // make_struct never gives NULL: keep the NULL rows NULL.
  return cp::call(
      "if_else",
      {cp::call("is_null", {value}), cp::literal(arrow::MakeNullScalar(to)),
       cp::call("make_struct", std::move(fields),
                cp::MakeStructOptions(
                    names, nullable,
                    std::vector<std::shared_ptr<const arrow::KeyValueMetadata>>(
                        names.size())))});
}

arrow::Result<TypedExpr> ConvertTo(CallBuilder& builder, TypedExpr value,
                                   const TypePtr& type) {
  if (value.type->Equals(*type)) return value;
  const Expr* node = value.node;
  if (value.is_constant()) {
    // CoerceConstant leaves a value it cannot convert exactly as it is.
    auto coerced = CoerceConstant(value.constant, value.numeric_text, type);
    if (!coerced.ok() || !(*coerced)->type->Equals(*type))
      coerced = CastConstant(value.constant, type);
    if (coerced.ok()) return MakeConstant(*coerced, node, value.numeric_text);
  }
  if (value.type->id() == arrow::Type::STRUCT && type->id() == arrow::Type::STRUCT) {
    TypedExpr row;  // fields convert in order, not by name
    row.expr = CastValue(value.expr, value.type, type);
    row.type = type;
    row.node = node;
    return row;
  }
  auto options = std::make_shared<arrow::compute::CastOptions>(
      arrow::compute::CastOptions::Safe(type));
  ARROW_ASSIGN_OR_RAISE(TypedExpr cast,
                        builder.Call("cast", {std::move(value)}, options, *node, "CAST"));
  cast.node = node;
  return cast;
}

arrow::Status UnifyTypes(CallBuilder& builder, std::vector<TypedExpr>& values,
                         const Expr& /*node*/) {
  if (values.empty()) return arrow::Status::OK();
  TypePtr common = arrow::null();
  // Widens `common` to take `value`, or fails pointing at the value.
  auto widen = [&](const TypedExpr& value) -> arrow::Status {
    auto next = CommonType(common, value.type);
    if (!next.ok()) {
      return builder.TypeError(StartPosition(*value.node),
                               fmt::format("{} does not match the other values: {}",
                                           Describe(value), next.status().message()));
    }
    common = *next;
    return arrow::Status::OK();
  };
  auto untyped_literal = [](const TypedExpr& value) {
    return value.is_constant() && !value.numeric_text.empty();
  };
  for (const TypedExpr& value : values) {
    // Untyped numeric literals adapt to the columns: CASE … THEN price ELSE 0.
    if (!untyped_literal(value)) ARROW_RETURN_NOT_OK(widen(value));
  }
  for (const TypedExpr& value : values) {
    if (!untyped_literal(value)) continue;
    if (common->id() != arrow::Type::NA) {
      auto coerced = CoerceConstant(value.constant, value.numeric_text, common);
      if (coerced.ok() && (*coerced)->type->Equals(*common)) continue;
    }
    ARROW_RETURN_NOT_OK(widen(value));
  }
  if (common->id() == arrow::Type::NA) return arrow::Status::OK();
  for (TypedExpr& value : values) {
    ARROW_ASSIGN_OR_RAISE(value, ConvertTo(builder, std::move(value), common));
  }
  return arrow::Status::OK();
}

}  // namespace weir::sql
