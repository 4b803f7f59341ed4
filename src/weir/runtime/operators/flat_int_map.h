#pragma once

#include <cstdint>
#include <vector>

namespace weir::runtime {

/// An open-addressing hash map from int64 keys to uint32 values (linear probing,
/// power-of-two capacity, at most half full). For per-row group lookups on integer
/// keys, where a node-based map's allocations, pointer chasing and modulo by a prime
/// dominate. Not thread-safe.
class FlatInt64Map {
 public:
  /// Returns the value of `key`, inserting `value` first when the key is absent;
  /// `inserted` says which happened.
  uint32_t FindOrInsert(int64_t key, uint32_t value, bool* inserted) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Slot(key);
    while (true) {
      Entry& e = slots_[i];
      if (!e.used) {
        e = Entry{key, value, true};
        ++size_;
        *inserted = true;
        return value;
      }
      if (e.key == key) {
        *inserted = false;
        return e.value;
      }
      i = (i + 1) & mask_;
    }
  }

  /// Returns the number of keys.
  size_t size() const { return size_; }

 private:
  struct Entry {
    int64_t key = 0;
    uint32_t value = 0;
    bool used = false;
  };

  size_t Slot(int64_t key) const {
    uint64_t x = static_cast<uint64_t>(key) * 0x9e3779b97f4a7c15ULL;
    return static_cast<size_t>(x >> 32 ^ x) & mask_;
  }

  void Grow() {
    std::vector<Entry> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Entry{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Entry& e : old) {
      if (!e.used) continue;
      bool inserted;
      FindOrInsert(e.key, e.value, &inserted);
    }
  }

  std::vector<Entry> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace weir::runtime
