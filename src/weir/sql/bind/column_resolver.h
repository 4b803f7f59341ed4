#pragma once

#include <memory>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Holds a column reference resolved against a schema.
struct ResolvedColumn {
  /// The field, by the names in the schema; nested for struct paths.
  arrow::FieldRef ref;
  /// The field's type.
  std::shared_ptr<arrow::DataType> type;
};

/// Resolves a (possibly dotted) column reference against `schema`. Each path
/// component matches a field of the schema or of the enclosing struct exactly, or,
/// when it is not back-quoted, a unique field that differs only in case. Errors name
/// the line and column in `source` and suggest a close name for typos.
arrow::Result<ResolvedColumn> ResolveColumn(const ColumnRefExpr& ref,
                                            const arrow::Schema& schema,
                                            std::string_view source);

}  // namespace weir::sql
