#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/status.h>

namespace weir::cli {

/// Flink's SQL client result-mode `table` for a SELECT over unbounded sources: the
/// changes (batches whose first column `op` holds +I, -U, +U or -D) are applied to
/// a materialized view, which is redrawn in place on the terminal at most once per
/// `refresh` interval: a header with the number of rows and changes, then as many
/// rows as the terminal shows.
class ChangeTableView {
 public:
  /// Draws on `out` (not owned; a terminal).
  ChangeTableView(std::FILE* out, std::chrono::milliseconds refresh)
      : out_(out), refresh_(refresh) {}

  /// Applies a batch of changes (+I/+U add the row, -U/-D remove one equal row)
  /// and redraws when the last drawing is older than the refresh interval.
  arrow::Status Apply(const arrow::RecordBatch& changes);

  /// Draws the final view (after the query ended or was cancelled).
  void Finish();

  /// Returns the number of rows in the view.
  size_t size() const { return rows_.size(); }

 private:
  void Draw(bool final);

  std::FILE* out_;
  std::chrono::milliseconds refresh_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> rows_;
  int64_t changes_ = 0;
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  size_t slot_ = kNoSlot;  // where the row a -U removed was (for its +U)
  std::chrono::steady_clock::time_point drawn_{};
};

}  // namespace weir::cli
