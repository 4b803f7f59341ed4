#include "weir/connectors/collect/sink.h"

#include "weir/common/error.h"

namespace weir::connectors {

void CollectedBatches::Add(std::shared_ptr<arrow::RecordBatch> batch) {
  std::lock_guard<std::mutex> lock(mu_);
  rows_ += batch->num_rows();
  batches_.push_back(std::move(batch));
}

std::vector<std::shared_ptr<arrow::RecordBatch>> CollectedBatches::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

int64_t CollectedBatches::num_rows() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rows_;
}

arrow::Result<std::shared_ptr<arrow::Table>> CollectedBatches::ToTable(
    const std::shared_ptr<arrow::Schema>& schema) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (batches_.empty()) {
    if (!schema) return InternalError("nothing was collected and no schema is known");
    return arrow::Table::MakeEmpty(schema);
  }
  return arrow::Table::FromRecordBatches(batches_[0]->schema(), batches_);
}

namespace {

class CollectSink : public runtime::Operator {
 public:
  explicit CollectSink(std::shared_ptr<CollectedBatches> target)
      : target_(std::move(target)) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    target_->Add(batch);
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<CollectedBatches> target_;
};

class CallbackSink : public runtime::Operator {
 public:
  explicit CallbackSink(
      std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)> fn)
      : fn_(std::move(fn)) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    return fn_(batch);
  }

 private:
  std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)> fn_;
};

}  // namespace

runtime::OperatorFactory MakeCallbackSink(
    std::function<arrow::Status(const std::shared_ptr<arrow::RecordBatch>&)> fn) {
  return [fn](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<CallbackSink>(fn);
  };
}

runtime::OperatorFactory MakeCollectSink(std::shared_ptr<CollectedBatches> target) {
  return [target](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<CollectSink>(target);
  };
}

}  // namespace weir::connectors
