#pragma once

#include <arrow/compute/expression.h>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/bound_expression.h"

namespace weir::runtime {

/// Keeps the rows for which a boolean expression is true (null counts as false), in
/// one vectorised pass per batch.
class FilterOperator : public Operator {
 public:
  /// Makes a filter on `predicate` (unbound; bound to each schema it meets).
  explicit FilterOperator(arrow::compute::Expression predicate)
      : predicate_(std::move(predicate)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

  /// Records the watermark (what CURRENT_WATERMARK reads) and forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override {
    watermark_ = watermark;
    return out->EmitWatermark(watermark);
  }

 private:
  EventTime watermark_ = kMinWatermark;
  BoundExpression predicate_;
};

}  // namespace weir::runtime
