#pragma once
// The JSON paths Flink's JSON functions take, in the subset weir reads: `$`, then
// `.key`, `['key']` and `[index]` steps, after an optional `lax ` or `strict `.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <arrow/result.h>

namespace weir::sql {

/// A parsed JSON path: object keys and array indices from the root.
struct JsonPath {
  using Step = std::variant<std::string, int64_t>;
  std::vector<Step> steps;
};

/// Parses `text`; errors say what is not supported (wildcards, filters, …) or
/// where the path is malformed.
arrow::Result<JsonPath> ParseJsonPath(std::string_view text);

}  // namespace weir::sql
