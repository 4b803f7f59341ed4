#pragma once

#include <memory>

#include "weir/runtime/operator.h"

namespace weir::runtime {

/// The vertex where several streams meet (UNION ALL, DataStream::Union): passes
/// every batch on unchanged. Order is kept per input channel only.
class UnionOperator : public Operator {
 public:
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override {
    return out->Emit(batch);
  }
};

}  // namespace weir::runtime
