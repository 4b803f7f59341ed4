#pragma once

#include <memory>
#include <string_view>

#include <arrow/result.h>

#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"

namespace weir::sql {

/// Resolves a table function in FROM to a table: `read_parquet('path, directory
/// or glob')` becomes a filesystem Parquet table whose columns are the files'
/// schema plus their Hive partition columns. Errors point into `source`.
arrow::Result<std::shared_ptr<const CatalogTable>> ResolveTableFunction(
    const TableRef& ref, std::string_view source);

}  // namespace weir::sql
