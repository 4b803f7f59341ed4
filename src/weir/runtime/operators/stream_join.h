#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/compute/expression.h>

#include "weir/runtime/changelog.h"
#include "weir/runtime/operator.h"
#include "weir/runtime/operators/bound_expression.h"
#include "weir/runtime/operators/join_rows.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// Everything a streaming regular join needs.
struct StreamJoinOptions {
  /// The join type; semi and anti joins (IN/EXISTS) output the left input's columns.
  enum class Type { kInner, kLeft, kRight, kFull, kSemi, kAnti };
  Type type = Type::kInner;
  /// The equality keys, pairwise; each input arrives hash-partitioned on its keys.
  /// None joins every row with every row (run the join at parallelism 1).
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;
  /// Keys compare with IS NOT DISTINCT FROM (a NULL key matches a NULL key); with
  /// '=' a row with a NULL key matches nothing.
  bool null_equal_keys = false;
  /// The condition beyond the keys, over the left columns followed by the right
  /// ones (unbound); none when absent.
  std::optional<arrow::compute::Expression> residual;
  /// The columns of each input (the plan's, without the row-kind column); every
  /// batch is cast to them, and padding rows of outer joins take their types.
  std::shared_ptr<arrow::Schema> left_schema;
  std::shared_ptr<arrow::Schema> right_schema;
  /// Whether the output carries the row-kind column. Only an inner join of two
  /// insert-only inputs may leave it out (its output is insert-only).
  bool output_row_kinds = true;
  /// table.exec.state.ttl: a side's rows of a key not written for this long
  /// (processing time) are dropped, as Flink's state TTL does; zero keeps them.
  std::chrono::milliseconds state_ttl{0};
};

/// Flink's streaming regular join (StreamingJoinOperator, and
/// StreamingSemiAntiJoinOperator for IN/EXISTS): both inputs are kept in keyed state
/// and every change on one side is joined with the other side's rows of its key
/// (those passing the residual condition), producing an updating result:
/// - inner: a change joins with each match and keeps its row kind (+I/+U, -U/-D);
/// - outer sides: a row without a match is padded with NULLs (+I[x, null]); the
///   first match of a padded row retracts the padding (-D[null, y]) and the last
///   match leaving restores it (+I[null, y]); rows of an outer side join as +I/-D.
/// - semi/anti: a left row is output while it has (semi) or has no (anti) match;
///   right rows arriving or leaving add (+I) or retract (-D) left rows.
///
/// State, per join key and side: each distinct row with its multiplicity and how
/// many rows of the other side it joins (Flink's OuterJoinRecordStateView), in
/// memory, snapshotted per key group so a restore at another parallelism takes its
/// share. Rows of one input batch see the other side as it was before the batch and
/// their own side as updated row by row, which is the row-at-a-time answer.
class StreamJoinOperator : public Operator {
 public:
  /// Makes the operator; options are checked at Open.
  explicit StreamJoinOperator(StreamJoinOptions options);

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Remembers the watermark (CURRENT_WATERMARK in the condition) and forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// With a state TTL: drops the rows idle for longer.
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;
  /// Saves every key's rows of both sides as value state "join" per key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the keys of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of distinct rows held on `side` (0 left, 1 right).
  size_t num_rows_held(int side) const;
  /// Returns the output schema.
  const std::shared_ptr<arrow::Schema>& output_schema() const { return output_schema_; }

 private:
  // A distinct row of one side: how many times it is there, and how many rows of
  // the other side (with multiplicity) it joins.
  struct Row {
    int64_t count = 0;
    int64_t matches = 0;
  };
  using Rows = std::map<std::string, Row>;
  struct KeyState {
    Rows rows[2];
    EventTime written[2] = {0, 0};
  };
  bool Outer(int side) const;
  bool SemiOrAnti() const {
    return options_.type == StreamJoinOptions::Type::kSemi ||
           options_.type == StreamJoinOptions::Type::kAnti;
  }
  // Joins one input row (row `r`, encoded as `row`) with its matches; appends the
  // output rows and updates both sides' state.
  void JoinRow(int side, RowKind kind, int64_t r, KeyState* key, const std::string& row,
               const std::vector<std::pair<Rows::iterator, int64_t>>& matches,
               std::vector<JoinedRow>* out);
  void SemiAntiRow(int side, RowKind kind, int64_t r, KeyState* key,
                   const std::string& row,
                   const std::vector<std::pair<Rows::iterator, int64_t>>& matches,
                   std::vector<JoinedRow>* out);
  void ExpireIdle(EventTime now);
  bool HasTtl() const { return options_.state_ttl.count() > 0; }

  StreamJoinOptions options_;
  OperatorContext* context_ = nullptr;
  JoinSide sides_[2];
  std::shared_ptr<arrow::Schema> output_schema_;
  std::unique_ptr<BoundExpression> residual_;
  std::unordered_map<std::string, KeyState> keys_;
  EventTime next_expiry_ = 0;
  EventTime watermark_ = kMinWatermark;
};

}  // namespace weir::runtime
