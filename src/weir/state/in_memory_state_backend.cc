// The in-memory keyed state backend: hash maps of byte strings, per state name.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <unordered_map>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "weir/common/error.h"
#include "weir/state/key_group.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

KeyGroupRange KeyGroupRangeFor(int index, int parallelism, int max_parallelism) {
  // Smallest key group g with g * parallelism / max_parallelism == index.
  const int first = static_cast<int>(
      (static_cast<int64_t>(index) * max_parallelism + parallelism - 1) / parallelism);
  const int last = static_cast<int>((static_cast<int64_t>(index + 1) * max_parallelism +
                                     parallelism - 1) /
                                    parallelism) -
                   1;
  return KeyGroupRange{first, last};
}

namespace {

constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'K', 'S', '1', '\n'};

struct Entry {
  int key_group = 0;
  int64_t written_ms = 0;
  std::string value;
  std::vector<std::string> list;
  std::unordered_map<std::string, std::string> map;
};

struct StateTable {
  std::string name;
  StateKind kind;
  StateTtl ttl;
  std::unordered_map<std::string, Entry> entries;
};

// Little-endian-agnostic because snapshots are read on the same kind of machine;
// the format carries lengths everywhere so truncation is detected.
class Writer {
 public:
  explicit Writer(arrow::io::OutputStream* out) : out_(out) {}
  arrow::Status Raw(const void* data, size_t size) {
    return out_->Write(data, static_cast<int64_t>(size));
  }
  template <typename T>
  arrow::Status Pod(T v) {
    return out_->Write(&v, sizeof(v));
  }
  arrow::Status Bytes(std::string_view s) {
    ARROW_RETURN_NOT_OK(Pod<uint32_t>(static_cast<uint32_t>(s.size())));
    return out_->Write(s.data(), static_cast<int64_t>(s.size()));
  }

 private:
  arrow::io::OutputStream* out_;
};

// Writer's interface into pieces: small writes are copied into framing strings,
// large values are referenced (they must outlive the pieces).
class PiecesWriter {
 public:
  explicit PiecesWriter(SnapshotPieces* out) : out_(out) {
    current_ = &out_->framing.emplace_back();
  }
  arrow::Status Raw(const void* data, size_t size) {
    current_->append(static_cast<const char*>(data), size);
    return arrow::Status::OK();
  }
  template <typename T>
  arrow::Status Pod(T v) {
    return Raw(&v, sizeof(v));
  }
  arrow::Status Bytes(std::string_view s) {
    ARROW_RETURN_NOT_OK(Pod<uint32_t>(static_cast<uint32_t>(s.size())));
    if (s.size() < kReferenceFrom) return Raw(s.data(), s.size());
    Flush();
    out_->pieces.push_back(s);
    out_->size += static_cast<int64_t>(s.size());
    current_ = &out_->framing.emplace_back();
    return arrow::Status::OK();
  }
  // Ends the last framing piece.
  void Flush() {
    if (current_->empty()) return;
    out_->pieces.push_back(*current_);
    out_->size += static_cast<int64_t>(current_->size());
  }

 private:
  static constexpr size_t kReferenceFrom = 4096;
  SnapshotPieces* out_;
  std::string* current_;
};

class Reader {
 public:
  explicit Reader(arrow::io::InputStream* in) : in_(in) {}
  template <typename T>
  arrow::Status Pod(T* v) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, in_->Read(sizeof(T), v));
    if (n != static_cast<int64_t>(sizeof(T))) return Truncated();
    return arrow::Status::OK();
  }
  arrow::Status Bytes(std::string* s) {
    uint32_t len;
    ARROW_RETURN_NOT_OK(Pod(&len));
    if (len > (1u << 30))
      return InternalError("state snapshot is corrupt: entry of {} bytes", len);
    s->resize(len);
    ARROW_ASSIGN_OR_RAISE(int64_t n, in_->Read(len, s->data()));
    if (n != len) return Truncated();
    return arrow::Status::OK();
  }
  static arrow::Status Truncated() {
    return InternalError("state snapshot is truncated");
  }

 private:
  arrow::io::InputStream* in_;
};

class InMemoryStateBackend : public KeyedStateBackend {
 public:
  explicit InMemoryStateBackend(std::function<int64_t()> now) : now_(std::move(now)) {
    if (!now_) {
      now_ = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  arrow::Result<int> Register(const std::string& name, StateKind kind,
                              StateTtl ttl) override {
    for (size_t i = 0; i < states_.size(); ++i) {
      if (states_[i].name != name) continue;
      if (states_[i].kind != kind) {
        return UserError("state '{}' is already registered as another kind", name);
      }
      states_[i].ttl = ttl;
      return static_cast<int>(i);
    }
    states_.push_back(StateTable{name, kind, ttl, {}});
    return static_cast<int>(states_.size() - 1);
  }

  void SetCurrentKey(std::string_view key, int key_group) override {
    key_.assign(key.data(), key.size());
    key_group_ = key_group;
  }
  std::string_view current_key() const override { return key_; }

  bool Get(int state, std::string* value) override {
    Entry* e = Find(state);
    if (!e) return false;
    *value = e->value;
    return true;
  }
  void Put(int state, std::string_view value) override {
    Entry& e = Upsert(state);
    e.value.assign(value.data(), value.size());
  }
  void PutOwned(int state, std::string value) override {
    Upsert(state).value = std::move(value);
  }
  void Clear(int state) override { states_[state].entries.erase(key_); }

  void Append(int state, std::string_view element) override {
    Upsert(state).list.emplace_back(element);
  }
  std::vector<std::string> GetList(int state) override {
    Entry* e = Find(state);
    return e ? e->list : std::vector<std::string>{};
  }

  bool GetEntry(int state, std::string_view user_key, std::string* value) override {
    Entry* e = Find(state);
    if (!e) return false;
    auto it = e->map.find(std::string(user_key));
    if (it == e->map.end()) return false;
    *value = it->second;
    return true;
  }
  void PutEntry(int state, std::string_view user_key, std::string_view value) override {
    Upsert(state).map[std::string(user_key)] = std::string(value);
  }
  void RemoveEntry(int state, std::string_view user_key) override {
    Entry* e = Find(state);
    if (!e) return;
    e->map.erase(std::string(user_key));
    if (e->map.empty()) Clear(state);
  }
  void ForEachEntry(
      int state,
      const std::function<void(std::string_view, std::string_view)>& fn) override {
    Entry* e = Find(state);
    if (!e) return;
    for (const auto& [k, v] : e->map) fn(k, v);
  }
  void ForEachKey(int state, const std::function<void(std::string_view)>& fn) override {
    for (const auto& [k, e] : states_[state].entries) fn(k);
  }

  arrow::Status Snapshot(arrow::io::OutputStream* out) override {
    Writer w(out);
    return Write(w);
  }

  arrow::Result<std::string> SnapshotBytes() override {
    ARROW_ASSIGN_OR_RAISE(SnapshotPieces pieces, SnapshotAsPieces());
    std::string bytes;
    bytes.reserve(static_cast<size_t>(pieces.size));
    for (std::string_view piece : pieces.pieces) bytes.append(piece);
    return bytes;
  }

  arrow::Result<SnapshotPieces> SnapshotAsPieces() override {
    SnapshotPieces pieces;
    PiecesWriter w(&pieces);
    ARROW_RETURN_NOT_OK(Write(w));
    w.Flush();
    return pieces;
  }

  // Writes the snapshot through `w` (a Writer or PiecesWriter).
  template <typename W>
  arrow::Status Write(W& w) {
    ARROW_RETURN_NOT_OK(w.Raw(kMagic, sizeof(kMagic)));
    ARROW_RETURN_NOT_OK(w.template Pod<uint32_t>(static_cast<uint32_t>(states_.size())));
    for (const auto& s : states_) {
      ARROW_RETURN_NOT_OK(w.Bytes(s.name));
      ARROW_RETURN_NOT_OK(w.template Pod<uint8_t>(static_cast<uint8_t>(s.kind)));
      ARROW_RETURN_NOT_OK(w.template Pod<int64_t>(s.ttl.ttl.count()));
    }
    // Entries ordered by key group, then state, then key: deterministic output.
    struct Ref {
      int key_group;
      uint32_t state;
      const std::string* key;
      const Entry* entry;
    };
    std::vector<Ref> refs;
    const int64_t now = now_();
    for (uint32_t s = 0; s < states_.size(); ++s) {
      for (const auto& [k, e] : states_[s].entries) {
        if (Expired(states_[s], e, now)) continue;
        refs.push_back({e.key_group, s, &k, &e});
      }
    }
    std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
      if (a.key_group != b.key_group) return a.key_group < b.key_group;
      if (a.state != b.state) return a.state < b.state;
      return *a.key < *b.key;
    });
    ARROW_RETURN_NOT_OK(w.template Pod<uint64_t>(refs.size()));
    for (const Ref& r : refs) {
      ARROW_RETURN_NOT_OK(w.template Pod<uint32_t>(r.state));
      ARROW_RETURN_NOT_OK(w.template Pod<int32_t>(r.key_group));
      ARROW_RETURN_NOT_OK(w.Bytes(*r.key));
      ARROW_RETURN_NOT_OK(w.template Pod<int64_t>(r.entry->written_ms));
      switch (states_[r.state].kind) {
        case StateKind::kValue:
          ARROW_RETURN_NOT_OK(w.Bytes(r.entry->value));
          break;
        case StateKind::kList:
          ARROW_RETURN_NOT_OK(
              w.template Pod<uint32_t>(static_cast<uint32_t>(r.entry->list.size())));
          for (const auto& x : r.entry->list) ARROW_RETURN_NOT_OK(w.Bytes(x));
          break;
        case StateKind::kMap: {
          std::map<std::string, std::string> sorted(r.entry->map.begin(),
                                                    r.entry->map.end());
          ARROW_RETURN_NOT_OK(
              w.template Pod<uint32_t>(static_cast<uint32_t>(sorted.size())));
          for (const auto& [k, v] : sorted) {
            ARROW_RETURN_NOT_OK(w.Bytes(k));
            ARROW_RETURN_NOT_OK(w.Bytes(v));
          }
          break;
        }
      }
    }
    return w.Bytes("end");
  }

  arrow::Status Restore(arrow::io::InputStream* in, KeyGroupRange range) override {
    Reader r(in);
    char magic[sizeof(kMagic)];
    ARROW_ASSIGN_OR_RAISE(int64_t n, in->Read(sizeof(magic), magic));
    if (n != sizeof(magic) || std::memcmp(magic, kMagic, sizeof(magic)) != 0) {
      return InternalError("not a weir keyed-state snapshot");
    }
    uint32_t num_states;
    ARROW_RETURN_NOT_OK(r.Pod(&num_states));
    std::vector<int> ids;
    for (uint32_t i = 0; i < num_states; ++i) {
      std::string name;
      uint8_t kind;
      int64_t ttl;
      ARROW_RETURN_NOT_OK(r.Bytes(&name));
      ARROW_RETURN_NOT_OK(r.Pod(&kind));
      ARROW_RETURN_NOT_OK(r.Pod(&ttl));
      if (kind > static_cast<uint8_t>(StateKind::kMap)) {
        return InternalError("state snapshot is corrupt: unknown state kind {}", kind);
      }
      ARROW_ASSIGN_OR_RAISE(int id, Register(name, static_cast<StateKind>(kind),
                                             StateTtl{std::chrono::milliseconds(ttl)}));
      ids.push_back(id);
    }
    uint64_t entries;
    ARROW_RETURN_NOT_OK(r.Pod(&entries));
    for (uint64_t i = 0; i < entries; ++i) {
      uint32_t state;
      int32_t key_group;
      std::string key;
      Entry e;
      ARROW_RETURN_NOT_OK(r.Pod(&state));
      if (state >= ids.size())
        return InternalError("state snapshot is corrupt: bad state id");
      ARROW_RETURN_NOT_OK(r.Pod(&key_group));
      ARROW_RETURN_NOT_OK(r.Bytes(&key));
      ARROW_RETURN_NOT_OK(r.Pod(&e.written_ms));
      e.key_group = key_group;
      StateTable& table = states_[ids[state]];
      switch (table.kind) {
        case StateKind::kValue:
          ARROW_RETURN_NOT_OK(r.Bytes(&e.value));
          break;
        case StateKind::kList: {
          uint32_t count;
          ARROW_RETURN_NOT_OK(r.Pod(&count));
          e.list.resize(count);
          for (auto& x : e.list) ARROW_RETURN_NOT_OK(r.Bytes(&x));
          break;
        }
        case StateKind::kMap: {
          uint32_t count;
          ARROW_RETURN_NOT_OK(r.Pod(&count));
          for (uint32_t j = 0; j < count; ++j) {
            std::string k, v;
            ARROW_RETURN_NOT_OK(r.Bytes(&k));
            ARROW_RETURN_NOT_OK(r.Bytes(&v));
            e.map.emplace(std::move(k), std::move(v));
          }
          break;
        }
      }
      if (range.Contains(key_group)) table.entries[key] = std::move(e);
    }
    std::string end;
    ARROW_RETURN_NOT_OK(r.Bytes(&end));
    if (end != "end") return InternalError("state snapshot is corrupt: bad end marker");
    return arrow::Status::OK();
  }

  int64_t num_entries() const override {
    int64_t n = 0;
    for (const auto& s : states_) n += static_cast<int64_t>(s.entries.size());
    return n;
  }

 private:
  bool Expired(const StateTable& table, const Entry& e, int64_t now) const {
    return table.ttl.ttl.count() > 0 && now - e.written_ms >= table.ttl.ttl.count();
  }

  Entry* Find(int state) {
    StateTable& table = states_[state];
    auto it = table.entries.find(key_);
    if (it == table.entries.end()) return nullptr;
    if (Expired(table, it->second, now_())) {
      table.entries.erase(it);
      return nullptr;
    }
    return &it->second;
  }

  Entry& Upsert(int state) {
    StateTable& table = states_[state];
    Entry& e = table.entries[key_];
    const int64_t now = now_();
    if (Expired(table, e, now)) e = Entry{};
    e.key_group = key_group_;
    e.written_ms = now;
    return e;
  }

  std::function<int64_t()> now_;
  std::vector<StateTable> states_;
  std::string key_;
  int key_group_ = 0;
};

}  // namespace

arrow::Result<std::string> KeyedStateBackend::SnapshotBytes() {
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::BufferOutputStream::Create());
  ARROW_RETURN_NOT_OK(Snapshot(out.get()));
  ARROW_ASSIGN_OR_RAISE(auto buffer, out->Finish());
  return buffer->ToString();
}

arrow::Result<SnapshotPieces> KeyedStateBackend::SnapshotAsPieces() {
  SnapshotPieces pieces;
  ARROW_ASSIGN_OR_RAISE(pieces.framing.emplace_back(), SnapshotBytes());
  pieces.pieces.push_back(pieces.framing.back());
  pieces.size = static_cast<int64_t>(pieces.framing.back().size());
  return pieces;
}

std::unique_ptr<KeyedStateBackend> MakeInMemoryStateBackend(
    std::function<int64_t()> now) {
  return std::make_unique<InMemoryStateBackend>(std::move(now));
}

}  // namespace weir::state
