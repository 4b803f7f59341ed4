#pragma once

#include <arrow/status.h>

namespace weir {

/// Initialises process-wide libraries (Arrow compute kernels). Call once at
/// start-up before any other weir function; later calls are no-ops.
arrow::Status InitializeRuntime();

}  // namespace weir
