#pragma once

#include <string>
#include <vector>

#include <arrow/compute/expression.h>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/bound_expression.h"

namespace weir::runtime {

/// One output column of a projection: a name and the expression computing it.
struct NamedExpression {
  std::string name;
  arrow::compute::Expression expr;
};

/// Computes new columns from each batch with vectorised expressions (the Map and
/// Project of the DataStream API): `SELECT a + b AS sum, upper(c) AS c`.
class ProjectOperator : public Operator {
 public:
  /// Makes a projection producing `columns` in order.
  explicit ProjectOperator(std::vector<NamedExpression> columns);

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

  /// Records the watermark (what CURRENT_WATERMARK reads) and forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override {
    watermark_ = watermark;
    return out->EmitWatermark(watermark);
  }

 private:
  EventTime watermark_ = kMinWatermark;
  std::vector<std::string> names_;
  std::vector<BoundExpression> exprs_;
  std::shared_ptr<arrow::Schema> input_schema_;
  std::shared_ptr<arrow::Schema> output_schema_;
};

}  // namespace weir::runtime
