#pragma once

#include <functional>
#include <memory>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/row_view.h"

namespace weir::runtime {

/// A row-at-a-time function: reads one input row and collects zero or more output
/// rows (Flink's Map when it collects one, FlatMap when any number).
using RowFunction = std::function<arrow::Status(const RowView& row, RowCollector& out)>;

/// A row-at-a-time predicate (Flink's Filter with a lambda).
using RowPredicate = std::function<arrow::Result<bool>(const RowView& row)>;

/// Runs a RowFunction over every row of every batch, emitting one batch per input
/// batch. The convenience path: vectorised Select/Filter are many times faster.
class RowFunctionOperator : public Operator {
 public:
  /// Makes the operator; `output_schema` is what the function collects.
  RowFunctionOperator(std::shared_ptr<arrow::Schema> output_schema, RowFunction function)
      : output_schema_(std::move(output_schema)), function_(std::move(function)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

 private:
  std::shared_ptr<arrow::Schema> output_schema_;
  RowFunction function_;
  std::unique_ptr<RowCollector> collector_;
};

/// Keeps the rows a RowPredicate accepts (one Filter kernel call per batch).
class RowFilterOperator : public Operator {
 public:
  /// Makes the operator.
  explicit RowFilterOperator(RowPredicate predicate) : predicate_(std::move(predicate)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

 private:
  RowPredicate predicate_;
};

}  // namespace weir::runtime
