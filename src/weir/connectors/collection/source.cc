#include "weir/connectors/collection/source.h"

namespace weir::connectors {

CollectionSource::CollectionSource(
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches,
    const runtime::SubtaskInfo& info)
    : batches_(std::move(batches)),
      next_(static_cast<size_t>(info.index)),
      step_(static_cast<size_t>(info.parallelism)) {}

arrow::Result<runtime::PollResult> CollectionSource::Poll(runtime::Output* out) {
  if (next_ >= batches_.size()) return runtime::PollResult::End();
  ARROW_RETURN_NOT_OK(out->Emit(batches_[next_]));
  next_ += step_;
  return runtime::PollResult::More();
}

runtime::SourceFactory MakeCollectionSource(
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches) {
  return [batches = std::move(batches)](const runtime::SubtaskInfo& info)
             -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
    return std::make_unique<CollectionSource>(batches, info);
  };
}

namespace {

// Emits the batches of a shared reader from subtask 0.
class ReaderSource : public runtime::SourceReader {
 public:
  ReaderSource(std::shared_ptr<arrow::RecordBatchReader> reader, bool reads)
      : reader_(std::move(reader)), reads_(reads) {}

  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override {
    if (!reads_) return runtime::PollResult::End();
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader_->ReadNext(&batch));
    if (batch == nullptr) return runtime::PollResult::End();
    if (batch->num_rows() > 0) ARROW_RETURN_NOT_OK(out->Emit(batch));
    return runtime::PollResult::More();
  }

 private:
  std::shared_ptr<arrow::RecordBatchReader> reader_;
  bool reads_;
};

}  // namespace

runtime::SourceFactory MakeReaderSource(
    std::shared_ptr<arrow::RecordBatchReader> reader) {
  return [reader = std::move(reader)](const runtime::SubtaskInfo& info)
             -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
    return std::make_unique<ReaderSource>(reader, info.index == 0);
  };
}

}  // namespace weir::connectors
