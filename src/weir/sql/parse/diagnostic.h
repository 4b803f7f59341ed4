#pragma once

#include <string>
#include <string_view>

#include <arrow/status.h>

#include "weir/sql/parse/token.h"

namespace weir::sql {

/// Renders the source line containing `position` followed by a line with a caret
/// under the position, both indented by two spaces. Long lines are cut to a window
/// around the position.
std::string CaretSnippet(std::string_view source, const SourcePosition& position);

/// Returns a user error (`arrow::StatusCode::Invalid`) reading
/// "<what> at line L, column C<detail>" followed by a newline and the caret snippet,
/// e.g. ErrorAt(src, pos, "syntax error", ": expected ')'").
arrow::Status ErrorAt(std::string_view source, const SourcePosition& position,
                      std::string_view what, std::string_view detail);

/// Returns a syntax error at `position`: "syntax error at line L, column C: <message>".
arrow::Status SyntaxErrorAt(std::string_view source, const SourcePosition& position,
                            std::string_view message);

/// Quotes text for an error message as 'text', cutting very long text and showing
/// control characters as \xNN.
std::string QuoteForMessage(std::string_view text);

}  // namespace weir::sql
