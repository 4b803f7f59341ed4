#pragma once

#include <cstdint>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::expr {

/// Computes a 64-bit hash of the key columns `key_indices` of every row of `batch`.
///
/// The hash is weir's own and stable: the same key gives the same hash on every run,
/// machine and Arrow version, because keyed state is stored and restored by key group
/// (derived from this hash). Equal values hash equally across integer widths, across
/// string/binary/large/view layouts and dictionary encoding; -0.0 hashes like 0.0 and
/// every NaN alike; a null hashes to a fixed value. Nested types are not supported as
/// keys (a user error names the column).
arrow::Result<std::vector<uint64_t>> HashKeyColumns(const arrow::RecordBatch& batch,
                                                    const std::vector<int>& key_indices);

/// Mixes 64 bits bijectively (the SplitMix64 finaliser): every input bit affects every
/// output bit. The building block of the key hash; also a counter-based random
/// generator (`Mix64(seed + i * odd)`).
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// Hashes `len` bytes with the same function HashKeyColumns uses for strings.
uint64_t HashBytes(const void* data, int64_t len);

}  // namespace weir::expr
