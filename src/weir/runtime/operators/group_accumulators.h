#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>
#include <arrow/type.h>

#include "weir/runtime/operators/user_aggregate.h"

namespace weir::runtime {

/// One aggregate of a keyed group aggregation, as the SQL planner names it: Arrow's
/// aggregate function without the hash_ prefix and its input column.
struct GroupAggregateCall {
  /// count_all, count, count_distinct, sum, mean, min, max, first, last, stddev,
  /// variance, listagg; lag in a streaming OVER aggregation.
  std::string function;
  /// The input column; empty for count_all.
  std::string input;
  /// The output column name.
  std::string output;
  /// stddev/variance: 0 for the population, 1 for the sample.
  int ddof = 0;
  /// listagg: the separator.
  std::string separator = ",";
  /// lag (streaming OVER only): rows back, and the value where there is no such row
  /// (null: NULL; of the input's type).
  int64_t offset = 1;
  std::shared_ptr<arrow::Scalar> default_value = nullptr;
  /// A registered aggregate function (`function` is then "user"): it makes the
  /// accumulators.
  std::shared_ptr<const UserAggregateFunction> user_function = nullptr;
};

/// The running state of one aggregate for every group of an operator subtask,
/// column-wise: group ids index it. Every aggregate accumulates (+I, +U) and
/// retracts (-U, -D) rows, so it serves updating input (Flink's retractable
/// aggregate functions: MIN/MAX keep a multiset of values, FIRST/LAST_VALUE their
/// arrival order). Results have Arrow's types for the function (the plan's types):
/// COUNT → int64; SUM of integers → int64 (unsigned: uint64), of floats → double, of
/// DECIMAL(p, s) → DECIMAL(38, s); AVG of integers and floats → double, of a DECIMAL
/// → its type, rounded half away from zero; MIN, MAX, FIRST, LAST → the input type;
/// STDDEV/VARIANCE → double; LISTAGG → utf8, the values in arrival order joined by
/// the separator (a retraction removes the latest equal value). Nulls are skipped; an
/// aggregate over no value is null (COUNT is 0).
class GroupAccumulators {
 public:
  virtual ~GroupAccumulators() = default;

  /// Makes the accumulators for `call` over inputs of `input_type` (null for
  /// count_all); `retractions` says the input may hold -U/-D rows (MIN/MAX, FIRST/
  /// LAST then keep every value). A user error names an unsupported function or type.
  static arrow::Result<std::unique_ptr<GroupAccumulators>> Make(
      const GroupAggregateCall& call, const std::shared_ptr<arrow::DataType>& input_type,
      bool retractions);

  /// Returns a copy with the state of every group (a checkpoint's copy, serialized
  /// on another thread while this one goes on).
  virtual std::unique_ptr<GroupAccumulators> Clone() const = 0;
  /// Returns the result type.
  virtual std::shared_ptr<arrow::DataType> result_type() const = 0;
  /// Makes room for groups 0 … n-1 (new groups start empty).
  virtual void Resize(size_t n) = 0;
  /// Empties group `g` (its id is about to be reused).
  virtual void Reset(uint32_t g) = 0;
  /// Folds rows 0 … n-1 of `input` (null for count_all) into groups `groups[i]`;
  /// `kinds` (null: all +I) says which rows retract.
  virtual arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                               const int8_t* kinds, int64_t n) = 0;
  /// Returns the current results of `groups`, in that order.
  virtual arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const = 0;
  /// Appends group `g`'s state to `out` (checkpoints).
  virtual void Save(uint32_t g, std::string* out) const = 0;
  /// Returns the error of a Save that failed (a registered function's state that
  /// does not serialize); the snapshot that called Save must fail with it. Built-in
  /// accumulators always save.
  virtual arrow::Status SaveStatus() const { return arrow::Status::OK(); }
  /// Reads group `g`'s state written by Save from the front of `in`, advancing it.
  virtual arrow::Status Load(uint32_t g, std::string_view* in) = 0;
  /// Folds group `from`'s state into group `into` (window slices merged into the
  /// windows that span them). Only where MergeableAggregate says so.
  virtual void Merge(uint32_t into, uint32_t from) {
    (void)into;
    (void)from;
  }
};

/// Returns whether `function`'s accumulators merge (GroupAccumulators::Merge): COUNT,
/// SUM, AVG, MIN, MAX, COUNT DISTINCT, STDDEV, VARIANCE and LISTAGG (the merged
/// group's values after the other's, as Flink's ListAggFunction merges); not
/// FIRST/LAST_VALUE, which Flink cannot merge either (it refuses them over HOP and
/// CUMULATE windows).
bool MergeableAggregate(const std::string& function);

}  // namespace weir::runtime
