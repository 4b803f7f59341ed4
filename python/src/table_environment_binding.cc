#include "table_environment_binding.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/table.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "continuous_query.h"
#include "errors.h"
#include "interrupt.h"
#include "python_aggregate.h"
#include "python_udf.h"
#include "stream_environment.h"
#include "weir/api/table_environment.h"

namespace nb = nanobind;

namespace weir::python {
namespace {

// A statement's result as Python sees it: the engine's TableResult, whose rows
// leave through the Arrow C Stream interface.
class PyTableResult {
 public:
  explicit PyTableResult(api::TableResult result) : result_(std::move(result)) {}

  std::string kind() const {
    switch (result_.kind()) {
      case api::TableResult::Kind::kOk:
        return "ok";
      case api::TableResult::Kind::kRows:
        return "rows";
      case api::TableResult::Kind::kJob:
        return "job";
    }
    return "ok";
  }
  const std::string& message() const { return result_.message(); }
  int64_t rows_written() const { return result_.rows_written(); }
  bool is_changelog() const { return result_.is_changelog(); }
  std::shared_ptr<arrow::Table> table() const { return Unwrap(result_.Collect()); }

  // The table as Flink's print() shows it.
  std::string ToString() const {
    char* buffer = nullptr;
    size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    if (out == nullptr) throw std::bad_alloc();
    arrow::Status status = result_.Print(out);
    std::fclose(out);
    std::string text(buffer, size);
    std::free(buffer);
    Check(status);
    return text;
  }

 private:
  api::TableResult result_;
};

// A TableEnvironment whose engine calls release the GIL and stop on Ctrl-C.
class PyTableEnvironment {
 public:
  PyTableEnvironment(bool streaming, int parallelism)
      : PyTableEnvironment(nullptr, streaming, parallelism) {}

  // Bound to a DataStream job (Flink's StreamTableEnvironment.create(env)).
  PyTableEnvironment(const PyStreamEnvironment* stream, bool streaming, int parallelism) {
    api::EnvironmentSettings settings;
    settings.streaming = streaming;
    settings.parallelism = parallelism;
    env_ = stream == nullptr ? api::TableEnvironment::Create(settings)
                             : api::TableEnvironment::Create(stream->env(), settings);
    env_->set_cancel_flag(&cancel_);
    std::atomic<bool>* cancel = &cancel_;
    env_->set_job_waiter(
        [cancel](const std::shared_ptr<runtime::JobClient>& client, const std::string&) {
          while (!client->WaitFor(std::chrono::milliseconds(50))) {
            if (cancel->load()) client->Cancel();
          }
          return client->Wait();
        });
  }

  PyTableResult ExecuteSql(const std::string& statement) {
    std::optional<api::TableResult> result;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(auto r, env_->ExecuteSql(statement));
          result.emplace(std::move(r));
          return arrow::Status::OK();
        },
        &cancel_));
    return PyTableResult(std::move(*result));
  }

  bool IsContinuousQuery(const std::string& statement) {
    bool continuous = false;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(continuous, env_->IsContinuousQuery(statement));
          return arrow::Status::OK();
        },
        &cancel_));
    return continuous;
  }

  ContinuousQuery* StartContinuousQuery(const std::string& statement) {
    return new ContinuousQuery(env_, statement, &cancel_);
  }

  nb::object QuerySchema(const std::string& query) {
    std::shared_ptr<arrow::Schema> schema;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(schema, env_->QuerySchema(query));
          return arrow::Status::OK();
        },
        &cancel_));
    return ToPyArrow(schema);
  }

  std::string ExplainSql(const std::string& statement) {
    std::string text;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(text, env_->ExplainSql(statement));
          return arrow::Status::OK();
        },
        &cancel_));
    return text;
  }

  void FromDataStream(const api::DataStream& stream, const nb::handle& schema,
                      const std::string& name, const std::vector<std::string>& extra) {
    Check(env_->FromDataStream(stream, SchemaFrom(schema), name, extra).status());
  }

  api::DataStream ToDataStream(const std::string& query) {
    std::optional<api::DataStream> stream;
    Check(RunInterruptible(
        [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(api::Table table, env_->SqlQuery(query));
          ARROW_ASSIGN_OR_RAISE(auto result, env_->ToDataStream(table));
          stream.emplace(std::move(result));
          return arrow::Status::OK();
        },
        &cancel_));
    return std::move(*stream);
  }

  void SetConfig(const std::string& key, const std::string& value) {
    Check(env_->SetConfig(key, value));
  }

  std::map<std::string, std::string> Config() const { return env_->config(); }

  void FromArrow(const std::string& name, const nb::handle& data) {
    std::shared_ptr<arrow::Table> table = TableFrom(data);
    Check(env_->FromArrow(std::move(table), name).status());
  }

  void CreateTemporaryFunction(const std::string& name, nb::object invoke,
                               const nb::handle& result_type,
                               const std::vector<nb::object>& arg_types, bool system,
                               const std::string& description) {
    sql::CatalogFunction function = Described(name, arg_types, system, description);
    function.result_type = TypeFrom(result_type);
    // A name already taken fails below, leaving an unused function in Arrow's
    // registry (it cannot remove one).
    function.arrow_function = Unwrap(
        RegisterPythonFunction(std::move(invoke), function.result_type, description));
    Check(env_->CreateTemporaryFunction(std::move(function)));
  }

  void CreateTemporaryTableFunction(const std::string& name, nb::object invoke,
                                    const nb::handle& result_schema,
                                    const std::vector<nb::object>& arg_types, bool system,
                                    const std::string& description) {
    sql::CatalogFunction function = Described(name, arg_types, system, description);
    function.table_function = MakePythonTableFunction(
        std::move(invoke), SchemaFrom(result_schema)->fields(), description);
    Check(env_->CreateTemporaryFunction(std::move(function)));
  }

  void CreateTemporaryAggregateFunction(const std::string& name, nb::object factory,
                                        const nb::handle& result_type,
                                        const std::vector<nb::object>& arg_types,
                                        bool retracts, bool system,
                                        const std::string& description) {
    sql::CatalogFunction function = Described(name, arg_types, system, description);
    function.aggregate_function = MakePythonAggregateFunction(
        std::move(factory), TypeFrom(result_type), retracts, description);
    Check(env_->CreateTemporaryFunction(std::move(function)));
  }

  /// Cancels the statement running now (from another thread).
  void Cancel() { cancel_.store(true); }

  void DropTemporaryFunction(const std::string& name, bool system, bool if_exists) {
    Check(env_->DropTemporaryFunction(name, system, if_exists));
  }

  std::vector<std::string> TableNames() { return env_->catalog().TableNames(); }
  std::vector<std::string> ViewNames() { return env_->catalog().ViewNames(); }
  std::vector<std::string> FunctionNames() { return env_->catalog().FunctionNames(); }
  bool streaming() const { return env_->streaming(); }
  int parallelism() const { return env_->parallelism(); }

 private:
  // A catalog function's name, declared argument types, kind and description.
  static sql::CatalogFunction Described(const std::string& name,
                                        const std::vector<nb::object>& arg_types,
                                        bool system, const std::string& description) {
    sql::CatalogFunction function;
    function.name = name;
    for (const nb::object& type : arg_types) function.arg_types.push_back(TypeFrom(type));
    function.system = system;
    function.description = description;
    return function;
  }

  std::shared_ptr<api::TableEnvironment> env_;
  std::atomic<bool> cancel_{false};
};

}  // namespace

void BindTableEnvironment(nb::module_& m) {
  nb::class_<PyTableResult>(m, "TableResult", "What a statement produced.")
      .def_prop_ro("kind", &PyTableResult::kind,
                   "'ok' (DDL, SET), 'rows' (a query) or 'job' (an INSERT).")
      .def_prop_ro("message", &PyTableResult::message, "The message of 'ok' and 'job'.")
      .def_prop_ro("rows_written", &PyTableResult::rows_written, "Rows an INSERT wrote.")
      .def_prop_ro("is_changelog", &PyTableResult::is_changelog,
                   "Whether the rows are changes: an `op` column (+I, -U, +U, -D) "
                   "comes first.")
      .def("to_string", &PyTableResult::ToString,
           "The rows as an aligned table, as Flink's print() shows them.")
      .def(
          "__arrow_c_stream__",
          [](const PyTableResult& self, nb::object requested_schema) {
            (void)requested_schema;  // the rows keep their own types
            return StreamCapsule(self.table());
          },
          nb::arg("requested_schema") = nb::none(),
          "The rows through the Arrow C Stream interface, without copying.");

  nb::class_<PyTableEnvironment>(m, "TableEnvironment",
                                 "The engine's TableEnvironment (weir.table wraps it).")
      .def(nb::init<bool, int>(), nb::arg("streaming"), nb::arg("parallelism") = 0)
      .def(nb::init<const PyStreamEnvironment*, bool, int>(),
           nb::arg("stream_environment"), nb::arg("streaming"),
           nb::arg("parallelism") = 0, nb::keep_alive<1, 2>())
      .def("from_data_stream", &PyTableEnvironment::FromDataStream, nb::arg("stream"),
           nb::arg("schema"), nb::arg("name"),
           nb::arg("extra_columns") = std::vector<std::string>())
      .def("to_data_stream", &PyTableEnvironment::ToDataStream, nb::arg("query"))
      .def("execute_sql", &PyTableEnvironment::ExecuteSql, nb::arg("statement"))
      .def("query_schema", &PyTableEnvironment::QuerySchema, nb::arg("query"))
      .def("is_continuous_query", &PyTableEnvironment::IsContinuousQuery,
           nb::arg("statement"))
      .def("start_continuous_query", &PyTableEnvironment::StartContinuousQuery,
           nb::arg("statement"), nb::rv_policy::take_ownership, nb::keep_alive<0, 1>())
      .def("explain_sql", &PyTableEnvironment::ExplainSql, nb::arg("statement"))
      .def("set_config", &PyTableEnvironment::SetConfig, nb::arg("key"), nb::arg("value"))
      .def("config", &PyTableEnvironment::Config)
      .def("from_arrow", &PyTableEnvironment::FromArrow, nb::arg("name"), nb::arg("data"))
      .def("create_temporary_function", &PyTableEnvironment::CreateTemporaryFunction,
           nb::arg("name"), nb::arg("invoke"), nb::arg("result_type"),
           nb::arg("arg_types"), nb::arg("system"), nb::arg("description"))
      .def("create_temporary_table_function",
           &PyTableEnvironment::CreateTemporaryTableFunction, nb::arg("name"),
           nb::arg("invoke"), nb::arg("result_schema"), nb::arg("arg_types"),
           nb::arg("system"), nb::arg("description"))
      .def("create_temporary_aggregate_function",
           &PyTableEnvironment::CreateTemporaryAggregateFunction, nb::arg("name"),
           nb::arg("factory"), nb::arg("result_type"), nb::arg("arg_types"),
           nb::arg("retracts"), nb::arg("system"), nb::arg("description"))
      .def("drop_temporary_function", &PyTableEnvironment::DropTemporaryFunction,
           nb::arg("name"), nb::arg("system"), nb::arg("if_exists"))
      .def("cancel", &PyTableEnvironment::Cancel,
           "Cancels the statement running now (from another thread).")
      .def("table_names", &PyTableEnvironment::TableNames)
      .def("view_names", &PyTableEnvironment::ViewNames)
      .def("function_names", &PyTableEnvironment::FunctionNames)
      .def_prop_ro("streaming", &PyTableEnvironment::streaming)
      .def_prop_ro("parallelism", &PyTableEnvironment::parallelism);
}

}  // namespace weir::python
