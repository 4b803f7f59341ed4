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

  /// Returns the value of `key`, or nullptr when it is absent.
  const uint32_t* Find(int64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Slot(key);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (!e.used) return nullptr;
      if (e.key == key) return &e.value;
    }
  }

  /// Removes `key` if present (backward-shift deletion: no tombstones, so lookups
  /// stay short however many keys come and go).
  void Erase(int64_t key) {
    if (slots_.empty()) return;
    size_t i = Slot(key);
    while (true) {
      if (!slots_[i].used) return;
      if (slots_[i].key == key) break;
      i = (i + 1) & mask_;
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      // An entry may move into the hole when its home slot is not between the hole
      // (exclusive) and its position (inclusive), cyclically.
      const size_t home = Slot(slots_[j].key);
      const bool stays =
          hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Entry{};
    --size_;
  }

  /// Removes every key.
  void Clear() {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
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
