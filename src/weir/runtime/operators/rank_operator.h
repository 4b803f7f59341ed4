#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "weir/runtime/changelog.h"
#include "weir/runtime/operator.h"
#include "weir/runtime/operators/group_table.h"
#include "weir/runtime/operators/key_encoder.h"
#include "weir/runtime/operators/sort_key.h"

namespace weir::runtime {

/// Everything a streaming Top-N needs.
struct RankOptions {
  /// The ranking function.
  enum class Type { kRowNumber, kRank, kDenseRank };
  /// PARTITION BY columns; none ranks the whole stream (run it at parallelism 1).
  std::vector<std::string> partition_keys;
  /// ORDER BY keys.
  std::vector<SortKeyColumn> order;
  Type type = Type::kRowNumber;
  /// The rank range kept, inclusive (rn BETWEEN start AND end).
  int64_t start = 1;
  int64_t end = 1;
  /// The rank column's name; output (BIGINT, after the input columns) when
  /// `output_rank` is set.
  std::string rank_column;
  bool output_rank = true;
  /// Whether the input is an updating stream: every row is then kept, so that a
  /// retracted row in range can be replaced by the next one (Flink's
  /// RetractableTopNFunction); insert-only input keeps only rows that can still be
  /// in range (AppendOnlyTopNFunction).
  bool retractions = false;
  /// Flink's deduplication (ROW_NUMBER() = 1 on a time attribute, no rank output):
  /// a key's row replaced by another is -U/+U rather than -D/+I.
  bool deduplicate = false;
  /// Window Top-N (Flink's WindowRank): the partition keys hold this window_end
  /// column (a timestamp); each window's ranked rows are emitted once, as +I, when
  /// the watermark reaches its end, and its state is dropped. Rows of windows
  /// already fired are late and dropped. Insert-only input and output.
  std::string window_end_column;
  /// The output is insert-only (deduplication keeping the first row on processing
  /// time): no row-kind column; a change other than +I is an internal error.
  bool append_only = false;
  /// table.exec.state.ttl: a partition whose rows were not written for this long
  /// (processing time) is dropped without output, as Flink's state TTL does (its
  /// default update type: on create and write); zero keeps partitions forever. Not
  /// for window Top-N, whose windows end at the watermark.
  std::chrono::milliseconds state_ttl{0};
};

/// Flink's Rank over a stream: per partition, the rows whose ROW_NUMBER, RANK or
/// DENSE_RANK in ORDER BY order is in [start, end]; an updating output.
///
/// After each input batch every partition the batch touched emits the difference
/// between its ranked rows before and after (as Flink's mini-batch Top-N): with the
/// rank as an output, a rank whose row changed is -U (old row, rank) then +U (new
/// row, same rank), a rank that appeared +I and one that vanished -D; without it,
/// rows that left the range are -D and rows that entered +I (deduplication: -U/+U
/// pairs). Rows with equal ORDER BY keys rank in arrival order. Output: the input
/// columns (dictionaries decoded), the rank when output, and the row-kind column.
///
/// State is in memory per partition (rows kept sorted by their encoded ORDER BY
/// keys), snapshotted per key group so a restore at another parallelism takes its
/// share.
class RankOperator : public Operator {
 public:
  /// Makes the operator; options are checked against the first batch's schema.
  explicit RankOperator(RankOptions options) : options_(std::move(options)) {}

  arrow::Status Open(OperatorContext* context) override;
  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;
  /// Window Top-N: emits the windows the watermark ended, then forwards it.
  arrow::Status ProcessWatermark(EventTime watermark, Output* out) override;
  /// With a state TTL: drops the partitions idle for longer.
  arrow::Status OnProcessingTime(EventTime now, Output* out) override;
  /// Saves every partition's rows as value state "rank" under its key group.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override;
  /// Reloads the partitions of a restored backend.
  arrow::Status RestoreState(state::KeyedStateBackend* backend) override;

  /// Returns the number of rows held over all partitions.
  size_t num_rows_held() const;
  /// Returns how many rows arrived for a window that had fired (window Top-N).
  int64_t late_rows() const { return late_rows_; }

 private:
  // A partition's rows: encoded ORDER BY key -> encoded row, in rank order (equal
  // keys in arrival order: multimap inserts at the end of an equal range).
  using Rows = std::multimap<std::string, std::string>;
  // The ranked rows of a partition: (rank, row).
  using Ranked = std::vector<std::pair<int64_t, std::string>>;
  // Changes to emit: row kind, rank and encoded row.
  using Changes = std::vector<std::pair<RowKind, std::pair<int64_t, std::string>>>;

  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema);
  Ranked InRange(const Rows& rows) const;
  // Whether a new row with ORDER BY key `order` cannot enter the range of `rows`
  // (insert-only input, where `rows` holds only rows that can still rank).
  bool CannotEnter(const Rows& rows, const std::string& order) const;
  void Trim(Rows* rows) const;
  arrow::Status Diff(const Ranked& before, const Ranked& after, Changes* out) const;
  arrow::Status EmitChanges(const Changes& changes, Output* out);
  // Window Top-N: buffers the rows of `batch` in their windows' partitions.
  arrow::Status BufferWindowRows(const arrow::RecordBatch& batch);
  uint32_t GroupOfRow(const std::vector<const arrow::Array*>& columns, int64_t row);
  void Drop(uint32_t g);
  bool HasTtl() const {
    return options_.state_ttl.count() > 0 && options_.window_end_column.empty();
  }
  // Drops partitions not written for longer than the TTL (at most twice per TTL).
  void ExpireIdle(EventTime now);

  RankOptions options_;
  OperatorContext* context_ = nullptr;
  std::shared_ptr<arrow::Schema> input_schema_;  // without the row kind, decoded
  std::shared_ptr<arrow::Schema> output_schema_;
  GroupTable partitions_;  // partition key -> dense id (no aggregates)
  std::unique_ptr<KeyEncoder> row_encoder_;
  std::unique_ptr<SortKeyEncoder> order_encoder_;
  std::vector<Rows> rows_;            // per partition id
  std::vector<EventTime> window_of_;  // window Top-N: per partition id, its window end
  std::vector<uint64_t> touched_in_;  // per partition id: the batch that last changed it
  std::vector<EventTime> written_;    // with a TTL: per partition id, its last write
  EventTime next_expiry_ = 0;
  uint64_t batch_number_ = 0;
  // Window Top-N: window end (µs) -> the partitions of that window.
  std::map<EventTime, std::vector<uint32_t>> windows_;
  int window_end_index_ = -1;
  EventTime watermark_ = kMinWatermark;
  int64_t late_rows_ = 0;
};

}  // namespace weir::runtime
