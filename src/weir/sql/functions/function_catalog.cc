#include "weir/sql/functions/function_catalog.h"

#include <cstdint>

#include <arrow/type.h>

#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

const SqlFunction kFunctions[] = {
    {"UPPER", "utf8_upper", 1, 1, arrow::utf8},
    {"LOWER", "utf8_lower", 1, 1, arrow::utf8},
    {"ABS", "abs_checked", 1, 1, arrow::int64},
    {"CHAR_LENGTH", "utf8_length", 1, 1, arrow::utf8},
    {"CHARACTER_LENGTH", "utf8_length", 1, 1, arrow::utf8},
};

}  // namespace

std::string_view ArrowFunctionFor(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "or_kleene";
    case BinaryOp::kAnd:
      return "and_kleene";
    case BinaryOp::kEqual:
      return "equal";
    case BinaryOp::kNotEqual:
      return "not_equal";
    case BinaryOp::kLess:
      return "less";
    case BinaryOp::kLessEqual:
      return "less_equal";
    case BinaryOp::kGreater:
      return "greater";
    case BinaryOp::kGreaterEqual:
      return "greater_equal";
    case BinaryOp::kAdd:
      return "add_checked";
    case BinaryOp::kSubtract:
      return "subtract_checked";
    case BinaryOp::kMultiply:
      return "multiply_checked";
    case BinaryOp::kDivide:
      return "divide_checked";
    case BinaryOp::kModulo:
      return "remainder_checked";
    case BinaryOp::kConcat:
      return "binary_join_element_wise";
  }
  return "";
}

const SqlFunction* FindSqlFunction(std::string_view name) {
  for (const SqlFunction& function : kFunctions) {
    if (EqualsIgnoreCase(function.name, name)) return &function;
  }
  return nullptr;
}

std::vector<std::string> SqlFunctionNames() {
  std::vector<std::string> names;
  for (const SqlFunction& function : kFunctions) names.emplace_back(function.name);
  return names;
}

}  // namespace weir::sql
