#include "weir/runtime/operators/filter_operator.h"

#include <arrow/array.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

#include "weir/common/error.h"

namespace weir::runtime {

arrow::Status FilterOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& batch, Output* out) {
  ARROW_ASSIGN_OR_RAISE(auto mask, predicate_.Evaluate(*batch, watermark_));
  if (mask->type_id() != arrow::Type::BOOL) {
    return UserError("filter {} is of type {}, not boolean",
                     predicate_.expression().ToString(), mask->type()->ToString());
  }
  const auto& bools = static_cast<const arrow::BooleanArray&>(*mask);
  const int64_t kept = bools.true_count();
  if (kept == batch->num_rows()) return out->Emit(batch);  // nothing dropped: no copy
  if (kept == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto filtered,
                        arrow::compute::Filter(arrow::Datum(batch), arrow::Datum(mask)));
  return out->Emit(filtered.record_batch());
}

}  // namespace weir::runtime
