#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace weir::runtime {

/// Identifies a checkpoint; ids grow by one per triggered checkpoint of a job,
/// across restarts and restores.
using CheckpointId = int64_t;

/// The state one operator (or source) subtask wrote for a checkpoint.
struct OperatorSnapshot {
  /// The operator's identity in the job graph (`<vertex id>-<name>`), stable as long
  /// as the job is built the same way.
  std::string uid;
  /// The subtask that wrote it and its vertex's parallelism then.
  int subtask = 0;
  int parallelism = 1;
  /// Keyed state by key group (KeyedStateBackend::Snapshot); empty when none.
  std::string keyed;
  /// The keyed state as pieces instead of `keyed` (large values are not copied into
  /// one string): views that `keyed_owner` keeps valid.
  std::vector<std::string_view> keyed_pieces;
  /// Keeps `keyed_pieces` valid.
  std::shared_ptr<const void> keyed_owner;
  /// Set while the keyed state is still to be serialized (Flink's asynchronous
  /// snapshot phase): fills `keyed` or `keyed_pieces` from a copy the operator took.
  /// Run by SerializePendingState on the checkpoint's writer thread.
  std::function<arrow::Status(OperatorSnapshot*)> keyed_pending;
  /// Operator state: independent entries (source splits, pending files) that a
  /// restore may hand to any subtask (Flink's list state).
  std::vector<std::string> entries;
};

/// What one task (a chain of operators) wrote for a checkpoint.
struct TaskSnapshot {
  std::vector<OperatorSnapshot> operators;
};

/// A task snapshot encoded as the pieces of its file, in order: framing bytes it owns
/// and views of the operators' state (valid while the TaskSnapshot lives), so large
/// state is checksummed once and written without being copied into one buffer.
struct EncodedTaskSnapshot {
  /// The file's bytes, in order.
  std::vector<std::string_view> pieces;
  /// The CRC-32 of the whole file (what a checkpoint manifest records).
  uint32_t crc = 0;
  /// The file's size in bytes.
  int64_t size = 0;
  /// Owns the framing bytes `pieces` points into (a deque: stable addresses).
  std::deque<std::string> framing;
};

/// Runs every operator's `keyed_pending` into its `keyed` (the asynchronous part of
/// a snapshot); the first error stops it.
arrow::Status SerializePendingState(TaskSnapshot* snapshot);

/// Serializes a task snapshot (self-describing, versioned, with a checksum) as pieces.
EncodedTaskSnapshot EncodeTaskSnapshotPieces(const TaskSnapshot& snapshot);

/// Serializes a task snapshot into one string (EncodeTaskSnapshotPieces joined).
std::string EncodeTaskSnapshot(const TaskSnapshot& snapshot);

/// Parses what EncodeTaskSnapshot wrote; corrupt or truncated bytes are an error
/// naming `where`.
arrow::Result<TaskSnapshot> DecodeTaskSnapshot(std::string_view bytes,
                                               const std::string& where);

/// Returns the CRC-32 of `bytes`.
uint32_t Checksum(std::string_view bytes);

}  // namespace weir::runtime
