#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_table.h"

namespace weir::runtime {

/// Everything a streaming group aggregation needs.
struct GroupAggregateOptions {
  /// Key columns; none for a global aggregation (run it at parallelism 1).
  std::vector<std::string> keys;
  /// The aggregates, output after the keys.
  std::vector<GroupAggregateCall> aggregates;
  /// Whether the input is an updating stream (has -U/-D rows): MIN/MAX and
  /// FIRST/LAST_VALUE then keep every value so that retractions are exact.
  bool retractions = false;
  /// table.exec.state.ttl: a group not updated for this long (processing time) is
  /// dropped without output, as Flink's idle state retention; zero keeps groups
  /// forever. With a TTL, unchanged results are emitted again (as Flink does, so
  /// that downstream state stays alive).
  std::chrono::milliseconds state_ttl{0};
};

/// SQL's GROUP BY over an unbounded stream (Flink's GroupAggregate): keyed state per
/// group, an updating output.
///
/// Input rows accumulate (+I, +U) into or retract (-U, -D) from their group. After
/// each input batch, every group the batch changed emits once (as Flink's mini-batch
/// aggregation does): +I with its first result, -U with the previous result and +U
/// with the new one, or -D with the previous result when its last row was retracted
/// (the group's state is then dropped). A group whose result did not change emits
/// nothing; a retraction for a group without state is ignored. Output: the key
/// columns (dictionary keys as their values), the aggregates, and the row-kind column
/// (`kRowKindColumn`).
///
/// State is in memory, keyed by group, snapshotted per key group so a restore at
/// another parallelism takes its share.
class GroupAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit GroupAggregateOperator(GroupAggregateOptions options)
      : options_(std::move(options)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Drops groups idle for longer than the state TTL.
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;
  /// Saves every group (row count, last update and accumulators) as value state
  /// "group-aggregate" under its key's key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  arrow::Result<KeyedStateWriter> SnapshotStateAsync() override;
  /// Reloads the groups of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of groups held.
  size_t num_groups() const { return table_.size(); }

 private:
  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  std::shared_ptr<arrow::Schema> OutputSchema() const;
  void Grow(uint32_t g);
  void ExpireIdle(EventTime now);

  GroupAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  GroupTable table_;
  std::shared_ptr<arrow::Schema> output_schema_;
  std::vector<int64_t> row_counts_;   // per group: accumulated minus retracted rows
  std::vector<uint64_t> last_batch_;  // per group: the batch that last touched it
  std::vector<EventTime> updated_;    // per group: processing time of the last update
  EventTime next_expiry_ = 0;         // processing time of the next TTL sweep
  uint64_t batch_number_ = 0;
};

}  // namespace weir::runtime
