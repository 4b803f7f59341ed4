#include "continuous_query.h"

#include <chrono>

#include "arrow_interop.h"
#include "errors.h"

namespace nb = nanobind;

namespace weir::python {

ContinuousQuery::ContinuousQuery(std::shared_ptr<api::TableEnvironment> env,
                                 std::string statement, std::atomic<bool>* cancel)
    : env_(std::move(env)), cancel_(cancel) {
  cancel_->store(false);
  env_->set_change_listener([this](const std::shared_ptr<arrow::RecordBatch>& batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < kCapacity || cancel_->load(); });
    if (cancel_->load()) return arrow::Status::Cancelled("query cancelled");
    queue_.push_back(batch);
    changed_.notify_all();
    return arrow::Status::OK();
  });
  thread_ = std::thread([this, statement = std::move(statement)]() {
    arrow::Status status = env_->ExecuteSql(statement).status();
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = std::move(status);
    finished_ = true;
    changed_.notify_all();
  });
}

ContinuousQuery::~ContinuousQuery() {
  if (!thread_.joinable()) return;
  cancel_->store(true);
  changed_.notify_all();
  if (PyGILState_Check()) {
    nb::gil_scoped_release release;  // the job may be running Python functions
    thread_.join();
  } else {
    thread_.join();
  }
  env_->set_change_listener(nullptr);
}

nb::object ContinuousQuery::Next(int timeout_ms) {
  std::shared_ptr<arrow::RecordBatch> batch;
  bool finished = false;
  arrow::Status status;
  {
    nb::gil_scoped_release release;
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return !queue_.empty() || finished_; });
    if (!queue_.empty()) {
      batch = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();
    } else if (finished_) {
      finished = true;
      status = status_;
    }
  }
  if (batch != nullptr) return ToPyArrow(batch);
  if (!finished) return nb::none();
  Stop();
  if (!status.ok() && !status.IsCancelled()) RaiseStatus(status);
  throw nb::stop_iteration();
}

void ContinuousQuery::Stop() {
  if (!thread_.joinable()) return;
  cancel_->store(true);
  changed_.notify_all();
  {
    nb::gil_scoped_release release;
    thread_.join();
  }
  env_->set_change_listener(nullptr);
}

void BindContinuousQuery(nb::module_& m) {
  nb::class_<ContinuousQuery>(m, "ContinuousQuery",
                              "A SELECT over unbounded sources, read as it runs.")
      .def("next", &ContinuousQuery::Next, nb::arg("timeout_ms"),
           "The next batch of changes (op column first), None after `timeout_ms` "
           "without one; StopIteration at the end.")
      .def("cancel", &ContinuousQuery::Stop, "Cancels the query and waits for it.");
}

}  // namespace weir::python
