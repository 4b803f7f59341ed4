#include "weir/runtime/operators/state_records.h"

#include <set>

#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

void PutRecordString(std::string_view s, std::string* out) {
  PutRecordValue(static_cast<uint32_t>(s.size()), out);
  out->append(s);
}

bool GetRecordString(std::string_view* in, std::string* s) {
  uint32_t size = 0;
  if (!GetRecordValue(in, &size) || in->size() < size) return false;
  s->assign(in->data(), size);
  in->remove_prefix(size);
  return true;
}

arrow::Status PutKeyGroupBlobs(state::KeyedStateBackend* backend, int state_id,
                               const std::vector<std::string>& blobs,
                               const std::string& schema_state,
                               const arrow::Schema& schema) {
  std::set<int> key_groups;
  for (size_t kg = 0; kg < blobs.size(); ++kg) {
    if (blobs[kg].empty()) continue;
    const int group = static_cast<int>(kg);
    backend->SetCurrentKey(
        std::string_view(reinterpret_cast<const char*>(&group), sizeof(group)), group);
    backend->Put(state_id, blobs[kg]);
    key_groups.insert(group);
  }
  return SaveInputSchema(backend, schema_state, schema, key_groups);
}

std::vector<std::string> GetKeyGroupBlobs(state::KeyedStateBackend* backend,
                                          int state_id) {
  std::vector<std::string> keys;
  backend->ForEachKey(state_id, [&](std::string_view k) { keys.emplace_back(k); });
  std::vector<std::string> blobs;
  for (const std::string& key : keys) {
    backend->SetCurrentKey(key, 0);
    std::string blob;
    if (backend->Get(state_id, &blob)) blobs.push_back(std::move(blob));
  }
  return blobs;
}

}  // namespace weir::runtime
