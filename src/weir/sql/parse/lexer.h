#pragma once

#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "weir/sql/parse/token.h"

namespace weir::sql {

/// Splits SQL text (Flink/Calcite lexical rules) into tokens, one at a time.
///
/// Skips whitespace, `--` line comments and `/* */` block comments; recognises
/// unquoted words, back-quoted identifiers (`` `a b` ``, a doubled backquote
/// escapes one), numbers, single-quoted strings ('' escapes a quote) and operators.
/// Errors are syntax errors naming line and column with a caret snippet. The lexer
/// keeps a view of `source`, which must outlive it.
class Lexer {
 public:
  /// Starts lexing `source` at its beginning.
  explicit Lexer(std::string_view source);

  /// Returns the next token, or kEndOfInput (repeatedly) once the text is exhausted.
  arrow::Result<Token> Next();

 private:
  arrow::Status SkipSpaceAndComments();
  arrow::Result<Token> LexNumber(SourcePosition start);
  arrow::Result<Token> LexQuoted(SourcePosition start, char quote, TokenKind kind);
  Token MakeToken(TokenKind kind, SourcePosition start) const;
  char Peek(size_t ahead = 0) const;
  void Advance(size_t bytes = 1);
  SourcePosition Here() const;

  std::string_view source_;
  size_t offset_ = 0;
  int32_t line_ = 1;
  int32_t column_ = 1;
  TokenKind previous_ = TokenKind::kEndOfInput;
};

/// Tokenizes all of `source`; the returned vector always ends with kEndOfInput.
arrow::Result<std::vector<Token>> Tokenize(std::string_view source);

}  // namespace weir::sql
