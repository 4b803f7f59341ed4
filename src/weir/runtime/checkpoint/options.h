#pragma once

#include <chrono>
#include <string>

namespace weir::runtime {

/// How a job checkpoints (Flink's execution.checkpointing.* and state.checkpoints.*).
struct CheckpointingOptions {
  /// Directory of the checkpoints (`chk-<id>/` folders). Empty disables
  /// checkpointing: no periodic checkpoints, no restore, no restarts from state.
  std::string dir;
  /// Time between the starts of two periodic checkpoints; zero means none (only the
  /// final checkpoint at the end of input and savepoints).
  std::chrono::milliseconds interval{0};
  /// A checkpoint not complete after this long is aborted.
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  /// Least time between the end of one checkpoint and the start of the next.
  std::chrono::milliseconds min_pause{0};
  /// Completed checkpoints kept; older ones are deleted.
  int retain = 3;
  /// Restore from this checkpoint or savepoint folder, or from the newest valid
  /// checkpoint under this directory. Empty: the newest valid checkpoint under
  /// `dir`, if any (so a job started again after a crash continues).
  std::string restore_path;
  /// Whether to restore from `dir` at all when `restore_path` is empty.
  bool restore_latest = true;
};

/// What to do when a task fails (Flink's restart-strategy).
struct RestartStrategy {
  /// kNone fails the job on the first task failure; kFixedDelay restarts it from the
  /// latest completed checkpoint up to `attempts` times, waiting `delay` before each.
  enum class Kind { kNone, kFixedDelay };
  Kind kind = Kind::kNone;
  int attempts = 3;
  std::chrono::milliseconds delay{1000};
};

}  // namespace weir::runtime
