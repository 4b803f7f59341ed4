#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>

#include "weir/expr/table_function.h"
#include "weir/runtime/operator.h"
#include "weir/runtime/operators/bound_expression.h"

namespace weir::runtime {

/// Joins each row with the rows a table function gives for it (Flink's Correlate:
/// `LATERAL TABLE(f(…))`, `UNNEST`), one call per batch. Stateless; a row's kind
/// (an update stream's row-kind column) is copied to each of its rows.
class CorrelateOperator : public Operator {
 public:
  /// Calls `function` with `args` (unbound expressions over the input) and appends
  /// its columns named `names`; with `left_outer`, keeps rows without output once,
  /// with nulls.
  CorrelateOperator(std::shared_ptr<const expr::TableFunction> function,
                    std::vector<arrow::compute::Expression> args,
                    std::vector<std::string> names, bool left_outer);

  arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override;

  /// The correlated batch for `batch` (what ProcessBatch emits; the batch
  /// executor calls it directly).
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Apply(
      const std::shared_ptr<arrow::RecordBatch>& batch);

 private:
  std::shared_ptr<const expr::TableFunction> function_;
  std::vector<BoundExpression> args_;
  std::vector<std::string> names_;
  bool left_outer_;
};

}  // namespace weir::runtime
