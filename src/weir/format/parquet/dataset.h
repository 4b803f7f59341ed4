#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/format/parquet/file_discovery.h"

namespace weir::format {

/// How a set of inputs becomes a dataset.
struct DatasetOptions {
  /// Types for partition columns; keys not listed are inferred (integer, date, string).
  std::shared_ptr<arrow::Schema> partition_schema;
  /// Whether `k=v` directories become columns.
  bool hive_partitioning = true;
};

/// A set of Parquet files read as one table: the schema of the first file plus
/// the Hive partition columns (appended after the file columns), and each file's
/// partition values. String and binary columns are plain utf8/binary whatever
/// layout the writer stored (string_view, large_string, dictionary, …): the scan
/// casts them, so everything above sees one layout. Immutable once discovered; cheap to
/// share between scans.
class ParquetDataset {
 public:
  /// Discovers files under `inputs` and reads the schema from the first one.
  static arrow::Result<std::shared_ptr<ParquetDataset>> Open(
      const std::vector<std::string>& inputs, const DatasetOptions& options = {});

  /// Opens a dataset over files already discovered (with their partition values),
  /// e.g. the new files a continuous source found.
  static arrow::Result<std::shared_ptr<ParquetDataset>> OpenFiles(
      std::vector<DiscoveredFile> files, const DatasetOptions& options = {});

  /// Returns the full schema: file columns followed by partition columns.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  /// Returns the schema of the Parquet files (without partition columns).
  const std::shared_ptr<arrow::Schema>& file_schema() const { return file_schema_; }
  /// Returns the partition columns with their types (may be empty).
  const std::shared_ptr<arrow::Schema>& partition_schema() const {
    return partition_schema_;
  }
  /// Returns the data files in scan order.
  const std::vector<DiscoveredFile>& files() const { return files_; }
  /// Returns the partition values of file `i` as scalars, in partition_schema order.
  const std::vector<std::shared_ptr<arrow::Scalar>>& partition_scalars(size_t i) const {
    return partition_scalars_[i];
  }

 private:
  std::vector<DiscoveredFile> files_;
  std::vector<std::vector<std::shared_ptr<arrow::Scalar>>> partition_scalars_;
  std::shared_ptr<arrow::Schema> file_schema_;
  std::shared_ptr<arrow::Schema> partition_schema_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace weir::format
