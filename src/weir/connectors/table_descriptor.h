#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/type_fwd.h>

namespace weir::format {
class ParquetDataset;
}  // namespace weir::format

namespace weir::connectors {

/// A column of a table as its connector sees it.
struct TableColumn {
  std::string name;
  std::shared_ptr<arrow::DataType> type;
  bool nullable = true;
  /// A computed column (`name AS expr`): neither read from nor written to the
  /// connector.
  bool computed = false;
  /// For metadata columns (`name TYPE METADATA [FROM 'key']`): the connector's
  /// metadata key; empty for other columns.
  std::string metadata_key;
  /// METADATA … VIRTUAL: read from the source, never written to a sink.
  bool is_virtual = false;
};

/// A table as its connector sees it (Flink's ResolvedCatalogTable): its name,
/// columns, partitioning and connector options. The SQL catalog makes one for
/// every call into a connector factory.
struct TableDescriptor {
  std::string name;
  std::vector<TableColumn> columns;
  std::vector<std::string> partition_keys;
  std::vector<std::string> primary_key;
  /// Connector options as written (keys in declaration order in `option_order`).
  std::map<std::string, std::string> options;
  std::vector<std::string> option_order;
  /// read_parquet(): the paths given and the dataset already opened; empty for
  /// tables made by CREATE TABLE.
  std::vector<std::string> read_paths;
  std::shared_ptr<format::ParquetDataset> dataset;
  /// For tables made from data a program holds (the Python API's from_arrow,
  /// from_pandas, from_elements; connector `memory`): the rows; null otherwise.
  std::shared_ptr<arrow::Table> data;

  /// Returns the physical columns as an Arrow schema: what a sink writes (computed
  /// and VIRTUAL metadata columns excluded).
  std::shared_ptr<arrow::Schema> PhysicalSchema() const;
  /// Returns the connector name ('connector' option).
  std::string connector() const;
  /// Returns an option or `fallback`.
  std::string Option(const std::string& key, const std::string& fallback = "") const;
};

}  // namespace weir::connectors
