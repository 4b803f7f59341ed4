#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/scalar.h>
#include <arrow/table_builder.h>

namespace weir::runtime {

/// A read-only view of one row of a batch, for row-at-a-time user functions (the
/// convenience path; vectorised operators are the fast one). Getters convert between
/// compatible types and fail with a user error naming the column otherwise.
class RowView {
 public:
  /// Views row `row` of `batch` (which must outlive the view).
  RowView(const arrow::RecordBatch* batch, int64_t row) : batch_(batch), row_(row) {}

  /// Returns the row's index in its batch.
  int64_t row() const { return row_; }
  /// Returns the batch's schema.
  const std::shared_ptr<arrow::Schema>& schema() const { return batch_->schema(); }
  /// Returns whether the column is null in this row.
  arrow::Result<bool> IsNull(std::string_view column) const;
  /// Returns an integer, date, time or timestamp column as int64 (raw units).
  arrow::Result<int64_t> GetInt64(std::string_view column) const;
  /// Returns a numeric column as double.
  arrow::Result<double> GetDouble(std::string_view column) const;
  /// Returns a string or binary column's bytes (valid while the batch lives).
  arrow::Result<std::string_view> GetString(std::string_view column) const;
  /// Returns a boolean column.
  arrow::Result<bool> GetBool(std::string_view column) const;
  /// Returns any column as a scalar.
  arrow::Result<std::shared_ptr<arrow::Scalar>> GetScalar(std::string_view column) const;

 private:
  arrow::Result<const arrow::Array*> Column(std::string_view name) const;

  const arrow::RecordBatch* batch_;
  int64_t row_;
};

/// One output value for RowCollector: null, a primitive, a string, or any scalar.
using RowValue = std::variant<std::monostate, bool, int64_t, double, std::string,
                              std::shared_ptr<arrow::Scalar>>;

/// Builds output batches row by row for a fixed schema.
class RowCollector {
 public:
  /// Makes a collector for `schema`.
  static arrow::Result<std::unique_ptr<RowCollector>> Make(
      std::shared_ptr<arrow::Schema> schema);

  /// Appends one row: one value per field, in schema order. int64 values fit integer,
  /// date, time and timestamp fields; double fits floating fields; strings fit string
  /// and binary fields; a scalar is cast to the field's type.
  arrow::Status Collect(const std::vector<RowValue>& values);

  /// Returns the rows collected since the last flush as a batch (nullptr when none).
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Flush();

  /// Returns the output schema.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }

 private:
  RowCollector() = default;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<arrow::RecordBatchBuilder> builder_;
  int64_t rows_ = 0;
};

}  // namespace weir::runtime
