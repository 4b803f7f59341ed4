// Exactly-once partitioned Parquet file sink: a job from an in-memory collection to
// weir's file sink, Hive-partitioned by one column. Driven by bench/sink/run.py, which
// runs pyarrow.dataset and DuckDB on the same data in the same run.
//
//   sink_bench INPUT OUTPUT_ROOT [--partition-by part] [--parallelism 2]
//       [--checkpoint-ms 0,1000] [--repeat 1] [--batch-rows 65536]
//       [--compression zstd(3)] [--roll-on-checkpoint] [--no-parallel-columns]
//       [--no-dictionary] [--row-group-rows N]
//
// INPUT is read into memory first (not timed) and cut into batches of at most
// --batch-rows rows (the batch size of weir's Parquet source). Then, per round and per
// checkpoint interval (0 = checkpointing off), OUTPUT_ROOT/weir-<mode>/ and its
// checkpoint directory are deleted and the job runs: collection → file sink, both at
// --parallelism, with a fresh checkpoint directory when checkpointing is on. The time is
// the wall time from starting the job until it ended, i.e. until every file is committed
// (visible). Prints one JSON object per run, with the periodic checkpoints' figures, the
// job's peak resident memory (including the input) and the visible files' count, sizes
// and row groups read from their footers.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <arrow/table.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <CLI/CLI.hpp>

#include "weir/api/stream_execution_environment.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/filesystem/file_sink.h"
#include "weir/format/parquet/scanner.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace weir;  // NOLINT: benchmark brevity

struct Args {
  std::string input, output_root, partition_by = "part", compression = "zstd(3)";
  std::vector<int64_t> checkpoint_ms = {0, 1000};
  int parallelism = 2, repeat = 1;
  int64_t batch_rows = 64 * 1024;
  int64_t row_group_rows = 0;  // 0: the writer's default
  bool roll_on_checkpoint = false, no_parallel_columns = false, no_dictionary = false;
};

struct OutputFiles {
  int64_t files = 0, bytes = 0, rows = 0, row_groups = 0;
  int64_t median_bytes = 0, min_bytes = 0, max_bytes = 0;
  int64_t hidden = 0;  // in-progress or staged files left behind (should be 0)
};

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\n' || c == '\t') ? ' ' : c;
  }
  return out;
}

// Resets the process's peak resident memory (Linux: VmHWM) so that each job's own
// peak can be read; returns false where that is not possible.
bool ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

// Reads a `<key>: <n> kB` line of /proc/self/status; -1 if missing.
int64_t StatusKb(const char* key) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  int64_t kb = -1;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, key, n) == 0 && line[n] == ':') {
      kb = std::atoll(line + n + 1);
      break;
    }
  }
  std::fclose(f);
  return kb;
}

// Peak resident memory since the last reset (or process start): includes the input
// held in memory.
int64_t PeakRssKb() {
  const int64_t hwm = StatusKb("VmHWM");
  if (hwm >= 0) return hwm;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Visible data files under `dir` (not `.`/`_` prefixed), sizes and footers.
arrow::Result<OutputFiles> Inspect(const std::string& dir) {
  OutputFiles out;
  std::vector<int64_t> sizes;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name[0] == '.') {
      ++out.hidden;
      continue;
    }
    if (name[0] == '_') continue;
    sizes.push_back(static_cast<int64_t>(e.file_size()));
    try {
      auto meta = parquet::ParquetFileReader::OpenFile(e.path().string())->metadata();
      out.rows += meta->num_rows();
      out.row_groups += meta->num_row_groups();
    } catch (const std::exception& ex) {
      return arrow::Status::IOError("cannot read footer of ", e.path().string(), ": ",
                                    ex.what());
    }
  }
  std::sort(sizes.begin(), sizes.end());
  out.files = static_cast<int64_t>(sizes.size());
  for (int64_t s : sizes) out.bytes += s;
  if (!sizes.empty()) {
    const size_t n = sizes.size();
    out.median_bytes = n % 2 ? sizes[n / 2] : (sizes[n / 2 - 1] + sizes[n / 2]) / 2;
    out.min_bytes = sizes.front();
    out.max_bytes = sizes.back();
  }
  return out;
}

arrow::Status RunOnce(const Args& a,
                      const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
                      int64_t interval_ms, int round) {
  const std::string mode = interval_ms > 0 ? std::to_string(interval_ms) + "ms" : "none";
  const std::string out_dir = (fs::path(a.output_root) / ("weir-" + mode)).string();
  const std::string ckpt_dir =
      (fs::path(a.output_root) / ("checkpoints-" + mode)).string();
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  fs::remove_all(ckpt_dir, ec);

  connectors::FileSinkOptions sink;
  sink.path = out_dir;
  sink.buckets = connectors::PartitionColumns({a.partition_by});
  ARROW_RETURN_NOT_OK(format::ParseCompression(a.compression, &sink.writer));
  sink.writer.parallel_columns = !a.no_parallel_columns;
  sink.writer.dictionary = !a.no_dictionary;
  if (a.row_group_rows > 0) sink.writer.row_group_rows = a.row_group_rows;
  sink.rolling.on_checkpoint = a.roll_on_checkpoint;
  ARROW_ASSIGN_OR_RAISE(auto sink_factory,
                        connectors::MakeFileSink(sink, batches.front()->schema()));

  auto env = api::StreamExecutionEnvironment::Create();
  env->SetParallelism(a.parallelism);
  env->runtime_options().threads = a.parallelism;
  if (interval_ms > 0) {
    env->EnableCheckpointing(std::chrono::milliseconds(interval_ms), ckpt_dir);
  }
  env->FromCollection(batches, "input").SinkTo(sink_factory, "file-sink");

  ResetPeakRss();
  const int64_t rss_before_kb = StatusKb("VmRSS");
  const auto start = Clock::now();
  ARROW_ASSIGN_OR_RAISE(auto client, env->ExecuteAsync("sink_bench"));
  ARROW_ASSIGN_OR_RAISE(auto result, client->Wait());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  // Periodic checkpoints only (not the final one every job takes). One that was
  // pending when the input ended is aborted (the final checkpoint covers it): it
  // counts as not completed, with its reason.
  int completed = 0, failed = 0;
  std::string failure;
  std::vector<double> ckpt_ms;
  for (const auto& c : client->Checkpoints()) {
    if (c.kind != runtime::CheckpointKind::kCheckpoint) continue;
    if (c.status == "COMPLETED") {
      ++completed;
      ckpt_ms.push_back(static_cast<double>(c.duration.count()) / 1000.0);
    } else if (c.status == "FAILED") {
      ++failed;
      if (failure.empty()) failure = JsonEscape(c.failure);
    }
  }
  std::sort(ckpt_ms.begin(), ckpt_ms.end());
  const double ckpt_median = ckpt_ms.empty() ? 0.0 : ckpt_ms[ckpt_ms.size() / 2];
  const double ckpt_max = ckpt_ms.empty() ? 0.0 : ckpt_ms.back();

  ARROW_ASSIGN_OR_RAISE(auto files, Inspect(out_dir));
  const auto in = result.Totals("input");
  const auto sunk = result.Totals("file-sink");
  std::printf(
      "{\"round\": %d, \"mode\": \"%s\", \"checkpoint_ms\": %lld, \"rows\": %lld, "
      "\"sink_rows\": %lld, \"seconds\": %.4f, \"job_seconds\": %.4f, "
      "\"rows_per_s\": %.0f, \"checkpoints\": %d, \"checkpoints_failed\": %d, "
      "\"checkpoint_failure\": \"%s\", \"checkpoint_ms_median\": %.1f, "
      "\"checkpoint_ms_max\": %.1f, \"rss_before_mb\": %.0f, \"peak_rss_mb\": %.0f, "
      "\"sink_busy_s\": %.3f, \"restarts\": %d, \"files\": %lld, \"bytes\": %lld, "
      "\"file_rows\": %lld, \"row_groups\": %lld, \"median_file_bytes\": %lld, "
      "\"min_file_bytes\": %lld, \"max_file_bytes\": %lld, \"hidden_files\": %lld, "
      "\"output\": \"%s\"}\n",
      round, mode.c_str(), static_cast<long long>(interval_ms),
      static_cast<long long>(in.records_out), static_cast<long long>(sunk.records_in),
      seconds, static_cast<double>(result.duration.count()) / 1e6,
      static_cast<double>(in.records_out) / seconds, completed, failed, failure.c_str(),
      ckpt_median, ckpt_max, static_cast<double>(rss_before_kb) / 1024.0,
      static_cast<double>(PeakRssKb()) / 1024.0,
      static_cast<double>(sunk.busy_micros) / 1e6, client->restarts(),
      static_cast<long long>(files.files), static_cast<long long>(files.bytes),
      static_cast<long long>(files.rows), static_cast<long long>(files.row_groups),
      static_cast<long long>(files.median_bytes), static_cast<long long>(files.min_bytes),
      static_cast<long long>(files.max_bytes), static_cast<long long>(files.hidden),
      out_dir.c_str());
  std::fflush(stdout);
  return arrow::Status::OK();
}

arrow::Status Run(const Args& a) {
  if (a.parallelism < 1 || a.repeat < 1 || a.batch_rows < 1 ||
      std::any_of(a.checkpoint_ms.begin(), a.checkpoint_ms.end(),
                  [](int64_t ms) { return ms < 0; })) {
    return arrow::Status::Invalid(
        "--parallelism, --repeat and --batch-rows must be >= 1, --checkpoint-ms >= 0");
  }
  // Load the whole input first: only the job (partition, encode, write, commit) is
  // timed, as for the peers.
  ARROW_ASSIGN_OR_RAISE(auto scanner, format::ScanParquet({a.input}, {}));
  ARROW_ASSIGN_OR_RAISE(auto table, scanner->ToTable());
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  arrow::TableBatchReader reader(*table);
  reader.set_chunksize(a.batch_rows);
  while (true) {
    std::shared_ptr<arrow::RecordBatch> b;
    ARROW_RETURN_NOT_OK(reader.ReadNext(&b));
    if (!b) break;
    batches.push_back(std::move(b));
  }
  if (batches.empty()) return arrow::Status::Invalid("input '", a.input, "' has no rows");
  std::error_code ec;
  fs::create_directories(a.output_root, ec);
  if (ec)
    return arrow::Status::IOError("cannot create '", a.output_root, "': ", ec.message());
  for (int r = 0; r < a.repeat; ++r) {
    for (int64_t ms : a.checkpoint_ms) ARROW_RETURN_NOT_OK(RunOnce(a, batches, ms, r));
  }
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weir partitioned file sink benchmark"};
  Args a;
  app.add_option("INPUT", a.input, "Parquet file to load into memory")->required();
  app.add_option("OUTPUT_ROOT", a.output_root, "Where weir-<mode>/ outputs go")
      ->required();
  app.add_option("--partition-by", a.partition_by, "Hive partition column");
  app.add_option("--parallelism", a.parallelism, "Subtasks per operator and threads");
  app.add_option("--checkpoint-ms", a.checkpoint_ms,
                 "Checkpoint intervals to run in this order, 0 = no checkpointing")
      ->delimiter(',');
  app.add_option("--repeat", a.repeat, "Rounds (each runs every interval once)");
  app.add_option("--batch-rows", a.batch_rows, "Rows per input batch");
  app.add_option("--compression", a.compression, "Codec, e.g. zstd(3), snappy");
  app.add_flag("--roll-on-checkpoint", a.roll_on_checkpoint,
               "Roll every file at every checkpoint (Flink's bulk-format behaviour)");
  app.add_flag("--no-parallel-columns", a.no_parallel_columns,
               "Encode the columns of a row group on the writing thread only");
  app.add_flag("--no-dictionary", a.no_dictionary, "Turn dictionary encoding off");
  app.add_option("--row-group-rows", a.row_group_rows,
                 "Close row groups at this many rows (default: the writer's, 1M)");
  CLI11_PARSE(app, argc, argv);
  if (!weir::InitializeRuntime().ok()) return 2;
  auto st = Run(a);
  if (!st.ok()) {
    std::fprintf(stderr, "sink_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
