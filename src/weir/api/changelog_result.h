#pragma once
// The final rows of a changelog: what a bounded streaming query over a changelog
// source (upsert-kafka, debezium-json) shows in result-mode `table`.

#include <memory>

#include <arrow/result.h>
#include <arrow/table.h>

namespace weir::api {

/// Applies `changes` (an `op` column of "+I", "-U", "+U", "-D", then the row's
/// columns) in order: +I and +U add their row, -U and -D remove one equal row (a
/// retraction of a row not present is ignored). Returns the rows left, without the
/// `op` column, in the order they were added.
arrow::Result<std::shared_ptr<arrow::Table>> MaterializeChanges(
    const arrow::Table& changes);

}  // namespace weir::api
