#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/operators/flat_int_map.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/key_encoder.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

/// The groups of a keyed SQL aggregation (group or window aggregation): encoded key
/// → dense group id, and per aggregate the accumulators of every group. Group 0 is
/// reserved for rows to ignore; freed ids are reused. Used by one operator subtask.
class GroupTable {
 public:
  /// Resolves `keys` and `calls` against `schema` (dictionary columns count as their
  /// values); `retractions` as for GroupAccumulators::Make. User errors name a
  /// missing column or unsupported aggregate.
  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema,
                        const std::vector<std::string>& keys,
                        const std::vector<GroupAggregateCall>& calls, bool retractions);

  /// Returns whether Prepare ran.
  bool prepared() const { return schema_ != nullptr; }
  /// Returns the schema Prepare was given.
  const std::shared_ptr<arrow::Schema>& input_schema() const { return schema_; }
  /// Returns the key fields followed by the aggregate result fields.
  const arrow::FieldVector& output_fields() const { return output_fields_; }

  /// Returns `batch` with dictionary columns decoded (the form Encode/Update take).
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Normalize(
      const std::shared_ptr<arrow::RecordBatch>& batch) const;
  /// Returns the key columns of a normalized batch.
  std::vector<const arrow::Array*> KeyColumns(const arrow::RecordBatch& batch) const {
    return encoder_->Columns(batch);
  }

  /// Returns the group of row `row`'s key (columns from KeyColumns), or nullopt
  /// when it has none. A single integer key is looked up without encoding it.
  std::optional<uint32_t> FindRow(const std::vector<const arrow::Array*>& columns,
                                  int64_t row);
  /// Makes a group for row `row`'s key, which has none.
  uint32_t AddRow(const std::vector<const arrow::Array*>& columns, int64_t row);
  /// Makes a group for an encoded key that has none.
  uint32_t Add(const std::string& key);
  /// Drops group `g` (its id is reused).
  void Free(uint32_t g);
  /// Returns the key group of each of `groups` (live), hashing each key once.
  arrow::Result<std::vector<int32_t>> KeyGroupsOf(const std::vector<uint32_t>& groups,
                                                  int max_parallelism) const;
  /// Makes an empty group without a key, for results merged from other groups; it is
  /// not found by key, not snapshotted, and must go back with FreeScratch.
  uint32_t AddScratch();
  /// Drops a group AddScratch made.
  void FreeScratch(uint32_t g);
  /// Folds group `from`'s accumulators into group `into`'s (every aggregate must be
  /// a MergeableAggregate).
  void Merge(uint32_t into, uint32_t from) {
    for (auto& acc : accumulators_) acc->Merge(into, from);
  }
  /// Returns the number of live groups.
  size_t size() const { return live_count_; }
  /// Returns the encoded key of group `g`.
  const std::string& key(uint32_t g) const { return keys_[g]; }

  /// Folds rows 0 … n-1 of a normalized batch into `groups[i]` (kIgnored rows are
  /// dropped); `kinds` (null: all +I) says which rows retract.
  arrow::Status Update(const arrow::RecordBatch& batch, const uint32_t* groups,
                       const int8_t* kinds);
  /// Returns one array per aggregate with the results of `groups`.
  arrow::Result<arrow::ArrayVector> Results(const std::vector<uint32_t>& groups) const;
  /// Returns one array per key column for `groups`.
  arrow::Result<arrow::ArrayVector> Keys(const std::vector<uint32_t>& groups) const;

  /// Appends the operator's own state of group `g` to `out` (Snapshot).
  using SnapshotPrefix = std::function<void(uint32_t g, std::string* out)>;
  /// Reads what a SnapshotPrefix wrote for group `g`, advancing `in`.
  using RestorePrefix = std::function<arrow::Status(uint32_t g, std::string_view* in)>;

  /// Writes every group's key, prefix (`prefix`, may be null) and accumulators as
  /// value state `name` under its key's key group, plus the input schema, so Restore
  /// can rebuild the table.
  arrow::Status Snapshot(state::KeyedStateBackend* backend, const std::string& name,
                         int max_parallelism, const SnapshotPrefix& prefix) const;
  /// Returns a copy of what Snapshot writes (schema, keys, key groups and every
  /// group's accumulators), taken now, so that Snapshot can run on the copy on
  /// another thread while this table goes on. The copy cannot be updated.
  arrow::Result<std::shared_ptr<const GroupTable>> SnapshotCopy(
      int max_parallelism) const;
  /// Rebuilds the groups Snapshot wrote (Prepare runs from the saved schema);
  /// `read_prefix` reads what the SnapshotPrefix wrote.
  arrow::Status Restore(state::KeyedStateBackend* backend, const std::string& name,
                        const std::vector<std::string>& keys,
                        const std::vector<GroupAggregateCall>& calls, bool retractions,
                        const RestorePrefix& read_prefix);

  /// The group rows without state go to (never emitted).
  static constexpr uint32_t kIgnored = 0;

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::Schema> normalized_;
  arrow::FieldVector output_fields_;
  std::optional<KeyEncoder> encoder_;
  std::vector<int> input_index_;  // input column per aggregate (-1: none)
  std::vector<std::unique_ptr<GroupAccumulators>> accumulators_;
  std::unordered_map<std::string, uint32_t> group_of_;
  // A single integer key: non-null keys → group here instead (the fast path).
  bool int_key_ = false;
  FlatInt64Map int_group_of_;
  std::string scratch_;
  std::vector<std::string> keys_;  // group id → encoded key
  std::vector<bool> live_;         // group id → in use
  size_t live_count_ = 0;
  std::vector<uint32_t> free_;
  // Snapshot's: group id → its key's key group (-1: not known yet; a key never
  // changes while its group lives).
  mutable std::vector<int32_t> key_group_;
  // Returns the ids of the live groups, ascending.
  std::vector<uint32_t> LiveGroups() const;
  // Fills key_group_ for `groups` (hashing the keys not yet known).
  arrow::Status CacheKeyGroups(const std::vector<uint32_t>& groups,
                               int max_parallelism) const;
  mutable int key_groups_of_ = 0;  // the max parallelism key_group_ is for
  // Bytes per group in the last snapshot (0: none yet), shared with SnapshotCopy's
  // copies, which write later.
  std::shared_ptr<std::atomic<size_t>> bytes_per_group_ =
      std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace weir::runtime
