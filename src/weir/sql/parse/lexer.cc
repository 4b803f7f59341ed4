#include "weir/sql/parse/lexer.h"

#include <fmt/format.h>

#include "weir/sql/parse/diagnostic.h"

namespace weir::sql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentifierStart(char c) {
  // Bytes >= 0x80 belong to UTF-8 encoded characters, which Calcite allows in names.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsIdentifierPart(char c) { return IsIdentifierStart(c) || IsDigit(c) || c == '$'; }

char ToUpperAscii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

}  // namespace

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEndOfInput:
      return "end of input";
    case TokenKind::kIdentifier:
      return "identifier";
    case TokenKind::kQuotedIdentifier:
      return "quoted identifier";
    case TokenKind::kInteger:
      return "integer literal";
    case TokenKind::kDecimal:
      return "decimal literal";
    case TokenKind::kFloat:
      return "floating-point literal";
    case TokenKind::kString:
      return "string literal";
    case TokenKind::kLeftParen:
      return "'('";
    case TokenKind::kRightParen:
      return "')'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kSemicolon:
      return "';'";
    case TokenKind::kLeftBracket:
      return "'['";
    case TokenKind::kRightBracket:
      return "']'";
    case TokenKind::kPlus:
      return "'+'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kStar:
      return "'*'";
    case TokenKind::kSlash:
      return "'/'";
    case TokenKind::kPercent:
      return "'%'";
    case TokenKind::kConcat:
      return "'||'";
    case TokenKind::kEqual:
      return "'='";
    case TokenKind::kNotEqual:
      return "'<>'";
    case TokenKind::kLess:
      return "'<'";
    case TokenKind::kLessEqual:
      return "'<='";
    case TokenKind::kGreater:
      return "'>'";
    case TokenKind::kGreaterEqual:
      return "'>='";
  }
  return "token";
}

bool Token::IsKeyword(std::string_view keyword) const {
  if (kind != TokenKind::kIdentifier || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ToUpperAscii(text[i]) != keyword[i]) return false;
  }
  return true;
}

Lexer::Lexer(std::string_view source) : source_(source) {}

char Lexer::Peek(size_t ahead) const {
  return offset_ + ahead < source_.size() ? source_[offset_ + ahead] : '\0';
}

void Lexer::Advance(size_t bytes) {
  for (size_t i = 0; i < bytes && offset_ < source_.size(); ++i) {
    char c = source_[offset_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
}

SourcePosition Lexer::Here() const {
  return SourcePosition{line_, column_, static_cast<int64_t>(offset_)};
}

Token Lexer::MakeToken(TokenKind kind, SourcePosition start) const {
  Token token;
  token.kind = kind;
  token.text = std::string(source_.substr(static_cast<size_t>(start.offset),
                                          offset_ - static_cast<size_t>(start.offset)));
  token.value = token.text;
  token.position = start;
  return token;
}

arrow::Status Lexer::SkipSpaceAndComments() {
  while (offset_ < source_.size()) {
    char c = Peek();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      Advance();
    } else if (c == '-' && Peek(1) == '-') {
      while (offset_ < source_.size() && Peek() != '\n') Advance();
    } else if (c == '/' && Peek(1) == '*') {
      SourcePosition start = Here();
      Advance(2);
      while (offset_ < source_.size() && !(Peek() == '*' && Peek(1) == '/')) Advance();
      if (offset_ >= source_.size()) {
        return SyntaxErrorAt(source_, start, "unterminated comment: '/*' has no '*/'");
      }
      Advance(2);
    } else {
      break;
    }
  }
  return arrow::Status::OK();
}

arrow::Result<Token> Lexer::LexNumber(SourcePosition start) {
  TokenKind kind = TokenKind::kInteger;
  while (IsDigit(Peek())) Advance();
  if (Peek() == '.') {
    kind = TokenKind::kDecimal;
    Advance();
    while (IsDigit(Peek())) Advance();
  }
  if (Peek() == 'e' || Peek() == 'E') {
    kind = TokenKind::kFloat;
    Advance();
    if (Peek() == '+' || Peek() == '-') Advance();
    if (!IsDigit(Peek())) {
      while (IsIdentifierPart(Peek())) Advance();
      return SyntaxErrorAt(source_, start,
                           fmt::format("malformed number {}: the exponent has no digits",
                                       QuoteForMessage(MakeToken(kind, start).text)));
    }
    while (IsDigit(Peek())) Advance();
  }
  if (IsIdentifierPart(Peek()) || Peek() == '.') {
    while (IsIdentifierPart(Peek()) || Peek() == '.') Advance();
    return SyntaxErrorAt(
        source_, start,
        fmt::format("malformed number {}", QuoteForMessage(MakeToken(kind, start).text)));
  }
  return MakeToken(kind, start);
}

arrow::Result<Token> Lexer::LexQuoted(SourcePosition start, char quote, TokenKind kind) {
  Advance();  // opening quote
  std::string value;
  while (true) {
    if (offset_ >= source_.size()) {
      std::string_view what =
          kind == TokenKind::kString ? "string literal" : "quoted identifier";
      return SyntaxErrorAt(source_, start,
                           fmt::format("unterminated {}: missing closing {}", what,
                                       quote == '\'' ? "quote (')" : "backquote (`)"));
    }
    char c = Peek();
    if (c == quote) {
      if (Peek(1) == quote) {  // doubled quote escapes itself
        value += quote;
        Advance(2);
        continue;
      }
      Advance();
      break;
    }
    value += c;
    Advance();
  }
  if (kind == TokenKind::kQuotedIdentifier && value.empty()) {
    return SyntaxErrorAt(source_, start, "empty quoted identifier ``");
  }
  Token token = MakeToken(kind, start);
  token.value = std::move(value);
  return token;
}

arrow::Result<Token> Lexer::Next() {
  ARROW_RETURN_NOT_OK(SkipSpaceAndComments());
  SourcePosition start = Here();
  if (offset_ >= source_.size()) return MakeToken(TokenKind::kEndOfInput, start);

  char c = Peek();
  auto single = [&](TokenKind kind, size_t length = 1) {
    Advance(length);
    return MakeToken(kind, start);
  };
  Token token;
  if (IsIdentifierStart(c)) {
    while (IsIdentifierPart(Peek())) Advance();
    token = MakeToken(TokenKind::kIdentifier, start);
  } else if (IsDigit(c)) {
    ARROW_ASSIGN_OR_RAISE(token, LexNumber(start));
  } else if (c == '.' && IsDigit(Peek(1)) && previous_ != TokenKind::kIdentifier &&
             previous_ != TokenKind::kQuotedIdentifier &&
             previous_ != TokenKind::kRightParen) {
    ARROW_ASSIGN_OR_RAISE(token, LexNumber(start));
  } else if (c == '\'') {
    ARROW_ASSIGN_OR_RAISE(token, LexQuoted(start, '\'', TokenKind::kString));
  } else if (c == '`') {
    ARROW_ASSIGN_OR_RAISE(token, LexQuoted(start, '`', TokenKind::kQuotedIdentifier));
  } else if (c == '"') {
    return SyntaxErrorAt(source_, start,
                         "double quotes are not allowed: write strings in 'single "
                         "quotes' and identifiers in `backquotes`");
  } else {
    char next = Peek(1);
    switch (c) {
      case '(':
        token = single(TokenKind::kLeftParen);
        break;
      case ')':
        token = single(TokenKind::kRightParen);
        break;
      case ',':
        token = single(TokenKind::kComma);
        break;
      case '.':
        token = single(TokenKind::kDot);
        break;
      case ';':
        token = single(TokenKind::kSemicolon);
        break;
      case '[':
        token = single(TokenKind::kLeftBracket);
        break;
      case ']':
        token = single(TokenKind::kRightBracket);
        break;
      case '+':
        token = single(TokenKind::kPlus);
        break;
      case '-':
        token = single(TokenKind::kMinus);
        break;
      case '*':
        token = single(TokenKind::kStar);
        break;
      case '/':
        token = single(TokenKind::kSlash);
        break;
      case '%':
        token = single(TokenKind::kPercent);
        break;
      case '=':
        if (next == '=') {
          return SyntaxErrorAt(source_, start, "'==' is not SQL: compare with '='");
        }
        token = single(TokenKind::kEqual);
        break;
      case '<':
        token = next == '>'   ? single(TokenKind::kNotEqual, 2)
                : next == '=' ? single(TokenKind::kLessEqual, 2)
                              : single(TokenKind::kLess);
        break;
      case '>':
        token = next == '=' ? single(TokenKind::kGreaterEqual, 2)
                            : single(TokenKind::kGreater);
        break;
      case '!':
        if (next != '=') {
          return SyntaxErrorAt(source_, start,
                               "unexpected character '!': did you mean '<>' or NOT?");
        }
        token = single(TokenKind::kNotEqual, 2);
        break;
      case '|':
        if (next != '|') {
          return SyntaxErrorAt(source_, start,
                               "unexpected character '|': did you mean '||' or OR?");
        }
        token = single(TokenKind::kConcat, 2);
        break;
      default:
        return SyntaxErrorAt(
            source_, start,
            fmt::format("unexpected character {}", QuoteForMessage(std::string(1, c))));
    }
  }
  previous_ = token.kind;
  return token;
}

arrow::Result<std::vector<Token>> Tokenize(std::string_view source) {
  Lexer lexer(source);
  std::vector<Token> tokens;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(Token token, lexer.Next());
    bool end = token.kind == TokenKind::kEndOfInput;
    tokens.push_back(std::move(token));
    if (end) return tokens;
  }
}

}  // namespace weir::sql
