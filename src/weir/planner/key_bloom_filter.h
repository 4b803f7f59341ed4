#pragma once
// A bloom filter over the keys of a hash join's build side, applied as a row
// filter in the probe side's Parquet scan (a runtime filter, as Flink's and
// DuckDB's): rows whose key the build side cannot hold are dropped before they are
// projected, filtered further and probed.

#include <memory>
#include <string>

#include <arrow/array.h>
#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <parquet/bloom_filter.h>

namespace weir::planner {

/// A bloom filter of integer or string keys (Parquet's split-block filter with
/// XXH64, about 1% false positives). Integers of any width are hashed as BIGINT,
/// so build and probe keys of different integer widths agree.
class KeyBloomFilter {
 public:
  /// Returns true when keys of `type` can be filtered (integers, dates, strings,
  /// binaries).
  static bool Supports(const arrow::DataType& type);

  /// Makes a filter holding the non-null values of `keys` (distinct or not);
  /// `distinct` sizes it.
  static arrow::Result<std::shared_ptr<const KeyBloomFilter>> Make(
      const arrow::ChunkedArray& keys, int64_t distinct);

  /// Returns, per value of `probe`, whether the build side may hold it (false for
  /// NULL, which no equality join matches). A probe of the other family (strings
  /// against integer keys) is kept whole.
  arrow::Result<std::shared_ptr<arrow::Array>> MayContain(
      const arrow::Array& probe) const;

  /// The filter's size in bytes.
  int64_t size_bytes() const { return bytes_; }

 private:
  KeyBloomFilter() = default;
  bool strings_ = false;
  int64_t bytes_ = 0;
  parquet::BlockSplitBloomFilter filter_;
};

/// Returns the scan filter term `weir_key_bloom_filter(column)` testing `column`
/// against `filter`.
arrow::Result<arrow::compute::Expression> KeyBloomFilterExpression(
    std::shared_ptr<const KeyBloomFilter> filter, const std::string& column);

}  // namespace weir::planner
