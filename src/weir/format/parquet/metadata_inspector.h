#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

namespace weir::format {

/// What one column chunk of one row group holds.
struct ColumnChunkInfo {
  std::string path;
  std::string physical_type;
  std::string logical_type;
  std::vector<std::string> encodings;
  std::string compression;
  int64_t num_values = 0;
  int64_t compressed_size = 0;
  int64_t uncompressed_size = 0;
  bool has_statistics = false;
  std::optional<std::string> min;
  std::optional<std::string> max;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  bool has_column_index = false;
  bool has_offset_index = false;
  bool has_bloom_filter = false;
};

/// What one row group holds.
struct RowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;
  int64_t compressed_size = 0;
  std::vector<ColumnChunkInfo> columns;
};

/// Everything `weir parquet inspect` shows about one file.
struct FileInfo {
  std::string path;
  int64_t file_size = 0;
  std::string created_by;
  std::string format_version;
  /// Rows in all row groups.
  int64_t num_rows = 0;
  /// Rows the footer claims (some writers leave it 0).
  int64_t footer_num_rows = 0;
  /// Parquet schema, one line per node, indented by depth.
  std::vector<std::string> parquet_schema;
  /// Arrow schema as the reader maps it.
  std::vector<std::string> arrow_schema;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::vector<RowGroupInfo> row_groups;
};

/// Reads the footer (and the presence of page indexes and bloom filters) of one
/// Parquet file. Fails with a user error naming the file when it is not valid Parquet.
arrow::Result<FileInfo> InspectFile(const std::string& path);

/// Renders `info` for a terminal.
std::string FormatFileInfoText(const FileInfo& info);

/// Renders `info` as a JSON object.
std::string FormatFileInfoJson(const FileInfo& info);

/// Escapes `s` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& s);

}  // namespace weir::format
