#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/sql_type.h"

namespace weir::api {

using sql::SqlTypeName;

/// What a statement produced (Flink's TableResult).
class TableResult {
 public:
  /// Distinguishes the results.
  enum class Kind {
    kOk,    ///< DDL, SET and the like: only a message
    kRows,  ///< a query (or SHOW/DESCRIBE/EXPLAIN): rows
    kJob,   ///< an INSERT: a job ran; the rows written are in `rows_written`
  };

  /// Makes a message-only result.
  static TableResult Ok(std::string message);
  /// Makes a result holding rows; `names` are the visible column names.
  static TableResult Rows(std::shared_ptr<arrow::Table> table,
                          std::vector<std::string> names);
  /// Makes a result holding changes: an `op` column (+I, -U, +U, -D) and then the
  /// columns; `names` include "op" first.
  static TableResult Changes(std::shared_ptr<arrow::Table> table,
                             std::vector<std::string> names);
  /// Makes the result of an INSERT job.
  static TableResult Job(std::string message, int64_t rows_written);

  /// Returns the kind.
  Kind kind() const { return kind_; }
  /// Returns the message (kOk, kJob).
  const std::string& message() const { return message_; }
  /// Returns the rows with their visible column names (Flink's collect()); an empty
  /// table for results without rows.
  arrow::Result<std::shared_ptr<arrow::Table>> Collect() const;
  /// Prints the rows as an aligned table with column types and the row count (or the
  /// message) to `out` (Flink's print()).
  arrow::Status Print(std::FILE* out = stdout) const;
  /// Whether the rows are changes (Changes()): the first column is `op`.
  bool is_changelog() const { return changelog_; }
  /// Returns the rows an INSERT wrote.
  int64_t rows_written() const { return rows_written_; }

 private:
  Kind kind_ = Kind::kOk;
  std::string message_;
  std::shared_ptr<arrow::Table> table_;
  std::vector<std::string> names_;
  int64_t rows_written_ = 0;
  bool changelog_ = false;
};

}  // namespace weir::api
