#include "errors.h"

#include <string>

#include <nanobind/nanobind.h>

namespace nb = nanobind;

namespace weir::python {
namespace {

// The weir.errors class for a status: what the user can fix (bad SQL, a wrong
// option, a missing file, a failing UDF) or a fault of weir.
const char* ClassFor(const arrow::Status& status) {
  switch (status.code()) {
    case arrow::StatusCode::Invalid:
    case arrow::StatusCode::TypeError:
    case arrow::StatusCode::KeyError:
    case arrow::StatusCode::IndexError:
    case arrow::StatusCode::IOError:
    case arrow::StatusCode::NotImplemented:
    case arrow::StatusCode::ExecutionError:
    case arrow::StatusCode::AlreadyExists:
    case arrow::StatusCode::CapacityError:
    case arrow::StatusCode::OutOfMemory:
      return "UserError";
    case arrow::StatusCode::Cancelled:
      return "JobCancelledError";
    default:
      return "InternalError";
  }
}

}  // namespace

void RaiseStatus(const arrow::Status& status) {
  nb::object errors = nb::module_::import_("weir.errors");
  nb::object error = errors.attr(ClassFor(status))(nb::str(status.message().c_str()));
  nb::setattr(error, "code", nb::str(status.CodeAsString().c_str()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

}  // namespace weir::python
