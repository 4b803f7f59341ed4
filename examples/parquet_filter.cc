// Example: Parquet → filter/project → Parquet, with the filter and projection pushed
// down into the reader (partitions, row groups and pages are skipped unread).
//
//   build/examples/parquet_filter --input events/ --output filtered/
//       --where "price > 100 AND channel = 'web'" [--columns id,price] [--parallelism 2]
#include <cstdio>
#include <sstream>

#include <CLI/CLI.hpp>

#include "weir/api/signal_cancellation.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/filesystem/parquet_sink.h"
#include "weir/connectors/filesystem/parquet_source.h"
#include "weir/sql/bind/expression_binder.h"

namespace {

using namespace weir;  // NOLINT: example brevity

arrow::Status Run(const std::string& input, const std::string& output,
                  const std::string& where, const std::string& columns, int parallelism) {
  auto env = api::StreamExecutionEnvironment::Create();
  if (parallelism > 0) env->SetParallelism(parallelism);
  connectors::ParquetSourceOptions source;
  source.paths = {input};
  if (!columns.empty()) {
    std::stringstream ss(columns);
    for (std::string c; std::getline(ss, c, ',');) source.scan.columns.push_back(c);
  }
  if (!where.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto dataset, format::ParquetDataset::Open({input}));
    ARROW_ASSIGN_OR_RAISE(source.scan.filter,
                          sql::ParseFilter(where, *dataset->schema()));
  }
  ARROW_ASSIGN_OR_RAISE(auto source_factory, connectors::MakeParquetSource(source));
  connectors::ParquetSinkOptions sink;
  sink.path = output;
  ARROW_ASSIGN_OR_RAISE(auto sink_factory, connectors::MakeCheckedParquetSink(sink));
  env->FromSource(source_factory, runtime::WatermarkStrategy::NoWatermarks(),
                  "parquet-source")
      .SinkTo(sink_factory, "parquet-sink");
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("parquet_filter"));
  ARROW_ASSIGN_OR_RAISE(auto result, api::WaitCancellingOnSignal(client));
  std::printf("wrote %lld rows to %s in %.3f s\n",
              static_cast<long long>(result.Totals("parquet-sink").records_in),
              output.c_str(), static_cast<double>(result.duration.count()) / 1e6);
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Filter and project Parquet into Parquet, with pushdown"};
  std::string input, output, where, columns;
  int parallelism = 0;
  app.add_option("--input", input, "Parquet file, directory or glob")->required();
  app.add_option("--output", output, "Output directory")->required();
  app.add_option("--where", where, "SQL boolean expression");
  app.add_option("--columns", columns, "Comma-separated columns to keep");
  app.add_option("--parallelism", parallelism, "Subtasks per operator (default: cores)");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto status = Run(input, output, where, columns, parallelism);
  if (!status.ok()) {
    std::fprintf(stderr, "parquet_filter: error: %s\n", status.message().c_str());
    return weir::ExitCodeFor(status);
  }
  return 0;
}
