#include "weir/runtime/operators/row_function_operator.h"

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

namespace weir::runtime {

arrow::Status RowFunctionOperator::Open(OperatorContext*) {
  ARROW_ASSIGN_OR_RAISE(collector_, RowCollector::Make(output_schema_));
  return arrow::Status::OK();
}

arrow::Status RowFunctionOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    ARROW_RETURN_NOT_OK(function_(RowView(batch.get(), r), *collector_));
  }
  ARROW_ASSIGN_OR_RAISE(auto result, collector_->Flush());
  if (result) return out->Emit(std::move(result));
  return arrow::Status::OK();
}

arrow::Status RowFilterOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  arrow::BooleanBuilder keep;
  ARROW_RETURN_NOT_OK(keep.Reserve(batch->num_rows()));
  int64_t kept = 0;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    ARROW_ASSIGN_OR_RAISE(bool k, predicate_(RowView(batch.get(), r)));
    keep.UnsafeAppend(k);
    kept += k;
  }
  if (kept == batch->num_rows()) return out->Emit(batch);
  if (kept == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto mask, keep.Finish());
  ARROW_ASSIGN_OR_RAISE(auto filtered,
                        arrow::compute::Filter(arrow::Datum(batch), arrow::Datum(mask)));
  return out->Emit(filtered.record_batch());
}

}  // namespace weir::runtime
