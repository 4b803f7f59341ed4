#include "python_aggregate.h"

#include <cstring>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <fmt/format.h>

#include "arrow_interop.h"
#include "python_udf.h"
#include "weir/runtime/operators/group_accumulators.h"

namespace nb = nanobind;

namespace weir::python {
namespace {

// Releases a Python reference with the GIL, or drops it when the interpreter is
// gone (the registry may outlive it).
void ReleaseObject(nb::object* object) {
  if (Py_IsInitialized()) {
    nb::gil_scoped_acquire gil;
    object->reset();
  } else {
    object->release();
  }
}

// Wraps `n` values at `data` as an Arrow array without copying (valid while the
// caller's buffer is).
std::shared_ptr<arrow::Array> Wrap(const std::shared_ptr<arrow::DataType>& type,
                                   const void* data, int64_t n, int width) {
  auto buffer =
      std::make_shared<arrow::Buffer>(static_cast<const uint8_t*>(data), n * width);
  return arrow::MakeArray(arrow::ArrayData::Make(type, n, {nullptr, buffer}, 0));
}

// The accumulators of one subtask: a Python object holding every group's state.
class PythonGroupAccumulators : public runtime::GroupAccumulators {
 public:
  PythonGroupAccumulators(nb::object state, std::shared_ptr<arrow::DataType> result_type,
                          std::string description)
      : state_(std::move(state)),
        result_type_(std::move(result_type)),
        description_(std::move(description)) {}
  ~PythonGroupAccumulators() override { ReleaseObject(&state_); }

  std::unique_ptr<GroupAccumulators> Clone() const override {
    nb::gil_scoped_acquire gil;
    try {
      return std::make_unique<PythonGroupAccumulators>(state_.attr("clone")(),
                                                       result_type_, description_);
    } catch (nb::python_error& error) {
      // Clone cannot fail by its signature: the copy carries the error, and the
      // snapshot saving it fails with it (SaveStatus).
      auto copy = std::make_unique<PythonGroupAccumulators>(nb::none(), result_type_,
                                                            description_);
      copy->broken_ = fmt::format("{} failed to copy its state for a checkpoint:\n{}",
                                  description_, Traceback(error));
      return copy;
    }
  }

  arrow::Status SaveStatus() const override { return Pending(); }

  std::shared_ptr<arrow::DataType> result_type() const override { return result_type_; }

  void Resize(size_t n) override {
    Call([&] { state_.attr("resize")(n); });
  }

  void Reset(uint32_t g) override {
    Call([&] { state_.attr("reset")(g); });
  }

  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    ARROW_RETURN_NOT_OK(Pending());
    if (FunctionsInterrupted()) {
      return arrow::Status::Cancelled(description_, " interrupted");
    }
    std::shared_ptr<arrow::Array> values;
    if (input != nullptr) values = input->Slice(0, n);
    auto ids = Wrap(arrow::uint32(), groups, n, sizeof(uint32_t));
    auto row_kinds = kinds == nullptr ? nullptr : Wrap(arrow::int8(), kinds, n, 1);
    return Run([&] {
      state_.attr("update")(values ? ToPyArrow(values) : nb::none(), ToPyArrow(ids),
                            row_kinds ? ToPyArrow(row_kinds) : nb::none());
    });
  }

  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    ARROW_RETURN_NOT_OK(Pending());
    auto ids = Wrap(arrow::uint32(), groups.data(), static_cast<int64_t>(groups.size()),
                    sizeof(uint32_t));
    std::shared_ptr<arrow::Array> result;
    ARROW_RETURN_NOT_OK(
        Run([&] { result = ArrayFrom(state_.attr("results")(ToPyArrow(ids))); }));
    if (!result->type()->Equals(*result_type_) ||
        result->length() != static_cast<int64_t>(groups.size())) {
      return arrow::Status::TypeError(
          fmt::format("{} returned {} values of type {} for {} groups of result type {}",
                      description_, result->length(), result->type()->ToString(),
                      groups.size(), result_type_->ToString()));
    }
    return result;
  }

  void Save(uint32_t g, std::string* out) const override {
    if (!broken_.empty()) return;  // SaveStatus reports it
    std::string bytes;
    Call([&] {
      auto saved = nb::cast<nb::bytes>(state_.attr("save")(g));
      bytes.assign(saved.c_str(), saved.size());
    });
    const auto size = static_cast<uint32_t>(bytes.size());
    out->append(reinterpret_cast<const char*>(&size), sizeof(size));
    out->append(bytes);
  }

  arrow::Status Load(uint32_t g, std::string_view* in) override {
    uint32_t size = 0;
    if (in->size() < sizeof(size)) {
      return arrow::Status::IOError(description_, ": truncated state");
    }
    std::memcpy(&size, in->data(), sizeof(size));
    if (in->size() < sizeof(size) + size) {
      return arrow::Status::IOError(description_, ": truncated state");
    }
    ARROW_RETURN_NOT_OK(
        Run([&] { state_.attr("load")(g, nb::bytes(in->data() + sizeof(size), size)); }));
    in->remove_prefix(sizeof(size) + size);
    return arrow::Status::OK();
  }

 private:
  // Runs `f` with the GIL; a Python exception becomes an error with its traceback.
  template <typename F>
  arrow::Status Run(F&& f) const {
    nb::gil_scoped_acquire gil;
    try {
      RunningPython running;
      f();
    } catch (nb::python_error& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed:\n{}", description_, Traceback(error)));
    } catch (const std::exception& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed: {}", description_, error.what()));
    }
    return arrow::Status::OK();
  }

  // For methods that return no status: the error is reported by the next call
  // that can.
  template <typename F>
  void Call(F&& f) const {
    arrow::Status status = Run(std::forward<F>(f));
    if (!status.ok() && broken_.empty()) broken_ = status.message();
  }

  arrow::Status Pending() const {
    if (broken_.empty()) return arrow::Status::OK();
    return arrow::Status::ExecutionError(broken_);
  }

  nb::object state_;
  std::shared_ptr<arrow::DataType> result_type_;
  std::string description_;
  mutable std::string broken_;
};

class PythonAggregateFunction : public runtime::UserAggregateFunction {
 public:
  PythonAggregateFunction(nb::object factory,
                          std::shared_ptr<arrow::DataType> result_type, bool retracts,
                          std::string description)
      : runtime::UserAggregateFunction(std::move(description), std::move(result_type),
                                       retracts),
        factory_(std::move(factory)) {}
  ~PythonAggregateFunction() override { ReleaseObject(&factory_); }

  arrow::Result<std::unique_ptr<runtime::GroupAccumulators>> MakeAccumulators(
      const std::shared_ptr<arrow::DataType>& input_type) const override {
    nb::gil_scoped_acquire gil;
    try {
      nb::object state = factory_(
          input_type ? ToPyArrow(arrow::schema({arrow::field("input", input_type)}))
                     : nb::none());
      return std::make_unique<PythonGroupAccumulators>(std::move(state), result_type(),
                                                       name());
    } catch (nb::python_error& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed:\n{}", name(), Traceback(error)));
    }
  }

 private:
  nb::object factory_;
};

}  // namespace

std::shared_ptr<const runtime::UserAggregateFunction> MakePythonAggregateFunction(
    nb::object factory, std::shared_ptr<arrow::DataType> result_type, bool retracts,
    std::string description) {
  return std::make_shared<PythonAggregateFunction>(
      std::move(factory), std::move(result_type), retracts, std::move(description));
}

}  // namespace weir::python
