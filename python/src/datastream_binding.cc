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
#include "stream_environment.h"
#include "weir/api/stream_execution_environment.h"

namespace nb = nanobind;

namespace weir::python {

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
      .def("get_side_output", &api::DataStream::GetSideOutput, nb::arg("tag"),
           "The side output `tag` of the operator producing this stream.")
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
      .def("set_restart_strategy", &PyStreamEnvironment::SetRestartStrategy,
           nb::arg("attempts"), nb::arg("delay_ms"))
      .def("from_arrow", &PyStreamEnvironment::FromArrow, nb::arg("data"),
           nb::arg("name"))
      .def("execute", &PyStreamEnvironment::Execute, nb::arg("job_name"))
      .def("cancel", &PyStreamEnvironment::Cancel,
           "Cancels the job running now (from another thread).")
      .def("execute_and_collect", &PyStreamEnvironment::ExecuteAndCollect,
           nb::arg("stream"), nb::arg("job_name"));
}

}  // namespace weir::python
