#include "weir/format/parquet/statistics.h"

#include <algorithm>
#include <set>

#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/schema.h>
#include <parquet/statistics.h>

#include "weir/format/parquet/parquet_error.h"
#include "weir/types/scalar_number.h"

namespace weir::format {

namespace {

// Running sums for one column over the row groups read.
struct ColumnAccumulator {
  bool min_max_known = true;
  double min = 0;
  double max = 0;
  bool any_min_max = false;
  bool nulls_known = true;
  double nulls = 0;
  std::optional<double> distinct;
  int row_groups = 0;
};

void AddRowGroup(const parquet::ColumnChunkMetaData& chunk, ColumnAccumulator* acc) {
  ++acc->row_groups;
  std::shared_ptr<parquet::Statistics> stats = chunk.statistics();
  if (stats == nullptr) {
    acc->min_max_known = acc->nulls_known = false;
    acc->distinct.reset();
    return;
  }
  if (stats->HasNullCount()) {
    acc->nulls += static_cast<double>(stats->null_count());
  } else {
    acc->nulls_known = false;
  }
  acc->distinct.reset();
  if (stats->HasDistinctCount() && acc->row_groups == 1)
    acc->distinct = static_cast<double>(stats->distinct_count());
  if (!acc->min_max_known) return;
  if (!stats->HasMinMax()) {
    // A row group of nulls only states no bounds; any other gap makes them unknown.
    if (!(stats->HasNullCount() && stats->num_values() == 0)) acc->min_max_known = false;
    return;
  }
  std::shared_ptr<arrow::Scalar> min, max;
  if (!parquet::arrow::StatisticsAsScalars(*stats, &min, &max).ok() || !min || !max) {
    acc->min_max_known = false;
    return;
  }
  auto lo = types::ScalarToDouble(*min);
  auto hi = types::ScalarToDouble(*max);
  if (!lo || !hi) {
    acc->min_max_known = false;
    return;
  }
  acc->min = acc->any_min_max ? std::min(acc->min, *lo) : *lo;
  acc->max = acc->any_min_max ? std::max(acc->max, *hi) : *hi;
  acc->any_min_max = true;
}

}  // namespace

arrow::Result<DatasetStatistics> ReadDatasetStatistics(
    const ParquetDataset& dataset, const std::vector<std::string>& columns,
    size_t max_files) {
  DatasetStatistics out;
  const auto& files = dataset.files();
  if (files.empty()) return out;
  size_t sampled = std::min(files.size(), std::max<size_t>(max_files, 1));
  out.exact = sampled == files.size();
  std::map<std::string, ColumnAccumulator> accumulators;
  double rows = 0;
  for (size_t s = 0; s < sampled; ++s) {
    const std::string& path = files[s * files.size() / sampled].path;
    ARROW_RETURN_NOT_OK(CatchParquet(path, [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
      auto reader = parquet::ParquetFileReader::Open(file);
      std::shared_ptr<parquet::FileMetaData> meta = reader->metadata();
      const parquet::SchemaDescriptor* schema = meta->schema();
      for (int rg = 0; rg < meta->num_row_groups(); ++rg) {
        auto group = meta->RowGroup(rg);
        rows += static_cast<double>(group->num_rows());
        for (const std::string& name : columns) {
          int index = schema->ColumnIndex(name);
          if (index < 0) continue;
          AddRowGroup(*group->ColumnChunk(index), &accumulators[name]);
        }
      }
      return arrow::Status::OK();
    }));
  }
  double scale = static_cast<double>(files.size()) / static_cast<double>(sampled);
  out.row_count = rows * scale;
  for (const auto& [name, acc] : accumulators) {
    ColumnStatistics stats;
    if (acc.min_max_known && acc.any_min_max) {
      stats.min = acc.min;
      stats.max = acc.max;
    }
    if (acc.nulls_known) stats.null_count = acc.nulls * scale;
    if (acc.row_groups == 1 && out.exact) stats.distinct_count = acc.distinct;
    out.columns[name] = stats;
  }
  // Partition columns: every file's values are known from its directory.
  const auto& partitions = *dataset.partition_schema();
  for (int p = 0; p < partitions.num_fields(); ++p) {
    const std::string& name = partitions.field(p)->name();
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) continue;
    std::set<std::string> distinct;
    ColumnStatistics stats;
    bool numbers = true;
    for (size_t i = 0; i < files.size(); ++i) {
      const auto& value = dataset.partition_scalars(i)[p];
      if (!value->is_valid) continue;
      distinct.insert(value->ToString());
      auto number = types::ScalarToDouble(*value);
      if (!number) {
        numbers = false;
        continue;
      }
      stats.min = stats.min ? std::min(*stats.min, *number) : *number;
      stats.max = stats.max ? std::max(*stats.max, *number) : *number;
    }
    if (!numbers) stats.min = stats.max = std::nullopt;
    stats.distinct_count = static_cast<double>(distinct.size());
    out.columns[name] = stats;
  }
  return out;
}

}  // namespace weir::format
