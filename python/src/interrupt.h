#pragma once

// Runs engine calls with the GIL released while staying responsive to Ctrl-C.

#include <atomic>
#include <functional>

#include <arrow/status.h>

namespace weir::python {

/// Runs `work` on another thread with the GIL released, checking for signals
/// (Ctrl-C) every 50 ms meanwhile. On KeyboardInterrupt (or any exception from a
/// signal handler) it sets `*cancel`, interrupts the Python functions `work` is
/// running (InterruptRunningFunctions), waits for `work` to stop and re-raises.
/// Call with the GIL held; returns `work`'s status.
arrow::Status RunInterruptible(const std::function<arrow::Status()>& work,
                               std::atomic<bool>* cancel);

}  // namespace weir::python
