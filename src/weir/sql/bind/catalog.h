#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/connectors/table_factory.h"
#include "weir/expr/table_function.h"
#include "weir/runtime/operators/user_aggregate.h"
#include "weir/sql/parse/statement.h"

namespace weir::format {
class ParquetDataset;
}

namespace weir::sql {

/// A column of a catalog table: physical (stored by the connector) or computed.
struct CatalogColumn {
  std::string name;
  std::shared_ptr<arrow::DataType> type;
  bool nullable = true;
  /// Set for computed columns (`name AS expr`), bound over the physical columns.
  ExprPtr computed;
  std::string comment;
  /// For metadata columns (`name TYPE METADATA [FROM 'key'] [VIRTUAL]`): the
  /// connector's metadata key (the column name when FROM is omitted); empty for
  /// other columns.
  std::string metadata_key;
  /// METADATA … VIRTUAL: read from the source, never written to a sink.
  bool is_virtual = false;
};

/// A table created by CREATE TABLE: its columns, partitioning, watermark and
/// connector options. Immutable once created.
struct CatalogTable {
  std::string name;
  std::vector<CatalogColumn> columns;
  std::vector<std::string> partition_keys;
  std::vector<std::string> primary_key;
  /// The rowtime column of WATERMARK FOR, and its watermark expression.
  std::string watermark_column;
  ExprPtr watermark_expr;
  /// Connector options as written (keys kept in declaration order in `option_order`).
  std::map<std::string, std::string> options;
  std::vector<std::string> option_order;
  /// The CREATE TABLE text.
  std::string ddl;
  /// The script it came from (positions of the expressions above point into it).
  std::shared_ptr<const std::string> script;
  /// read_parquet(): the paths given, and the dataset already opened (its schema
  /// is the table's); empty for tables made by CREATE TABLE.
  std::vector<std::string> read_paths;
  std::shared_ptr<format::ParquetDataset> dataset;
  /// Rows held in memory (connector `memory`: the Python API's from_arrow and
  /// the like); null for other tables.
  std::shared_ptr<arrow::Table> data;

  /// Returns the physical columns as an Arrow schema: what a sink writes (computed
  /// columns and VIRTUAL metadata columns excluded).
  std::shared_ptr<arrow::Schema> PhysicalSchema() const;
  /// Returns the connector name ('connector' option).
  std::string connector() const;
  /// Returns an option or `fallback`.
  std::string Option(const std::string& key, const std::string& fallback = "") const;
  /// Returns the table as its connector's factory sees it.
  connectors::TableDescriptor Descriptor() const;
  /// Returns the factory of the table's connector, or an error naming the table.
  arrow::Result<const connectors::TableFactory*> Factory() const;
};

/// A view: a named query, planned where it is used.
struct CatalogView {
  std::string name;
  std::shared_ptr<const Query> query;
  std::vector<std::string> column_names;
  /// The CREATE VIEW text.
  std::string text;
  /// The script it came from (positions in the query point into it).
  std::shared_ptr<const std::string> script;
};

/// A function a program registered (Flink's createTemporaryFunction and
/// createTemporarySystemFunction; the Python API's UDFs). A scalar function is
/// implemented by an Arrow compute function the program added to Arrow's default
/// registry; a table function (LATERAL TABLE(f(…))) by `table_function`; an
/// aggregate function by `aggregate_function`.
struct CatalogFunction {
  /// The name as registered.
  std::string name;
  /// The Arrow compute function that evaluates it (scalar functions).
  std::string arrow_function;
  /// The type of its result (scalar functions).
  std::shared_ptr<arrow::DataType> result_type;
  /// A table function: what evaluates it, with its columns; null for others.
  std::shared_ptr<const expr::TableFunction> table_function;
  /// An aggregate function: what makes its accumulators; null for others.
  std::shared_ptr<const runtime::UserAggregateFunction> aggregate_function;
  /// Declared argument types: calls must pass this many arguments, each cast to
  /// its type. Empty: any arguments, passed as they are.
  std::vector<std::shared_ptr<arrow::DataType>> arg_types;
  /// A temporary system function: found before the built-in function of the same
  /// name. Other functions are found after the built-in ones (Flink's order).
  bool system = false;
  /// Describes the function for messages, e.g. "Python function 'add_one'".
  std::string description;
};

/// Tables and views of a session, by case-insensitive name (Flink's default
/// catalog and database; `default_catalog.default_database.t` also resolves).
class Catalog {
 public:
  /// Registers a table; fails if the name is taken unless `if_not_exists`.
  arrow::Status AddTable(std::shared_ptr<const CatalogTable> table, bool if_not_exists);
  /// Registers a view; fails if the name is taken unless `if_not_exists`.
  arrow::Status AddView(std::shared_ptr<const CatalogView> view, bool if_not_exists);
  /// Removes a table (or view when `view`); fails if absent unless `if_exists`.
  arrow::Status Drop(const std::string& name, bool view, bool if_exists);
  /// Returns the table or nullptr.
  std::shared_ptr<const CatalogTable> FindTable(const std::string& name) const;
  /// Returns the view or nullptr.
  std::shared_ptr<const CatalogView> FindView(const std::string& name) const;
  /// Returns table names, sorted.
  std::vector<std::string> TableNames() const;
  /// Returns view names, sorted.
  std::vector<std::string> ViewNames() const;
  /// Registers a function; fails if one of that name and kind (system or not) is
  /// registered.
  arrow::Status AddFunction(std::shared_ptr<const CatalogFunction> function);
  /// Removes a function of the kind `system`; fails if absent unless `if_exists`.
  arrow::Status DropFunction(const std::string& name, bool system, bool if_exists);
  /// Returns the function `name` (a system function before another), or nullptr.
  std::shared_ptr<const CatalogFunction> FindFunction(const std::string& name) const;
  /// Returns the names of the registered functions, sorted.
  std::vector<std::string> FunctionNames() const;

 private:
  std::map<std::string, std::shared_ptr<const CatalogTable>> tables_;  // by lower name
  std::map<std::string, std::shared_ptr<const CatalogView>> views_;
  std::map<std::string, std::shared_ptr<const CatalogFunction>> system_functions_;
  std::map<std::string, std::shared_ptr<const CatalogFunction>> functions_;
};

/// Turns a name path as written (`t`, `db.t`, `cat.db.t`) into the catalog name,
/// accepting Flink's default catalog and database prefixes.
arrow::Result<std::string> CatalogName(const std::vector<Identifier>& path);

/// Builds a catalog table from CREATE TABLE: resolves types, checks that
/// partition, key and watermark columns exist. Connector options are checked by the
/// connector (ValidateTableOptions).
arrow::Result<std::shared_ptr<CatalogTable>> MakeCatalogTable(const Statement& create);

}  // namespace weir::sql
