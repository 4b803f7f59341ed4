#include "python_operator.h"

#include <limits>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include <arrow/builder.h>

#include <nanobind/stl/string.h>

#include "arrow_interop.h"
#include "python_udf.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/operator.h"
#include "weir/state/key_group.h"

namespace nb = nanobind;

namespace weir::python {
namespace {

constexpr const char* kStateName = "python-keyed";

// Shared by the operators of one vertex: what they call, kept alive with the GIL.
struct PythonFunction {
  PythonFunction(nb::object make, std::shared_ptr<arrow::Schema> schema,
                 std::string description)
      : make(std::move(make)),
        schema(std::move(schema)),
        description(std::move(description)) {}
  ~PythonFunction() {
    if (Py_IsInitialized()) {
      nb::gil_scoped_acquire gil;
      make.reset();
    } else {
      make.release();
    }
  }
  nb::object make;
  std::shared_ptr<arrow::Schema> schema;
  std::string description;
};

// Side outputs of one call: (tag, batch) pairs.
using SideBatches =
    std::vector<std::pair<std::string, std::shared_ptr<arrow::RecordBatch>>>;

class PythonOperator : public runtime::Operator {
 public:
  explicit PythonOperator(std::shared_ptr<const PythonFunction> function)
      : function_(std::move(function)) {}

  ~PythonOperator() override { Release(); }

  arrow::Status Open(runtime::OperatorContext* context) override {
    context_ = context;
    const runtime::SubtaskInfo& subtask = context->subtask();
    return Call([&]() -> arrow::Status {
      process_ = function_->make(subtask.index, subtask.parallelism);
      has_on_watermark_ = nb::hasattr(process_, "on_watermark");
      has_processing_time_ = nb::hasattr(process_, "on_processing_time");
      has_side_outputs_ = nb::hasattr(process_, "take_side_outputs");
      return RequestProcessingTime();
    });
  }

  // A callable with `on_processing_time(now_millis)` (processing-time windows and
  // timers) is called when the time it asks for (`next_processing_time()`, epoch
  // milliseconds or None) comes, and emits what it returns.
  arrow::Status OnProcessingTime(runtime::EventTime now, runtime::Output* out) override {
    std::shared_ptr<arrow::RecordBatch> result;
    SideBatches side;
    ARROW_RETURN_NOT_OK(Call([&]() -> arrow::Status {
      if (!has_processing_time_) return arrow::Status::OK();
      ARROW_RETURN_NOT_OK(
          Import(process_.attr("on_processing_time")(now / 1000), &result));
      ARROW_RETURN_NOT_OK(TakeSideOutputs(&side));
      return RequestProcessingTime();
    }));
    return EmitAll(std::move(side), std::move(result), out);
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output* out) override {
    std::shared_ptr<arrow::RecordBatch> result;
    SideBatches side;
    ARROW_RETURN_NOT_OK(Call([&]() -> arrow::Status {
      nb::object returned = process_(ToPyArrow(batch));
      ARROW_RETURN_NOT_OK(Import(returned, &result));
      ARROW_RETURN_NOT_OK(TakeSideOutputs(&side));
      return RequestProcessingTime();
    }));
    return EmitAll(std::move(side), std::move(result), out);
  }

  // A callable with `on_watermark(watermark_micros)` (windows) emits what it returns
  // before the watermark moves on.
  arrow::Status ProcessWatermark(runtime::EventTime watermark,
                                 runtime::Output* out) override {
    std::shared_ptr<arrow::RecordBatch> result;
    SideBatches side;
    ARROW_RETURN_NOT_OK(Call([&]() -> arrow::Status {
      if (!has_on_watermark_) return arrow::Status::OK();
      ARROW_RETURN_NOT_OK(Import(process_.attr("on_watermark")(watermark), &result));
      ARROW_RETURN_NOT_OK(TakeSideOutputs(&side));
      return RequestProcessingTime();
    }));
    ARROW_RETURN_NOT_OK(EmitAll(std::move(side), std::move(result), out));
    return out->EmitWatermark(watermark);
  }

  arrow::Status Finish(runtime::Output* out) override {
    std::shared_ptr<arrow::RecordBatch> result;
    SideBatches side;
    ARROW_RETURN_NOT_OK(Call([&]() -> arrow::Status {
      if (!nb::hasattr(process_, "finish")) return TakeSideOutputs(&side);
      ARROW_RETURN_NOT_OK(Import(process_.attr("finish")(), &result));
      return TakeSideOutputs(&side);
    }));
    return EmitAll(std::move(side), std::move(result), out);
  }

  arrow::Status Close() override {
    Release();
    return arrow::Status::OK();
  }

  // A keyed Python function (`snapshot_state()` returning (key bytes, state bytes)
  // pairs, the key as key_by pickled it) has its state stored per key under the key
  // group the key_by exchange routes that key to, so a restore at another
  // parallelism hands every subtask the keys it gets.
  arrow::Status SnapshotState(state::KeyedStateBackend* backend) override {
    ARROW_ASSIGN_OR_RAISE(int id,
                          backend->Register(kStateName, state::StateKind::kValue, {}));
    std::vector<std::pair<std::string, std::string>> entries;
    ARROW_RETURN_NOT_OK(Call([&]() -> arrow::Status {
      if (!nb::hasattr(process_, "snapshot_state")) return arrow::Status::OK();
      for (nb::handle item : process_.attr("snapshot_state")()) {
        auto pair = nb::cast<nb::tuple>(item);
        auto key = nb::cast<nb::bytes>(pair[0]);
        auto value = nb::cast<nb::bytes>(pair[1]);
        entries.emplace_back(std::string(key.c_str(), key.size()),
                             std::string(value.c_str(), value.size()));
      }
      return arrow::Status::OK();
    }));
    if (entries.empty()) return arrow::Status::OK();
    arrow::BinaryBuilder keys;
    for (const auto& [key, value] : entries) ARROW_RETURN_NOT_OK(keys.Append(key));
    ARROW_ASSIGN_OR_RAISE(auto key_array, keys.Finish());
    auto batch =
        arrow::RecordBatch::Make(arrow::schema({arrow::field("key", arrow::binary())}),
                                 key_array->length(), {key_array});
    ARROW_ASSIGN_OR_RAISE(std::vector<uint64_t> hashes,
                          expr::HashKeyColumns(*batch, {0}));
    const int max_parallelism = context_->subtask().max_parallelism;
    for (size_t i = 0; i < entries.size(); ++i) {
      backend->SetCurrentKey(entries[i].first,
                             state::KeyGroupForHash(hashes[i], max_parallelism));
      backend->PutOwned(id, std::move(entries[i].second));
    }
    return arrow::Status::OK();
  }

  arrow::Status RestoreState(state::KeyedStateBackend* backend) override {
    ARROW_ASSIGN_OR_RAISE(int id,
                          backend->Register(kStateName, state::StateKind::kValue, {}));
    std::vector<std::string> keys;
    backend->ForEachKey(id, [&](std::string_view key) { keys.emplace_back(key); });
    if (keys.empty()) return arrow::Status::OK();
    std::vector<std::pair<std::string, std::string>> entries;
    for (const std::string& key : keys) {
      backend->SetCurrentKey(key, 0);
      std::string value;
      if (backend->Get(id, &value)) entries.emplace_back(key, std::move(value));
    }
    return Call([&]() -> arrow::Status {
      if (!nb::hasattr(process_, "restore_state")) {
        return arrow::Status::Invalid(
            "the checkpoint holds state for this Python function, which cannot restore "
            "it");
      }
      nb::list items;
      for (const auto& [key, value] : entries) {
        items.append(nb::make_tuple(nb::bytes(key.data(), key.size()),
                                    nb::bytes(value.data(), value.size())));
      }
      process_.attr("restore_state")(items);
      // Restored processing-time timers and windows need their callback.
      return RequestProcessingTime();
    });
  }

 private:
  // Takes the side outputs the function produced (`take_side_outputs()` returning
  // (tag, pyarrow.RecordBatch) pairs), with the GIL held.
  arrow::Status TakeSideOutputs(SideBatches* side) {
    if (!has_side_outputs_) return arrow::Status::OK();
    for (nb::handle item : process_.attr("take_side_outputs")()) {
      auto pair = nb::cast<nb::tuple>(item);
      side->emplace_back(nb::cast<std::string>(pair[0]), RecordBatchFrom(pair[1]));
    }
    return arrow::Status::OK();
  }

  // Emits what a hook produced: side outputs, then the main output.
  arrow::Status EmitAll(SideBatches side, std::shared_ptr<arrow::RecordBatch> main,
                        runtime::Output* out) {
    for (auto& [tag, batch] : side) {
      if (batch != nullptr && batch->num_rows() > 0) {
        ARROW_RETURN_NOT_OK(out->EmitSide(tag, std::move(batch)));
      }
    }
    if (main != nullptr && main->num_rows() > 0) {
      ARROW_RETURN_NOT_OK(out->Emit(std::move(main)));
    }
    return arrow::Status::OK();
  }

  // Asks the runtime for a callback at the function's next processing time (with
  // the GIL held).
  arrow::Status RequestProcessingTime() {
    if (!has_processing_time_) return arrow::Status::OK();
    nb::object next = process_.attr("next_processing_time")();
    if (next.is_none()) return arrow::Status::OK();
    // Milliseconds to microseconds, saturating (a "never" timer at the largest
    // value stays far in the future).
    const int64_t millis = nb::cast<int64_t>(next);
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
    context_->RequestProcessingTimeCallback(millis >= kMax    ? kMax * 1000
                                            : millis <= -kMax ? -kMax * 1000
                                                              : millis * 1000);
    return arrow::Status::OK();
  }

  // Runs `body` with the GIL, turning a Python exception into the job's error.
  template <typename Body>
  arrow::Status Call(Body&& body) {
    nb::gil_scoped_acquire gil;
    if (FunctionsInterrupted()) {
      return arrow::Status::Cancelled(function_->description, " interrupted");
    }
    try {
      RunningPython running;
      return body();
    } catch (nb::python_error& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed:\n{}", function_->description, Traceback(error)));
    } catch (const std::exception& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed: {}", function_->description, error.what()));
    }
  }

  // Reads what the function returned: None, or a batch of the declared schema.
  arrow::Status Import(const nb::object& returned,
                       std::shared_ptr<arrow::RecordBatch>* result) {
    if (returned.is_none()) return arrow::Status::OK();
    *result = RecordBatchFrom(returned);
    if (!(*result)->schema()->Equals(*function_->schema, /*check_metadata=*/false)) {
      return arrow::Status::TypeError(
          fmt::format("{} produced rows of type {}, but its output type is {}",
                      function_->description, (*result)->schema()->ToString(),
                      function_->schema->ToString()));
    }
    return arrow::Status::OK();
  }

  void Release() {
    if (process_.is_valid() && Py_IsInitialized()) {
      nb::gil_scoped_acquire gil;
      process_.reset();
    }
  }

  std::shared_ptr<const PythonFunction> function_;
  runtime::OperatorContext* context_ = nullptr;
  nb::object process_;
  bool has_on_watermark_ = false;
  bool has_processing_time_ = false;
  bool has_side_outputs_ = false;
};

}  // namespace

runtime::OperatorFactory MakePythonOperator(nb::object make,
                                            std::shared_ptr<arrow::Schema> output_schema,
                                            std::string description) {
  auto function = std::make_shared<const PythonFunction>(
      std::move(make), std::move(output_schema), std::move(description));
  return [function](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<PythonOperator>(function);
  };
}

}  // namespace weir::python
