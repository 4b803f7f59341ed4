#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>

namespace weir::state {

/// What kind of state a registered name holds.
enum class StateKind { kValue, kList, kMap };

/// Time-to-live of state entries (Flink's StateTtlConfig with OnCreateAndWrite and
/// NeverReturnExpired): an entry not written for `ttl` reads as absent and is removed.
struct StateTtl {
  /// Zero disables expiry.
  std::chrono::milliseconds ttl{0};
};

/// A contiguous range of key groups [first, last] that a subtask owns.
struct KeyGroupRange {
  int first = 0;
  int last = -1;
  /// Returns whether `key_group` is in the range.
  bool Contains(int key_group) const { return key_group >= first && key_group <= last; }
};

/// Returns the key groups subtask `index` of `parallelism` owns (the inverse of
/// SubtaskForKeyGroup).
KeyGroupRange KeyGroupRangeFor(int index, int parallelism, int max_parallelism);

/// A keyed-state snapshot as pieces (KeyedStateBackend::SnapshotAsPieces).
struct SnapshotPieces {
  /// The snapshot's bytes, in order: views into `framing` and into the backend's
  /// stored values.
  std::vector<std::string_view> pieces;
  /// Owns the framing bytes `pieces` points into (a deque: stable addresses).
  std::deque<std::string> framing;
  /// The total size in bytes.
  int64_t size = 0;
};

/// Keyed state of one operator subtask: values addressed by (state, current key),
/// with entries of list and map state below that. Keys and values are bytes here;
/// typed views (ValueState<T>, …) sit on top. A RocksDB backend implements the same
/// interface later.
///
/// Threading: used by one task at a time. The current key is set by the operator
/// before it touches state for a row or a timer.
class KeyedStateBackend {
 public:
  virtual ~KeyedStateBackend() = default;

  /// Registers a state name and returns its id; registering an existing name with the
  /// same kind returns the same id, with another kind fails.
  virtual arrow::Result<int> Register(const std::string& name, StateKind kind,
                                      StateTtl ttl) = 0;

  /// Sets the key that following calls address, with its key group.
  virtual void SetCurrentKey(std::string_view key, int key_group) = 0;
  /// Returns the current key.
  virtual std::string_view current_key() const = 0;

  /// Reads the current key's value of a value state; false when absent.
  virtual bool Get(int state, std::string* value) = 0;
  /// Writes the current key's value of a value state.
  virtual void Put(int state, std::string_view value) = 0;
  /// Writes the current key's value of a value state, taking the bytes (no copy where
  /// the backend keeps strings).
  virtual void PutOwned(int state, std::string value) { Put(state, value); }
  /// Removes the current key's entry (any kind of state).
  virtual void Clear(int state) = 0;

  /// Appends to the current key's list.
  virtual void Append(int state, std::string_view element) = 0;
  /// Returns the current key's list (empty when absent).
  virtual std::vector<std::string> GetList(int state) = 0;

  /// Reads one map entry of the current key; false when absent.
  virtual bool GetEntry(int state, std::string_view user_key, std::string* value) = 0;
  /// Writes one map entry of the current key.
  virtual void PutEntry(int state, std::string_view user_key, std::string_view value) = 0;
  /// Removes one map entry of the current key.
  virtual void RemoveEntry(int state, std::string_view user_key) = 0;
  /// Visits every map entry of the current key.
  virtual void ForEachEntry(int state,
                            const std::function<void(std::string_view user_key,
                                                     std::string_view value)>& fn) = 0;

  /// Visits every key that has state `state` (for timers and tests).
  virtual void ForEachKey(int state,
                          const std::function<void(std::string_view key)>& fn) = 0;

  /// Writes every live entry to `out` in a self-describing format ordered by key group,
  /// so a restore can keep only the key groups it owns (rescaling).
  virtual arrow::Status Snapshot(arrow::io::OutputStream* out) = 0;
  /// Returns what Snapshot writes, as one string (sized once where the backend can).
  virtual arrow::Result<std::string> SnapshotBytes();
  /// Returns what Snapshot writes as pieces: large values are views of the backend's
  /// own bytes, valid while it lives and is not changed, so they are not copied.
  virtual arrow::Result<SnapshotPieces> SnapshotAsPieces();
  /// Loads the entries of key groups in `range` from a snapshot (one of several, when
  /// restoring after rescaling: call once per snapshot).
  virtual arrow::Status Restore(arrow::io::InputStream* in, KeyGroupRange range) = 0;

  /// Returns the number of (state, key) entries held (for metrics and tests).
  virtual int64_t num_entries() const = 0;
};

/// Makes the in-memory backend. `now` supplies the time for TTL (defaults to the
/// wall clock).
std::unique_ptr<KeyedStateBackend> MakeInMemoryStateBackend(
    std::function<int64_t()> now_millis = nullptr);

}  // namespace weir::state
