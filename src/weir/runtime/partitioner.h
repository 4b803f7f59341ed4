#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::runtime {

/// How records move from the subtasks of one vertex to those of the next.
struct Partitioning {
  /// The exchange pattern.
  enum class Kind {
    kForward,    ///< subtask i → subtask i (equal parallelism); chained when possible
    kRebalance,  ///< whole batches round-robin over every consumer subtask
    kHash,       ///< rows by the hash of key columns (key_by)
    kBroadcast,  ///< every batch to every consumer subtask
  };
  Kind kind = Kind::kForward;
  /// Key column names, for kHash.
  std::vector<std::string> keys;

  /// Returns a forward exchange.
  static Partitioning Forward() { return {Kind::kForward, {}}; }
  /// Returns a rebalancing exchange.
  static Partitioning Rebalance() { return {Kind::kRebalance, {}}; }
  /// Returns a hash exchange on `keys`.
  static Partitioning Hash(std::vector<std::string> keys) {
    return {Kind::kHash, std::move(keys)};
  }
  /// Returns a broadcast exchange.
  static Partitioning Broadcast() { return {Kind::kBroadcast, {}}; }
  /// Returns a short description, e.g. `hash(user)`.
  std::string ToString() const;
};

/// Splits a producer subtask's batches over the channels of one outgoing edge.
/// Used by one task only (not thread-safe).
class Partitioner {
 public:
  virtual ~Partitioner() = default;
  /// Appends (channel index, batch) pairs for `batch` to `out`.
  virtual arrow::Status Route(
      const std::shared_ptr<arrow::RecordBatch>& batch,
      std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>>* out) = 0;
};

/// Makes the partitioner for `p` from producer subtask `producer_index` over
/// `num_channels` consumer subtasks; `max_parallelism` is the number of key groups.
std::unique_ptr<Partitioner> MakePartitioner(const Partitioning& p, int producer_index,
                                             int num_channels, int max_parallelism);

}  // namespace weir::runtime
