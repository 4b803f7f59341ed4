#include "weir/connectors/blackhole/sink.h"

namespace weir::connectors {

namespace {

class BlackholeSink : public runtime::Operator {
 public:
  explicit BlackholeSink(std::shared_ptr<std::atomic<int64_t>> rows)
      : rows_(std::move(rows)) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    if (rows_) rows_->fetch_add(batch->num_rows(), std::memory_order_relaxed);
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> rows_;
};

}  // namespace

runtime::OperatorFactory MakeBlackholeSink(std::shared_ptr<std::atomic<int64_t>> rows) {
  return [rows](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<BlackholeSink>(rows);
  };
}

}  // namespace weir::connectors
