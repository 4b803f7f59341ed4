// A Kafka → Kafka pipeline on the DataStream API, exactly once: reads JSON click
// events, keeps those with amount >= --min-amount, adds a `tier` column and writes
// them as JSON keyed by user to another topic in Kafka transactions.
//
//   build/examples/kafka_pipeline --bootstrap 127.0.0.1:9092 --input clicks
//       --output big-clicks --checkpoint-dir DIR [--checkpoint-interval-ms M]
//       [--parallelism P] [--min-amount A] [--bounded]
//
// Input records: {"id": BIGINT, "user": STRING, "amount": INT, "day": STRING}.
// Started again with the same checkpoint directory after a crash (kill -9), it
// continues from the newest completed checkpoint; a read_committed consumer of the
// output topic sees each kept record once. SIGTERM stops it with a savepoint; with
// --bounded it ends at the input's end offsets of when it started.
#include <chrono>
#include <cstdio>

#include <arrow/compute/api.h>
#include <arrow/type.h>
#include <CLI/CLI.hpp>

#include "weir/api/signal_cancellation.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/kafka/kafka_builders.h"

namespace {

using namespace weir;  // NOLINT: example brevity
namespace cp = arrow::compute;

struct Args {
  std::string bootstrap, input, output, checkpoint_dir;
  int64_t interval_ms = 1000, min_amount = 0;
  int parallelism = 2;
  bool bounded = false;
};

arrow::Status Run(const Args& a) {
  auto env = api::StreamExecutionEnvironment::Create();
  env->SetParallelism(a.parallelism);
  env->EnableCheckpointing(std::chrono::milliseconds(a.interval_ms), a.checkpoint_dir);

  auto events = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("user", arrow::utf8()),
       arrow::field("amount", arrow::int32()), arrow::field("day", arrow::utf8())});
  auto source_builder = connectors::KafkaSource::Builder()
                            .SetBootstrapServers(a.bootstrap)
                            .SetTopics({a.input})
                            .SetGroupId("weir-kafka-pipeline")
                            .SetStartingOffsets(connectors::KafkaOffsets::Earliest())
                            .SetValueSchema(events);
  if (a.bounded) source_builder.SetBounded(connectors::KafkaOffsets::Latest());
  ARROW_ASSIGN_OR_RAISE(auto source, source_builder.Build());
  ARROW_ASSIGN_OR_RAISE(
      auto sink,
      connectors::KafkaSink::Builder()
          .SetBootstrapServers(a.bootstrap)
          .SetTopic(a.output)
          .SetDeliveryGuarantee(connectors::KafkaDeliveryGuarantee::kExactlyOnce)
          .SetTransactionalIdPrefix("kafka-pipeline-" + a.output)
          .SetKeyColumns({"user"})
          .Build());

  auto tier = cp::call(
      "if_else", {cp::greater_equal(cp::field_ref("amount"), cp::literal(int32_t{500})),
                  cp::literal("gold"), cp::literal("silver")});
  env->FromSource(source, runtime::WatermarkStrategy::NoWatermarks(), "clicks")
      .Filter(cp::greater_equal(cp::field_ref("amount"),
                                cp::literal(static_cast<int32_t>(a.min_amount))))
      .Select({{"id", cp::field_ref("id")},
               {"user", cp::field_ref("user")},
               {"amount", cp::field_ref("amount")},
               {"tier", tier}})
      .SinkTo(sink, "big-clicks");

  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("kafka_pipeline"));
  if (!client->restored_from().empty())
    std::printf("restored from %s\n", client->restored_from().c_str());
  std::fflush(stdout);
  ARROW_RETURN_NOT_OK(api::WaitStoppingOnSignal(client, a.checkpoint_dir).status());
  std::printf("done (%d restarts, %zu checkpoints)\n", client->restarts(),
              client->Checkpoints().size());
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Kafka to Kafka, filtered and enriched, exactly once"};
  Args a;
  app.add_option("--bootstrap", a.bootstrap, "Kafka bootstrap servers")->required();
  app.add_option("--input", a.input, "Input topic")->required();
  app.add_option("--output", a.output, "Output topic")->required();
  app.add_option("--checkpoint-dir", a.checkpoint_dir, "Checkpoint directory")
      ->required();
  app.add_option("--checkpoint-interval-ms", a.interval_ms, "Checkpoint interval");
  app.add_option("--parallelism", a.parallelism, "Subtasks per operator");
  app.add_option("--min-amount", a.min_amount, "Keep events with amount >= this");
  app.add_flag("--bounded", a.bounded, "Stop at the input's end offsets at start");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto status = Run(a);
  if (!status.ok()) {
    std::fprintf(stderr, "kafka_pipeline: error: %s\n", status.message().c_str());
    return weir::ExitCodeFor(status);
  }
  return 0;
}
