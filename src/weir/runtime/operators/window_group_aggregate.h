#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_table.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Everything a SQL window aggregation needs.
struct WindowGroupAggregateOptions {
  /// Group keys, among them the window's end column (and usually its start).
  std::vector<std::string> keys;
  /// The key column holding each row's window end (timestamp).
  std::string end_column;
  /// The aggregates, output after the keys.
  std::vector<GroupAggregateCall> aggregates;
  /// Sliding windows by slices (Flink's slicing for HOP): when `slice_size` is set,
  /// rows arrive assigned to slices of that length (their start in `start_column`,
  /// their end in `end_column`, both keys), and the window of `window_size` ending
  /// at E is the merge of the slices ending in (E - window_size, E], emitted with
  /// start E - window_size. Every aggregate must be a MergeableAggregate.
  std::string start_column;
  /// With slices: a key column holding the window's time (window_end - 1 ms, a
  /// legacy group window groups by it), set like the window's bounds; "" for none.
  std::string time_column;
  int64_t slice_size = 0;   // microseconds (0: rows carry whole windows)
  int64_t window_size = 0;  // microseconds, a multiple of slice_size
  /// CUMULATE instead of HOP: windows start at multiples of `window_size` (plus
  /// `offset`) and grow by a slice up to `window_size`; the window ending at E is
  /// the merge of its period's slices up to E.
  bool cumulate = false;
  int64_t offset = 0;  // microseconds
  /// Merges a window's slices newest first (Flink's HOP table function: LISTAGG
  /// then lists the latest slice's values first); otherwise oldest first (CUMULATE,
  /// legacy HOP group windows). Rows within a slice keep their arrival order.
  bool newest_slice_first = false;
};

/// SQL's GROUP BY window_start, window_end, … over a windowing table function
/// (Flink's WindowAggregate): rows accumulate into their (window, key) group; when the
/// watermark reaches a window's last instant (end - 1) every group of that window
/// emits one final row (+I only: the output is insert-only) and is dropped. Rows of
/// windows that already fired are late and dropped (counted by late_rows()).
///
/// With slices (sliding windows), each row is accumulated once, in its slice, and a
/// slice lives until the last window spanning it fired; a row whose slice ended
/// before the watermark is late, as in Flink's slicing window operator.
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
  arrow::Result<KeyedStateWriter> SnapshotStateAsync() override;
  /// Reloads the open groups of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of open (window, key) groups.
  size_t num_groups() const { return table_.size(); }
  /// Returns how many rows arrived after their window fired.
  int64_t late_rows() const { return late_rows_; }

 private:
  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  arrow::Status PrepareSlicing();
  void Track(uint32_t g, EventTime end);
  // Slicing: the start of the window ending at `end`, and the end of the last
  // window spanning the slice ending at `slice_end`.
  EventTime WindowStart(EventTime end) const;
  EventTime LastWindowOf(EventTime slice_end) const;
  // Slicing: emits the window ending at `end` from its slices, and frees the slices
  // no later window spans.
  arrow::Status FireSlicedWindow(EventTime end, Output* out);
  // Gives new slice groups their key ids.
  arrow::Status AssignKeyIds(const std::vector<uint32_t>& groups);
  // Frees a slice group and its hold on its key id.
  void FreeSlice(uint32_t g);
  // Emits `groups` (keys and results) and frees them.
  arrow::Status EmitGroups(const std::vector<uint32_t>& groups, Output* out);

  WindowGroupAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  GroupTable table_;
  std::shared_ptr<arrow::Schema> output_schema_;
  int end_index_ = -1;
  int start_index_ = -1;
  std::map<EventTime, std::vector<uint32_t>>
      windows_;                          // window (slice) end (us) → groups
  std::set<EventTime> pending_windows_;  // slicing: ends of windows with data, unfired
  // Slicing: per group, the last window end it was emitted for (restored groups
  // keep their subtask's), and the last window end fired here.
  std::vector<EventTime> group_fired_;
  EventTime fired_until_ = kMinWatermark;
  // After a restore: per key group, the last window its subtask had fired, so a
  // group made later for one of its keys is not owed those windows again.
  std::unordered_map<int32_t, EventTime> restored_fired_;
  std::shared_ptr<arrow::Schema> key_schema_;  // the key columns
  // Slicing: the group keys other than the window's bounds get dense ids, so a
  // window's slices of one key merge without hashing at every fire.
  std::unique_ptr<KeyEncoder> other_keys_;  // over key_schema_'s other columns
  std::unordered_map<std::string, uint32_t> key_id_of_;
  std::vector<std::string> key_bytes_;  // key id → its bytes
  std::vector<int64_t> key_refs_;       // key id → slice groups holding it
  std::vector<uint32_t> free_key_ids_;
  std::vector<uint32_t> group_key_id_;   // group → key id
  std::vector<uint32_t> window_of_key_;  // during a fire: key id → result group + 1
  std::vector<EventTime> group_end_;     // per group id
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
};

}  // namespace weir::runtime
