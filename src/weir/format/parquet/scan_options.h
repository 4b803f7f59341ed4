#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>

namespace weir::format {

/// What to read from a dataset and how.
struct ScanOptions {
  /// Columns to return as dotted paths (`a`, `s.b`, `s.b.c` for struct fields).
  /// Empty means every column. Nested paths keep the enclosing struct with only the
  /// selected children, as Arrow's Parquet reader does.
  std::vector<std::string> columns;
  /// Rows to keep; field names refer to the dataset schema. Used to prune
  /// partitions, row groups (statistics, bloom filters) and pages (page index),
  /// then applied exactly to every row read.
  std::optional<arrow::compute::Expression> filter;
  /// Rows per decoded batch.
  int64_t batch_size = 64 * 1024;
  /// Worker threads reading row groups in parallel; 0 means one per core.
  int parallelism = 0;
  /// Row groups decoded ahead of the consumer (bounds memory); 0 means 2x parallelism.
  int readahead = 0;
  /// Reads only a share of the row groups: those whose ordinal among the row groups
  /// left after pruning (in file order) is `split_index` modulo `split_count`. Lets the
  /// subtasks of a parallel source split a dataset without coordinating.
  int split_index = 0;
  int split_count = 1;
  /// Pruning switches (all on by default; off is for measuring and debugging).
  bool use_statistics = true;
  bool use_page_index = true;
  bool use_bloom_filters = true;
};

/// What a scan read and what pruning let it skip. Counts only grow during a scan.
struct ScanCounters {
  int64_t files_total = 0;
  int64_t files_pruned = 0;  ///< by partition values, never opened
  int64_t row_groups_total = 0;
  int64_t row_groups_pruned_by_statistics = 0;
  int64_t row_groups_pruned_by_bloom_filter = 0;
  int64_t row_groups_pruned_by_page_index = 0;
  int64_t row_groups_read = 0;
  int64_t pages_total =
      0;  ///< data pages of filter columns in read row groups (from the page index)
  int64_t pages_pruned = 0;  ///< of those, pages whose rows the page index excluded
  int64_t rows_read = 0;     ///< rows decoded
  int64_t rows_skipped_by_page_index =
      0;  ///< decoded rows dropped before filter evaluation
  int64_t rows_output = 0;
};

}  // namespace weir::format
