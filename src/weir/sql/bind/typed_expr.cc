#include "weir/sql/bind/typed_expr.h"

#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

#include "weir/sql/parse/diagnostic.h"

namespace weir::sql {

bool TypedExpr::is_null_constant() const {
  return constant != nullptr && !constant->is_valid;
}

bool TypedExpr::is_bare_null() const {
  return is_null_constant() && type->id() == arrow::Type::NA;
}

TypedExpr MakeConstant(std::shared_ptr<arrow::Scalar> value, const Expr* node,
                       std::string numeric_text) {
  TypedExpr typed;
  typed.expr = arrow::compute::literal(value);
  typed.type = value->type;
  typed.constant = std::move(value);
  typed.node = node;
  typed.numeric_text = std::move(numeric_text);
  return typed;
}

std::string Describe(const TypedExpr& typed) {
  if (typed.is_bare_null()) return "NULL";
  std::string what = "a value";
  if (typed.node != nullptr && typed.node->kind() == ExprKind::kColumnRef) {
    what = fmt::format("column '{}'",
                       static_cast<const ColumnRefExpr*>(typed.node)->DottedName());
  } else if (typed.node != nullptr && typed.node->kind() == ExprKind::kLiteral) {
    const auto& literal = static_cast<const LiteralExpr&>(*typed.node);
    switch (literal.literal_kind()) {
      case LiteralKind::kString:
        what = "string literal " + QuoteForMessage(literal.text());
        break;
      case LiteralKind::kBinary:
        what = "binary literal " + literal.text();
        break;
      case LiteralKind::kInteger:
        what = "integer literal " + literal.text();
        break;
      case LiteralKind::kExactNumeric:
      case LiteralKind::kApproxNumeric:
        what = "numeric literal " + literal.text();
        break;
      default:
        what = literal.ToString();
        break;
    }
  } else if (typed.node != nullptr) {
    what = "expression " + QuoteForMessage(typed.node->ToString());
  }
  return fmt::format("{} of type {}", what, typed.type->ToString());
}

std::shared_ptr<arrow::DataType> ValueType(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() != arrow::Type::DICTIONARY) return type;
  return static_cast<const arrow::DictionaryType&>(*type).value_type();
}

TypeCategory CategoryOf(const std::shared_ptr<arrow::DataType>& type) {
  arrow::Type::type id = ValueType(type)->id();
  if (id == arrow::Type::NA) return TypeCategory::kNull;
  if (arrow::is_numeric(id) || arrow::is_decimal(id)) return TypeCategory::kNumeric;
  if (arrow::is_string_or_string_view(id)) return TypeCategory::kString;
  if (arrow::is_binary_like(id) || id == arrow::Type::LARGE_BINARY ||
      id == arrow::Type::BINARY_VIEW) {
    return TypeCategory::kBinary;
  }
  if (id == arrow::Type::BOOL) return TypeCategory::kBoolean;
  if (id == arrow::Type::DATE32 || id == arrow::Type::DATE64 ||
      id == arrow::Type::TIMESTAMP) {
    return TypeCategory::kDateTime;
  }
  if (id == arrow::Type::TIME32 || id == arrow::Type::TIME64) return TypeCategory::kTime;
  if (id == arrow::Type::DURATION) return TypeCategory::kDuration;
  return TypeCategory::kOther;
}

bool Comparable(const std::shared_ptr<arrow::DataType>& a,
                const std::shared_ptr<arrow::DataType>& b) {
  TypeCategory ca = CategoryOf(a);
  TypeCategory cb = CategoryOf(b);
  if (ca == TypeCategory::kOther || cb == TypeCategory::kOther) return false;
  return ca == cb || ca == TypeCategory::kNull || cb == TypeCategory::kNull;
}

void TypeBareNull(TypedExpr& a, TypedExpr& b) {
  if (a.is_bare_null() && b.type->id() != arrow::Type::NA) {
    a = MakeConstant(arrow::MakeNullScalar(ValueType(b.type)), a.node);
  } else if (b.is_bare_null() && a.type->id() != arrow::Type::NA) {
    b = MakeConstant(arrow::MakeNullScalar(ValueType(a.type)), b.node);
  }
}

}  // namespace weir::sql
