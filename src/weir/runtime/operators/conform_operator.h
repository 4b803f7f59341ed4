#pragma once
// A table's declared column types over what its files hold: a Parquet file written
// with BIGINT read as a table declaring INT gives INT columns in batch and streaming
// mode alike, or an error naming the table and column.

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/operator.h"

namespace weir::runtime {

/// Returns `batch` with each column cast to the type of the same position in `want`
/// (and `want`'s field names); unchanged columns are not copied. A column that does
/// not convert, or a batch with another column count, is an error naming `table`.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformToSchema(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& want, const std::string& table);

/// Casts the columns of each batch of a table scan that `want` names to the types it
/// declares (columns it does not name pass unchanged), with ConformToSchema's errors.
class ConformOperator : public Operator {
 public:
  /// Makes the cast to `want` for the scan of `table` (named in errors).
  ConformOperator(std::shared_ptr<arrow::Schema> want, std::string table)
      : want_(std::move(want)), table_(std::move(table)) {}

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

 private:
  std::shared_ptr<arrow::Schema> want_;
  std::string table_;
  // The last input schema seen, and the declared type for each of its columns
  // (null: kept as is); an input needing no cast is passed without a copy.
  std::shared_ptr<arrow::Schema> seen_;
  std::vector<std::shared_ptr<arrow::DataType>> casts_;
  std::shared_ptr<arrow::Schema> output_;
  bool identity_ = true;
};

}  // namespace weir::runtime
