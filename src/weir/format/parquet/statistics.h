#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/format/parquet/dataset.h"

namespace weir::format {

/// What a dataset's footers say about one column, for the planner's estimates.
struct ColumnStatistics {
  /// Smallest and largest non-null value on a number line (types::ScalarToDouble),
  /// when every row group read states them and the type has an order on numbers.
  std::optional<double> min;
  std::optional<double> max;
  /// Nulls in the row groups read (scaled like `row_count` when files were sampled);
  /// nullopt when a row group does not state it.
  std::optional<double> null_count;
  /// Distinct values: exact for partition columns; for file columns only when the
  /// dataset is one row group that states it (counts of row groups do not add up).
  std::optional<double> distinct_count;
};

/// What a dataset's footers and partition directories say about it.
struct DatasetStatistics {
  /// Rows in the dataset: exact when every footer was read, else extrapolated from
  /// the files read by file count.
  double row_count = 0;
  /// Whether every file's footer was read.
  bool exact = true;
  /// Statistics of the requested columns that were found (by top-level name).
  std::map<std::string, ColumnStatistics> columns;
};

/// Reads the footers of up to `max_files` of the dataset's files (evenly spread over
/// them) and sums row counts and column statistics of `columns` (top-level names of
/// primitive file columns or partition columns; others are left out). Fails with an
/// error naming the file when a footer cannot be read.
arrow::Result<DatasetStatistics> ReadDatasetStatistics(
    const ParquetDataset& dataset, const std::vector<std::string>& columns,
    size_t max_files = 32);

}  // namespace weir::format
