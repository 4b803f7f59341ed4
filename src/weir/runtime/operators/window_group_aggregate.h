#pragma once

#include <map>
#include <string>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_table.h"

namespace weir::runtime {

/// Everything a SQL window aggregation needs.
struct WindowGroupAggregateOptions {
  /// Group keys, among them the window's end column (and usually its start).
  std::vector<std::string> keys;
  /// The key column holding each row's window end (timestamp).
  std::string end_column;
  /// The aggregates, output after the keys.
  std::vector<GroupAggregateCall> aggregates;
};

/// SQL's GROUP BY window_start, window_end, … over a windowing table function
/// (Flink's WindowAggregate): rows accumulate into their (window, key) group; when the
/// watermark reaches a window's last instant (end - 1) every group of that window
/// emits one final row (+I only: the output is insert-only) and is dropped. Rows of
/// windows that already fired are late and dropped (counted by late_rows()).
///
/// State is in memory, snapshotted per key group (the window columns are part of the
/// key), so a restore at another parallelism takes its share.
class WindowGroupAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit WindowGroupAggregateOperator(WindowGroupAggregateOptions options)
      : options_(std::move(options)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Fires the windows the watermark completed, then forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every open group (its window end and accumulators) as value state
  /// "window-aggregate-sql".
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the open groups of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of open (window, key) groups.
  size_t num_groups() const { return table_.size(); }
  /// Returns how many rows arrived after their window fired.
  int64_t late_rows() const { return late_rows_; }

 private:
  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  void Track(uint32_t g, EventTime end);

  WindowGroupAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  GroupTable table_;
  std::shared_ptr<arrow::Schema> output_schema_;
  int end_index_ = -1;
  std::map<EventTime, std::vector<uint32_t>> windows_;  // window end (us) → groups
  std::vector<EventTime> group_end_;                    // per group id
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
};

}  // namespace weir::runtime
