#pragma once

// Table functions: each input row gives zero or more output rows (Flink's
// TableFunction, SQL's `LATERAL TABLE(f(…))` and `UNNEST`), and the lateral join
// (Flink's Correlate) that appends their rows to the row they came from.

#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type.h>

namespace weir::expr {

/// What a table function gave for a batch of argument rows.
struct TableFunctionRows {
  /// For each output row, the argument row it came from: int64, ascending.
  std::shared_ptr<arrow::Array> row_index;
  /// The output columns, one per field of the function, as long as `row_index`.
  arrow::ArrayVector columns;
};

/// A table function. Apply is called from several subtasks at once; an
/// implementation that keeps state guards it.
class TableFunction {
 public:
  /// Makes a function named `name` (for messages) whose rows have `fields`.
  TableFunction(std::string name, arrow::FieldVector fields)
      : name_(std::move(name)), fields_(std::move(fields)) {}
  virtual ~TableFunction() = default;

  /// The name for messages, e.g. "Python table function 'split'".
  const std::string& name() const { return name_; }
  /// The columns of its rows (names are the function's defaults; SQL aliases
  /// rename them).
  const arrow::FieldVector& fields() const { return fields_; }

  /// Evaluates the function over `length` rows of arguments (each array `length`
  /// long).
  virtual arrow::Result<TableFunctionRows> Apply(const arrow::ArrayVector& args,
                                                 int64_t length) const = 0;

 private:
  std::string name_;
  arrow::FieldVector fields_;
};

/// Makes SQL's UNNEST over one argument of `type`: an ARRAY gives a row per
/// element (a ROW element type gives one column per field, others one column
/// `EXPR$0`), a MAP a row per entry with columns `KEY` and `VALUE`; NULL and empty
/// collections give no row. `with_ordinality` appends `ORDINALITY` (INT, from 1).
arrow::Result<std::shared_ptr<TableFunction>> MakeUnnest(
    const std::shared_ptr<arrow::DataType>& type, bool with_ordinality);

/// Checks what a table function returned for `length` argument rows: the index is
/// int64, ascending, within [0, length), and every column as long as it and of
/// the function's type. Errors name the function.
arrow::Status ValidateTableFunctionRows(const TableFunction& function,
                                        const TableFunctionRows& rows, int64_t length);

/// The lateral join of `input` with `function` (Flink's Correlate): each row of
/// `input` once for every row the function gives for it, followed by that row's
/// columns, named `names`; with `left_outer`, a row for which it gives none is
/// kept once with nulls. `args` are the function's arguments evaluated over
/// `input`.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> CorrelateBatch(
    const std::shared_ptr<arrow::RecordBatch>& input, const arrow::ArrayVector& args,
    const TableFunction& function, const std::vector<std::string>& names,
    bool left_outer);

}  // namespace weir::expr
