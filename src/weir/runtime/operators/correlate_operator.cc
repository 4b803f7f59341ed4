#include "weir/runtime/operators/correlate_operator.h"

namespace weir::runtime {

CorrelateOperator::CorrelateOperator(std::shared_ptr<const expr::TableFunction> function,
                                     std::vector<arrow::compute::Expression> args,
                                     std::vector<std::string> names, bool left_outer)
    : function_(std::move(function)), names_(std::move(names)), left_outer_(left_outer) {
  for (auto& arg : args) args_.emplace_back(std::move(arg));
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> CorrelateOperator::Apply(
    const std::shared_ptr<arrow::RecordBatch>& batch) {
  arrow::ArrayVector args;
  args.reserve(args_.size());
  for (BoundExpression& arg : args_) {
    ARROW_ASSIGN_OR_RAISE(auto array, arg.Evaluate(*batch));
    args.push_back(std::move(array));
  }
  return expr::CorrelateBatch(batch, args, *function_, names_, left_outer_);
}

arrow::Status CorrelateOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  ARROW_ASSIGN_OR_RAISE(auto correlated, Apply(batch));
  if (correlated->num_rows() == 0) return arrow::Status::OK();
  return out->Emit(correlated);
}

}  // namespace weir::runtime
