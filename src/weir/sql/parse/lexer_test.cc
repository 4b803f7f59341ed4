#include "weir/sql/parse/lexer.h"

#include <gtest/gtest.h>

#include "weir/sql/parse/diagnostic.h"

namespace weir::sql {
namespace {

std::vector<Token> Lex(std::string_view text) {
  auto tokens = Tokenize(text);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<Token>{};
}

std::vector<TokenKind> Kinds(std::string_view text) {
  std::vector<TokenKind> kinds;
  for (const Token& token : Lex(text)) kinds.push_back(token.kind);
  return kinds;
}

std::string LexError(std::string_view text) {
  auto tokens = Tokenize(text);
  EXPECT_FALSE(tokens.ok()) << "expected an error for: " << text;
  if (tokens.ok()) return "";
  EXPECT_TRUE(tokens.status().IsInvalid());
  return tokens.status().message();
}

TEST(LexerTest, EmptyInputIsJustEnd) {
  EXPECT_EQ(Kinds(""), std::vector<TokenKind>{TokenKind::kEndOfInput});
  EXPECT_EQ(Kinds("  \n\t -- only a comment"),
            std::vector<TokenKind>{TokenKind::kEndOfInput});
}

TEST(LexerTest, WordsNumbersAndOperators) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("price >= 5 AND name <> 'x'"),
            (std::vector<K>{K::kIdentifier, K::kGreaterEqual, K::kInteger, K::kIdentifier,
                            K::kIdentifier, K::kNotEqual, K::kString, K::kEndOfInput}));
  EXPECT_EQ(
      Kinds("( ) , . ; + - * / % || = <> != < <= > >="),
      (std::vector<K>{K::kLeftParen, K::kRightParen, K::kComma, K::kDot, K::kSemicolon,
                      K::kPlus, K::kMinus, K::kStar, K::kSlash, K::kPercent, K::kConcat,
                      K::kEqual, K::kNotEqual, K::kNotEqual, K::kLess, K::kLessEqual,
                      K::kGreater, K::kGreaterEqual, K::kEndOfInput}));
}

TEST(LexerTest, NumberForms) {
  using K = TokenKind;
  auto tokens = Lex("42 1.5 .5 7. 1e3 1.5E-2 2e+4");
  ASSERT_EQ(tokens.size(), 8u);
  EXPECT_EQ(tokens[0].kind, K::kInteger);
  EXPECT_EQ(tokens[1].kind, K::kDecimal);
  EXPECT_EQ(tokens[2].kind, K::kDecimal);
  EXPECT_EQ(tokens[2].text, ".5");
  EXPECT_EQ(tokens[3].kind, K::kDecimal);
  EXPECT_EQ(tokens[4].kind, K::kFloat);
  EXPECT_EQ(tokens[5].kind, K::kFloat);
  EXPECT_EQ(tokens[5].text, "1.5E-2");
  EXPECT_EQ(tokens[6].kind, K::kFloat);
}

TEST(LexerTest, DotAfterIdentifierIsAPathSeparator) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("a.b.c"), (std::vector<K>{K::kIdentifier, K::kDot, K::kIdentifier,
                                            K::kDot, K::kIdentifier, K::kEndOfInput}));
  EXPECT_EQ(Kinds("`a b`.c"), (std::vector<K>{K::kQuotedIdentifier, K::kDot,
                                              K::kIdentifier, K::kEndOfInput}));
}

TEST(LexerTest, StringsUnescapeDoubledQuotes) {
  auto tokens = Lex("'it''s' '' 'a\nb'");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].value, "it's");
  EXPECT_EQ(tokens[0].text, "'it''s'");
  EXPECT_EQ(tokens[1].value, "");
  EXPECT_EQ(tokens[2].value, "a\nb");
}

TEST(LexerTest, QuotedIdentifiersUnescapeDoubledBackquotes) {
  auto tokens = Lex("`a b` `x``y` `SELECT`");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ(tokens[0].value, "a b");
  EXPECT_EQ(tokens[1].value, "x`y");
  EXPECT_EQ(tokens[2].value, "SELECT");
  EXPECT_FALSE(tokens[2].IsKeyword("SELECT"));
}

TEST(LexerTest, KeywordsAreCaseInsensitiveWords) {
  auto tokens = Lex("and AnD AND android");
  EXPECT_TRUE(tokens[0].IsKeyword("AND"));
  EXPECT_TRUE(tokens[1].IsKeyword("AND"));
  EXPECT_TRUE(tokens[2].IsKeyword("AND"));
  EXPECT_FALSE(tokens[3].IsKeyword("AND"));
}

TEST(LexerTest, CommentsAreSkipped) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("a -- comment\n + /* block\n comment */ b"),
            (std::vector<K>{K::kIdentifier, K::kPlus, K::kIdentifier, K::kEndOfInput}));
  EXPECT_EQ(Kinds("a/**/b"),
            (std::vector<K>{K::kIdentifier, K::kIdentifier, K::kEndOfInput}));
  // A single minus is still an operator.
  EXPECT_EQ(Kinds("a - b"),
            (std::vector<K>{K::kIdentifier, K::kMinus, K::kIdentifier, K::kEndOfInput}));
}

TEST(LexerTest, PositionsCountLinesAndCodePoints) {
  auto tokens = Lex("a\n  bc /* x\ny */ 'é' d");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].position.line, 1);
  EXPECT_EQ(tokens[0].position.column, 1);
  EXPECT_EQ(tokens[1].position.line, 2);
  EXPECT_EQ(tokens[1].position.column, 3);
  EXPECT_EQ(tokens[1].position.offset, 4);
  EXPECT_EQ(tokens[2].position.line, 3);
  EXPECT_EQ(tokens[2].position.column, 6);
  // 'é' is two bytes but one column.
  EXPECT_EQ(tokens[3].position.line, 3);
  EXPECT_EQ(tokens[3].position.column, 10);
  EXPECT_EQ(tokens[4].kind, TokenKind::kEndOfInput);
  EXPECT_EQ(tokens[4].position.column, 11);
}

TEST(LexerTest, UnicodeIdentifiers) {
  auto tokens = Lex("größe > 1");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kIdentifier);
  EXPECT_EQ(tokens[0].text, "größe");
  EXPECT_EQ(tokens[1].position.column, 7);
}

TEST(LexerTest, UnterminatedStringPointsAtOpeningQuote) {
  EXPECT_EQ(LexError("name = 'abc"),
            "syntax error at line 1, column 8: unterminated string literal: missing "
            "closing quote (')\n"
            "  name = 'abc\n"
            "         ^");
}

TEST(LexerTest, UnterminatedCommentAndIdentifier) {
  EXPECT_EQ(LexError("a /* never closed"),
            "syntax error at line 1, column 3: unterminated comment: '/*' has no '*/'\n"
            "  a /* never closed\n"
            "    ^");
  EXPECT_NE(LexError("`abc").find("unterminated quoted identifier"), std::string::npos);
  EXPECT_NE(LexError("``").find("empty quoted identifier"), std::string::npos);
}

TEST(LexerTest, BadCharactersAndNumbers) {
  EXPECT_NE(LexError("a # b").find("column 3: unexpected character '#'"),
            std::string::npos);
  EXPECT_NE(LexError("\"a\"").find("double quotes are not allowed"), std::string::npos);
  EXPECT_NE(LexError("a ! b").find("unexpected character '!'"), std::string::npos);
  EXPECT_NE(LexError("a | b").find("unexpected character '|'"), std::string::npos);
  EXPECT_NE(LexError("a == b").find("'==' is not SQL"), std::string::npos);
  EXPECT_NE(LexError("123abc").find("malformed number '123abc'"), std::string::npos);
  EXPECT_NE(LexError("1e").find("the exponent has no digits"), std::string::npos);
  EXPECT_NE(LexError("1.2.3").find("malformed number '1.2.3'"), std::string::npos);
  EXPECT_NE(LexError("x = \x01").find("unexpected character '\\x01'"), std::string::npos);
}

TEST(LexerTest, ErrorOnLaterLineShowsThatLine) {
  EXPECT_EQ(LexError("a = 1\nAND b # 2"),
            "syntax error at line 2, column 7: unexpected character '#'\n"
            "  AND b # 2\n"
            "        ^");
}

TEST(CaretSnippetTest, LongLinesAreCutAroundThePosition) {
  std::string line(300, 'x');
  SourcePosition position{1, 201, 200};
  std::string snippet = CaretSnippet(line, position);
  auto newline = snippet.find('\n');
  ASSERT_NE(newline, std::string::npos);
  std::string first = snippet.substr(0, newline);
  std::string second = snippet.substr(newline + 1);
  EXPECT_EQ(first.substr(0, 5), "  ...");
  EXPECT_EQ(first.substr(first.size() - 3), "...");
  EXPECT_LT(first.size(), 120u);
  // The caret sits under the character at offset 200 (60 characters into the window).
  EXPECT_EQ(second, std::string(2 + 3 + 60, ' ') + "^");
}

TEST(CaretSnippetTest, TabsAreKeptSoTheCaretLinesUp) {
  EXPECT_EQ(CaretSnippet("\ta #", SourcePosition{1, 4, 3}), "  \ta #\n  \t  ^");
}

TEST(CaretSnippetTest, EndOfInputAfterNewline) {
  EXPECT_EQ(CaretSnippet("a AND\n", SourcePosition{2, 1, 6}), "  \n  ^");
}

}  // namespace
}  // namespace weir::sql
