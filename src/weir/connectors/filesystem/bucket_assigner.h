#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::connectors {

/// Where the rows of one batch go: a bucket (a directory under the sink's root) per
/// row.
struct BucketAssignment {
  /// Relative directory of each bucket in this batch ("" is the root).
  std::vector<std::string> buckets;
  /// Start of each bucket's partition time, microseconds since the epoch, when the
  /// assigner knows it (for the partition-time commit trigger).
  std::vector<std::optional<int64_t>> partition_times;
  /// Bucket index of every row.
  std::vector<int32_t> row_bucket;
};

/// Decides the bucket (directory) of every row, vectorised per batch (Flink's
/// BucketAssigner). One instance per sink subtask.
class BucketAssigner {
 public:
  virtual ~BucketAssigner() = default;
  /// Checks the input schema (named columns exist, types fit).
  virtual arrow::Status Bind(const arrow::Schema& input) = 0;
  /// Assigns the rows of `batch`; `now_micros` is the processing time.
  virtual arrow::Result<BucketAssignment> Assign(const arrow::RecordBatch& batch,
                                                 int64_t now_micros) = 0;
  /// Columns left out of the data files (Hive partition columns live in the path).
  virtual std::vector<int> dropped_columns() const { return {}; }
  /// Returns the partition time of a bucket directory written earlier (after a
  /// restore), if the assigner can tell.
  virtual std::optional<int64_t> PartitionTimeOf(const std::string& bucket) const {
    (void)bucket;
    return std::nullopt;
  }
};

/// Makes one assigner per sink subtask.
using BucketAssignerFactory = std::function<std::unique_ptr<BucketAssigner>()>;

/// Everything in one bucket: the root directory.
BucketAssignerFactory SingleBucket();

/// Hive-style partitions by column values: `col1=v1/col2=v2/`, keys and values escaped
/// (nulls as `__HIVE_DEFAULT_PARTITION__`); the columns are left out of the files.
/// `time_pattern` extracts a partition's time from its values for the partition-time
/// commit trigger, Flink style: `$dt $hour:00:00` substitutes column values and
/// parses `yyyy-MM-dd[ HH[:mm[:ss]]]` (default: the first column's value).
BucketAssignerFactory PartitionColumns(std::vector<std::string> columns,
                                       std::string time_pattern = "");

/// Buckets by the event time in `column` (a timestamp, or int64 epoch milliseconds)
/// formatted with a date pattern (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`, quoted
/// literals) in `time_zone` ("UTC", a fixed offset like "+08:00", or an IANA name).
BucketAssignerFactory EventTimeBuckets(std::string column,
                                       std::string pattern = "yyyy-MM-dd--HH",
                                       std::string time_zone = "UTC");

/// Buckets by the processing time when a batch arrives, formatted as above (Flink's
/// DateTimeBucketAssigner).
BucketAssignerFactory ProcessingTimeBuckets(std::string pattern = "yyyy-MM-dd--HH",
                                            std::string time_zone = "UTC");

/// Buckets by a user function that returns one relative directory per row (a string
/// array). Directories must be relative and must not contain `..` components.
BucketAssignerFactory FunctionBuckets(
    std::function<arrow::Result<std::shared_ptr<arrow::Array>>(const arrow::RecordBatch&)>
        fn);

/// Checks a date pattern and returns the length in microseconds of its finest field
/// (e.g. one hour for `yyyy-MM-dd--HH`); days stand in for months and years.
arrow::Result<int64_t> PatternGranularityMicros(const std::string& pattern);

/// Formats local time `local_micros` (wall clock in the bucket's zone, as epoch
/// microseconds) with a date pattern.
std::string FormatLocalTime(const std::string& pattern, int64_t local_micros);

/// Returns the offset in microseconds of `time_zone` at UTC instant `utc_micros`
/// (local = utc + offset). Errors name an unknown zone.
arrow::Result<int64_t> ZoneOffsetMicros(const std::string& time_zone, int64_t utc_micros);

}  // namespace weir::connectors
