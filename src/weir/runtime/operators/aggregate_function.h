#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type.h>

#include "weir/runtime/operators/row_view.h"
#include "weir/state/typed_state.h"

namespace weir::runtime {

/// A user-defined aggregate function (Flink's AggregateFunction: createAccumulator,
/// add, merge, getResult), usable wherever the built-in aggregates are: windows and
/// rolling keyed aggregation. The accumulator is kept as bytes so that it can live in
/// any state backend and be snapshotted; TypedAggregateFunction gives a typed view.
/// One instance may be shared by every subtask: methods must not mutate the function.
class AggregateFunction {
 public:
  virtual ~AggregateFunction() = default;
  /// Returns the type of the result column.
  virtual std::shared_ptr<arrow::DataType> result_type() const = 0;
  /// Returns a fresh accumulator.
  virtual std::string CreateAccumulator() const = 0;
  /// Folds one input row into `accumulator`.
  virtual arrow::Status Add(const RowView& row, std::string* accumulator) const = 0;
  /// Folds `other` into `accumulator` (session windows merging, partial aggregates).
  virtual arrow::Status Merge(std::string* accumulator,
                              const std::string& other) const = 0;
  /// Returns the result for `accumulator`.
  virtual arrow::Result<RowValue> GetResult(const std::string& accumulator) const = 0;
};

/// An AggregateFunction over a typed accumulator `Acc` (which needs a
/// state::Serializer<Acc>). Implement the four typed hooks.
template <typename Acc>
class TypedAggregateFunction : public AggregateFunction {
 public:
  /// Returns a fresh typed accumulator.
  virtual Acc Create() const = 0;
  /// Folds a row into `acc`.
  virtual arrow::Status AddRow(const RowView& row, Acc* acc) const = 0;
  /// Returns the merge of two accumulators.
  virtual Acc MergeAccumulators(const Acc& a, const Acc& b) const = 0;
  /// Returns the result of `acc`.
  virtual arrow::Result<RowValue> Result(const Acc& acc) const = 0;

  std::string CreateAccumulator() const final {
    return state::Serializer<Acc>::Encode(Create());
  }
  arrow::Status Add(const RowView& row, std::string* accumulator) const final {
    Acc acc = state::Serializer<Acc>::Decode(*accumulator);
    ARROW_RETURN_NOT_OK(AddRow(row, &acc));
    *accumulator = state::Serializer<Acc>::Encode(acc);
    return arrow::Status::OK();
  }
  arrow::Status Merge(std::string* accumulator, const std::string& other) const final {
    *accumulator = state::Serializer<Acc>::Encode(
        MergeAccumulators(state::Serializer<Acc>::Decode(*accumulator),
                          state::Serializer<Acc>::Decode(other)));
    return arrow::Status::OK();
  }
  arrow::Result<RowValue> GetResult(const std::string& accumulator) const final {
    return Result(state::Serializer<Acc>::Decode(accumulator));
  }
};

}  // namespace weir::runtime
