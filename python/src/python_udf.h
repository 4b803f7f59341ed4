#pragma once

// Python scalar functions as Arrow compute functions, so SQL and the Table API call
// them wherever an expression is evaluated (streaming operators, batch plans).

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/type_fwd.h>
#include <nanobind/nanobind.h>

#include "weir/expr/table_function.h"

namespace weir::python {

/// Adds to Arrow's default function registry a scalar function that calls
/// `invoke(arrays, length)` once per batch, with the GIL held: `arrays` is a list
/// of pyarrow.Array (constants broadcast to `length`), and the result must be an
/// Arrow array (`__arrow_c_array__`) of `result_type` and `length` rows.
/// `description` names the function in errors ("Python function 'f'"). Returns
/// the registered name. Call with the GIL held.
arrow::Result<std::string> RegisterPythonFunction(
    nanobind::object invoke, std::shared_ptr<arrow::DataType> result_type,
    std::string description);

/// Makes a table function that calls `invoke(arrays, length)` once per batch, with
/// the GIL held: `arrays` as for RegisterPythonFunction; it returns `(row_index,
/// columns)`, an int64 array giving each output row's argument row (ascending) and
/// one array per field of `fields`. `description` names it in errors ("Python
/// table function 'split'"). Call with the GIL held.
std::shared_ptr<const expr::TableFunction> MakePythonTableFunction(
    nanobind::object invoke, arrow::FieldVector fields, std::string description);

/// Raises KeyboardInterrupt in every thread running a Python function now (the
/// exception arrives at its next bytecode), so Ctrl-C stops a long call too, and
/// makes later calls fail at once until ResumeFunctions(). Call with the GIL held.
void InterruptRunningFunctions();

/// Lets Python functions run again after InterruptRunningFunctions().
void ResumeFunctions();

/// Whether InterruptRunningFunctions() was called since the last ResumeFunctions().
bool FunctionsInterrupted();

/// Marks the calling thread as running Python code for the engine while it lives,
/// so InterruptRunningFunctions() reaches it. Construct with the GIL held.
class RunningPython {
 public:
  RunningPython();
  ~RunningPython();
  RunningPython(const RunningPython&) = delete;
  RunningPython& operator=(const RunningPython&) = delete;

 private:
  unsigned long id_;
};

/// Returns the Python traceback of `error` as text. Call with the GIL held.
std::string Traceback(nanobind::python_error& error);

}  // namespace weir::python
