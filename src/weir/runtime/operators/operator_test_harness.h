#pragma once
// Test-only: drives one operator by hand (an Output that records what it emits, an
// OperatorContext with a settable subtask, batches from JSON), and moves keyed
// state through a snapshot into the subtasks of another parallelism.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "weir/expr/key_hash.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operator.h"
#include "weir/state/key_group.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime::testing {

/// Records the batches and watermarks an operator emits.
struct Capture : Output {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  std::vector<EventTime> watermarks;
  arrow::Status Emit(std::shared_ptr<arrow::RecordBatch> b) override {
    batches.push_back(std::move(b));
    return arrow::Status::OK();
  }
  arrow::Status EmitWatermark(EventTime w) override {
    watermarks.push_back(w);
    return arrow::Status::OK();
  }
  /// Every row as "+I[k, v, …]" (row kind +I when the batch has none), in order.
  std::vector<std::string> Rows() const {
    std::vector<std::string> rows;
    for (const auto& b : batches) {
      const int8_t* kinds = RowKinds(*b);
      const int kind_index = RowKindIndex(*b->schema());
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        std::string row(RowKindString(kinds == nullptr ? RowKind::kInsert
                                                       : static_cast<RowKind>(kinds[r])));
        row += "[";
        bool first = true;
        for (int c = 0; c < b->num_columns(); ++c) {
          if (c == kind_index) continue;
          if (!first) row += ", ";
          first = false;
          auto scalar = *b->column(c)->GetScalar(r);
          row += scalar->is_valid ? scalar->ToString() : "NULL";
        }
        rows.push_back(row + "]");
      }
    }
    return rows;
  }
};

/// A context for one subtask, with a settable processing time.
struct Context : OperatorContext {
  SubtaskInfo info;
  EventTime now = 0;
  const SubtaskInfo& subtask() const override { return info; }
  EventTime current_watermark() const override { return kMinWatermark; }
  EventTime ProcessingTime() const override { return now; }
  void RequestProcessingTimeCallback(EventTime) override {}
  std::shared_ptr<WakeHandle> MakeWakeHandle() override { return nullptr; }
};

/// Makes a batch from (field, JSON array) pairs.
inline std::shared_ptr<arrow::RecordBatch> Batch(
    const std::vector<std::pair<std::shared_ptr<arrow::Field>, std::string>>& columns) {
  arrow::FieldVector fields;
  arrow::ArrayVector arrays;
  for (const auto& [field, json] : columns) {
    fields.push_back(field);
    arrays.push_back(*arrow::json::ArrayFromJSONString(field->type(), json));
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), arrays[0]->length(), arrays);
}

/// Returns the serialized keyed state `op` snapshots.
inline std::shared_ptr<arrow::Buffer> SnapshotBytes(Operator* op) {
  auto backend = state::MakeInMemoryStateBackend();
  if (!op->SnapshotState(backend.get()).ok()) return nullptr;
  auto sink = *arrow::io::BufferOutputStream::Create();
  if (!backend->Snapshot(sink.get()).ok()) return nullptr;
  return *sink->Finish();
}

/// Restores `bytes` into `op` as subtask `index` of `parallelism` (its key groups
/// only) and returns the rows of `batch` whose key columns `keys` that subtask owns,
/// as a hash exchange would route them.
inline arrow::Result<std::shared_ptr<arrow::RecordBatch>> RestoreShare(
    const std::shared_ptr<arrow::Buffer>& bytes, Context* ctx, Operator* op,
    const std::shared_ptr<arrow::RecordBatch>& batch, const std::vector<int>& keys) {
  auto range = state::KeyGroupRangeFor(ctx->info.index, ctx->info.parallelism,
                                       ctx->info.max_parallelism);
  auto backend = state::MakeInMemoryStateBackend();
  arrow::io::BufferReader reader(bytes);
  ARROW_RETURN_NOT_OK(backend->Restore(&reader, range));
  ARROW_RETURN_NOT_OK(op->Open(ctx));
  ARROW_RETURN_NOT_OK(op->RestoreState(backend.get()));
  ARROW_ASSIGN_OR_RAISE(auto hashes, expr::HashKeyColumns(*batch, keys));
  arrow::BooleanBuilder mine;
  for (uint64_t h : hashes) {
    ARROW_RETURN_NOT_OK(mine.Append(
        range.Contains(state::KeyGroupForHash(h, ctx->info.max_parallelism))));
  }
  ARROW_ASSIGN_OR_RAISE(auto mask, mine.Finish());
  ARROW_ASSIGN_OR_RAISE(auto filtered,
                        arrow::compute::Filter(arrow::Datum(batch), arrow::Datum(mask)));
  return filtered.record_batch();
}

/// Restores `bytes` into one operator per subtask of `parallelism` (made by `make`),
/// feeds each its share of `batch` (key columns `keys`), and returns every row they
/// emit (Capture::Rows form) as a multiset; `*held` gets the sum of `count(op)` right
/// after the restores.
template <typename Op>
arrow::Result<std::multiset<std::string>> RunRestoredShares(
    const std::shared_ptr<arrow::Buffer>& bytes, int parallelism,
    const std::function<std::unique_ptr<Op>()>& make,
    const std::shared_ptr<arrow::RecordBatch>& batch, const std::vector<int>& keys,
    const std::function<size_t(const Op&)>& count, size_t* held) {
  std::multiset<std::string> rows;
  *held = 0;
  for (int index = 0; index < parallelism; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = parallelism;
    std::unique_ptr<Op> op = make();
    ARROW_ASSIGN_OR_RAISE(auto share, RestoreShare(bytes, &sub, op.get(), batch, keys));
    *held += count(*op);
    Capture out;
    ARROW_RETURN_NOT_OK(op->ProcessBatch(0, share, &out));
    for (const auto& row : out.Rows()) rows.insert(row);
  }
  return rows;
}

}  // namespace weir::runtime::testing
