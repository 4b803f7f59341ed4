#include "weir/runtime/operators/changelog_normalize.h"

#include <utility>

#include <arrow/builder.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_input.h"
#include "weir/runtime/operators/state_records.h"

namespace weir::runtime {
namespace {
constexpr const char* kStateName = "normalize";
}  // namespace

arrow::Status ChangelogNormalizeOperator::Open(OperatorContext* context) {
  context_ = context;
  return arrow::Status::OK();
}

arrow::Status ChangelogNormalizeOperator::Prepare(
    const std::shared_ptr<arrow::Schema>& schema) {
  input_schema_ = DecodedSchema(*schema);
  for (const std::string& key : keys_) {
    if (input_schema_->GetFieldIndex(key) < 0) {
      return UserError("primary key column '{}' is not in the input", key);
    }
  }
  if (!table_.prepared()) {
    ARROW_RETURN_NOT_OK(table_.Prepare(input_schema_, keys_, {}, /*retractions=*/false));
  }
  std::vector<int> all;
  for (int i = 0; i < input_schema_->num_fields(); ++i) all.push_back(i);
  ARROW_ASSIGN_OR_RAISE(KeyEncoder encoder, KeyEncoder::Make(input_schema_, all));
  row_encoder_ = std::make_unique<KeyEncoder>(std::move(encoder));
  arrow::FieldVector fields = input_schema_->fields();
  fields.push_back(arrow::field(std::string(kRowKindColumn), arrow::int8(), false));
  output_schema_ = arrow::schema(std::move(fields));
  return arrow::Status::OK();
}

arrow::Status ChangelogNormalizeOperator::ProcessBatch(
    int, const std::shared_ptr<arrow::RecordBatch>& raw, Output* out) {
  if (input_schema_ == nullptr) ARROW_RETURN_NOT_OK(Prepare(raw->schema()));
  const int64_t n = raw->num_rows();
  if (n == 0) return arrow::Status::OK();
  const int8_t* kinds = RowKinds(*raw);
  ARROW_ASSIGN_OR_RAISE(auto batch,
                        ConformInput(raw, input_schema_, "ChangelogNormalize"));
  const auto key_columns = table_.KeyColumns(*batch);
  const auto row_columns = row_encoder_->Columns(*batch);
  // The changes in order; rows retracted are copied (their state entry changes).
  std::vector<std::pair<RowKind, std::string>> changes;
  std::string row;
  for (int64_t r = 0; r < n; ++r) {
    const RowKind kind =
        kinds == nullptr ? RowKind::kInsert : static_cast<RowKind>(kinds[r]);
    std::optional<uint32_t> found = table_.FindRow(key_columns, r);
    if (!IsAccumulate(kind)) {
      if (!found) continue;  // a delete of a key never seen
      changes.emplace_back(RowKind::kDelete, std::move(rows_[*found]));
      rows_[*found].clear();
      table_.Free(*found);
      continue;
    }
    row_encoder_->Encode(row_columns, r, &row);
    if (!found) {
      const uint32_t g = table_.AddRow(key_columns, r);
      if (rows_.size() <= g) rows_.resize(g + 1);
      rows_[g] = row;
      changes.emplace_back(RowKind::kInsert, row);
      continue;
    }
    std::string& previous = rows_[*found];
    if (previous == row) continue;  // no change (Flink without state TTL)
    changes.emplace_back(RowKind::kUpdateBefore, std::move(previous));
    changes.emplace_back(RowKind::kUpdateAfter, row);
    previous = row;
  }
  if (changes.empty()) return arrow::Status::OK();
  std::vector<const std::string*> encoded;
  encoded.reserve(changes.size());
  arrow::Int8Builder row_kinds;
  ARROW_RETURN_NOT_OK(row_kinds.Reserve(static_cast<int64_t>(changes.size())));
  for (const auto& [kind, bytes] : changes) {
    encoded.push_back(&bytes);
    row_kinds.UnsafeAppend(static_cast<int8_t>(kind));
  }
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector columns, row_encoder_->Decode(encoded));
  ARROW_ASSIGN_OR_RAISE(auto kind_array, row_kinds.Finish());
  columns.push_back(std::move(kind_array));
  return out->Emit(arrow::RecordBatch::Make(
      output_schema_, static_cast<int64_t>(changes.size()), std::move(columns)));
}

arrow::Status ChangelogNormalizeOperator::SnapshotState(
    state::KeyedStateBackend* backend) {
  ARROW_ASSIGN_OR_RAISE(KeyedStateWriter write, SnapshotStateAsync());
  return write(backend);
}

arrow::Result<KeyedStateWriter> ChangelogNormalizeOperator::SnapshotStateAsync() {
  if (!table_.prepared()) {
    return KeyedStateWriter([](state::KeyedStateBackend* backend) {
      return backend->Register(kStateName, state::StateKind::kValue, {}).status();
    });
  }
  // A copy of the keys and last rows, serialized on the checkpoint's thread.
  const int max_parallelism = context_->subtask().max_parallelism;
  ARROW_ASSIGN_OR_RAISE(auto table, table_.SnapshotCopy(max_parallelism));
  auto rows = std::make_shared<const std::vector<std::string>>(rows_);
  return KeyedStateWriter([table, rows, max_parallelism](state::KeyedStateBackend* b) {
    return table->Snapshot(
        b, kStateName, max_parallelism,

        [&](uint32_t g, std::string* out) { PutRecordString((*rows)[g], out); });
  });
}

arrow::Status ChangelogNormalizeOperator::RestoreState(
    state::KeyedStateBackend* backend) {
  ARROW_RETURN_NOT_OK(
      table_.Restore(backend, kStateName, keys_, {}, /*retractions=*/false,

                     [&](uint32_t g, std::string_view* in) -> arrow::Status {
                       if (rows_.size() <= g) rows_.resize(g + 1);
                       if (!GetRecordString(in, &rows_[g])) {
                         return InternalError("ChangelogNormalize state is truncated");
                       }
                       return arrow::Status::OK();
                     }));
  if (table_.prepared()) ARROW_RETURN_NOT_OK(Prepare(table_.input_schema()));
  return arrow::Status::OK();
}

}  // namespace weir::runtime
