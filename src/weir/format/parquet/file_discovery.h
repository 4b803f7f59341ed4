#pragma once

#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

namespace weir::format {

/// One data file found under the user's inputs, with the Hive partition values
/// (`key=value` directory names, unescaped) between the input root and the file.
struct DiscoveredFile {
  /// Path of the file as it can be opened.
  std::string path;
  /// Partition key/value pairs in directory order (outermost first).
  std::vector<std::pair<std::string, std::string>> partition_values;
};

/// Returns the local file system path a user's path names: `file:///abs/p`,
/// `file:/abs/p` and `file://localhost/abs/p` become `/abs/p`; a path without a
/// scheme is returned as it is. Fails with a user error naming the path for any
/// other scheme (`s3://`, `hdfs://`, …), which weir cannot serve yet.
arrow::Result<std::string> LocalPath(const std::string& path);

/// Expands inputs (files, directories searched recursively, globs) into a sorted
/// list of data files. Names starting with `.` or `_` (hidden, in-progress and
/// marker files such as `_SUCCESS`) are ignored inside directories. Fails with a
/// user error naming the input when it does not exist or matches no file. Inputs
/// may be `file://` URIs (see LocalPath).
arrow::Result<std::vector<DiscoveredFile>> DiscoverFiles(
    const std::vector<std::string>& inputs);

}  // namespace weir::format
