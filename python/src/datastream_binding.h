#pragma once

#include <nanobind/nanobind.h>

namespace weir::python {

/// Adds StreamEnvironment, DataStream and KeyedStream (the engine side of
/// weir.datastream) to `m`.
void BindDataStream(nanobind::module_& m);

}  // namespace weir::python
