#include "weir/planner/insert_columns.h"

#include <algorithm>
#include <map>

#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "weir/sql/bind/sql_type.h"
#include "weir/sql/bind/type_unify.h"
#include "weir/sql/suggest.h"

namespace weir::planner {

namespace cp = arrow::compute;

arrow::Result<std::vector<runtime::NamedExpression>> InsertColumns(
    const sql::Statement& statement, const std::string& name,
    const sql::CatalogTable& target, const arrow::Schema& query) {
  auto physical = target.PhysicalSchema();
  std::map<std::string, cp::Expression> static_values;
  for (const auto& [key, value] : statement.partition_values) {
    const sql::Expr* node = value.get();
    std::string sign;
    if (node->kind() == sql::ExprKind::kUnary &&
        static_cast<const sql::UnaryExpr*>(node)->op() == sql::UnaryOp::kNegate) {
      sign = "-";
      node = static_cast<const sql::UnaryExpr*>(node)->operand().get();
    }
    if (node->kind() != sql::ExprKind::kLiteral) {
      return arrow::Status::Invalid(
          fmt::format("INSERT INTO {}: the value of partition '{}' must be a literal",
                      name, key.name));
    }
    const auto& literal = static_cast<const sql::LiteralExpr&>(*node);
    if (literal.literal_kind() == sql::LiteralKind::kNull) {
      return arrow::Status::Invalid(fmt::format(
          "INSERT INTO {}: partition '{}' cannot be NULL in PARTITION (…); leave it out "
          "and give the value in the query",
          name, key.name));
    }
    std::string text = sign + literal.text();
    bool found = false;
    for (const std::string& partition : target.partition_keys) {
      if (sql::EqualsIgnoreCase(partition, key.name)) {
        static_values[partition] = cp::literal(text);
        found = true;
      }
    }
    if (!found) {
      return arrow::Status::Invalid(fmt::format(
          "INSERT INTO {}: '{}' is not a partition column of the table", name, key.name));
    }
  }
  std::vector<std::string> targets;
  if (!statement.target_columns.empty()) {
    for (const sql::Identifier& column : statement.target_columns) {
      int index = -1;
      for (int f = 0; f < physical->num_fields(); ++f) {
        const std::string& field = physical->field(f)->name();
        if (column.quoted ? field == column.name
                          : sql::EqualsIgnoreCase(field, column.name)) {
          index = f;
        }
      }
      if (index < 0) {
        std::vector<std::string> names;
        for (const auto& f : physical->fields()) names.push_back(f->name());
        return arrow::Status::Invalid(fmt::format("INSERT INTO {}: unknown column '{}'{}",
                                                  name, column.name,
                                                  sql::DidYouMean(column.name, names)));
      }
      const std::string& field = physical->field(index)->name();
      if (std::find(targets.begin(), targets.end(), field) != targets.end() ||
          static_values.count(field) != 0) {
        return arrow::Status::Invalid(
            fmt::format("INSERT INTO {}: column '{}' is given twice", name, field));
      }
      targets.push_back(field);
    }
  } else {
    for (const auto& field : physical->fields()) {
      if (static_values.count(field->name()) == 0) targets.push_back(field->name());
    }
  }
  if (static_cast<int>(targets.size()) != query.num_fields()) {
    return arrow::Status::Invalid(fmt::format(
        "INSERT INTO {}: the query returns {} columns but the table takes {} ({})", name,
        query.num_fields(), targets.size(), fmt::join(targets, ", ")));
  }
  std::vector<runtime::NamedExpression> output;
  for (const auto& field : physical->fields()) {
    auto position = std::find(targets.begin(), targets.end(), field->name());
    cp::Expression value;
    std::shared_ptr<arrow::DataType> from;
    if (position != targets.end()) {
      const auto& source = query.field(static_cast<int>(position - targets.begin()));
      value = cp::field_ref(source->name());
      from = source->type();
    } else if (static_values.count(field->name()) != 0) {
      value = static_values[field->name()];
      from = arrow::utf8();
    } else {
      value = cp::literal(arrow::MakeNullScalar(field->type()));
      from = field->type();
    }
    if (!from->Equals(*field->type())) {
      if (!cp::CanCast(*from, *field->type())) {
        return arrow::Status::Invalid(fmt::format(
            "INSERT INTO {}: column '{}' is {} but the query gives {}", name,
            field->name(), sql::SqlTypeName(field->type()), sql::SqlTypeName(from)));
      }
      value = sql::CastValue(value, from, field->type());
    }
    output.push_back({field->name(), value});
  }
  return output;
}

}  // namespace weir::planner
