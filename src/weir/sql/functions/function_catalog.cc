#include "weir/sql/functions/function_catalog.h"

namespace weir::sql {
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

}  // namespace weir::sql
