#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/type_fwd.h>

#include "weir/sql/ast.h"

namespace weir::sql {

/// Returns the Arrow compute function implementing a binary operator, e.g.
/// "less" for <, "and_kleene" for AND, "remainder_checked" for %.
std::string_view ArrowFunctionFor(BinaryOp op);

/// Describes a scalar function callable from SQL.
struct SqlFunction {
  /// The SQL name, upper case.
  std::string_view name;
  /// The Arrow compute function it maps to.
  std::string_view arrow_name;
  /// Fewest arguments accepted.
  size_t min_args;
  /// Most arguments accepted (SIZE_MAX for variadic functions).
  size_t max_args;
  /// Type given to a bare NULL argument, or null to take the other arguments' type.
  const std::shared_ptr<arrow::DataType>& (*null_type)();
};

/// Returns the function named `name` (case-insensitively), or nullptr.
const SqlFunction* FindSqlFunction(std::string_view name);

/// Returns the names of all functions, for suggestions.
std::vector<std::string> SqlFunctionNames();

}  // namespace weir::sql
