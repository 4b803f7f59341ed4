#include "weir/runtime/changelog.h"

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/type.h>

namespace weir::runtime {

std::string_view RowKindString(RowKind kind) {
  switch (kind) {
    case RowKind::kInsert:
      return "+I";
    case RowKind::kUpdateBefore:
      return "-U";
    case RowKind::kUpdateAfter:
      return "+U";
    case RowKind::kDelete:
      return "-D";
  }
  return "+I";
}

int RowKindIndex(const arrow::Schema& schema) {
  return schema.GetFieldIndex(std::string(kRowKindColumn));
}

const int8_t* RowKinds(const arrow::RecordBatch& batch) {
  const int index = RowKindIndex(*batch.schema());
  if (index < 0) return nullptr;
  return batch.column_data(index)->GetValues<int8_t>(1);
}

std::shared_ptr<arrow::RecordBatch> WithoutRowKinds(
    const std::shared_ptr<arrow::RecordBatch>& batch) {
  const int index = RowKindIndex(*batch->schema());
  if (index < 0) return batch;
  auto removed = batch->RemoveColumn(index);
  return removed.ok() ? *removed : batch;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> WithRowKind(
    const std::shared_ptr<arrow::RecordBatch>& batch, RowKind kind) {
  const int64_t n = batch->num_rows();
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer(n));
  std::memset(buffer->mutable_data(), static_cast<int>(kind), static_cast<size_t>(n));
  auto kinds = std::make_shared<arrow::Int8Array>(n, std::move(buffer));
  return batch->AddColumn(batch->num_columns(),
                          arrow::field(std::string(kRowKindColumn), arrow::int8(), false),
                          kinds);
}

}  // namespace weir::runtime
