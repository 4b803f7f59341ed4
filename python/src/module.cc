// weir._weir: the native half of the weir Python package (docs/design/python.md).

#include <nanobind/nanobind.h>

#include "continuous_query.h"
#include "datastream_binding.h"
#include "errors.h"
#include "table_environment_binding.h"
#include "weir/common/runtime_init.h"

NB_MODULE(_weir, m) {
  m.doc() = "The native engine behind the weir package; use weir.table instead.";
  // Arrow's function registry keeps the Python functions registered as UDFs (it
  // cannot remove any) until the process ends: not leaks worth reporting.
  nanobind::set_leak_warnings(false);
  weir::python::Check(weir::InitializeRuntime());
  weir::python::BindTableEnvironment(m);
  weir::python::BindDataStream(m);
  weir::python::BindContinuousQuery(m);
}
