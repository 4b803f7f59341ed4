#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/compute/expression.h>

#include "weir/runtime/operator.h"
#include "weir/runtime/operators/bound_expression.h"
#include "weir/runtime/operators/join_rows.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Everything an event-time interval join needs.
struct IntervalJoinOptions {
  /// The join type (semi and anti joins are not interval joins).
  enum class Type { kInner, kLeft, kRight, kFull };
  Type type = Type::kInner;
  /// The equality keys, pairwise; each input arrives hash-partitioned on its keys.
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;
  /// The whole condition beyond the keys, time bounds included, over the left columns
  /// followed by the right ones (unbound); it decides which rows join.
  std::optional<arrow::compute::Expression> residual;
  /// The columns of each input (the plan's, without the row-kind column).
  std::shared_ptr<arrow::Schema> left_schema;
  std::shared_ptr<arrow::Schema> right_schema;
  /// The rowtime columns of the two inputs.
  std::string left_time;
  std::string right_time;
  /// The bounds the condition puts on left_time - right_time, in microseconds
  /// (inclusive; a strict bound of the condition is given as its non-strict
  /// neighbour: the condition itself still decides). They decide when a row can no
  /// longer join and leaves the state.
  int64_t lower = 0;
  int64_t upper = 0;
};

/// Flink's event-time interval join (RowTimeIntervalJoin): rows of each side join the
/// other side's rows of their key whose times are within the bounds, and stay in
/// state only until the watermark says no row of the other side can still join them:
/// a left row at time t until the watermark reaches t - lower, a right row at t until
/// t + upper. A row of an outer side that leaves without having joined is output
/// padded with NULLs then. The output is insert-only, keeps both inputs' time columns
/// as time attributes, and its watermark is the input's held back by
/// max(upper, -lower) (Flink's watermark delay), since joined rows can be that old.
///
/// A row too late to be kept (the watermark passed its bound already) still joins
/// what the other side holds; unmatched on an outer side it is output padded at
/// once, as Flink does. Rows with a NULL key or time join nothing.
///
/// State is in memory, per key and side ordered by time, snapshotted per key group
/// so a restore at another parallelism takes its share.
class IntervalJoinOperator : public Operator {
 public:
  /// Makes the operator; options are checked at Open.
  explicit IntervalJoinOperator(IntervalJoinOptions options);

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Drops the rows the watermark ended (padding unmatched outer rows), then
  /// forwards the watermark held back by the bounds.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// Saves every key's rows of both sides as value state "interval-join" per key
  /// group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the keys of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of rows held on `side` (0 left, 1 right).
  size_t num_rows_held(int side) const;

 private:
  struct Entry {
    std::string row;
    bool matched = false;
  };
  using Rows = std::multimap<EventTime, Entry>;
  struct KeyState {
    Rows rows[2];
  };

  bool Outer(int side) const;
  // The watermark at which a row of `side` at `time` leaves the state.
  EventTime ExpiresAt(int side, EventTime time) const {
    return side == 0 ? time - options_.lower : time + options_.upper;
  }
  void Keep(int side, const std::string& key, KeyState* state, EventTime time,
            std::string row, bool matched);
  arrow::Status Expire(EventTime watermark, Output* out);

  IntervalJoinOptions options_;
  OperatorContext* context_ = nullptr;
  JoinSide sides_[2];
  std::shared_ptr<arrow::Schema> output_schema_;
  int time_index_[2] = {-1, -1};
  std::unique_ptr<BoundExpression> residual_;
  std::unordered_map<std::string, KeyState> keys_;
  // Per side: when (watermark) a key's rows start to leave → the key (stale entries
  // are skipped).
  std::multimap<EventTime, std::string> expiry_[2];
  EventTime watermark_ = kMinWatermark;
  EventTime delay_ = 0;
};

}  // namespace weir::runtime
