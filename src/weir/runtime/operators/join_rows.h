#pragma once
// The row work streaming joins share: evaluating a join condition over (input row,
// stored row) pairs, and building joined output rows, one side from an input batch
// and the other from rows decoded out of state.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/bound_expression.h"
#include "weir/runtime/operators/key_encoder.h"
#include "weir/runtime/operators/state_records.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

/// One input of a streaming join: its columns (the plan's, dictionaries decoded, no
/// row-kind column), and encoders of its key columns and of its whole rows (the form
/// rows are kept in state).
struct JoinSide {
  std::shared_ptr<arrow::Schema> schema;
  std::unique_ptr<KeyEncoder> keys;
  std::unique_ptr<KeyEncoder> rows;
};

/// Prepares both inputs of a join from the plan's columns and equality keys; fails
/// when a key is missing, when paired keys differ in type, or when a column cannot be
/// kept in state (nested types).
arrow::Status PrepareJoinSides(const std::shared_ptr<arrow::Schema>& left,
                               const std::shared_ptr<arrow::Schema>& right,
                               const std::vector<std::string>& left_keys,
                               const std::vector<std::string>& right_keys,
                               JoinSide sides[2]);

/// Writes a join's keyed state as value state `name` (one blob per key group):
/// for each entry of `keys` (encoded join key → per-key state), the key and what
/// `write(state, blob)` appends. `encoder` hashes the keys as the exchange did.
template <typename Map, typename Write>
arrow::Status PutJoinState(state::KeyedStateBackend* backend, const std::string& name,
                           const KeyEncoder& encoder, int max_parallelism,
                           const Map& keys, const arrow::Schema& schema, Write write) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  if (keys.empty()) return arrow::Status::OK();
  std::vector<const std::string*> encoded;
  encoded.reserve(keys.size());
  for (const auto& entry : keys) encoded.push_back(&entry.first);
  ARROW_ASSIGN_OR_RAISE(auto hashes, encoder.HashEncoded(encoded));
  std::vector<std::string> blobs(static_cast<size_t>(max_parallelism));
  size_t i = 0;
  for (const auto& [key, value] : keys) {
    std::string& blob =
        blobs[static_cast<size_t>(state::KeyGroupForHash(hashes[i++], max_parallelism))];
    PutRecordString(key, &blob);
    write(value, &blob);
  }
  return PutKeyGroupBlobs(backend, id, blobs, name + "-schema", schema);
}

/// Reads what PutJoinState wrote: for each key, `read(key, &in)` reads its state from
/// the front of `in`.
template <typename Read>
arrow::Status GetJoinState(state::KeyedStateBackend* backend, const std::string& name,
                           Read read) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  for (const std::string& blob : GetKeyGroupBlobs(backend, id)) {
    std::string_view in(blob);
    while (!in.empty()) {
      std::string key;
      if (!GetRecordString(&in, &key)) {
        return arrow::Status::Invalid("join state '", name, "' is truncated");
      }
      ARROW_RETURN_NOT_OK(read(key, &in));
    }
  }
  return arrow::Status::OK();
}

/// The stored rows of the side opposite a batch, as a join met them: encoded rows
/// (a KeyEncoder over every column of that side) and their columns once decoded.
class StoredRows {
 public:
  /// Prepares to collect rows encoded by `encoder`.
  explicit StoredRows(const KeyEncoder* encoder) : encoder_(encoder) {}
  /// Adds a stored row (kept by pointer: it must outlive this object) and returns its
  /// index; a row added before gets its earlier index.
  int64_t Add(const std::string* encoded);
  /// Returns how many distinct rows were added.
  size_t size() const { return rows_.size(); }
  /// Returns the decoded columns of the rows added so far (decoded once).
  arrow::Result<const arrow::ArrayVector*> Columns();

 private:
  const KeyEncoder* encoder_;
  std::vector<const std::string*> rows_;
  std::unordered_map<const std::string*, int64_t> index_;
  arrow::ArrayVector columns_;
  size_t decoded_ = 0;
};

/// Evaluates `condition` (over the left columns followed by the right ones) for the
/// pairs (row `input_rows[p]` of `input`, stored row `stored_rows[p]`), where `input`
/// holds side `side`'s columns (0 left, 1 right); returns whether each pair holds (a
/// NULL result does not). `watermark` is what CURRENT_WATERMARK reads.
arrow::Result<std::vector<bool>> EvaluateJoinCondition(
    BoundExpression* condition, int side, const arrow::RecordBatch& input,
    StoredRows* stored, const std::shared_ptr<arrow::Schema>& left,
    const std::shared_ptr<arrow::Schema>& right, const std::vector<int64_t>& input_rows,
    const std::vector<int64_t>& stored_rows, EventTime watermark);

/// One joined output row: its kind, the input row its side's columns come from and
/// the stored row the other side's come from (-1: NULLs).
struct JoinedRow {
  RowKind kind;
  int64_t input_row;
  int64_t stored_row;
};

/// Builds the output batch of `rows` with `schema`: the left columns, then the right
/// ones unless `left_only` (semi/anti joins), then the row kinds when `schema` ends
/// with the row-kind column. `input` holds side `side`'s columns and `stored` the
/// other side's rows, whose columns are `other_schema`.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> BuildJoinedRows(
    const std::shared_ptr<arrow::Schema>& schema, int side,
    const arrow::RecordBatch& input, StoredRows* stored,
    const std::shared_ptr<arrow::Schema>& other_schema, bool left_only,
    const std::vector<JoinedRow>& rows);

}  // namespace weir::runtime
