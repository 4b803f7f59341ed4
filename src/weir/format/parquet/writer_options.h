#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/result.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/properties.h>

namespace weir::format {

/// Bloom filter settings for one column.
struct BloomFilterSpec {
  /// Expected number of distinct values per row group; 0 means the row group size.
  int64_t ndv = 0;
  /// Target false-positive probability, in (0, 1).
  double fpp = 0.01;
};

/// A column the data is sorted by, recorded in row-group metadata.
struct SortingSpec {
  std::string column;
  bool descending = false;
  bool nulls_first = false;
};

/// Everything that shapes a written Parquet file. Defaults: zstd level 3,
/// statistics and page index on, dictionary on, INT64 timestamps.
struct WriterOptions {
  arrow::Compression::type compression = arrow::Compression::ZSTD;
  /// Codec level; nullopt means the codec's default.
  std::optional<int> compression_level = 3;
  /// A row group is closed at this many rows...
  int64_t row_group_rows = 1024 * 1024;
  /// ...or when its buffered data reaches this many bytes (estimated from the input).
  int64_t row_group_bytes = 128LL * 1024 * 1024;
  int64_t page_size = 1024 * 1024;
  bool dictionary = true;
  /// Columns (dotted paths) written without dictionary encoding even when
  /// `dictionary` is on: near-unique columns, where a dictionary costs time and
  /// memory and saves nothing.
  std::vector<std::string> plain_columns;
  int64_t dictionary_page_size_limit = 1024 * 1024;
  bool statistics = true;
  bool page_index = true;
  /// Per-column bloom filters by dotted column path.
  std::map<std::string, BloomFilterSpec> bloom_filters;
  /// Data page format: 1 or 2.
  int data_page_version = 1;
  /// Writes timestamps as deprecated INT96 (only for old readers that need it).
  bool int96_timestamps = false;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::vector<SortingSpec> sorting_columns;
  /// Encodes and compresses the columns of a row group in parallel on Arrow's CPU
  /// pool. Speeds up a single writer; a job with many concurrent writers may turn
  /// it off to avoid oversubscribing cores.
  bool parallel_columns = true;
};

/// Parses a codec name with an optional level: `none`, `snappy`, `gzip`, `zstd`,
/// `zstd(9)`, `zstd:9`, `lz4_raw` (or `lz4`), `brotli`. Fails with a user error
/// that lists the valid names.
arrow::Status ParseCompression(std::string_view text, WriterOptions* options);

/// Parses sizes such as `1000`, `64K`, `128MB`, `1GiB` into bytes (or a count).
arrow::Result<int64_t> ParseSize(std::string_view text);

}  // namespace weir::format
