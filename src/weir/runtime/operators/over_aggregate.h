#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/key_encoder.h"
#include "weir/runtime/operators/over_window.h"

namespace weir::runtime {

/// Everything a streaming OVER aggregation needs.
struct OverAggregateOptions {
  /// PARTITION BY columns; none aggregates the whole stream (parallelism 1).
  std::vector<std::string> partition_keys;
  /// The ORDER BY column: event time (a time attribute), ascending.
  std::string time_column;
  /// A ROWS frame (true) or a RANGE frame (rows of equal time are peers).
  bool rows = false;
  /// Rows (ROWS) or microseconds (RANGE) before the current row the frame starts;
  /// nullopt for UNBOUNDED PRECEDING.
  std::optional<int64_t> preceding;
  /// The aggregates (no ranking functions), output after the input columns.
  std::vector<OverFunction> functions;
  /// table.exec.state.ttl: a partition that got no row for this long (processing
  /// time) and has none waiting is dropped, its accumulators and frame with it, as
  /// Flink's state TTL expires them; a later row starts it afresh. Zero keeps all.
  std::chrono::milliseconds state_ttl{0};
};

/// Flink's event-time OverAggregate: every input row comes out once, with the
/// aggregates over its frame appended, when the watermark passes its time.
///
/// Rows wait per partition until the watermark reaches them, then are processed in
/// time order (equal times in arrival order): a ROWS frame holds the row and up to
/// `preceding` rows before it; a RANGE frame the rows within `preceding` of its time
/// and all its peers. Rows at or below the last watermark when they arrive are late
/// and dropped, as in Flink. The output is insert-only: the input columns
/// (dictionaries decoded) and one column per aggregate.
///
/// State (waiting rows, the rows of bounded frames, accumulators) is in memory per
/// partition, snapshotted per key group so a restore at another parallelism takes
/// its share.
class OverAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit OverAggregateOperator(OverAggregateOptions options)
      : options_(std::move(options)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Emits the rows the watermark reached, then forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every partition as value state "over-aggregate" under its key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the partitions of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;
  /// With a state TTL: drops the partitions idle for longer.
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;

  /// Returns the number of partitions held.
  size_t num_partitions() const { return group_of_.size(); }

  /// Returns how many rows arrived at or below the watermark and were dropped.
  int64_t late_rows() const { return late_rows_; }

 private:
  // One partition's state.
  struct Partition {
    std::string key;
    // Waiting rows in arrival order (`sorted` while times never went back), their
    // encoded bytes in `arena` (one allocation for many rows).
    struct Waiting {
      EventTime time;
      uint32_t offset;
      uint32_t size;
    };
    std::vector<Waiting> waiting;
    std::string arena;
    bool sorted = true;
    EventTime due = kMaxWatermark;  // the earliest waiting time (its entry in due_)
    std::deque<std::pair<EventTime, std::string>> frame;  // bounded frames only
    EventTime written = 0;  // with a TTL: processing time of its last row
    bool live = true;       // false once dropped by the TTL (its id is reused)
  };

  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  uint32_t GroupOf(const std::string& key);
  void Wait(uint32_t g, EventTime time, std::string_view row);
  arrow::Status Fire(EventTime watermark, Output* out);
  // Drops partitions idle for longer than the TTL (at most twice per TTL).
  void ExpireIdle(EventTime now);

  OverAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> input_schema_;  // dictionaries decoded
  std::shared_ptr<arrow::Schema> output_schema_;
  std::unique_ptr<KeyEncoder> partition_encoder_;
  std::unique_ptr<KeyEncoder> row_encoder_;
  std::vector<std::unique_ptr<GroupAccumulators>> accumulators_;
  std::vector<int> input_indices_;  // per function: its input column (-1: none)
  int time_index_ = -1;
  std::unordered_map<std::string, uint32_t> group_of_;
  std::vector<Partition> partitions_;
  // (earliest waiting time, group), earliest first; entries whose time is no longer
  // their group's earliest are stale and skipped.
  std::priority_queue<std::pair<EventTime, uint32_t>,
                      std::vector<std::pair<EventTime, uint32_t>>, std::greater<>>
      due_;
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
  std::vector<uint32_t> free_;  // ids of dropped partitions
  EventTime next_expiry_ = 0;
};

}  // namespace weir::runtime
