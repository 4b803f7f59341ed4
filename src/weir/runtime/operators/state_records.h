#pragma once
// Byte records of keyed operator state (Top-N, OVER and session windows): values
// and length-prefixed strings appended to a blob and read back in order, one blob
// per key group in the state backend.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/status.h>
#include <arrow/type_fwd.h>

#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

/// Appends the bytes of a fixed-width value.
template <typename T>
void PutRecordValue(T v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

/// Reads a value written by PutRecordValue from the front of `in`; false when `in`
/// is too short.
template <typename T>
bool GetRecordValue(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

/// Appends a string with its length.
void PutRecordString(std::string_view s, std::string* out);

/// Reads a string written by PutRecordString; false when `in` is too short.
bool GetRecordString(std::string_view* in, std::string* s);

/// Stores `blobs[kg]` (key group kg's records; empty ones are skipped) as value
/// state `state_id`, and `schema` as value state `schema_state` under the same key
/// groups, so a restoring subtask can decode its records before its first batch.
arrow::Status PutKeyGroupBlobs(state::KeyedStateBackend* backend, int state_id,
                               const std::vector<std::string>& blobs,
                               const std::string& schema_state,
                               const arrow::Schema& schema);

/// Returns every blob of value state `state_id` (the key groups the backend holds).
std::vector<std::string> GetKeyGroupBlobs(state::KeyedStateBackend* backend,
                                          int state_id);

}  // namespace weir::runtime
