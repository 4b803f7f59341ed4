#pragma once

#include <memory>
#include <string>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_table.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Flink's ChangelogNormalize: turns an upsert stream (the latest row per key, or a
/// delete carrying only the key, as an upsert-kafka topic holds them) into a full
/// changelog. Per key it keeps the last row: a row for a new key is +I; a row for a
/// known key is -U (the previous row) then +U, or nothing when it equals the
/// previous row; -D or -U is -D with the previous (complete) row, or nothing for an
/// unknown key. Run it hash-partitioned on the key.
///
/// Output: the input columns (dictionaries decoded) and the row-kind column. State
/// is the last row per key in memory, snapshotted per key group (value state
/// "normalize"), so a restore at another parallelism takes its share.
class ChangelogNormalizeOperator : public Operator {
 public:
  /// Makes the operator for the key columns `keys` (the primary key).
  explicit ChangelogNormalizeOperator(std::vector<std::string> keys)
      : keys_(std::move(keys)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Saves every key's last row under its key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  arrow::Result<KeyedStateWriter> SnapshotStateAsync() override;
  /// Reloads the keys of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of keys held.
  size_t num_keys() const { return table_.size(); }

 private:
  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);

  std::vector<std::string> keys_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> input_schema_;  // decoded, without the row kind
  std::shared_ptr<arrow::Schema> output_schema_;
  GroupTable table_;  // key -> dense id (no aggregates)
  std::unique_ptr<KeyEncoder> row_encoder_;
  std::vector<std::string> rows_;  // per id: the encoded last row
};

}  // namespace weir::runtime
