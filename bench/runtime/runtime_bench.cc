// Runtime throughput: unthrottled datagen pipelines through the DataStream API.
// Prints one JSON object per run: events, seconds, events/s, events/s per core and
// peak RSS. Driven by bench/runtime/run.py, which runs the DuckDB peer alongside.
//
//   window:    datagen → filter → select → watermarks → key_by → 1 s tumbling count
//              → blackhole
//   stateless: datagen → select (projection with arithmetic) → blackhole
#include <sys/resource.h>

#include <cstdio>
#include <thread>

#include <arrow/compute/api_scalar.h>
#include <CLI/CLI.hpp>

#include "weir/api/stream_execution_environment.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/blackhole/sink.h"
#include "weir/connectors/datagen/source.h"

namespace {

namespace cp = arrow::compute;
using namespace weir;  // NOLINT: benchmark brevity

arrow::Result<runtime::SourceFactory> Events(int64_t n) {
  connectors::DatagenOptions o;
  o.schema = arrow::schema({arrow::field("id", arrow::int64()),
                            arrow::field("key", arrow::int64()),
                            arrow::field("value", arrow::int64())});
  connectors::DatagenFieldOptions id;
  id.kind = connectors::DatagenFieldOptions::Kind::kSequence;
  id.start = 0;
  id.end = n - 1;
  o.fields["id"] = id;
  connectors::DatagenFieldOptions key;
  key.min = 0;
  key.max = 999;
  o.fields["key"] = key;
  connectors::DatagenFieldOptions value;
  value.min = 0;
  value.max = 99;
  o.fields["value"] = value;
  o.batch_size = 16 * 1024;
  return connectors::MakeDatagenSource(o);
}

int64_t PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

arrow::Status Run(const std::string& pipeline, int64_t n, int parallelism) {
  auto env = api::StreamExecutionEnvironment::Create();
  env->SetParallelism(parallelism);
  env->runtime_options().threads = parallelism;
  ARROW_ASSIGN_OR_RAISE(auto source, Events(n));
  auto rows = std::make_shared<std::atomic<int64_t>>(0);
  auto events =
      env->FromSource(source, runtime::WatermarkStrategy::NoWatermarks(), "datagen");
  if (pipeline == "window") {
    events.Filter(cp::less(cp::field_ref("value"), cp::literal(int64_t{90})), "filter")
        .Select({{"key", cp::field_ref("key")},
                 {"ts",
                  cp::call("divide", {cp::field_ref("id"), cp::literal(int64_t{1000})})}},
                "select")
        .AssignTimestampsAndWatermarks(
            runtime::WatermarkStrategy::ForMonotonousTimestamps().WithTimestampColumn(
                "ts"))
        .KeyBy({"key"})
        .Window(runtime::WindowSpec::Tumbling(std::chrono::seconds(1)), "ts")
        .Aggregate({{runtime::AggregateSpec::Kind::kCount, "", "cnt"}}, "window")
        .SinkTo(connectors::MakeBlackholeSink(rows), "blackhole");
  } else if (pipeline == "stateless") {
    events
        .Select(
            {{"id", cp::field_ref("id")},
             {"score", cp::call("add", {cp::call("multiply", {cp::field_ref("value"),
                                                              cp::literal(int64_t{3})}),
                                        cp::field_ref("key")})}},
            "select")
        .SinkTo(connectors::MakeBlackholeSink(rows), "blackhole");
  } else {
    return arrow::Status::Invalid("unknown pipeline '", pipeline, "'");
  }
  ARROW_ASSIGN_OR_RAISE(auto result, env->Execute(pipeline));
  const double seconds = static_cast<double>(result.duration.count()) / 1e6;
  const auto src = result.Totals("datagen");
  std::printf(
      "{\"pipeline\": \"%s\", \"events\": %lld, \"seconds\": %.4f, \"events_per_s\": "
      "%.0f, "
      "\"events_per_s_per_core\": %.0f, \"output_rows\": %lld, \"peak_rss_mb\": %.1f}\n",
      pipeline.c_str(), static_cast<long long>(src.records_out), seconds,
      static_cast<double>(src.records_out) / seconds,
      static_cast<double>(src.records_out) / seconds / parallelism,
      static_cast<long long>(rows->load()), static_cast<double>(PeakRssKb()) / 1024.0);
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weir runtime throughput"};
  std::string pipeline = "window";
  int64_t events = 100'000'000;
  int parallelism = static_cast<int>(std::thread::hardware_concurrency());
  app.add_option("pipeline", pipeline, "window | stateless");
  app.add_option("--events", events, "Events to generate");
  app.add_option("--parallelism", parallelism, "Subtasks per operator and threads");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto st = Run(pipeline, events, parallelism);
  if (!st.ok()) {
    std::fprintf(stderr, "runtime_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
