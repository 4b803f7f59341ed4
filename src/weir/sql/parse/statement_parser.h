#pragma once

#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "weir/sql/parse/statement.h"

namespace weir::sql {

/// Parses a script of statements separated by ';' (Flink/Calcite dialect):
/// queries (SELECT, VALUES, WITH, UNION/INTERSECT/EXCEPT, ORDER BY, LIMIT/OFFSET,
/// FETCH FIRST), INSERT INTO/OVERWRITE, CREATE [TEMPORARY] TABLE/VIEW, DROP, SHOW
/// TABLES/VIEWS/FUNCTIONS, DESCRIBE/DESC, EXPLAIN [PLAN FOR], SET and RESET. Empty
/// statements are skipped. Each statement keeps its own text. Errors name the line
/// and column with a caret under the offending token.
arrow::Result<std::vector<StatementPtr>> ParseScript(std::string_view script);

/// Parses exactly one statement (a trailing ';' is allowed).
arrow::Result<StatementPtr> ParseStatement(std::string_view text);

/// Splits a script into statement texts at top-level ';' (outside strings, quoted
/// identifiers and comments), for shells that read statements line by line. A
/// statement set (`EXECUTE STATEMENT SET BEGIN … END`, `BEGIN STATEMENT SET; … END`)
/// stays one text.
/// `complete` is set to false when the text after the last ';' holds more than
/// whitespace and comments, i.e. a statement is still being typed.
std::vector<std::string> SplitStatements(std::string_view script, bool* complete);

}  // namespace weir::sql
