#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/aggregate_set.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// A rolling (non-windowed) keyed aggregation: Flink's `key_by(k).sum(v)` /
/// `.aggregate(...)` on a KeyedStream. After each input batch it emits, for every key
/// the batch touched, the key columns and the aggregates over everything seen for
/// that key so far (an upsert stream: the latest row per key is current). Flink emits
/// per record; emitting per batch keeps the operator vectorised and the final values
/// identical.
class RollingAggregateOperator : public Operator {
 public:
  /// Makes the operator over `keys` with `aggregates`.
  RollingAggregateOperator(std::vector<std::string> keys,
                           std::vector<AggregateSpec> aggregates)
      : keys_(std::move(keys)), specs_(std::move(aggregates)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

  arrow::Status Open(OperatorContext* context) override {
    context_ = context;
    return arrow::Status::OK();
  }
  /// Saves every key's accumulators as value state "rolling-aggregate".
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the keys of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of keys held.
  size_t num_keys() const { return groups_.size(); }

 private:
  OperatorContext* context_ = nullptr;
  std::vector<std::string> keys_;
  std::vector<AggregateSpec> specs_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::Schema> output_schema_;
  std::optional<KeyEncoder> encoder_;
  std::optional<AggregateSet> aggregates_;
  struct Group {
    std::vector<Accumulator> accumulators;
    uint64_t last_batch = 0;  // the batch that last touched the key
  };
  std::unordered_map<std::string, Group> groups_;
  uint64_t batch_number_ = 0;
};

}  // namespace weir::runtime
