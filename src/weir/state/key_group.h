#pragma once

#include <cstdint>

namespace weir::state {

/// Default number of key groups: the most subtasks a keyed operator can later be
/// rescaled to (Flink's max parallelism).
inline constexpr int kDefaultMaxParallelism = 128;

/// Returns the key group (0 … max_parallelism-1) of a key hash from
/// expr::HashKeyColumns. Keyed state is stored per key group.
inline int KeyGroupForHash(uint64_t key_hash, int max_parallelism) {
  return static_cast<int>(key_hash % static_cast<uint64_t>(max_parallelism));
}

/// Returns the subtask that owns `key_group` when an operator runs with
/// `parallelism` subtasks: contiguous ranges of key groups per subtask, as in Flink.
inline int SubtaskForKeyGroup(int key_group, int parallelism, int max_parallelism) {
  return static_cast<int>(static_cast<int64_t>(key_group) * parallelism /
                          max_parallelism);
}

}  // namespace weir::state
