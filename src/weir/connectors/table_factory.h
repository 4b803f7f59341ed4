#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/connectors/table_descriptor.h"
#include "weir/format/parquet/statistics.h"
#include "weir/runtime/job_graph.h"
#include "weir/runtime/operators/watermark_strategy.h"

namespace weir::connectors {

/// What a scan asks of a table's source.
struct ScanRequest {
  /// The physical columns to produce, in this order, under their own names.
  std::vector<std::string> columns;
  /// Rows to keep, over physical column names; only given to factories that
  /// support filter pushdown, which apply it exactly.
  std::optional<arrow::compute::Expression> filter;
  /// A streaming job (continuous sources keep reading) rather than a batch one.
  bool streaming = false;
  /// Watermarks for sources that apply them themselves (per Kafka partition).
  runtime::WatermarkStrategy watermarks = runtime::WatermarkStrategy::NoWatermarks();
};

/// What an INSERT writes to.
struct TableSink {
  runtime::OperatorFactory factory;
  /// Parallelism of the sink (0: the job's default).
  int parallelism = 0;
};

/// The kinds of rows a source produces or a sink takes (Flink's ChangelogMode).
enum class ChangelogMode {
  kInsertOnly,  ///< +I only
  kUpsert,      ///< +I, +U, -D by key
  kAll,         ///< +I, -U, +U, -D
};

/// Makes the sources and sinks of one connector from a table's options (Flink's
/// DynamicTableFactory). Each connector folder defines one; FindTableFactory finds
/// it by the `connector` option. Nothing outside a factory compares connector names:
/// the planner and the API ask a factory what the connector can do.
/// docs/design/adding-a-connector.md describes how to add one.
class TableFactory {
 public:
  virtual ~TableFactory() = default;

  /// The value of the `connector` option that selects this factory.
  virtual std::string_view name() const = 0;

  /// Checks the table's options (unknown keys, bad values, unsupported features)
  /// and normalises them (a `file://` path becomes the local path). Errors name the
  /// table and the option.
  virtual arrow::Status Validate(TableDescriptor* table) const = 0;

  /// Whether scans of the table end by themselves.
  virtual bool IsBounded(const TableDescriptor& table) const = 0;

  /// The rows the source produces. Every connector produces insert-only rows
  /// today; the planner consults this (and SinkAccepts) once it infers changelog
  /// modes (stateful streaming SQL, issue 15).
  virtual ChangelogMode SourceChangelogMode(const TableDescriptor&) const {
    return ChangelogMode::kInsertOnly;
  }

  /// Whether the sink takes rows of `mode`.
  virtual bool SinkAccepts(const TableDescriptor&, ChangelogMode mode) const {
    return mode == ChangelogMode::kInsertOnly;
  }

  /// Whether the source applies ScanRequest::filter, so the optimizer pushes
  /// filters into its scans (and runtime filters into batch scans).
  virtual bool SupportsFilterPushdown(const TableDescriptor&) const { return false; }

  /// Whether the connector has metadata columns (`col TYPE METADATA FROM 'key'`).
  virtual bool HasMetadata() const { return false; }

  /// Whether the source applies ScanRequest::watermarks itself (per partition), so
  /// the job must not add a watermark operator after it.
  virtual bool AppliesWatermarks() const { return false; }

  /// Makes the runtime source of a scan. The default refuses: a sink-only connector.
  virtual arrow::Result<runtime::SourceFactory> MakeSource(const TableDescriptor& table,
                                                           const ScanRequest& scan) const;

  /// Opens a bounded scan for a batch query without a job (the Parquet reader),
  /// producing the requested columns under their physical names; null when the
  /// connector's rows come from a job (MakeSource).
  virtual arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenBatchReader(
      const TableDescriptor& table, const ScanRequest& scan) const;

  /// Makes the sink of the table for rows of its physical schema. The default
  /// refuses: a source-only connector.
  virtual arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const;

  /// Prepares an INSERT OVERWRITE: returns what to run after the job succeeded to
  /// replace the old rows. The default refuses.
  virtual arrow::Result<std::function<arrow::Status()>> PrepareOverwrite(
      const TableDescriptor& table) const;

  /// What the table's storage says about the columns (row counts, min/max) for the
  /// optimizer's estimates; nullopt when nothing is known.
  virtual std::optional<format::DatasetStatistics> Statistics(
      const TableDescriptor&, const std::vector<std::string>& columns) const {
    (void)columns;
    return std::nullopt;
  }

  /// A line EXPLAIN adds about a scan (e.g. partition pruning); empty for none.
  virtual std::string ExplainScan(const TableDescriptor&, const ScanRequest&) const {
    return "";
  }
};

/// Returns the factory of connector `name`, or an error naming the table's
/// connector, the ones there are and the closest one.
arrow::Result<const TableFactory*> FindTableFactory(const std::string& name);

/// Returns the names of the connectors, sorted.
std::vector<std::string> TableFactoryNames();

/// Adds a factory (for connectors outside this tree; the built-in ones are there
/// from the start). Fails when its name is taken.
arrow::Status RegisterTableFactory(std::unique_ptr<TableFactory> factory);

}  // namespace weir::connectors
