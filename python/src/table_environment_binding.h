#pragma once

#include <nanobind/nanobind.h>

namespace weir::python {

/// Adds TableEnvironment and TableResult (the engine side of weir.table) to `m`.
void BindTableEnvironment(nanobind::module_& m);

}  // namespace weir::python
