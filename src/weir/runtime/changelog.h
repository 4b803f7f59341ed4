#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::runtime {

/// The kind of change a row of an updating stream carries (Flink's RowKind, with
/// Flink's byte values).
enum class RowKind : int8_t {
  kInsert = 0,        ///< +I: a new row
  kUpdateBefore = 1,  ///< -U: the previous content of an updated row (retracted)
  kUpdateAfter = 2,   ///< +U: the new content of an updated row
  kDelete = 3,        ///< -D: a row removed
};

/// The column that carries each row's RowKind (int8) in the batches of an updating
/// stream. Insert-only streams have no such column: every row is +I. Operators that
/// pass rows through keep the column; projections carry it along.
inline constexpr std::string_view kRowKindColumn = "$row_kind";

/// Returns Flink's short string of a row kind: "+I", "-U", "+U" or "-D".
std::string_view RowKindString(RowKind kind);

/// Returns whether a row of this kind adds to its key's content (+I, +U) rather than
/// retracting it (-U, -D).
inline bool IsAccumulate(RowKind kind) {
  return kind == RowKind::kInsert || kind == RowKind::kUpdateAfter;
}

/// Returns the index of the row-kind column in `schema`, or -1 for an insert-only
/// stream.
int RowKindIndex(const arrow::Schema& schema);

/// Returns the row kinds of `batch` (null when the batch has no row-kind column, i.e.
/// every row is +I). The pointer is valid while the batch lives.
const int8_t* RowKinds(const arrow::RecordBatch& batch);

/// Returns `batch` without its row-kind column (the same batch when it has none).
std::shared_ptr<arrow::RecordBatch> WithoutRowKinds(
    const std::shared_ptr<arrow::RecordBatch>& batch);

/// Returns `batch` with a row-kind column appended whose every row is `kind` (for
/// insert-only input feeding an operator or sink that wants explicit kinds).
arrow::Result<std::shared_ptr<arrow::RecordBatch>> WithRowKind(
    const std::shared_ptr<arrow::RecordBatch>& batch, RowKind kind);

}  // namespace weir::runtime
