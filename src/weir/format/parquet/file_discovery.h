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

/// Expands inputs (files, directories searched recursively, globs) into a sorted
/// list of data files. Names starting with `.` or `_` (hidden, in-progress and
/// marker files such as `_SUCCESS`) are ignored inside directories. Fails with a
/// user error naming the input when it does not exist or matches no file.
arrow::Result<std::vector<DiscoveredFile>> DiscoverFiles(
    const std::vector<std::string>& inputs);

}  // namespace weir::format
