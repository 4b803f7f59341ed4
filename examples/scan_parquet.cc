// Example: scan a Parquet dataset with a projection and a SQL filter through the C++
// API, and print what pruning skipped.
//
//   build/examples/scan_parquet PATH "price > 100 AND channel = 'web'" id,price
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/scanner.h"
#include "weir/sql/bind/expression_binder.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH [WHERE] [COLUMNS]\n", argv[0]);
    return 1;
  }
  if (!weir::InitializeRuntime().ok()) return 2;
  auto dataset = weir::format::ParquetDataset::Open({argv[1]});
  if (!dataset.ok()) {
    std::fprintf(stderr, "%s\n", dataset.status().message().c_str());
    return 1;
  }
  weir::format::ScanOptions options;
  if (argc > 2 && argv[2][0] != '\0') {
    auto filter = weir::sql::ParseFilter(argv[2], *(*dataset)->schema());
    if (!filter.ok()) {
      std::fprintf(stderr, "%s\n", filter.status().message().c_str());
      return 1;
    }
    options.filter = *filter;
  }
  if (argc > 3) {
    std::stringstream ss(argv[3]);
    for (std::string c; std::getline(ss, c, ',');) options.columns.push_back(c);
  }
  auto scanner = weir::format::ParquetScanner::Make(*dataset, options);
  if (!scanner.ok()) {
    std::fprintf(stderr, "%s\n", scanner.status().message().c_str());
    return 1;
  }
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while ((*scanner)->ReadNext(&batch).ok() && batch) rows += batch->num_rows();
  auto c = (*scanner)->counters();
  std::printf("%lld rows; row groups: %lld of %lld read\n", (long long)rows,
              (long long)c.row_groups_read, (long long)c.row_groups_total);
  return 0;
}
