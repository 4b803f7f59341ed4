#pragma once

#include <string>
#include <string_view>

#include <arrow/result.h>

namespace weir::sql {

/// Rewrites a SQL LIKE pattern with an explicit ESCAPE character into the syntax of
/// Arrow's match_like, whose escape character is a backslash (the same default as
/// Flink, so patterns without ESCAPE need no rewriting). Fails with a short reason,
/// and no position, when the escape character precedes anything but '%', '_' or
/// itself.
arrow::Result<std::string> RewriteLikePattern(std::string_view pattern, char escape);

}  // namespace weir::sql
