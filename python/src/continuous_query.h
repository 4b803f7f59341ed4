#pragma once

// A SELECT over unbounded sources whose changes Python reads as they happen.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <nanobind/nanobind.h>

#include "weir/api/table_environment.h"

namespace weir::python {

/// A SELECT over unbounded sources running on its own thread: its changes (batches
/// with an `op` column first) wait in a bounded queue for Python to take them; a
/// full queue holds the job back. Stop() (or destruction) cancels the job.
class ContinuousQuery {
 public:
  /// Starts `statement` on `env`, whose job waiter cancels when `*cancel` is set.
  /// One continuous query per environment at a time.
  ContinuousQuery(std::shared_ptr<api::TableEnvironment> env, std::string statement,
                  std::atomic<bool>* cancel);
  ~ContinuousQuery();
  ContinuousQuery(const ContinuousQuery&) = delete;
  ContinuousQuery& operator=(const ContinuousQuery&) = delete;

  /// Returns the next batch of changes as a pyarrow.RecordBatch, None when none came
  /// within `timeout_ms`; raises StopIteration when the query ended (or its error).
  /// Call with the GIL held.
  nanobind::object Next(int timeout_ms);

  /// Cancels the job and waits for it to end. Call with the GIL held.
  void Stop();

 private:
  static constexpr size_t kCapacity = 16;
  std::shared_ptr<api::TableEnvironment> env_;
  std::atomic<bool>* cancel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<arrow::RecordBatch>> queue_;
  bool finished_ = false;
  arrow::Status status_;
  std::thread thread_;
};

/// Adds ContinuousQuery to `m`.
void BindContinuousQuery(nanobind::module_& m);

}  // namespace weir::python
