#pragma once

#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/runtime/operators/project_operator.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"

namespace weir::planner {

/// Maps the columns of an INSERT's query (schema `query`) onto the physical columns
/// of table `target` (called `name` in errors): the statement's column list or all
/// columns in order, static partition values from PARTITION (…), NULL for columns
/// not given, and casts where the query's type differs. Errors name the column: an
/// unknown or repeated one, a count that does not match, a type that cannot be cast,
/// a partition value that is not a literal or is NULL.
arrow::Result<std::vector<runtime::NamedExpression>> InsertColumns(
    const sql::Statement& statement, const std::string& name,
    const sql::CatalogTable& target, const arrow::Schema& query);

}  // namespace weir::planner
