#pragma once
// Input batches of keyed SQL operators (Top-N, OVER, session windows) in the form
// they encode and keep: dictionary columns as their values, the row-kind column
// apart.

#include <memory>
#include <string_view>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::runtime {

/// Returns `schema` with dictionary fields as their value types and without the
/// row-kind column.
std::shared_ptr<arrow::Schema> DecodedSchema(const arrow::Schema& schema);

/// Returns `batch` without its row-kind column and with its columns cast to
/// `decoded` (a DecodedSchema of the first batch); a user error naming `what` when
/// the batch's columns no longer match.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformInput(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& decoded, std::string_view what);

}  // namespace weir::runtime
