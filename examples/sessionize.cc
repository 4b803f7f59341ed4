// Example: per-user session windows over a generated click stream, printed.
//
//   build/examples/sessionize [--events 20000] [--users 5] [--gap-ms 30]
//       [--parallelism 2] [--rate 0]
//
// Each generated click has a random user, an event time that advances 1 ms per click
// with a quiet period after every 200 clicks, and a random page-view duration. A user's
// clicks closer than the gap form a session; every session is printed when the watermark
// passes its end:
//   user, session start, session end, clicks, total duration.
// With --rate N the generator emits N clicks per second (Ctrl-C stops it).
#include <cstdio>

#include <arrow/compute/api_scalar.h>
#include <CLI/CLI.hpp>

#include "weir/api/signal_cancellation.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/print/sink.h"

namespace {

using namespace weir;  // NOLINT: example brevity
namespace cp = arrow::compute;

arrow::Status Run(int64_t events, int64_t users, int64_t gap_ms, int parallelism,
                  int64_t rate) {
  if (events <= 0 || users <= 0 || gap_ms <= 0) {
    return UserError("--events, --users and --gap-ms must be positive");
  }
  connectors::DatagenOptions gen;
  gen.schema = arrow::schema({arrow::field("click", arrow::int64()),
                              arrow::field("user", arrow::int64()),
                              arrow::field("duration_ms", arrow::int64())});
  connectors::DatagenFieldOptions click;
  click.kind = connectors::DatagenFieldOptions::Kind::kSequence;
  click.start = 0;
  click.end = events - 1;
  gen.fields["click"] = click;
  connectors::DatagenFieldOptions user;
  user.min = 0;
  user.max = static_cast<double>(users - 1);
  gen.fields["user"] = user;
  connectors::DatagenFieldOptions duration;
  duration.min = 100;
  duration.max = 5000;
  gen.fields["duration_ms"] = duration;
  gen.batch_size = 1024;
  if (rate > 0) gen.rows_per_second = rate;
  ARROW_ASSIGN_OR_RAISE(auto source, connectors::MakeDatagenSource(gen));

  auto env = api::StreamExecutionEnvironment::Create();
  if (parallelism > 0) env->SetParallelism(parallelism);
  // Event time: click number in ms, plus 10 × gap for every 200 clicks, so that the
  // stream has quiet periods that end every session.
  auto ts = cp::call(
      "add",
      {cp::field_ref("click"),
       cp::call("multiply",
                {cp::call("divide", {cp::field_ref("click"), cp::literal(int64_t{200})}),
                 cp::literal(10 * gap_ms)})});
  env->FromSource(source, runtime::WatermarkStrategy::NoWatermarks(), "clicks")
      .Select({{"user", cp::field_ref("user")},
               {"ts", ts},
               {"duration_ms", cp::field_ref("duration_ms")}},
              "event-time")
      .AssignTimestampsAndWatermarks(runtime::WatermarkStrategy::ForBoundedOutOfOrderness(
                                         std::chrono::milliseconds(gap_ms))
                                         .WithTimestampColumn("ts"))
      .KeyBy({"user"})
      .Window(runtime::WindowSpec::Session(std::chrono::milliseconds(gap_ms)), "ts")
      .Aggregate(
          {{runtime::AggregateSpec::Kind::kCount, "", "clicks"},
           {runtime::AggregateSpec::Kind::kSum, "duration_ms", "total_duration_ms"}},
          "sessions")
      .SinkTo(connectors::MakePrintSink({"session", false}), "print")
      .SetParallelism(1);
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("sessionize"));
  ARROW_ASSIGN_OR_RAISE(auto result, api::WaitCancellingOnSignal(client));
  std::fprintf(stderr, "%lld clicks, %lld sessions in %.3f s\n",
               static_cast<long long>(result.Totals("clicks").records_out),
               static_cast<long long>(result.Totals("sessions").records_out),
               static_cast<double>(result.duration.count()) / 1e6);
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Per-user session windows over a generated click stream"};
  int64_t events = 20000, users = 5, gap_ms = 30, rate = 0;
  int parallelism = 0;
  app.add_option("--events", events, "Clicks to generate");
  app.add_option("--users", users, "Distinct users");
  app.add_option("--gap-ms", gap_ms, "Session gap in milliseconds of event time");
  app.add_option("--parallelism", parallelism, "Subtasks per operator (default: cores)");
  app.add_option("--rate", rate, "Clicks per second (default: unthrottled)");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto status = Run(events, users, gap_ms, parallelism, rate);
  if (!status.ok()) {
    std::fprintf(stderr, "sessionize: error: %s\n", status.message().c_str());
    return weir::ExitCodeFor(status);
  }
  return 0;
}
