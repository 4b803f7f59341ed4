#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>
#include <parquet/file_reader.h>

#include "weir/format/parquet/scan_options.h"

namespace weir::format {

/// Rows of one row group left to read after pruning: `[begin, end)` ranges in
/// row-group-relative row numbers. An empty `ranges` means the whole row group.
struct RowGroupSelection {
  int row_group = 0;
  std::vector<std::pair<int64_t, int64_t>> ranges;
};

/// Decides which row groups (and which rows within them, by the page index) of one
/// Parquet file can hold rows matching a filter. Uses column-chunk statistics,
/// bloom filters for `=`/`IN` and the column index; it never drops a row that could
/// match. Not thread-safe: one pruner per file, used by the planning thread.
class RowGroupPruner {
 public:
  /// Creates a pruner for `reader`'s file; `filter` is bound to `dataset_schema`,
  /// and `file_guarantee` holds the file's known partition values.
  RowGroupPruner(parquet::ParquetFileReader* reader, arrow::compute::Expression filter,
                 std::shared_ptr<arrow::Schema> dataset_schema,
                 const ScanOptions& options);

  /// Returns the row groups to read, in file order, updating the counters.
  arrow::Result<std::vector<RowGroupSelection>> Prune(ScanCounters* counters);

 private:
  struct FilterColumn {
    int leaf_index;
    arrow::FieldRef ref;
    std::shared_ptr<arrow::DataType> type;
  };
  arrow::Result<bool> PrunedByStatistics(int rg);
  arrow::Result<bool> PrunedByBloomFilter(int rg);
  arrow::Result<std::vector<std::pair<int64_t, int64_t>>> SelectPages(
      int rg, ScanCounters* counters);

  parquet::ParquetFileReader* reader_;
  arrow::compute::Expression filter_;
  std::shared_ptr<arrow::Schema> schema_;
  ScanOptions options_;
  std::vector<FilterColumn> columns_;
};

}  // namespace weir::format
