// Timed scan and write of Parquet through weir's reader and writer, driven by
// bench/parquet/run.py, which runs pyarrow and DuckDB on the same data in the same
// run. Prints one JSON object: rows, seconds (best of --repeat), and counters.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/table.h>
#include <CLI/CLI.hpp>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/writer.h"
#include "weir/sql/bind/expression_binder.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

arrow::Status Scan(const std::string& path, const std::string& columns,
                   const std::string& where, int threads, int repeat,
                   int64_t batch_size) {
  double best = 1e30;
  int64_t rows = 0;
  weir::format::ScanCounters counters;
  for (int r = 0; r < repeat; ++r) {
    auto start = Clock::now();
    ARROW_ASSIGN_OR_RAISE(auto dataset, weir::format::ParquetDataset::Open({path}));
    weir::format::ScanOptions options;
    options.columns = Split(columns);
    options.parallelism = threads;
    options.batch_size = batch_size;
    if (!where.empty()) {
      ARROW_ASSIGN_OR_RAISE(options.filter,
                            weir::sql::ParseFilter(where, *dataset->schema()));
    }
    ARROW_ASSIGN_OR_RAISE(auto scanner,
                          weir::format::ParquetScanner::Make(dataset, options));
    rows = 0;
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(scanner->ReadNext(&batch));
      if (!batch) break;
      rows += batch->num_rows();
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    counters = scanner->counters();
  }
  std::printf(
      "{\"rows\": %lld, \"seconds\": %.6f, \"row_groups_read\": %lld, "
      "\"row_groups_total\": "
      "%lld, \"rows_decoded\": %lld}\n",
      (long long)rows, best, (long long)counters.row_groups_read,
      (long long)counters.row_groups_total, (long long)counters.rows_read);
  return arrow::Status::OK();
}

arrow::Status Write(const std::string& input, const std::string& output,
                    const std::string& compression, int repeat) {
  // Load the input fully first: only the write is timed, as for the peers.
  ARROW_ASSIGN_OR_RAISE(auto scanner, weir::format::ScanParquet({input}, {}));
  ARROW_ASSIGN_OR_RAISE(auto table, scanner->ToTable());
  arrow::TableBatchReader batches(*table);
  std::vector<std::shared_ptr<arrow::RecordBatch>> all;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> b;
    ARROW_RETURN_NOT_OK(batches.ReadNext(&b));
    if (!b) break;
    all.push_back(std::move(b));
  }
  weir::format::WriterOptions options;
  ARROW_RETURN_NOT_OK(weir::format::ParseCompression(compression, &options));
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    auto start = Clock::now();
    ARROW_ASSIGN_OR_RAISE(auto writer, weir::format::ParquetFileWriter::Open(
                                           output, table->schema(), options));
    for (const auto& b : all) ARROW_RETURN_NOT_OK(writer->Write(*b));
    ARROW_RETURN_NOT_OK(writer->Close());
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::printf("{\"rows\": %lld, \"seconds\": %.6f}\n", (long long)table->num_rows(),
              best);
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (!weir::InitializeRuntime().ok()) return 2;
  CLI::App app{"weir Parquet benchmark driver"};
  app.require_subcommand(1);
  std::string path, columns, where, output, compression = "snappy";
  int threads = 0, repeat = 3;
  int64_t batch_size = 64 * 1024;
  auto* scan = app.add_subcommand("scan", "Scan a file");
  scan->add_option("PATH", path)->required();
  scan->add_option("--columns", columns);
  scan->add_option("--where", where);
  scan->add_option("--threads", threads);
  scan->add_option("--repeat", repeat);
  scan->add_option("--batch-size", batch_size);
  auto* write = app.add_subcommand("write", "Write a file");
  write->add_option("INPUT", path)->required();
  write->add_option("OUTPUT", output)->required();
  write->add_option("--compression", compression);
  write->add_option("--repeat", repeat);
  CLI11_PARSE(app, argc, argv);
  arrow::Status st = scan->parsed()
                         ? Scan(path, columns, where, threads, repeat, batch_size)
                         : Write(path, output, compression, repeat);
  if (!st.ok()) {
    std::fprintf(stderr, "parquet_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
