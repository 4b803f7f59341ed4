#pragma once

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/state/keyed_state_backend.h"

namespace weir::state {

/// Turns values into bytes and back for state. Provided for arithmetic types and
/// std::string; specialise it for your own types.
template <typename T, typename Enable = void>
struct Serializer;

/// Arithmetic types: their bytes as they are in memory.
template <typename T>
struct Serializer<T, std::enable_if_t<std::is_arithmetic_v<T>>> {
  /// Returns the bytes of `v`.
  static std::string Encode(const T& v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  /// Returns the value in `bytes`.
  static T Decode(std::string_view bytes) {
    T v{};
    std::memcpy(&v, bytes.data(), std::min(bytes.size(), sizeof(T)));
    return v;
  }
};

/// Strings: their bytes.
template <>
struct Serializer<std::string> {
  /// Returns `v` itself.
  static std::string Encode(const std::string& v) { return v; }
  /// Returns the bytes as a string.
  static std::string Decode(std::string_view bytes) { return std::string(bytes); }
};

/// One value per key (Flink's ValueState).
template <typename T>
class ValueState {
 public:
  /// Binds to state `id` of `backend`.
  ValueState(KeyedStateBackend* backend, int id) : backend_(backend), id_(id) {}
  /// Returns the current key's value, or nullopt.
  std::optional<T> Value() const {
    std::string bytes;
    if (!backend_->Get(id_, &bytes)) return std::nullopt;
    return Serializer<T>::Decode(bytes);
  }
  /// Sets the current key's value.
  void Update(const T& v) { backend_->Put(id_, Serializer<T>::Encode(v)); }
  /// Removes the current key's value.
  void Clear() { backend_->Clear(id_); }

 private:
  KeyedStateBackend* backend_;
  int id_;
};

/// A list per key (Flink's ListState).
template <typename T>
class ListState {
 public:
  /// Binds to state `id` of `backend`.
  ListState(KeyedStateBackend* backend, int id) : backend_(backend), id_(id) {}
  /// Returns the current key's elements in insertion order.
  std::vector<T> Get() const {
    std::vector<T> out;
    for (const auto& b : backend_->GetList(id_)) out.push_back(Serializer<T>::Decode(b));
    return out;
  }
  /// Appends an element.
  void Add(const T& v) { backend_->Append(id_, Serializer<T>::Encode(v)); }
  /// Replaces the list.
  void Update(const std::vector<T>& values) {
    backend_->Clear(id_);
    for (const auto& v : values) Add(v);
  }
  /// Removes the list.
  void Clear() { backend_->Clear(id_); }

 private:
  KeyedStateBackend* backend_;
  int id_;
};

/// A map per key (Flink's MapState).
template <typename K, typename V>
class MapState {
 public:
  /// Binds to state `id` of `backend`.
  MapState(KeyedStateBackend* backend, int id) : backend_(backend), id_(id) {}
  /// Returns the value of `key`, or nullopt.
  std::optional<V> Get(const K& key) const {
    std::string bytes;
    if (!backend_->GetEntry(id_, Serializer<K>::Encode(key), &bytes)) return std::nullopt;
    return Serializer<V>::Decode(bytes);
  }
  /// Sets the value of `key`.
  void Put(const K& key, const V& value) {
    backend_->PutEntry(id_, Serializer<K>::Encode(key), Serializer<V>::Encode(value));
  }
  /// Returns whether `key` is present.
  bool Contains(const K& key) const { return Get(key).has_value(); }
  /// Removes `key`.
  void Remove(const K& key) { backend_->RemoveEntry(id_, Serializer<K>::Encode(key)); }
  /// Returns every entry (unordered).
  std::vector<std::pair<K, V>> Entries() const {
    std::vector<std::pair<K, V>> out;
    backend_->ForEachEntry(id_, [&](std::string_view k, std::string_view v) {
      out.emplace_back(Serializer<K>::Decode(k), Serializer<V>::Decode(v));
    });
    return out;
  }
  /// Removes the whole map.
  void Clear() { backend_->Clear(id_); }

 private:
  KeyedStateBackend* backend_;
  int id_;
};

/// A value per key folded with a reduce function on every Add (Flink's
/// ReducingState).
template <typename T>
class ReducingState {
 public:
  /// Binds to state `id` of `backend`, combining with `reduce`.
  ReducingState(KeyedStateBackend* backend, int id,
                std::function<T(const T&, const T&)> reduce)
      : value_(backend, id), reduce_(std::move(reduce)) {}
  /// Returns the reduced value, or nullopt when nothing was added.
  std::optional<T> Get() const { return value_.Value(); }
  /// Folds `v` into the value.
  void Add(const T& v) {
    auto current = value_.Value();
    value_.Update(current ? reduce_(*current, v) : v);
  }
  /// Removes the value.
  void Clear() { value_.Clear(); }

 private:
  ValueState<T> value_;
  std::function<T(const T&, const T&)> reduce_;
};

/// Registers (or finds) value state `name` and returns a typed handle.
template <typename T>
arrow::Result<ValueState<T>> GetValueState(KeyedStateBackend* backend,
                                           const std::string& name, StateTtl ttl = {}) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, StateKind::kValue, ttl));
  return ValueState<T>(backend, id);
}

/// Registers (or finds) list state `name` and returns a typed handle.
template <typename T>
arrow::Result<ListState<T>> GetListState(KeyedStateBackend* backend,
                                         const std::string& name, StateTtl ttl = {}) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, StateKind::kList, ttl));
  return ListState<T>(backend, id);
}

/// Registers (or finds) map state `name` and returns a typed handle.
template <typename K, typename V>
arrow::Result<MapState<K, V>> GetMapState(KeyedStateBackend* backend,
                                          const std::string& name, StateTtl ttl = {}) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, StateKind::kMap, ttl));
  return MapState<K, V>(backend, id);
}

/// Registers (or finds) reducing state `name` and returns a typed handle.
template <typename T>
arrow::Result<ReducingState<T>> GetReducingState(
    KeyedStateBackend* backend, const std::string& name,
    std::function<T(const T&, const T&)> reduce, StateTtl ttl = {}) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, StateKind::kValue, ttl));
  return ReducingState<T>(backend, id, std::move(reduce));
}

}  // namespace weir::state
