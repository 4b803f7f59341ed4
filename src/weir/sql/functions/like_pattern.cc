#include "weir/sql/functions/like_pattern.h"

#include "weir/common/error.h"

namespace weir::sql {

arrow::Result<std::string> RewriteLikePattern(std::string_view pattern, char escape) {
  std::string rewritten;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == escape) {
      char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
      if (i + 1 >= pattern.size() || (next != '%' && next != '_' && next != escape)) {
        return UserError("the escape character must precede '%', '_' or itself");
      }
      rewritten += '\\';
      rewritten += next;
      ++i;
    } else if (c == '\\') {
      rewritten += "\\\\";
    } else {
      rewritten += c;
    }
  }
  return rewritten;
}

}  // namespace weir::sql
