#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <arrow/result.h>

#include "weir/runtime/job_graph.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/sql/catalog.h"
#include "weir/sql/logical_plan.h"
#include "weir/sql/plan_statistics.h"

namespace weir::format {
class ParquetDataset;
}  // namespace weir::format

namespace weir::api {

/// Parses a Flink duration option: `10s`, `10 s`, `500ms`, `1 min`, `2h`, `1 d`, or a
/// bare number of milliseconds.
arrow::Result<std::chrono::milliseconds> ParseDurationOption(std::string_view text);

/// Checks a table's connector and its options (Flink's names). Unknown options,
/// bad values and unsupported features are errors naming the table and option.
/// A filesystem 'path' given as a `file://` URI becomes the local path it names;
/// other schemes (s3://, hdfs://) are refused with a clear error.
arrow::Status ValidateTableOptions(sql::CatalogTable& table);

/// Returns true when scans of `table` end by themselves (bounded datagen, a
/// filesystem table without source.monitor-interval).
bool IsBoundedTable(const sql::CatalogTable& table);

/// Makes the runtime source of a scan node: the scan's physical columns (with its
/// filter pushed into Parquet reads) under their physical names. A Kafka source
/// applies `watermarks` itself, per partition (other sources ignore it).
arrow::Result<runtime::SourceFactory> MakeScanSource(
    const sql::PlanNode& scan, bool streaming,
    const runtime::WatermarkStrategy& watermarks =
        runtime::WatermarkStrategy::NoWatermarks());

/// Opens the Parquet dataset of a filesystem table (read_parquet() tables carry
/// theirs), with the partition columns typed as the table declares them; null when
/// the table's directory is missing or holds no data file yet (an empty table).
arrow::Result<std::shared_ptr<format::ParquetDataset>> OpenTableDataset(
    const sql::CatalogTable& table);

/// Returns what the footers of a Parquet table's files say about the columns a scan
/// reads (row count, min/max, nulls), for the optimizer's estimates; nullopt for
/// other connectors and for tables whose files cannot be read (the scan reports
/// that error).
std::optional<sql::TableStatistics> ScanStatistics(const sql::PlanNode& scan);

/// Counts the files a filesystem scan would open and those its pushed filter
/// prunes by partition values alone (for EXPLAIN): {files, pruned}.
arrow::Result<std::pair<int64_t, int64_t>> CountPartitionPruning(
    const sql::PlanNode& scan);

/// What an INSERT writes to.
struct TableSink {
  runtime::OperatorFactory factory;
  /// Parallelism of the sink (0: the job's default).
  int parallelism = 0;
};

/// Makes the sink of `table` for rows of its physical schema.
arrow::Result<TableSink> MakeTableSink(const sql::CatalogTable& table);

/// Lists the visible data files under `root` (recursively; names starting with `.`
/// or `_` are skipped), for INSERT OVERWRITE.
std::set<std::string> VisibleDataFiles(const std::string& root);

/// Finishes an INSERT OVERWRITE whose job succeeded: removes the files listed in
/// `before` (the table's files when the job started) from the partitions the job
/// wrote, or all of them for an unpartitioned table. The new files are already
/// visible, so a crash here leaves old and new rows, never neither.
arrow::Status ReplaceOverwrittenFiles(const sql::CatalogTable& table,
                                      const std::set<std::string>& before);

}  // namespace weir::api
