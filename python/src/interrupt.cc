#include "interrupt.h"

#include <chrono>
#include <future>
#include <thread>

#include <nanobind/nanobind.h>

#include "python_udf.h"

namespace nb = nanobind;

namespace weir::python {

arrow::Status RunInterruptible(const std::function<arrow::Status()>& work,
                               std::atomic<bool>* cancel) {
  cancel->store(false);
  ResumeFunctions();
  std::packaged_task<arrow::Status()> task(work);
  std::future<arrow::Status> done = task.get_future();
  std::thread worker(std::move(task));
  bool interrupted = false;
  while (true) {
    bool ready;
    {
      nb::gil_scoped_release release;
      ready = done.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready;
    }
    if (ready) break;
    if (PyErr_CheckSignals() != 0) {
      // A handler raised (KeyboardInterrupt): stop the work, then re-raise.
      interrupted = true;
      cancel->store(true);
      InterruptRunningFunctions();
      break;
    }
  }
  {
    nb::gil_scoped_release release;
    worker.join();
  }
  if (interrupted) throw nb::python_error();
  return done.get();
}

}  // namespace weir::python
