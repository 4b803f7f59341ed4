#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Everything a session window aggregation needs.
struct SessionWindowAggregateOptions {
  /// The group keys in output order, window_start and window_end among them.
  std::vector<std::string> keys;
  /// The window_start and window_end key columns. Each input row carries its own
  /// session, [time, time + gap), in them (a SESSION window table function in
  /// session mode writes them).
  std::string start_column;
  std::string end_column;
  /// The window_time key column, if grouped by (a legacy SESSION_ROWTIME): the
  /// session's end minus one millisecond.
  std::string time_column;
  /// The keys sessions are formed by (the SESSION function's PARTITION BY); the
  /// other keys group rows within a session. None: one session stream (parallelism 1).
  std::vector<std::string> session_keys;
  /// The aggregates, output after the keys.
  std::vector<GroupAggregateCall> aggregates;
};

/// Flink's session window aggregation: per session key, rows whose sessions
/// overlap or touch (Flink's TimeWindow.intersects) merge into one session
/// [first time, last time + gap); when the watermark passes a session's end, it
/// emits one row per group of the other keys, with window_start and window_end set
/// to the session's bounds, and the session is dropped. Insert-only output; rows
/// whose own session ended at or below the watermark are late and dropped.
///
/// Sessions keep their rows (the other keys and the aggregate inputs, encoded)
/// until they fire, since merging needs no mergeable accumulators that way. State is
/// in memory, snapshotted per key group of the session key.
class SessionWindowAggregateOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit SessionWindowAggregateOperator(SessionWindowAggregateOptions options)
      : options_(std::move(options)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  arrow::Status Open(OperatorContext* context) override;
  /// Fires the sessions the watermark ended, then forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every open session as value state "session-aggregate".
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the open sessions of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of open sessions.
  size_t num_sessions() const;
  /// Returns how many rows arrived after their session could still open.
  int64_t late_rows() const { return late_rows_; }

 private:
  struct Session {
    EventTime end = 0;
    std::vector<std::string> rows;  // encoded payload columns
  };
  struct Key {
    std::string key;                        // encoded session key
    std::map<EventTime, Session> sessions;  // by start
  };

  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  uint32_t KeyId(const std::string& key);
  // Adds a session [start, end) with `rows` to key `k`, merging the sessions it
  // overlaps or touches.
  void AddSession(uint32_t k, EventTime start, EventTime end,
                  std::vector<std::string> rows);
  arrow::Status Emit(const std::vector<std::pair<uint32_t, EventTime>>& fired,
                     Output* out);

  SessionWindowAggregateOptions options_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> input_schema_;
  std::shared_ptr<arrow::Schema> payload_schema_;  // other keys, then aggregate inputs
  std::shared_ptr<arrow::Schema> output_schema_;
  std::vector<int> payload_indices_;  // input column of each payload column
  std::vector<std::string> other_keys_;
  std::unique_ptr<KeyEncoder> session_encoder_;
  std::unique_ptr<KeyEncoder> payload_encoder_;
  int start_index_ = -1;
  int end_index_ = -1;
  std::unordered_map<std::string, uint32_t> key_ids_;
  std::vector<Key> keys_;
  // (session end, (key id, session start)), earliest end first; stale entries (the
  // session merged or fired) are skipped.
  std::multimap<EventTime, std::pair<uint32_t, EventTime>> ends_;
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
};

}  // namespace weir::runtime
