#pragma once

#include <memory>
#include <set>
#include <string>

#include <arrow/result.h>

#include "weir/connectors/table_factory.h"
#include "weir/format/parquet/dataset.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'filesystem'` tables: Parquet, CSV and
/// JSON files under `path` (Hive partitions), read bounded or continuously
/// (`source.monitor-interval`) and written exactly-once by the file sink, with
/// Flink's options (`sink.rolling-policy.*`, `sink.partition-commit.*`,
/// `parquet.*`, `csv.*`, `json.*`). Parquet scans take pushed filters and give
/// footer statistics.
std::unique_ptr<TableFactory> MakeFilesystemTableFactory();

/// Opens the Parquet dataset of a filesystem table (read_parquet() tables carry
/// theirs), with the partition columns typed as the table declares them; null when
/// the table's directory holds no data file yet (an empty table). A path that does
/// not exist is an error naming the table.
arrow::Result<std::shared_ptr<format::ParquetDataset>> OpenTableDataset(
    const TableDescriptor& table);

/// Lists the visible data files under `root` (recursively; names starting with `.`
/// or `_` are skipped).
std::set<std::string> VisibleDataFiles(const std::string& root);

}  // namespace weir::connectors
