#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "weir/runtime/checkpoint/snapshot.h"

namespace weir::runtime {

/// What kind of snapshot a checkpoint folder holds.
enum class CheckpointKind {
  kCheckpoint,  ///< periodic
  kSavepoint,   ///< taken on request (stop with savepoint)
  kFinal,       ///< taken when every input ended
};

/// Returns "checkpoint", "savepoint" or "final".
const char* CheckpointKindName(CheckpointKind kind);

/// One task's state file in a checkpoint folder.
struct TaskStateFile {
  std::string name;  ///< file name inside the checkpoint folder
  int64_t bytes = 0;
  uint32_t crc = 0;
};

/// The manifest of a completed checkpoint (`_metadata` in its folder). A checkpoint
/// folder without a valid manifest is incomplete and never restored.
struct CheckpointManifest {
  CheckpointId id = 0;
  CheckpointKind kind = CheckpointKind::kCheckpoint;
  std::string job_name;
  int64_t timestamp_ms = 0;
  std::vector<TaskStateFile> tasks;
};

/// The name of the manifest file inside a checkpoint folder.
inline constexpr const char* kManifestName = "_metadata";

/// Returns the folder of checkpoint `id` under the checkpoint directory `root`.
std::string CheckpointFolder(const std::string& root, CheckpointId id);

/// Writes a task's state into `folder` (created if missing) and fsyncs it.
arrow::Result<TaskStateFile> WriteTaskState(const std::string& folder,
                                            const std::string& task_key,
                                            const std::string& bytes);

/// Writes an encoded task snapshot into `folder` (created if missing) piece by
/// piece and fsyncs it; its checksum is the one the encoding computed.
arrow::Result<TaskStateFile> WriteTaskState(const std::string& folder,
                                            const std::string& task_key,
                                            const EncodedTaskSnapshot& encoded);

/// Writes the manifest atomically: to a temporary file, fsync, rename to
/// `_metadata`, fsync the folder. Only then does the checkpoint exist.
arrow::Status WriteManifest(const std::string& folder,
                            const CheckpointManifest& manifest);

/// Reads and checks a checkpoint folder's manifest and the sizes and checksums of
/// the state files it lists. Errors say what is wrong, naming the folder.
arrow::Result<CheckpointManifest> ReadManifest(const std::string& folder);

/// A loaded checkpoint: every operator's snapshots by uid, one per old subtask.
struct RestoredCheckpoint {
  CheckpointManifest manifest;
  std::string folder;
  std::map<std::string, std::vector<OperatorSnapshot>> by_uid;
};

/// Loads a checkpoint folder (one with `_metadata`).
arrow::Result<RestoredCheckpoint> LoadCheckpoint(const std::string& folder);

/// Returns the newest valid completed checkpoint or savepoint folder under `root`
/// (`chk-<id>`, `savepoint-<id>`; ids are shared), or nullopt when there is none. Folders
/// that are incomplete or corrupt are skipped with a warning in the log, never loaded.
arrow::Result<std::optional<std::string>> FindLatestCheckpoint(const std::string& root);

/// Resolves a restore path: a checkpoint or savepoint folder is used as is; a
/// checkpoint directory means its newest valid checkpoint (nullopt when empty).
arrow::Result<std::optional<std::string>> ResolveRestorePath(const std::string& path);

/// Deletes under `root` every completed checkpoint but the newest `retain`, and
/// incomplete folders older than the newest completed one. Savepoints are kept.
void PruneCheckpoints(const std::string& root, int retain);

/// Returns the highest checkpoint id of any folder under `root` (complete or not),
/// or 0; new checkpoints continue above it so that ids are never reused.
CheckpointId HighestCheckpointId(const std::string& root);

}  // namespace weir::runtime
