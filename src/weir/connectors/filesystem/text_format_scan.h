#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/connectors/table_descriptor.h"
#include "weir/format/parquet/file_discovery.h"

namespace weir::connectors {

/// Opens a batch scan of a filesystem table in `format` = 'csv' or 'json' (Flink's
/// formats: CSV without a header line, fields in the order of the table's physical
/// columns; JSON one object per line, fields by name, missing fields NULL). Files are
/// found under the table's path (recursively, hidden names skipped); Hive `k=v`
/// directories give the partition columns. Values are parsed as the table declares
/// them. Returns `columns` (physical names) in that order.
///
/// Options: `csv.field-delimiter` (one character, default ','), `csv.quote-character`
/// (default '"'), `csv.null-literal` (default none: an empty field is '' for strings
/// and NULL for other types),
/// `csv.ignore-parse-errors` / `json.ignore-parse-errors` (skip bad rows instead of
/// failing; errors name the file otherwise).
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenTextFormatScan(
    const TableDescriptor& table, const std::vector<std::string>& columns);

/// Like OpenTextFormatScan, over the given files (in order) instead of every file
/// under the table's path.
std::shared_ptr<arrow::RecordBatchReader> OpenTextFormatFiles(
    const TableDescriptor& table, const std::vector<std::string>& columns,
    std::vector<format::DiscoveredFile> files);

}  // namespace weir::connectors
