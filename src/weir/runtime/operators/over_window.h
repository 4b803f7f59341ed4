#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/operators/sort_key.h"

#include "weir/runtime/operators/user_aggregate.h"

namespace weir::runtime {

/// One window function: ROW_NUMBER, RANK, DENSE_RANK (`row_number`, `rank`,
/// `dense_rank`), LAG and LEAD (`lag`, `lead`), or an aggregate over the frame,
/// named as GroupAggregateCall names them (count_all, count, sum, mean, min, max,
/// first, last).
struct OverFunction {
  std::string function;
  /// The input column; empty for ranking functions and count_all.
  std::string input;
  /// The output column name.
  std::string output;
  /// lag and lead: rows back or ahead, and the value where the partition has no
  /// such row (null: NULL; of the input's type).
  int64_t offset = 1;
  std::shared_ptr<arrow::Scalar> default_value = nullptr;
  /// A registered aggregate function (`function` is "user").
  std::shared_ptr<const UserAggregateFunction> user_function = nullptr;
};

/// The window of OVER (PARTITION BY … ORDER BY … frame) and its functions.
struct OverWindowOptions {
  std::vector<std::string> partition_keys;
  std::vector<SortKeyColumn> order;
  /// A ROWS frame (true) or a RANGE frame (the current row's peers included).
  bool rows = false;
  /// How far before the current row the frame starts (rows, or the distance in the
  /// order key; for time keys in microseconds); nullopt for UNBOUNDED PRECEDING; a
  /// negative value starts a ROWS frame after the current row.
  std::optional<int64_t> preceding;
  /// How far after the current row the frame ends, in the same units: 0 for CURRENT
  /// ROW (and its peers for RANGE), nullopt for UNBOUNDED FOLLOWING.
  std::optional<int64_t> following = 0;
  /// The frame is the whole partition.
  bool whole_partition = false;
  std::vector<OverFunction> functions;
};

/// Evaluates window functions over a whole bounded input (batch mode, as Flink's
/// batch OverAggregate over sorted input): the rows come out grouped by partition,
/// in window order (input order among peers), with one column per function
/// appended. Ranking functions are BIGINT; aggregates have GroupAccumulators' types.
/// RANGE … PRECEDING takes one integer, date or timestamp ORDER BY key.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> EvaluateOver(
    const std::shared_ptr<arrow::RecordBatch>& input, const OverWindowOptions& options);

}  // namespace weir::runtime
