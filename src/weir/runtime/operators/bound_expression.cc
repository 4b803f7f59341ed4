#include "weir/runtime/operators/bound_expression.h"

#include <arrow/array/util.h>
#include <arrow/compute/exec.h>

#include "weir/common/error.h"
#include "weir/expr/evaluation_context.h"

namespace weir::runtime {

arrow::Status BoundExpression::BindTo(const std::shared_ptr<arrow::Schema>& schema) {
  if (bound_schema_ &&
      (bound_schema_ == schema || bound_schema_->Equals(*schema, false))) {
    return arrow::Status::OK();
  }
  auto bound = expr_.Bind(*schema);
  if (!bound.ok()) {
    return UserError("cannot apply {} to a stream with schema {}: {}", expr_.ToString(),
                     schema->ToString(), bound.status().message());
  }
  bound_ = *std::move(bound);
  bound_schema_ = schema;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::DataType>> BoundExpression::TypeFor(
    const std::shared_ptr<arrow::Schema>& schema) {
  ARROW_RETURN_NOT_OK(BindTo(schema));
  return bound_.type()->GetSharedPtr();
}

arrow::Result<std::shared_ptr<arrow::Array>> BoundExpression::Evaluate(
    const arrow::RecordBatch& batch, EventTime watermark) {
  ARROW_RETURN_NOT_OK(BindTo(batch.schema()));
  arrow::compute::ExecBatch input(batch);
  expr::WatermarkScope scope(
      watermark == kMinWatermark ? std::nullopt : std::optional<int64_t>(watermark));
  ARROW_ASSIGN_OR_RAISE(arrow::Datum out,
                        arrow::compute::ExecuteScalarExpression(bound_, input));
  if (out.is_array()) return out.make_array();
  if (out.is_scalar()) {
    return arrow::MakeArrayFromScalar(*out.scalar(), batch.num_rows());
  }
  return arrow::Status::Invalid("expression ", expr_.ToString(),
                                " did not produce an array");
}

}  // namespace weir::runtime
