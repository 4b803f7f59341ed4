#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/connectors/table_factory.h"
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

 private:
  std::map<std::string, std::shared_ptr<const CatalogTable>> tables_;  // by lower name
  std::map<std::string, std::shared_ptr<const CatalogView>> views_;
};

/// Turns a name path as written (`t`, `db.t`, `cat.db.t`) into the catalog name,
/// accepting Flink's default catalog and database prefixes.
arrow::Result<std::string> CatalogName(const std::vector<Identifier>& path);

/// Builds a catalog table from CREATE TABLE: resolves types, checks that
/// partition, key and watermark columns exist. Connector options are checked by the
/// connector (ValidateTableOptions).
arrow::Result<std::shared_ptr<CatalogTable>> MakeCatalogTable(const Statement& create);

}  // namespace weir::sql
