// Example: event-time tumbling window count per key, Parquet in, Parquet out.
//
//   build/examples/window_count --input events/ --output counts/ --window-ms 60000
//       [--parallelism 2] [--out-of-orderness-ms 5000]
//
// Input columns: key (string), ts (timestamp), value (int64). Output: one row per key
// and window: key, window_start, window_end, cnt, sum_value, in part files under the
// output directory. Ctrl-C cancels the job (no partial file stays visible).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "weir/api/signal_cancellation.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/filesystem/parquet_sink.h"
#include "weir/connectors/filesystem/parquet_source.h"

namespace {

using namespace weir;  // NOLINT: example brevity

arrow::Status Run(const std::string& input, const std::string& output, int64_t window_ms,
                  int parallelism, int64_t out_of_orderness_ms) {
  if (window_ms <= 0) return UserError("--window-ms must be positive, got {}", window_ms);
  if (out_of_orderness_ms < 0)
    return UserError("--out-of-orderness-ms must not be negative");
  auto env = api::StreamExecutionEnvironment::Create();
  if (parallelism > 0) env->SetParallelism(parallelism);

  connectors::ParquetSourceOptions source;
  source.paths = {input};
  source.scan.columns = {"key", "ts", "value"};
  ARROW_ASSIGN_OR_RAISE(auto source_factory, connectors::MakeParquetSource(source));
  connectors::ParquetSinkOptions sink;
  sink.path = output;
  ARROW_ASSIGN_OR_RAISE(auto sink_factory, connectors::MakeCheckedParquetSink(sink));

  auto watermarks = runtime::WatermarkStrategy::ForBoundedOutOfOrderness(
                        std::chrono::milliseconds(out_of_orderness_ms))
                        .WithTimestampColumn("ts");
  env->FromSource(source_factory, watermarks, "parquet-source")
      .KeyBy({"key"})
      .Window(runtime::WindowSpec::Tumbling(std::chrono::milliseconds(window_ms)), "ts")
      .Aggregate({{runtime::AggregateSpec::Kind::kCount, "", "cnt"},
                  {runtime::AggregateSpec::Kind::kSum, "value", "sum_value"}},
                 "window-count")
      .SinkTo(sink_factory, "parquet-sink");

  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("window_count"));
  ARROW_ASSIGN_OR_RAISE(auto result, api::WaitCancellingOnSignal(client));
  const auto in = result.Totals("parquet-source");
  const auto out = result.Totals("window-count");
  std::printf("read %lld rows, wrote %lld window rows to %s in %.3f s\n",
              static_cast<long long>(in.records_out),
              static_cast<long long>(out.records_out), output.c_str(),
              static_cast<double>(result.duration.count()) / 1e6);
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Event-time tumbling window count per key over Parquet"};
  std::string input, output;
  int64_t window_ms = 0, out_of_orderness_ms = 0;
  int parallelism = 0;
  app.add_option("--input", input, "Parquet file, directory or glob")->required();
  app.add_option("--output", output, "Output directory")->required();
  app.add_option("--window-ms", window_ms, "Window size in milliseconds")->required();
  app.add_option("--parallelism", parallelism, "Subtasks per operator (default: cores)");
  app.add_option("--out-of-orderness-ms", out_of_orderness_ms,
                 "How late events may arrive (default 0)");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto status = Run(input, output, window_ms, parallelism, out_of_orderness_ms);
  if (!status.ok()) {
    std::fprintf(stderr, "window_count: error: %s\n", status.message().c_str());
    return weir::ExitCodeFor(status);
  }
  return 0;
}
