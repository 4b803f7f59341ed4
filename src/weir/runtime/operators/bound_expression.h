#pragma once

#include <memory>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/stream_element.h"

namespace weir::runtime {

/// An expression bound lazily to the schema of the batches it meets: bound once and
/// reused while the schema stays the same (the common case), rebound otherwise.
class BoundExpression {
 public:
  /// Wraps an unbound (or bound) expression.
  explicit BoundExpression(arrow::compute::Expression expr) : expr_(std::move(expr)) {}

  /// Evaluates the expression over `batch`; the result has the batch's length (a
  /// scalar result is broadcast). `watermark` is what CURRENT_WATERMARK reads: the
  /// last watermark the evaluating operator received (kMinWatermark: none yet).
  arrow::Result<std::shared_ptr<arrow::Array>> Evaluate(
      const arrow::RecordBatch& batch, EventTime watermark = kMinWatermark);

  /// Returns the expression as given.
  const arrow::compute::Expression& expression() const { return expr_; }

  /// Returns the result type for `schema` (binding if needed).
  arrow::Result<std::shared_ptr<arrow::DataType>> TypeFor(
      const std::shared_ptr<arrow::Schema>& schema);

 private:
  arrow::Status BindTo(const std::shared_ptr<arrow::Schema>& schema);

  arrow::compute::Expression expr_;
  arrow::compute::Expression bound_;
  std::shared_ptr<arrow::Schema> bound_schema_;
};

}  // namespace weir::runtime
