#pragma once

#include <functional>
#include <optional>
#include <string>

#include <arrow/chunked_array.h>
#include <arrow/compute/expression.h>
#include <arrow/result.h>

#include "weir/sql/plan/logical_plan.h"
#include "weir/sql/plan/plan_statistics.h"

namespace weir::planner {

/// A Parquet scan column that a join's probe key passes through unchanged: rows of
/// the scan whose column value no build row holds can be dropped at the scan.
struct ProbeScanColumn {
  const sql::PlanNode* scan = nullptr;
  /// The physical column of the scanned table.
  std::string column;
};

/// Finds the Parquet scan under `node` that produces column `field` unchanged,
/// through filters, projections that pass it through and inner joins (rows a
/// runtime filter drops there carry a key value the join above drops anyway).
/// nullopt when the column is computed, or comes from another kind of node.
std::optional<ProbeScanColumn> FindProbeScanColumn(const sql::PlanNode& node,
                                                   const std::string& field);

/// Values of sets of build keys at most this large go into the runtime filter as
/// an IN list (which also probes the files' bloom filters); larger ones give only
/// the min/max range.
inline constexpr int64_t kMaxRuntimeInListValues = 64;

/// Build sides with more distinct keys than this get no bloom filter (it would
/// take more than about 10 MB).
inline constexpr int64_t kMaxRuntimeBloomFilterKeys = 8 << 20;

/// Returns a filter on `column` (a physical column name) that keeps the rows whose
/// value is among the non-null `build_keys`; `false` when the build side holds no
/// non-null key. For few distinct keys: `column BETWEEN min AND max AND column IN
/// (values)`. For more, from the probe table's statistics (read through
/// `probe_statistics`): the range when it keeps at most half of the column's
/// range, and a bloom filter of the keys (key_bloom_filter.h) when they are fewer
/// than half the probe column's distinct values (known or bounded by its integer
/// range). nullopt when neither would pay off, or the key type has no usable
/// order (nested types).
arrow::Result<std::optional<arrow::compute::Expression>> RuntimeFilterFor(
    const std::shared_ptr<arrow::ChunkedArray>& build_keys, const std::string& column,
    const std::function<std::optional<sql::TableStatistics>()>& probe_statistics);

}  // namespace weir::planner
