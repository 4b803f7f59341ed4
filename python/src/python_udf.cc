#include "python_udf.h"

#include <atomic>
#include <set>

#include <arrow/array.h>
#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <fmt/format.h>

#include "arrow_interop.h"

namespace nb = nanobind;
namespace cp = arrow::compute;

namespace weir::python {
namespace {

// What a kernel calls; owned by the kernel (which Arrow's registry keeps until the
// process ends, possibly after the interpreter is gone).
struct PythonFunctionState : cp::KernelState {
  PythonFunctionState(nb::object invoke, std::shared_ptr<arrow::DataType> result_type,
                      std::string description)
      : invoke(std::move(invoke)),
        result_type(std::move(result_type)),
        description(std::move(description)) {}
  ~PythonFunctionState() override {
    if (Py_IsInitialized()) {
      nb::gil_scoped_acquire gil;
      invoke.reset();
    } else {
      invoke.release();  // the interpreter is gone: nothing to free
    }
  }
  nb::object invoke;
  std::shared_ptr<arrow::DataType> result_type;
  std::string description;
};

// Threads running a Python function now; read and changed with the GIL held.
std::set<unsigned long>& RunningThreads() {
  static auto* threads = new std::set<unsigned long>();
  return *threads;
}

// Set by InterruptRunningFunctions(): calls fail until ResumeFunctions().
std::atomic<bool> interrupted{false};

arrow::Status ExecPython(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                         cp::ExecResult* out) {
  const auto& state = static_cast<const PythonFunctionState&>(*ctx->kernel()->data);
  if (FunctionsInterrupted()) {
    return arrow::Status::Cancelled(state.description, " interrupted");
  }
  arrow::ArrayVector arrays;
  arrays.reserve(static_cast<size_t>(batch.num_values()));
  for (const cp::ExecValue& value : batch.values) {
    if (value.is_array()) {
      arrays.push_back(value.array.ToArray());
    } else {
      ARROW_ASSIGN_OR_RAISE(
          auto array,
          arrow::MakeArrayFromScalar(*value.scalar, batch.length, ctx->memory_pool()));
      arrays.push_back(std::move(array));
    }
  }
  nb::gil_scoped_acquire gil;
  std::shared_ptr<arrow::Array> result;
  try {
    RunningPython running;
    nb::list args;
    for (const auto& array : arrays) args.append(ToPyArrow(array));
    nb::object returned = state.invoke(args, batch.length);
    result = ArrayFrom(returned);
  } catch (nb::python_error& error) {
    return arrow::Status::ExecutionError(
        fmt::format("{} failed:\n{}", state.description, Traceback(error)));
  } catch (const std::exception& error) {
    return arrow::Status::ExecutionError(
        fmt::format("{} failed: {}", state.description, error.what()));
  }
  if (!result->type()->Equals(*state.result_type)) {
    return arrow::Status::TypeError(fmt::format(
        "{} returned values of type {}, but its result type is {}", state.description,
        result->type()->ToString(), state.result_type->ToString()));
  }
  if (result->length() != batch.length) {
    return arrow::Status::Invalid(fmt::format("{} returned {} values for {} rows",
                                              state.description, result->length(),
                                              batch.length));
  }
  out->value = result->data();
  return arrow::Status::OK();
}

// Arguments of a table function call, as pyarrow arrays.
nb::list PyArrays(const arrow::ArrayVector& arrays) {
  nb::list args;
  for (const auto& array : arrays) args.append(ToPyArrow(array));
  return args;
}

class PythonTableFunction : public expr::TableFunction {
 public:
  PythonTableFunction(nb::object invoke, arrow::FieldVector fields,
                      std::string description)
      : expr::TableFunction(std::move(description), std::move(fields)),
        invoke_(std::move(invoke)) {}
  ~PythonTableFunction() override {
    if (Py_IsInitialized()) {
      nb::gil_scoped_acquire gil;
      invoke_.reset();
    } else {
      invoke_.release();  // the interpreter is gone: nothing to free
    }
  }

  arrow::Result<expr::TableFunctionRows> Apply(const arrow::ArrayVector& args,
                                               int64_t length) const override {
    if (FunctionsInterrupted()) return arrow::Status::Cancelled(name(), " interrupted");
    nb::gil_scoped_acquire gil;
    expr::TableFunctionRows rows;
    try {
      RunningPython running;
      nb::object returned = invoke_(PyArrays(args), length);
      nb::tuple pair = nb::cast<nb::tuple>(returned);
      rows.row_index = ArrayFrom(pair[0]);
      for (nb::handle column : nb::cast<nb::list>(pair[1])) {
        rows.columns.push_back(ArrayFrom(column));
      }
    } catch (nb::python_error& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed:\n{}", name(), Traceback(error)));
    } catch (const std::exception& error) {
      return arrow::Status::ExecutionError(
          fmt::format("{} failed: {}", name(), error.what()));
    }
    return rows;
  }

 private:
  nb::object invoke_;
};

}  // namespace

std::shared_ptr<const expr::TableFunction> MakePythonTableFunction(
    nb::object invoke, arrow::FieldVector fields, std::string description) {
  return std::make_shared<PythonTableFunction>(std::move(invoke), std::move(fields),
                                               std::move(description));
}

void InterruptRunningFunctions() {
  interrupted.store(true);
  for (unsigned long id : RunningThreads()) {
    PyThreadState_SetAsyncExc(id, PyExc_KeyboardInterrupt);
  }
}

void ResumeFunctions() { interrupted.store(false); }

bool FunctionsInterrupted() { return interrupted.load(); }

RunningPython::RunningPython() : id_(PyThread_get_thread_ident()) {
  RunningThreads().insert(id_);
}

RunningPython::~RunningPython() { RunningThreads().erase(id_); }

std::string Traceback(nb::python_error& error) {
  try {
    nb::object lines =
        nb::module_::import_("traceback").attr("format_exception")(error.value());
    return nb::cast<std::string>(nb::str("").attr("join")(lines));
  } catch (const std::exception&) {
    return error.what();
  }
}

arrow::Result<std::string> RegisterPythonFunction(
    nb::object invoke, std::shared_ptr<arrow::DataType> result_type,
    std::string description) {
  static std::atomic<int64_t> next_id{0};
  std::string name = fmt::format("weir_python_udf_{}", next_id++);
  // A summary and argument names: pyarrow.compute, imported later, wraps every
  // function of the registry and needs them for a varargs function's docstring.
  cp::FunctionDoc doc(description, "", {"*args"});
  auto function = std::make_shared<cp::ScalarFunction>(
      name, cp::Arity::VarArgs(0), std::move(doc), nullptr, /*is_pure=*/false);
  cp::ScalarKernel kernel(
      cp::KernelSignature::Make({cp::InputType::Any()}, cp::OutputType(result_type),
                                /*is_varargs=*/true),
      ExecPython);
  kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  kernel.data = std::make_shared<PythonFunctionState>(std::move(invoke), result_type,
                                                      std::move(description));
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  ARROW_RETURN_NOT_OK(cp::GetFunctionRegistry()->AddFunction(std::move(function)));
  return name;
}

}  // namespace weir::python
