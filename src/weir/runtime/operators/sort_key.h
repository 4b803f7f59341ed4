#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/operators/ordered_value.h"

namespace weir::runtime {

/// One ORDER BY key: a column, its direction and where its nulls go.
struct SortKeyColumn {
  std::string column;
  bool descending = false;
  bool nulls_first = false;
};

/// Encodes the ORDER BY keys of a row as bytes whose order (as std::string compares
/// them) is the rows' order, so keyed operators can keep rows sorted in ordinary
/// ordered containers (Top-N) and batch code can sort by any mix of types and
/// directions with one comparison. Equal keys encode equally (peers).
///
/// Per key: a null marker placing nulls first or last, then the value's
/// order-preserving bytes (OrderedValueCodec); variable-length values escape 0x00
/// and end with 0x00 0x00 so a shorter prefix sorts first; DESC inverts the value's
/// bytes.
class SortKeyEncoder {
 public:
  /// Prepares to encode `keys` of batches with `schema`; a user error names a column
  /// that does not exist or cannot be ordered. Dictionary columns are ordered by
  /// their values.
  static arrow::Result<SortKeyEncoder> Make(const arrow::Schema& schema,
                                            const std::vector<SortKeyColumn>& keys);

  /// Returns the key columns of `batch` (dictionaries decoded), to encode many rows.
  arrow::Result<arrow::ArrayVector> Columns(const arrow::RecordBatch& batch) const;

  /// Writes the key of row `row` into `out`, replacing its contents; `columns` comes
  /// from Columns().
  void Encode(const arrow::ArrayVector& columns, int64_t row, std::string* out) const;

 private:
  std::vector<int> indices_;
  std::vector<SortKeyColumn> keys_;
  std::vector<OrderedValueCodec> codecs_;
};

}  // namespace weir::runtime
