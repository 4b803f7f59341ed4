// Example and fault-test driver: a generator lands in a Hive-partitioned Parquet
// table exactly once, through checkpoints, crashes and restarts.
//
//   build/examples/exactly_once_pipeline --rows N --rate R --output DIR
//       --checkpoint-dir DIR --checkpoint-interval-ms M --partitions K
//       [--parallelism P] [--file-size-bytes B] [--fail-at-row I]
//
// Rows: id (0 … N-1, unique), ts (timestamp), part (= id mod K), payload
// ("payload-<id>"), written under DIR/part=<k>/. Started again with the same
// checkpoint directory after a crash (kill -9), it restores the newest completed
// checkpoint and continues; it exits 0 once all N rows are committed. SIGTERM stops
// it with a savepoint in the checkpoint directory; Ctrl-C cancels. --fail-at-row
// makes the first attempt fail at that row, to show the restart from a checkpoint.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <CLI/CLI.hpp>

#include "weir/api/signal_cancellation.h"
#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/filesystem/file_sink.h"

namespace {

using namespace weir;  // NOLINT: example brevity

std::atomic<bool> g_failed_once{false};

// Adds `part` and `payload` to the generated (id, ts) rows; optionally fails once
// when it sees row `fail_at`.
class Enrich : public runtime::Operator {
 public:
  Enrich(int64_t partitions, int64_t fail_at)
      : partitions_(partitions), fail_at_(fail_at) {}

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output* out) override {
    auto id = std::static_pointer_cast<arrow::Int64Array>(batch->column(0));
    arrow::Int64Builder part;
    arrow::StringBuilder payload;
    ARROW_RETURN_NOT_OK(part.Reserve(id->length()));
    ARROW_RETURN_NOT_OK(payload.Reserve(id->length()));
    for (int64_t i = 0; i < id->length(); ++i) {
      const int64_t v = id->Value(i);
      if (v == fail_at_ && !g_failed_once.exchange(true))
        return arrow::Status::IOError("injected failure at row ", v);
      part.UnsafeAppend(v % partitions_);
      ARROW_RETURN_NOT_OK(payload.Append("payload-" + std::to_string(v)));
    }
    ARROW_ASSIGN_OR_RAISE(auto part_array, part.Finish());
    ARROW_ASSIGN_OR_RAISE(auto payload_array, payload.Finish());
    static const auto schema = arrow::schema(
        {arrow::field("id", arrow::int64(), false),
         arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
         arrow::field("part", arrow::int64()), arrow::field("payload", arrow::utf8())});
    return out->Emit(arrow::RecordBatch::Make(
        schema, batch->num_rows(),
        {batch->column(0), batch->column(1), part_array, payload_array}));
  }

 private:
  int64_t partitions_;
  int64_t fail_at_;
};

// Counts the rows of the visible Parquet files under `dir` from their footers.
int64_t VisibleRows(const std::string& dir) {
  int64_t rows = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!it->is_regular_file() || name[0] == '.' || name[0] == '_') continue;
    try {
      rows += parquet::ParquetFileReader::OpenFile(it->path().string())
                  ->metadata()
                  ->num_rows();
    } catch (const std::exception&) {
      return -1;
    }
  }
  return rows;
}

struct Args {
  int64_t rows = 0, rate = 0, interval_ms = 1000, partitions = 1, file_size = 128LL << 20;
  int64_t fail_at = -1;
  int parallelism = 1;
  std::string output, checkpoint_dir;
};

arrow::Status Run(const Args& a) {
  if (a.rows < 0 || a.rate < 0 || a.partitions < 1 || a.interval_ms < 0)
    return UserError("--rows and --rate must not be negative, --partitions at least 1");
  auto env = api::StreamExecutionEnvironment::Create();
  env->SetParallelism(a.parallelism);
  env->EnableCheckpointing(std::chrono::milliseconds(a.interval_ms), a.checkpoint_dir);
  env->SetRestartStrategy(
      {runtime::RestartStrategy::Kind::kFixedDelay, 3, std::chrono::milliseconds(200)});

  connectors::DatagenOptions gen;
  gen.schema = arrow::schema(
      {arrow::field("id", arrow::int64(), false),
       arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))});
  connectors::DatagenFieldOptions id;
  id.kind = connectors::DatagenFieldOptions::Kind::kSequence;
  id.start = 0;
  id.end = a.rows - 1;
  gen.fields["id"] = id;
  connectors::DatagenFieldOptions ts;
  ts.min = 1.7e15;  // late 2023, epoch microseconds
  ts.max = 1.7e15 + 86400e6;
  gen.fields["ts"] = ts;
  gen.number_of_rows = a.rows;
  gen.batch_size = 4096;
  if (a.rate > 0) gen.rows_per_second = a.rate;
  ARROW_ASSIGN_OR_RAISE(auto source, connectors::MakeDatagenSource(gen));

  connectors::FileSinkOptions sink;
  sink.path = a.output;
  sink.buckets = connectors::PartitionColumns({"part"});
  sink.rolling.file_size = a.file_size;
  sink.commit.trigger = connectors::PartitionCommitOptions::Trigger::kProcessTime;
  ARROW_ASSIGN_OR_RAISE(auto sink_factory, connectors::MakeFileSink(sink));

  const int64_t partitions = a.partitions, fail_at = a.fail_at;
  env->FromSource(source, runtime::WatermarkStrategy::NoWatermarks(), "generator")
      .Process(
          [partitions, fail_at](const runtime::SubtaskInfo&)
              -> arrow::Result<std::unique_ptr<runtime::Operator>> {
            return std::make_unique<Enrich>(partitions, fail_at);
          },
          "enrich")
      .SinkTo(sink_factory, "parquet-table");

  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("exactly_once_pipeline"));
  if (!client->restored_from().empty())
    std::printf("restored from %s\n", client->restored_from().c_str());
  std::fflush(stdout);
  std::thread progress([&] {
    while (!client->WaitFor(std::chrono::seconds(1))) {
      int64_t generated = 0;
      for (const auto& m : client->Metrics())
        if (m.name == "generator") generated += m.records_out;
      int completed = 0;
      for (const auto& c : client->Checkpoints()) completed += c.status == "COMPLETED";
      std::printf(
          "progress: generated %lld rows this attempt, %d checkpoints completed\n",
          static_cast<long long>(generated), completed);
      std::fflush(stdout);
    }
  });
  auto result = api::WaitStoppingOnSignal(client, a.checkpoint_dir);
  progress.join();
  ARROW_RETURN_NOT_OK(result.status());
  const int64_t visible = VisibleRows(a.output);
  std::printf("committed %lld rows to %s (%d restarts, %zu checkpoints)\n",
              static_cast<long long>(visible), a.output.c_str(), client->restarts(),
              client->Checkpoints().size());
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Generator to a partitioned Parquet table, exactly once"};
  Args a;
  app.add_option("--rows", a.rows, "Rows to generate (ids 0 … N-1)")->required();
  app.add_option("--rate", a.rate, "Rows per second over all subtasks (0: unthrottled)");
  app.add_option("--output", a.output, "Table directory")->required();
  app.add_option("--checkpoint-dir", a.checkpoint_dir, "Checkpoint directory")
      ->required();
  app.add_option("--checkpoint-interval-ms", a.interval_ms, "Checkpoint interval");
  app.add_option("--partitions", a.partitions, "Number of `part` values");
  app.add_option("--parallelism", a.parallelism, "Subtasks per operator");
  app.add_option("--file-size-bytes", a.file_size, "Roll part files at this size");
  app.add_option("--fail-at-row", a.fail_at, "Fail the first attempt at this id");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto status = Run(a);
  if (!status.ok()) {
    std::fprintf(stderr, "exactly_once_pipeline: error: %s\n", status.message().c_str());
    return weir::ExitCodeFor(status);
  }
  return 0;
}
