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

}  // namespace weir::connectors
