#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace weir::runtime {

class GroupAccumulators;

/// An aggregate function a program registered (Flink's AggregateFunction; the
/// Python API's @udaf). The group, window and batch aggregations keep its state in
/// the accumulators it makes, like a built-in aggregate's, so it is checkpointed
/// and restored with them (each group's state through GroupAccumulators::Save).
class UserAggregateFunction {
 public:
  /// A function named `name` (for messages, e.g. "Python aggregate function 'f'")
  /// with results of `result_type`; `retracts` says it takes -U/-D rows.
  UserAggregateFunction(std::string name, std::shared_ptr<arrow::DataType> result_type,
                        bool retracts)
      : name_(std::move(name)),
        result_type_(std::move(result_type)),
        retracts_(retracts) {}
  virtual ~UserAggregateFunction() = default;

  /// The name for messages.
  const std::string& name() const { return name_; }
  /// The type of its results.
  const std::shared_ptr<arrow::DataType>& result_type() const { return result_type_; }
  /// Whether it can retract rows (updating input).
  bool retracts() const { return retracts_; }

  /// Makes the accumulators of one operator subtask for input of `input_type`
  /// (null: no argument; a struct for several arguments, one field each).
  virtual arrow::Result<std::unique_ptr<GroupAccumulators>> MakeAccumulators(
      const std::shared_ptr<arrow::DataType>& input_type) const = 0;

 private:
  std::string name_;
  std::shared_ptr<arrow::DataType> result_type_;
  bool retracts_;
};

}  // namespace weir::runtime
