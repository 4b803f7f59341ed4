#include "weir/api/changelog_result.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

#include "weir/runtime/operators/key_encoder.h"

namespace weir::api {

arrow::Result<std::shared_ptr<arrow::Table>> MaterializeChanges(
    const arrow::Table& changes) {
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Table> combined, changes.CombineChunks());
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Table> rows, combined->RemoveColumn(0));
  if (rows->num_rows() == 0) return rows;
  ARROW_ASSIGN_OR_RAISE(auto batch, rows->CombineChunksToBatch());
  std::vector<int> all(static_cast<size_t>(batch->num_columns()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  ARROW_ASSIGN_OR_RAISE(auto encoder, runtime::KeyEncoder::Make(batch->schema(), all));
  const auto columns = encoder.Columns(*batch);
  const auto& ops =
      static_cast<const arrow::StringArray&>(*combined->column(0)->chunk(0));
  // Each distinct row's present copies, as the changes' row numbers (LIFO).
  std::unordered_map<std::string, std::vector<int64_t>> present;
  std::string key;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    encoder.Encode(columns, r, &key);
    const std::string_view op = ops.GetView(r);
    if (op == "+I" || op == "+U") {
      present[key].push_back(r);
    } else if (auto it = present.find(key); it != present.end() && !it->second.empty()) {
      it->second.pop_back();
    }
  }
  std::vector<int64_t> left;
  for (const auto& [row, copies] : present)
    left.insert(left.end(), copies.begin(), copies.end());
  std::sort(left.begin(), left.end());
  arrow::Int64Builder indices;
  ARROW_RETURN_NOT_OK(indices.AppendValues(left));
  ARROW_ASSIGN_OR_RAISE(auto take, indices.Finish());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum kept,
                        arrow::compute::Take(arrow::Datum(batch), arrow::Datum(take)));
  return arrow::Table::FromRecordBatches(arrow::RecordBatchVector{kept.record_batch()});
}

}  // namespace weir::api
