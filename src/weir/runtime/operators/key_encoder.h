#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

/// Encodes the key columns of a row as bytes that compare equal exactly when the keys
/// are equal (SQL grouping semantics: nulls group together, -0.0 with 0.0, NaN with
/// NaN), and decodes such bytes back into Arrow columns. Used as the hash-map key of
/// keyed operators; one-column integer and short string keys fit the small-string
/// buffer, so they allocate nothing.
class KeyEncoder {
 public:
  /// Prepares to encode columns `key_indices` of batches with `schema`. Fails with a
  /// user error naming a column whose type cannot be a key.
  static arrow::Result<KeyEncoder> Make(const std::shared_ptr<arrow::Schema>& schema,
                                        const std::vector<int>& key_indices);

  /// Returns the key columns of `batch`, to encode many rows without looking the
  /// columns up per row.
  std::vector<const arrow::Array*> Columns(const arrow::RecordBatch& batch) const;

  /// Writes the key of row `row` into `out` (replacing its contents); `columns` comes
  /// from Columns().
  void Encode(const std::vector<const arrow::Array*>& columns, int64_t row,
              std::string* out) const;

  /// Writes the key of row `row` of `batch` into `out` (replacing its contents).
  void Encode(const arrow::RecordBatch& batch, int64_t row, std::string* out) const {
    Encode(Columns(batch), row, out);
  }

  /// Returns the key hashes (expr::HashKeyColumns) of encoded keys: the values the hash
  /// exchange computed for them, hence their key groups.
  arrow::Result<std::vector<uint64_t>> HashEncoded(
      const std::vector<const std::string*>& keys) const;

  /// Returns the integer of an encoded single-integer key (see single_integer()), or
  /// nullopt for a null key.
  static std::optional<int64_t> DecodeSingleInteger(std::string_view encoded);

  /// Returns whether the key is a single integer-like column (a fast path for
  /// operators: such keys can be handled as int64).
  bool single_integer() const;

  /// Returns the key columns (as fields) in order.
  const arrow::FieldVector& fields() const { return fields_; }

  /// Decodes `keys` (as produced by Encode) into one array per key column.
  arrow::Result<arrow::ArrayVector> Decode(
      const std::vector<std::string_view>& keys) const;
  /// Decodes `keys` (as produced by Encode) into one array per key column.
  arrow::Result<arrow::ArrayVector> Decode(
      const std::vector<const std::string*>& keys) const;

 private:
  std::vector<int> indices_;
  arrow::FieldVector fields_;
};

/// Writes one value-state entry per encoded key into `backend` (state `state_id`),
/// each under its key's key group, the value of key i being `value_of(i)`. For keyed
/// operators that snapshot a map from encoded key to state.
arrow::Status PutPerKey(const KeyEncoder& encoder, state::KeyedStateBackend* backend,
                        int state_id, int max_parallelism,
                        const std::vector<const std::string*>& keys,
                        const std::function<std::string(size_t)>& value_of,
                        std::set<int>* key_groups = nullptr);

/// Saves an operator's input schema as value state `name` under each of `key_groups`
/// (the groups its state uses), so that whichever groups a restoring subtask owns, it
/// can decode its keys and emit before seeing a batch.
arrow::Status SaveInputSchema(state::KeyedStateBackend* backend, const std::string& name,
                              const arrow::Schema& schema,
                              const std::set<int>& key_groups);

/// Returns the schema SaveInputSchema stored, or nullptr when there is none.
arrow::Result<std::shared_ptr<arrow::Schema>> LoadInputSchema(
    state::KeyedStateBackend* backend, const std::string& name);

}  // namespace weir::runtime
