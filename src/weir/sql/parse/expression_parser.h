#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/result.h>

#include "weir/sql/parse/ast.h"
#include "weir/sql/parse/token.h"

namespace weir::sql {

/// Parses one SQL scalar expression (the whole text must be consumed).
arrow::Result<std::shared_ptr<const Expr>> ParseExpression(std::string_view text);

/// Parses scalar expressions from a token stream by precedence climbing.
///
/// Precedence, loosest first: OR; AND; NOT; IS [NOT] NULL/TRUE/FALSE/UNKNOWN;
/// comparisons (=, <>, !=, <, <=, >, >=); [NOT] IN / BETWEEN / LIKE; additive
/// (+, -, ||); multiplicative (*, /, %); unary minus and plus; primaries (literals,
/// columns, parentheses, CAST, function calls). Binary operators associate left.
///
/// The parser stops at the first token that cannot continue the expression, so a
/// statement parser can call it for each expression in a larger grammar and resume
/// at next_token(). Nesting deeper than kMaxExpressionDepth is a syntax error.
class ExpressionParser {
 public:
  /// Parses a subquery starting at token `start` (its first token, e.g. SELECT) and
  /// returns it with the index of the first token after it.
  using SubqueryParser =
      std::function<arrow::Result<std::pair<std::shared_ptr<const Query>, size_t>>(
          size_t start)>;

  /// Prepares to parse `tokens` (which must end with kEndOfInput) from index
  /// `start`; `source` is the text they were lexed from and is used for messages.
  /// Both must outlive the parser.
  ExpressionParser(std::string_view source, const std::vector<Token>& tokens,
                   size_t start = 0);

  /// Parses one expression starting at the current token.
  arrow::Result<ExprPtr> Parse();

  /// Returns the index of the first token not consumed.
  size_t next_token() const { return pos_; }

  /// Lets the parser accept subqueries (`(SELECT …)`, EXISTS, IN (SELECT …));
  /// without one they are syntax errors.
  void set_subquery_parser(SubqueryParser parser) { subquery_ = std::move(parser); }

  /// Parses a type (BIGINT, DECIMAL(10, 2), ARRAY<INT>, MAP<STRING, INT>,
  /// ROW<a INT, b STRING>, TIMESTAMP(3) WITH LOCAL TIME ZONE, … [NOT NULL]).
  // JSON_VALUE/JSON_QUERY/JSON_EXISTS with their RETURNING and ON … clauses.
  arrow::Result<ExprPtr> ParseJsonCall(Identifier id);
  arrow::Result<TypeSpec> ParseTypeSpec();

  /// Parses a window specification in parentheses, `( [w] [PARTITION BY …] [ORDER
  /// BY …] [ROWS|RANGE …] )`, as after OVER and in a WINDOW clause.
  arrow::Result<std::shared_ptr<OverWindow>> ParseWindowSpec();

 private:
  // Reads `OVER w` or `OVER (…)` after a function call, if present.
  arrow::Status ParseOver(FunctionCallExpr* call);
  arrow::Result<FrameBound> ParseFrameBound();
  struct Infix;

  arrow::Result<ExprPtr> ParseAbove(int min_precedence);
  arrow::Result<ExprPtr> ParsePrefix();
  arrow::Result<ExprPtr> ParsePrimary();
  arrow::Result<ExprPtr> ParseInfix(ExprPtr left, const Infix& infix);
  arrow::Result<ExprPtr> ParseNumber(const Token& token, bool negative,
                                     SourcePosition position);
  arrow::Result<ExprPtr> ParseTypedLiteral(const Token& keyword);
  arrow::Result<ExprPtr> ParseCast();
  arrow::Result<ExprPtr> ParseFunctionCall(Identifier name);
  // Reads `FILTER (WHERE condition)` after an aggregate call, if present.
  arrow::Status ParseAggregateFilter(FunctionCallExpr* call);
  arrow::Result<ExprPtr> ParseSpecialCall(const Token& name);
  arrow::Result<ExprPtr> ParseCase();
  arrow::Result<ExprPtr> ParseInterval();
  arrow::Result<ExprPtr> ParseSubquery(SubqueryExpr::Use use, ExprPtr operand,
                                       bool negated, SourcePosition position);
  arrow::Result<ExprPtr> ParsePostfix(ExprPtr base);
  arrow::Result<ExprPtr> ParseTimeUnit(std::string_view context);
  bool AtSubqueryStart(size_t ahead) const;
  arrow::Result<ExprPtr> ParseColumnRef();
  arrow::Result<std::vector<ExprPtr>> ParseList(std::string_view context);
  std::optional<Infix> ClassifyInfix() const;

  arrow::Status ExpectedExpressionError() const;
  arrow::Status Error(const SourcePosition& position, std::string_view message) const;
  arrow::Status Expect(TokenKind kind, std::string_view message);
  arrow::Result<ExprPtr> Checked(ExprPtr node) const;

  const Token& Peek(size_t ahead = 0) const;
  const Token& Advance();
  bool AcceptKeyword(std::string_view keyword);

  std::string_view source_;
  const std::vector<Token>& tokens_;
  size_t pos_;
  int depth_ = 0;
  SubqueryParser subquery_;
};

}  // namespace weir::sql
