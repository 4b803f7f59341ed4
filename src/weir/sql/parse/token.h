#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::sql {

/// Locates a character in SQL source text. Lines and columns are 1-based and
/// columns count Unicode code points, so a caret printed under the position lines
/// up with what the user typed.
struct SourcePosition {
  /// 1-based line number.
  int32_t line = 1;
  /// 1-based column, in code points.
  int32_t column = 1;
  /// 0-based byte offset into the source text.
  int64_t offset = 0;
};

/// Classifies a token. Keywords are not separate kinds: every unquoted word is a
/// kIdentifier and the parser decides from context whether it is a keyword, so
/// non-reserved keywords stay usable as column names (see Token::IsKeyword).
enum class TokenKind {
  kEndOfInput,
  kIdentifier,        // price, AND, Upper (unquoted word)
  kQuotedIdentifier,  // `a b` (value holds the unescaped name)
  kInteger,           // 42
  kDecimal,           // 1.5, .5, 1. (exact numeric)
  kFloat,             // 1e3, 1.5E-2 (approximate numeric)
  kString,            // 'it''s' (value holds the unescaped text)
  kLeftParen,
  kRightParen,
  kComma,
  kDot,
  kSemicolon,
  kLeftBracket,   // [
  kRightBracket,  // ]
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kConcat,  // ||
  kEqual,
  kNotEqual,  // <> or !=
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
};

/// Returns a short human-readable name for a token kind, e.g. "string literal".
std::string_view TokenKindName(TokenKind kind);

/// Holds one lexical token with its position in the source text.
struct Token {
  /// What kind of token this is.
  TokenKind kind = TokenKind::kEndOfInput;
  /// The exact source text of the token (empty at end of input).
  std::string text;
  /// The decoded value: unescaped text for strings and quoted identifiers, the
  /// source text for everything else.
  std::string value;
  /// Where the token starts.
  SourcePosition position;

  /// Returns true if this is an unquoted word equal to `keyword` ignoring case;
  /// `keyword` must be upper case.
  bool IsKeyword(std::string_view keyword) const;
};

}  // namespace weir::sql
