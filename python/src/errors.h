#pragma once

// Turns engine errors into the Python exceptions of weir.errors.

#include <utility>

#include <arrow/result.h>
#include <arrow/status.h>

namespace weir::python {

/// Raises the weir.errors exception for `status` (UserError for bad input,
/// InternalError otherwise) with its message. Call with the GIL held.
[[noreturn]] void RaiseStatus(const arrow::Status& status);

/// Raises for an error status; does nothing for OK.
inline void Check(const arrow::Status& status) {
  if (!status.ok()) RaiseStatus(status);
}

/// Returns the value of `result` or raises its error.
template <typename T>
T Unwrap(arrow::Result<T> result) {
  if (!result.ok()) RaiseStatus(result.status());
  return std::move(result).ValueUnsafe();
}

}  // namespace weir::python
