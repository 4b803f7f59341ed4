#include "datastream_binding.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/table.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "interrupt.h"
#include "python_operator.h"
#include "weir/api/stream_execution_environment.h"

namespace nb = nanobind;

namespace weir::python {
namespace {

// A job being built, whose runs release the GIL and stop on Ctrl-C.
class PyStreamEnvironment {
 public:
  PyStreamEnvironment(int parallelism, bool batch)
      : env_(api::StreamExecutionEnvironment::Create()),
        cancel_(std::make_shared<std::atomic<bool>>(false)) {
    if (parallelism > 0) env_->SetParallelism(parallelism);
    env_->SetRuntimeMode(batch ? api::RuntimeMode::kBatch : api::RuntimeMode::kStreaming);
    env_->SetCancelFlag(cancel_.get());
  }

  void SetParallelism(int parallelism) { env_->SetParallelism(parallelism); }

  void EnableCheckpointing(int64_t interval_ms, const std::string& dir) {
    env_->EnableCheckpointing(std::chrono::milliseconds(interval_ms), dir);
  }

  api::DataStream FromArrow(const nb::handle& data, const std::string& name) {
    std::shared_ptr<arrow::Table> table = TableFrom(data);
    arrow::TableBatchReader reader(*table);
    reader.set_chunksize(64 * 1024);
    return env_->FromCollection(Unwrap(reader.ToRecordBatches()), name);
  }

  void Execute(const std::string& job_name) {
    Check(RunInterruptible([&]() { return env_->Execute(job_name).status(); },
                           cancel_.get()));
  }

  nb::object ExecuteAndCollect(const api::DataStream& stream,
                               const std::string& job_name) {
    std::shared_ptr<arrow::Table> table;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(table, stream.ExecuteAndCollect(job_name));
          return arrow::Status::OK();
        },
        cancel_.get()));
    return StreamCapsule(table);
  }

 private:
  std::shared_ptr<api::StreamExecutionEnvironment> env_;
  std::shared_ptr<std::atomic<bool>> cancel_;
};

}  // namespace

void BindDataStream(nb::module_& m) {
  nb::class_<api::DataStream>(m, "DataStream", "A stream of a job being built.")
      .def(
          "python_process",
          [](const api::DataStream& self, nb::object make, const nb::handle& schema,
             const std::string& name) {
            return self.Process(
                MakePythonOperator(std::move(make), SchemaFrom(schema), name), name);
          },
          nb::arg("make"), nb::arg("output_schema"), nb::arg("name"),
          "Appends Python code run once per batch (see MakePythonOperator).")
      .def(
          "key_by",
          [](const api::DataStream& self, std::vector<std::string> keys) {
            return self.KeyBy(std::move(keys));
          },
          nb::arg("columns"))
      .def(
          "union",
          [](const api::DataStream& self, const std::vector<api::DataStream>& others) {
            return self.Union(others);
          },
          nb::arg("others"))
      .def(
          "assign_timestamps_and_watermarks",
          [](const api::DataStream& self, const std::string& column,
             int64_t out_of_orderness_us, int64_t idleness_us) {
            auto strategy = runtime::WatermarkStrategy::ForBoundedOutOfOrderness(
                                std::chrono::microseconds(out_of_orderness_us))
                                .WithTimestampColumn(column)
                                .WithIdleness(std::chrono::microseconds(idleness_us));
            return self.AssignTimestampsAndWatermarks(strategy);
          },
          nb::arg("column"), nb::arg("out_of_orderness_us"), nb::arg("idleness_us"),
          "Event time from a timestamp column, watermarks trailing it.")
      .def("rebalance", &api::DataStream::Rebalance)
      .def("set_parallelism", &api::DataStream::SetParallelism, nb::arg("parallelism"))
      .def("print", &api::DataStream::Print, nb::arg("identifier") = "");

  nb::class_<api::KeyedStream>(m, "KeyedStream", "A stream partitioned by key columns.")
      .def(
          "python_process",
          [](const api::KeyedStream& self, nb::object make, const nb::handle& schema,
             const std::string& name) {
            return self.Process(
                MakePythonOperator(std::move(make), SchemaFrom(schema), name), name);
          },
          nb::arg("make"), nb::arg("output_schema"), nb::arg("name"),
          "Appends Python code that sees whole keys (every row of a key reaches one "
          "subtask).");

  nb::class_<PyStreamEnvironment>(m, "StreamEnvironment", "The engine's job builder.")
      .def(nb::init<int, bool>(), nb::arg("parallelism"), nb::arg("batch"))
      .def("set_parallelism", &PyStreamEnvironment::SetParallelism,
           nb::arg("parallelism"))
      .def("enable_checkpointing", &PyStreamEnvironment::EnableCheckpointing,
           nb::arg("interval_ms"), nb::arg("directory"))
      .def("from_arrow", &PyStreamEnvironment::FromArrow, nb::arg("data"),
           nb::arg("name"))
      .def("execute", &PyStreamEnvironment::Execute, nb::arg("job_name"))
      .def("execute_and_collect", &PyStreamEnvironment::ExecuteAndCollect,
           nb::arg("stream"), nb::arg("job_name"));
}

}  // namespace weir::python
