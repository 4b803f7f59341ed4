#include "weir/runtime/checkpoint/snapshot.h"

#include <cstring>

#include <arrow/util/crc32.h>
#include <zlib.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

constexpr std::string_view kMagic = "WEIRTASK1";

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}

void PutBytes(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}

class Reader {
 public:
  Reader(std::string_view b, const std::string& where) : b_(b), where_(where) {}
  arrow::Result<uint64_t> U64() {
    if (b_.size() < 8) return Truncated();
    uint64_t v;
    std::memcpy(&v, b_.data(), 8);
    b_.remove_prefix(8);
    return v;
  }
  arrow::Result<std::string> Bytes() {
    ARROW_ASSIGN_OR_RAISE(auto n, U64());
    if (b_.size() < n) return Truncated();
    std::string s(b_.substr(0, n));
    b_.remove_prefix(n);
    return s;
  }
  bool done() const { return b_.empty(); }

 private:
  arrow::Status Truncated() const {
    return UserError("checkpoint state '{}' is truncated", where_);
  }
  std::string_view b_;
  const std::string& where_;
};

}  // namespace

uint32_t Checksum(std::string_view bytes) {
  return arrow::internal::crc32(0, bytes.data(), bytes.size());
}

arrow::Status SerializePendingState(TaskSnapshot* snapshot) {
  for (OperatorSnapshot& op : snapshot->operators) {
    if (!op.keyed_pending) continue;
    auto pending = std::move(op.keyed_pending);
    op.keyed_pending = nullptr;
    ARROW_RETURN_NOT_OK(pending(&op));
  }
  return arrow::Status::OK();
}

EncodedTaskSnapshot EncodeTaskSnapshotPieces(const TaskSnapshot& snapshot) {
  // The body: per operator its framing (uid, subtask, parallelism, the keyed state's
  // length), the keyed state itself (a view), then its entries.
  EncodedTaskSnapshot out;
  std::vector<std::string_view> body;
  std::string* framing = &out.framing.emplace_back();
  PutU64(framing, snapshot.operators.size());
  for (const auto& op : snapshot.operators) {
    PutBytes(framing, op.uid);
    PutU64(framing, static_cast<uint64_t>(op.subtask));
    PutU64(framing, static_cast<uint64_t>(op.parallelism));
    if (op.keyed_pieces.empty()) {
      PutU64(framing, op.keyed.size());
      body.push_back(*framing);
      body.push_back(op.keyed);
    } else {
      uint64_t size = 0;
      for (std::string_view piece : op.keyed_pieces) size += piece.size();
      PutU64(framing, size);
      body.push_back(*framing);
      body.insert(body.end(), op.keyed_pieces.begin(), op.keyed_pieces.end());
    }
    framing = &out.framing.emplace_back();
    PutU64(framing, op.entries.size());
    for (const auto& e : op.entries) PutBytes(framing, e);
  }
  body.push_back(*framing);
  uint32_t body_crc = 0;
  int64_t body_size = 0;
  for (std::string_view piece : body) {
    body_crc = arrow::internal::crc32(body_crc, piece.data(), piece.size());
    body_size += static_cast<int64_t>(piece.size());
  }
  std::string& header = out.framing.emplace_back(kMagic);
  PutU64(&header, body_crc);
  // The file's checksum from the header's and the body's, without reading it again.
  out.crc = static_cast<uint32_t>(crc32_combine(Checksum(header), body_crc, body_size));
  out.size = static_cast<int64_t>(header.size()) + body_size;
  out.pieces.push_back(header);
  out.pieces.insert(out.pieces.end(), body.begin(), body.end());
  return out;
}

std::string EncodeTaskSnapshot(const TaskSnapshot& snapshot) {
  EncodedTaskSnapshot encoded = EncodeTaskSnapshotPieces(snapshot);
  std::string out;
  out.reserve(static_cast<size_t>(encoded.size));
  for (std::string_view piece : encoded.pieces) out.append(piece);
  return out;
}

arrow::Result<TaskSnapshot> DecodeTaskSnapshot(std::string_view bytes,
                                               const std::string& where) {
  if (bytes.size() < kMagic.size() + 8 || bytes.substr(0, kMagic.size()) != kMagic)
    return UserError("'{}' is not a weir checkpoint state file", where);
  bytes.remove_prefix(kMagic.size());
  uint64_t crc;
  std::memcpy(&crc, bytes.data(), 8);
  bytes.remove_prefix(8);
  if (crc != Checksum(bytes))
    return UserError("checkpoint state '{}' is corrupt (checksum mismatch)", where);
  Reader r(bytes, where);
  TaskSnapshot snapshot;
  ARROW_ASSIGN_OR_RAISE(auto n, r.U64());
  for (uint64_t i = 0; i < n; ++i) {
    OperatorSnapshot op;
    ARROW_ASSIGN_OR_RAISE(op.uid, r.Bytes());
    ARROW_ASSIGN_OR_RAISE(auto subtask, r.U64());
    ARROW_ASSIGN_OR_RAISE(auto parallelism, r.U64());
    op.subtask = static_cast<int>(subtask);
    op.parallelism = static_cast<int>(parallelism);
    ARROW_ASSIGN_OR_RAISE(op.keyed, r.Bytes());
    ARROW_ASSIGN_OR_RAISE(auto entries, r.U64());
    for (uint64_t k = 0; k < entries; ++k) {
      ARROW_ASSIGN_OR_RAISE(auto e, r.Bytes());
      op.entries.push_back(std::move(e));
    }
    snapshot.operators.push_back(std::move(op));
  }
  if (!r.done()) return UserError("checkpoint state '{}' has trailing bytes", where);
  return snapshot;
}

}  // namespace weir::runtime
