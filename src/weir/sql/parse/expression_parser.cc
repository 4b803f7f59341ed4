#include "weir/sql/parse/expression_parser.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/parse/lexer.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

// Binding strength of operators; an operand of an operator at level p is parsed
// with ParseAbove(p + 1) so that operators of the same level associate left.
enum Precedence : int {
  kLowest = 0,
  kOrLevel = 1,
  kAndLevel = 2,
  kNotLevel = 3,
  kIsLevel = 4,
  kComparisonLevel = 5,
  kPredicateLevel = 6,  // IN, BETWEEN, LIKE
  kAdditiveLevel = 7,
  kMultiplicativeLevel = 8,
  kUnaryLevel = 9,
};

// Words that cannot start an expression; a column with such a name needs backquotes.
constexpr std::string_view kReservedWords[] = {
    "AND",   "OR",     "IS",    "IN",    "BETWEEN", "LIKE",     "ESCAPE", "AS",    "FROM",
    "WHERE", "SELECT", "GROUP", "ORDER", "BY",      "HAVING",   "LIMIT",  "UNION", "JOIN",
    "ON",    "WHEN",   "THEN",  "ELSE",  "END",     "DISTINCT", "ALL",    "EXISTS"};

bool IsReserved(const Token& token) {
  for (std::string_view word : kReservedWords) {
    if (token.IsKeyword(word)) return true;
  }
  return false;
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEndOfInput:
      return "the end of the input";
    case TokenKind::kIdentifier:
      return IsReserved(token) ? "keyword " + QuoteForMessage(token.text)
                               : QuoteForMessage(token.text);
    default:
      return QuoteForMessage(token.text);
  }
}

}  // namespace

struct ExpressionParser::Infix {
  enum class Kind { kBinary, kIs, kIn, kBetween, kLike };
  Kind kind;
  int precedence;
  BinaryOp op = BinaryOp::kOr;
  bool negated = false;  // NOT IN / NOT BETWEEN / NOT LIKE
};

ExpressionParser::ExpressionParser(std::string_view source,
                                   const std::vector<Token>& tokens, size_t start)
    : source_(source), tokens_(tokens), pos_(start) {}

const Token& ExpressionParser::Peek(size_t ahead) const {
  size_t index = pos_ + ahead;
  return index < tokens_.size() ? tokens_[index] : tokens_.back();
}

const Token& ExpressionParser::Advance() {
  const Token& token = Peek();
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return token;
}

bool ExpressionParser::AcceptKeyword(std::string_view keyword) {
  if (!Peek().IsKeyword(keyword)) return false;
  Advance();
  return true;
}

arrow::Status ExpressionParser::Error(const SourcePosition& position,
                                      std::string_view message) const {
  return SyntaxErrorAt(source_, position, message);
}

arrow::Status ExpressionParser::Expect(TokenKind kind, std::string_view message) {
  if (Peek().kind != kind) {
    return Error(Peek().position,
                 fmt::format("{} but found {}", message, Describe(Peek())));
  }
  Advance();
  return arrow::Status::OK();
}

arrow::Status ExpressionParser::ExpectedExpressionError() const {
  const Token& token = Peek();
  const Token* previous = pos_ > 0 ? &tokens_[pos_ - 1] : nullptr;
  std::string message = "expected an expression";
  if (previous != nullptr) message += " after " + QuoteForMessage(previous->text);
  if (token.kind == TokenKind::kEndOfInput) {
    if (previous == nullptr) message += " but the input is empty";
  } else {
    message += " but found " + Describe(token);
    if (IsReserved(token)) {
      message += fmt::format(" (write `{}` for a column with that name)", token.text);
    }
  }
  return Error(token.position, message);
}

arrow::Result<ExprPtr> ExpressionParser::Checked(ExprPtr node) const {
  if (node->height() > kMaxExpressionDepth) {
    return Error(node->position(),
                 fmt::format("the expression is nested too deeply (more than {} levels)",
                             kMaxExpressionDepth));
  }
  return node;
}

arrow::Result<ExprPtr> ExpressionParser::Parse() { return ParseAbove(kLowest); }

arrow::Result<ExprPtr> ExpressionParser::ParseAbove(int min_precedence) {
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(++d) {}
    ~DepthGuard() { --depth; }
  } guard(depth_);
  if (depth_ > kMaxExpressionDepth) {
    return Error(Peek().position,
                 fmt::format("the expression is nested too deeply (more than {} levels)",
                             kMaxExpressionDepth));
  }
  ARROW_ASSIGN_OR_RAISE(ExprPtr left, ParsePrefix());
  while (true) {
    std::optional<Infix> infix = ClassifyInfix();
    if (!infix || infix->precedence < min_precedence) break;
    ARROW_ASSIGN_OR_RAISE(left, ParseInfix(std::move(left), *infix));
  }
  return left;
}

std::optional<ExpressionParser::Infix> ExpressionParser::ClassifyInfix() const {
  using Kind = Infix::Kind;
  auto binary = [](BinaryOp op, int precedence) {
    return Infix{Kind::kBinary, precedence, op, false};
  };
  const Token& token = Peek();
  switch (token.kind) {
    case TokenKind::kPlus:
      return binary(BinaryOp::kAdd, kAdditiveLevel);
    case TokenKind::kMinus:
      return binary(BinaryOp::kSubtract, kAdditiveLevel);
    case TokenKind::kConcat:
      return binary(BinaryOp::kConcat, kAdditiveLevel);
    case TokenKind::kStar:
      return binary(BinaryOp::kMultiply, kMultiplicativeLevel);
    case TokenKind::kSlash:
      return binary(BinaryOp::kDivide, kMultiplicativeLevel);
    case TokenKind::kPercent:
      return binary(BinaryOp::kModulo, kMultiplicativeLevel);
    case TokenKind::kEqual:
      return binary(BinaryOp::kEqual, kComparisonLevel);
    case TokenKind::kNotEqual:
      return binary(BinaryOp::kNotEqual, kComparisonLevel);
    case TokenKind::kLess:
      return binary(BinaryOp::kLess, kComparisonLevel);
    case TokenKind::kLessEqual:
      return binary(BinaryOp::kLessEqual, kComparisonLevel);
    case TokenKind::kGreater:
      return binary(BinaryOp::kGreater, kComparisonLevel);
    case TokenKind::kGreaterEqual:
      return binary(BinaryOp::kGreaterEqual, kComparisonLevel);
    case TokenKind::kIdentifier:
      break;
    default:
      return std::nullopt;
  }
  if (token.IsKeyword("OR")) return binary(BinaryOp::kOr, kOrLevel);
  if (token.IsKeyword("AND")) return binary(BinaryOp::kAnd, kAndLevel);
  if (token.IsKeyword("IS")) return Infix{Kind::kIs, kIsLevel};
  bool negated = token.IsKeyword("NOT");
  const Token& word = negated ? Peek(1) : token;
  if (word.IsKeyword("IN")) return Infix{Kind::kIn, kPredicateLevel, {}, negated};
  if (word.IsKeyword("BETWEEN"))
    return Infix{Kind::kBetween, kPredicateLevel, {}, negated};
  if (word.IsKeyword("LIKE")) return Infix{Kind::kLike, kPredicateLevel, {}, negated};
  return std::nullopt;
}

arrow::Result<ExprPtr> ExpressionParser::ParseInfix(ExprPtr left, const Infix& infix) {
  SourcePosition position = Peek().position;
  switch (infix.kind) {
    case Infix::Kind::kBinary: {
      Advance();
      ARROW_ASSIGN_OR_RAISE(ExprPtr right, ParseAbove(infix.precedence + 1));
      return Checked(std::make_shared<BinaryExpr>(position, infix.op, std::move(left),
                                                  std::move(right)));
    }
    case Infix::Kind::kIs: {
      Advance();
      bool negated = AcceptKeyword("NOT");
      IsTest test;
      if (AcceptKeyword("NULL")) {
        test = IsTest::kNull;
      } else if (AcceptKeyword("TRUE")) {
        test = IsTest::kTrue;
      } else if (AcceptKeyword("FALSE")) {
        test = IsTest::kFalse;
      } else if (AcceptKeyword("UNKNOWN")) {
        test = IsTest::kUnknown;
      } else {
        return Error(Peek().position,
                     fmt::format("expected NULL, TRUE, FALSE or UNKNOWN after IS{} but "
                                 "found {}",
                                 negated ? " NOT" : "", Describe(Peek())));
      }
      return Checked(std::make_shared<IsExpr>(position, std::move(left), test, negated));
    }
    case Infix::Kind::kIn: {
      if (infix.negated) Advance();
      Advance();
      if (Peek().kind == TokenKind::kLeftParen && AtSubqueryStart(1)) {
        return ParseSubquery(SubqueryExpr::Use::kIn, std::move(left), infix.negated,
                             position);
      }
      ARROW_ASSIGN_OR_RAISE(std::vector<ExprPtr> list, ParseList("IN"));
      return Checked(std::make_shared<InExpr>(position, std::move(left), std::move(list),
                                              infix.negated));
    }
    case Infix::Kind::kBetween: {
      if (infix.negated) Advance();
      Advance();
      ARROW_ASSIGN_OR_RAISE(ExprPtr low, ParseAbove(kAdditiveLevel));
      if (!AcceptKeyword("AND")) {
        return Error(Peek().position, fmt::format("expected AND in BETWEEN but found {}",
                                                  Describe(Peek())));
      }
      ARROW_ASSIGN_OR_RAISE(ExprPtr high, ParseAbove(kAdditiveLevel));
      return Checked(std::make_shared<BetweenExpr>(
          position, std::move(left), std::move(low), std::move(high), infix.negated));
    }
    case Infix::Kind::kLike: {
      if (infix.negated) Advance();
      Advance();
      ARROW_ASSIGN_OR_RAISE(ExprPtr pattern, ParseAbove(kAdditiveLevel));
      ExprPtr escape;
      if (AcceptKeyword("ESCAPE")) {
        ARROW_ASSIGN_OR_RAISE(escape, ParseAbove(kAdditiveLevel));
      }
      return Checked(std::make_shared<LikeExpr>(position, std::move(left),
                                                std::move(pattern), std::move(escape),
                                                infix.negated));
    }
  }
  return Error(position, "unsupported operator");
}

arrow::Result<std::vector<ExprPtr>> ExpressionParser::ParseList(
    std::string_view context) {
  ARROW_RETURN_NOT_OK(
      Expect(TokenKind::kLeftParen, fmt::format("expected '(' after {}", context)));
  std::vector<ExprPtr> list;
  if (Peek().kind == TokenKind::kRightParen) {
    return Error(Peek().position, fmt::format("the {} list is empty", context));
  }
  while (true) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr item, ParseAbove(kLowest));
    list.push_back(std::move(item));
    if (Peek().kind == TokenKind::kComma) {
      Advance();
      continue;
    }
    ARROW_RETURN_NOT_OK(
        Expect(TokenKind::kRightParen,
               fmt::format("expected ',' or ')' in the {} list", context)));
    return list;
  }
}

arrow::Result<ExprPtr> ExpressionParser::ParsePrefix() {
  const Token& token = Peek();
  SourcePosition position = token.position;
  if (token.IsKeyword("NOT")) {
    Advance();
    ARROW_ASSIGN_OR_RAISE(ExprPtr operand, ParseAbove(kNotLevel + 1));
    return Checked(
        std::make_shared<UnaryExpr>(position, UnaryOp::kNot, std::move(operand)));
  }
  if (token.kind == TokenKind::kMinus || token.kind == TokenKind::kPlus) {
    bool negative = token.kind == TokenKind::kMinus;
    Advance();
    const Token& next = Peek();
    // Fold signs into numeric literals so that -9223372036854775808 is representable
    // and `x > -5` compares a column with a literal.
    if (next.kind == TokenKind::kInteger || next.kind == TokenKind::kDecimal ||
        next.kind == TokenKind::kFloat) {
      Advance();
      return ParseNumber(next, negative, position);
    }
    ARROW_ASSIGN_OR_RAISE(ExprPtr operand, ParseAbove(kUnaryLevel));
    UnaryOp op = negative ? UnaryOp::kNegate : UnaryOp::kPlus;
    return Checked(std::make_shared<UnaryExpr>(position, op, std::move(operand)));
  }
  return ParsePrimary();
}

arrow::Result<ExprPtr> ExpressionParser::ParseNumber(const Token& token, bool negative,
                                                     SourcePosition position) {
  std::string text = (negative ? "-" : "") + token.text;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (token.kind == TokenKind::kInteger) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end) {
      return Error(position, fmt::format("integer literal {} is out of range for BIGINT "
                                         "(write it as {}.0 for a DOUBLE)",
                                         text, text));
    }
    return std::make_shared<LiteralExpr>(position, LiteralKind::kInteger, value, text);
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    return Error(position,
                 fmt::format("numeric literal {} is out of range for DOUBLE", text));
  }
  LiteralKind kind = token.kind == TokenKind::kDecimal ? LiteralKind::kExactNumeric
                                                       : LiteralKind::kApproxNumeric;
  return std::make_shared<LiteralExpr>(position, kind, value, text);
}

arrow::Result<ExprPtr> ExpressionParser::ParseTypedLiteral(const Token& keyword) {
  const Token& literal = Advance();
  if (keyword.IsKeyword("DATE")) {
    auto days = ParseDate(literal.value);
    if (!days.ok()) {
      return Error(literal.position,
                   fmt::format("invalid DATE literal {}: {}",
                               QuoteForMessage(literal.value), days.status().message()));
    }
    return std::make_shared<LiteralExpr>(keyword.position, LiteralKind::kDate, *days,
                                         literal.value);
  }
  auto timestamp = ParseTimestamp(literal.value);
  if (!timestamp.ok()) {
    return Error(literal.position, fmt::format("invalid TIMESTAMP literal {}: {}",
                                               QuoteForMessage(literal.value),
                                               timestamp.status().message()));
  }
  return std::make_shared<LiteralExpr>(keyword.position, LiteralKind::kTimestamp,
                                       *timestamp, literal.value);
}

arrow::Result<ExprPtr> ExpressionParser::ParsePrimary() {
  const Token& token = Peek();
  SourcePosition position = token.position;
  switch (token.kind) {
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
    case TokenKind::kFloat:
      Advance();
      return ParseNumber(token, /*negative=*/false, position);
    case TokenKind::kString:
      Advance();
      return std::make_shared<LiteralExpr>(position, LiteralKind::kString, token.value,
                                           token.value);
    case TokenKind::kLeftParen: {
      if (AtSubqueryStart(1)) {
        return ParseSubquery(SubqueryExpr::Use::kScalar, nullptr, false, position);
      }
      Advance();
      ARROW_ASSIGN_OR_RAISE(ExprPtr inner, ParseAbove(kLowest));
      if (Peek().kind != TokenKind::kRightParen) {
        return Error(
            Peek().position,
            fmt::format("expected ')' to close the '(' at line {}, column {} but "
                        "found {}",
                        position.line, position.column, Describe(Peek())));
      }
      Advance();
      return inner;
    }
    case TokenKind::kQuotedIdentifier:
      if (Peek(1).kind == TokenKind::kLeftParen) {
        Advance();
        return ParseFunctionCall(Identifier{token.value, true, position});
      }
      return ParseColumnRef();
    case TokenKind::kIdentifier:
      break;
    default:
      return ExpectedExpressionError();
  }

  if (token.IsKeyword("NULL")) {
    Advance();
    return std::make_shared<LiteralExpr>(position, LiteralKind::kNull, std::monostate{},
                                         "NULL");
  }
  if (token.IsKeyword("TRUE") || token.IsKeyword("FALSE")) {
    Advance();
    bool value = token.IsKeyword("TRUE");
    return std::make_shared<LiteralExpr>(position, LiteralKind::kBoolean, value,
                                         value ? "TRUE" : "FALSE");
  }
  if (token.IsKeyword("X") && Peek(1).kind == TokenKind::kString) {
    // X'0AFF': a binary literal, two hex digits a byte.
    const std::string& hex = Peek(1).value;
    if (hex.size() % 2 != 0) {
      return Error(Peek(1).position,
                   fmt::format("a binary literal X'…' needs an even number of hex digits "
                               "but '{}' has {}",
                               hex, hex.size()));
    }
    std::string bytes;
    for (size_t i = 0; i < hex.size(); i += 2) {
      int value = 0;
      for (size_t j = i; j < i + 2; ++j) {
        char c = hex[j];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0) {
          return Error(
              Peek(1).position,
              fmt::format("'{}' is not a hex digit in the binary literal X'{}'", c, hex));
        }
        value = value * 16 + digit;
      }
      bytes.push_back(static_cast<char>(value));
    }
    Advance();
    Advance();
    return std::make_shared<LiteralExpr>(position, LiteralKind::kBinary, bytes,
                                         fmt::format("X'{}'", hex));
  }
  if ((token.IsKeyword("DATE") || token.IsKeyword("TIMESTAMP")) &&
      Peek(1).kind == TokenKind::kString) {
    Advance();
    return ParseTypedLiteral(token);
  }
  if (token.IsKeyword("CAST") || token.IsKeyword("TRY_CAST")) return ParseCast();
  if (token.IsKeyword("INTERVAL")) return ParseInterval();
  if (token.IsKeyword("CASE")) return ParseCase();
  if (token.IsKeyword("EXISTS") && Peek(1).kind == TokenKind::kLeftParen) {
    Advance();
    if (!AtSubqueryStart(1)) {
      return Error(Peek(1).position, "expected a subquery (SELECT …) after EXISTS (");
    }
    return ParseSubquery(SubqueryExpr::Use::kExists, nullptr, false, position);
  }
  if ((token.IsKeyword("ARRAY") || token.IsKeyword("MAP")) &&
      Peek(1).kind == TokenKind::kLeftBracket) {
    // Value constructors: ARRAY[a, b, …] and MAP[k1, v1, …].
    const std::string name = token.IsKeyword("ARRAY") ? "ARRAY" : "MAP";
    Advance();
    Advance();
    std::vector<ExprPtr> args;
    while (Peek().kind != TokenKind::kRightBracket) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseAbove(kLowest));
      args.push_back(std::move(arg));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
      } else if (Peek().kind != TokenKind::kRightBracket) {
        return Error(Peek().position,
                     fmt::format("expected ',' or ']' in {}[…] but found {}", name,
                                 Describe(Peek())));
      }
    }
    Advance();
    ARROW_ASSIGN_OR_RAISE(ExprPtr call,
                          Checked(std::make_shared<FunctionCallExpr>(
                              Identifier{name, false, position}, std::move(args))));
    return ParsePostfix(std::move(call));
  }
  if (IsReserved(token)) return ExpectedExpressionError();
  if (Peek(1).kind == TokenKind::kLeftParen) {
    ExprPtr call;
    if (token.IsKeyword("EXTRACT") || token.IsKeyword("FLOOR") ||
        token.IsKeyword("CEIL") || token.IsKeyword("TRIM") ||
        token.IsKeyword("SUBSTRING") || token.IsKeyword("POSITION") ||
        token.IsKeyword("TIMESTAMPADD") || token.IsKeyword("TIMESTAMPDIFF") ||
        token.IsKeyword("JSON_VALUE") || token.IsKeyword("JSON_QUERY") ||
        token.IsKeyword("JSON_EXISTS")) {
      ARROW_ASSIGN_OR_RAISE(call, ParseSpecialCall(token));
    } else {
      Advance();
      ARROW_ASSIGN_OR_RAISE(call,
                            ParseFunctionCall(Identifier{token.text, false, position}));
    }
    return ParsePostfix(std::move(call));
  }
  // Flink's niladic time functions may be written without parentheses.
  for (std::string_view niladic : {"CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP",
                                   "CURRENT_TIME", "LOCALTIME"}) {
    if (token.IsKeyword(niladic) && Peek(1).kind != TokenKind::kDot) {
      Advance();
      return Checked(std::make_shared<FunctionCallExpr>(
          Identifier{std::string(niladic), false, position}, std::vector<ExprPtr>{}));
    }
  }
  ARROW_ASSIGN_OR_RAISE(ExprPtr column, ParseColumnRef());
  return ParsePostfix(std::move(column));
}

bool ExpressionParser::AtSubqueryStart(size_t ahead) const {
  const Token& token = Peek(ahead);
  return token.IsKeyword("SELECT") || token.IsKeyword("WITH") ||
         token.IsKeyword("VALUES");
}

arrow::Result<ExprPtr> ExpressionParser::ParseSubquery(SubqueryExpr::Use use,
                                                       ExprPtr operand, bool negated,
                                                       SourcePosition position) {
  const Token& open = Advance();  // '('
  if (!subquery_) return Error(Peek().position, "subqueries are not allowed here");
  size_t start = pos_;
  ARROW_ASSIGN_OR_RAISE(auto parsed, subquery_(pos_));
  pos_ = parsed.second;
  if (Peek().kind != TokenKind::kRightParen) {
    return Error(Peek().position,
                 fmt::format("expected ')' to close the subquery opened at line {}, "
                             "column {} but found {}",
                             open.position.line, open.position.column, Describe(Peek())));
  }
  int64_t begin = tokens_[start].position.offset;
  std::string text(source_.substr(begin, Peek().position.offset - begin));
  Advance();
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  return Checked(std::make_shared<SubqueryExpr>(position, use, std::move(parsed.first),
                                                std::move(operand), negated,
                                                std::move(text)));
}

arrow::Result<ExprPtr> ExpressionParser::ParsePostfix(ExprPtr base) {
  while (Peek().kind == TokenKind::kLeftBracket || Peek().kind == TokenKind::kDot) {
    SourcePosition position = Peek().position;
    if (Peek().kind == TokenKind::kDot) {
      // A field of a value that is not a plain column, e.g. arr[1].name: a ROW
      // field access through the GET function.
      Advance();
      const Token& field = Peek();
      if (field.kind != TokenKind::kIdentifier &&
          field.kind != TokenKind::kQuotedIdentifier) {
        return Error(field.position, fmt::format("expected a field name after '.' but "
                                                 "found {}",
                                                 Describe(field)));
      }
      Advance();
      auto name = std::make_shared<LiteralExpr>(field.position, LiteralKind::kSymbol,
                                                field.value, field.value);
      ARROW_ASSIGN_OR_RAISE(base,
                            Checked(std::make_shared<FunctionCallExpr>(
                                Identifier{"GET_FIELD", false, position},
                                std::vector<ExprPtr>{std::move(base), std::move(name)})));
      continue;
    }
    Advance();
    ARROW_ASSIGN_OR_RAISE(ExprPtr index, ParseAbove(kLowest));
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightBracket, "expected ']' after the index"));
    ARROW_ASSIGN_OR_RAISE(base, Checked(std::make_shared<IndexExpr>(
                                    position, std::move(base), std::move(index))));
  }
  return base;
}

arrow::Result<ExprPtr> ExpressionParser::ParseTimeUnit(std::string_view context) {
  static constexpr std::string_view kUnits[] = {
      "YEAR",   "QUARTER", "MONTH",       "WEEK",        "DAY",        "HOUR",
      "MINUTE", "SECOND",  "MILLISECOND", "MICROSECOND", "NANOSECOND", "DOW",
      "DOY",    "EPOCH",   "ISODOW",      "ISOYEAR",     "CENTURY",    "DECADE"};
  const Token& token = Peek();
  for (std::string_view unit : kUnits) {
    if (token.IsKeyword(unit)) {
      Advance();
      return std::make_shared<LiteralExpr>(token.position, LiteralKind::kSymbol,
                                           std::string(unit), std::string(unit));
    }
  }
  return Error(
      token.position,
      fmt::format("expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, "
                  "…) in {} but found {}",
                  context, Describe(token)));
}

// EXTRACT(unit FROM x), FLOOR(x [TO unit]), CEIL(x [TO unit]),
// TRIM([BOTH|LEADING|TRAILING] [chars] FROM s), SUBSTRING(s FROM a [FOR b]),
// POSITION(a IN b), TIMESTAMPADD/TIMESTAMPDIFF(unit, …): SQL's keyword-argument
// forms, rewritten to plain calls.
arrow::Result<ExprPtr> ExpressionParser::ParseSpecialCall(const Token& name) {
  Identifier id{ToUpperAscii(name.text), false, name.position};
  Advance();  // name
  Advance();  // '('
  std::vector<ExprPtr> args;
  auto close = [&]() -> arrow::Result<ExprPtr> {
    ARROW_RETURN_NOT_OK(
        Expect(TokenKind::kRightParen, fmt::format("expected ')' to close {}", id.name)));
    return Checked(std::make_shared<FunctionCallExpr>(id, std::move(args)));
  };
  if (id.name == "EXTRACT") {
    ARROW_ASSIGN_OR_RAISE(ExprPtr unit, ParseTimeUnit("EXTRACT"));
    if (!AcceptKeyword("FROM")) {
      return Error(Peek().position, fmt::format("expected FROM in EXTRACT but found {}",
                                                Describe(Peek())));
    }
    ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseAbove(kLowest));
    args = {std::move(unit), std::move(value)};
    return close();
  }
  if (id.name == "TIMESTAMPADD" || id.name == "TIMESTAMPDIFF") {
    // TIMESTAMPADD(unit, count, t), TIMESTAMPDIFF(unit, t1, t2): a unit keyword first.
    ARROW_ASSIGN_OR_RAISE(ExprPtr unit, ParseTimeUnit(id.name));
    args.push_back(std::move(unit));
    while (Peek().kind == TokenKind::kComma) {
      Advance();
      ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseAbove(kLowest));
      args.push_back(std::move(arg));
    }
    return close();
  }
  if (id.name == "JSON_VALUE" || id.name == "JSON_QUERY" || id.name == "JSON_EXISTS") {
    return ParseJsonCall(std::move(id));
  }
  if (id.name == "TRIM") {
    std::string mode = "BOTH";
    for (std::string_view word : {"BOTH", "LEADING", "TRAILING"}) {
      if (AcceptKeyword(word)) mode = std::string(word);
    }
    ExprPtr chars;
    if (!Peek().IsKeyword("FROM")) {
      ARROW_ASSIGN_OR_RAISE(chars, ParseAbove(kLowest));
    }
    ExprPtr value;
    if (AcceptKeyword("FROM")) {
      ARROW_ASSIGN_OR_RAISE(value, ParseAbove(kLowest));
    } else {
      value = std::move(chars);
      chars = nullptr;
    }
    if (value == nullptr) return Error(Peek().position, "expected a value to TRIM");
    if (chars == nullptr) {
      chars = std::make_shared<LiteralExpr>(id.position, LiteralKind::kString,
                                            std::string(" "), std::string(" "));
    }
    args = {std::make_shared<LiteralExpr>(id.position, LiteralKind::kSymbol, mode, mode),
            std::move(chars), std::move(value)};
    return close();
  }
  // POSITION(a IN b): the first argument stops before IN.
  ARROW_ASSIGN_OR_RAISE(ExprPtr first,
                        ParseAbove(id.name == "POSITION" ? kAdditiveLevel : kLowest));
  args.push_back(std::move(first));
  if ((id.name == "FLOOR" || id.name == "CEIL") && AcceptKeyword("TO")) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr unit, ParseTimeUnit(id.name));
    args.push_back(std::move(unit));
    return close();
  }
  if (id.name == "SUBSTRING" && AcceptKeyword("FROM")) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr start, ParseAbove(kLowest));
    args.push_back(std::move(start));
    if (AcceptKeyword("FOR")) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr length, ParseAbove(kLowest));
      args.push_back(std::move(length));
    }
    return close();
  }
  if (id.name == "POSITION" && AcceptKeyword("IN")) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr haystack, ParseAbove(kLowest));
    args.push_back(std::move(haystack));
    return close();
  }
  while (Peek().kind == TokenKind::kComma) {
    Advance();
    ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseAbove(kLowest));
    args.push_back(std::move(arg));
  }
  return close();
}

// JSON_VALUE(json, path [RETURNING type] [NULL ON EMPTY] [NULL ON ERROR]),
// JSON_QUERY(json, path [RETURNING STRING] [WITHOUT [ARRAY] WRAPPER] [NULL ON
// EMPTY] [NULL ON ERROR]), JSON_EXISTS(json, path [FALSE ON ERROR]): the clauses
// that keep Flink's defaults; RETURNING becomes a TRY_CAST of the text (a value
// that does not convert is an error, which NULL ON ERROR makes NULL).
arrow::Result<ExprPtr> ExpressionParser::ParseJsonCall(Identifier id) {
  std::vector<ExprPtr> args;
  ARROW_ASSIGN_OR_RAISE(ExprPtr json, ParseAbove(kLowest));
  args.push_back(std::move(json));
  ARROW_RETURN_NOT_OK(Expect(TokenKind::kComma,
                             fmt::format("expected ',' and a JSON path in {}", id.name)));
  ARROW_ASSIGN_OR_RAISE(ExprPtr path, ParseAbove(kLowest));
  args.push_back(std::move(path));
  std::optional<TypeSpec> returning;
  SourcePosition returning_at;
  if (id.name != "JSON_EXISTS" && Peek().IsKeyword("RETURNING")) {
    returning_at = Advance().position;
    ARROW_ASSIGN_OR_RAISE(returning, ParseTypeSpec());
  }
  auto unsupported = [&](const SourcePosition& at, const std::string& what) {
    return Error(at, fmt::format("{} in {} is not supported yet (only Flink's defaults: "
                                 "NULL ON EMPTY, NULL ON ERROR{})",
                                 what, id.name,
                                 id.name == "JSON_EXISTS"  ? ", FALSE ON ERROR"
                                 : id.name == "JSON_QUERY" ? ", WITHOUT WRAPPER"
                                                           : ""));
  };
  while (Peek().kind != TokenKind::kRightParen && Peek().kind != TokenKind::kEndOfInput) {
    const Token& word = Peek();
    if (id.name == "JSON_QUERY" && word.IsKeyword("WITHOUT")) {
      Advance();
      AcceptKeyword("ARRAY");
      if (!AcceptKeyword("WRAPPER")) {
        return Error(Peek().position, "expected WRAPPER after WITHOUT [ARRAY]");
      }
      continue;
    }
    const bool default_null = word.IsKeyword("NULL");
    const bool exists_false = id.name == "JSON_EXISTS" && word.IsKeyword("FALSE");
    if (!default_null && !exists_false) {
      return unsupported(word.position, fmt::format("'{}'", word.text));
    }
    const SourcePosition at = Advance().position;
    if (!AcceptKeyword("ON")) {
      return Error(Peek().position,
                   fmt::format("expected ON EMPTY or ON ERROR in {} but found {}",
                               id.name, Describe(Peek())));
    }
    if (AcceptKeyword("EMPTY")) {
      if (exists_false) return unsupported(at, "FALSE ON EMPTY");
      continue;
    }
    if (!AcceptKeyword("ERROR")) {
      return Error(Peek().position,
                   fmt::format("expected EMPTY or ERROR after ON in {} but found {}",
                               id.name, Describe(Peek())));
    }
  }
  ARROW_RETURN_NOT_OK(
      Expect(TokenKind::kRightParen, fmt::format("expected ')' to close {}", id.name)));
  ARROW_ASSIGN_OR_RAISE(ExprPtr call,
                        Checked(std::make_shared<FunctionCallExpr>(id, std::move(args))));
  if (!returning) return call;
  return Checked(std::make_shared<CastExpr>(returning_at, std::move(call),
                                            std::move(*returning), /*try_cast=*/true));
}

arrow::Result<ExprPtr> ExpressionParser::ParseCase() {
  SourcePosition position = Advance().position;
  ExprPtr operand;
  if (!Peek().IsKeyword("WHEN")) {
    ARROW_ASSIGN_OR_RAISE(operand, ParseAbove(kLowest));
  }
  std::vector<CaseExpr::Arm> arms;
  while (AcceptKeyword("WHEN")) {
    CaseExpr::Arm arm;
    ARROW_ASSIGN_OR_RAISE(arm.when, ParseAbove(kLowest));
    if (!AcceptKeyword("THEN")) {
      return Error(Peek().position,
                   fmt::format("expected THEN in CASE but found {}", Describe(Peek())));
    }
    ARROW_ASSIGN_OR_RAISE(arm.then, ParseAbove(kLowest));
    arms.push_back(std::move(arm));
  }
  if (arms.empty()) {
    return Error(Peek().position,
                 fmt::format("expected WHEN in CASE but found {}", Describe(Peek())));
  }
  ExprPtr otherwise;
  if (AcceptKeyword("ELSE")) {
    ARROW_ASSIGN_OR_RAISE(otherwise, ParseAbove(kLowest));
  }
  if (!AcceptKeyword("END")) {
    return Error(Peek().position,
                 fmt::format("expected END to close the CASE at line {}, column {} but "
                             "found {}",
                             position.line, position.column, Describe(Peek())));
  }
  return Checked(std::make_shared<CaseExpr>(position, std::move(operand), std::move(arms),
                                            std::move(otherwise)));
}

// INTERVAL '5' MINUTE, INTERVAL '1' DAY, INTERVAL '1.5' SECOND: a duration in
// microseconds. INTERVAL '1' YEAR, '3' MONTH, '1-6' YEAR TO MONTH: a number of months
// (they have no fixed length).
arrow::Result<ExprPtr> ExpressionParser::ParseInterval() {
  SourcePosition position = Advance().position;
  const Token& amount = Peek();
  bool negative = false;
  std::string text;
  if (amount.kind == TokenKind::kString) {
    text = amount.value;
  } else if (amount.kind == TokenKind::kInteger || amount.kind == TokenKind::kDecimal) {
    text = amount.text;
  } else {
    return Error(amount.position, fmt::format("expected the amount of the INTERVAL, e.g. "
                                              "INTERVAL '5' MINUTE, but found {}",
                                              Describe(amount)));
  }
  Advance();
  std::string_view view = text;
  while (!view.empty() && view.front() == ' ') view.remove_prefix(1);
  while (!view.empty() && view.back() == ' ') view.remove_suffix(1);
  if (!view.empty() && (view.front() == '-' || view.front() == '+')) {
    negative = view.front() == '-';
    view.remove_prefix(1);
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  bool is_number = !view.empty() && ec == std::errc() && ptr == view.data() + view.size();
  const Token& unit = Peek();
  struct Unit {
    std::string_view name;
    double micros;
  };
  static constexpr Unit kUnits[] = {
      {"DAY", 86400e6},     {"DAYS", 86400e6},    {"HOUR", 3600e6}, {"HOURS", 3600e6},
      {"MINUTE", 60e6},     {"MINUTES", 60e6},    {"SECOND", 1e6},  {"SECONDS", 1e6},
      {"MILLISECOND", 1e3}, {"MILLISECONDS", 1e3}};
  for (const Unit& u : kUnits) {
    if (unit.IsKeyword(u.name)) {
      if (!is_number) {
        return Error(amount.position,
                     fmt::format("invalid INTERVAL amount {}: expected a number",
                                 QuoteForMessage(text)));
      }
      Advance();
      double micros = value * u.micros * (negative ? -1 : 1);
      if (micros > 9.2e18 || micros < -9.2e18) {
        return Error(amount.position, "the INTERVAL is out of range");
      }
      std::string spelled = fmt::format("INTERVAL '{}' {}", text, u.name);
      return std::make_shared<LiteralExpr>(position, LiteralKind::kInterval,
                                           static_cast<int64_t>(micros), spelled);
    }
  }
  bool years = unit.IsKeyword("YEAR") || unit.IsKeyword("YEARS");
  if (years || unit.IsKeyword("MONTH") || unit.IsKeyword("MONTHS")) {
    // Year-month intervals count whole months ('1-6' YEAR TO MONTH is 18).
    Advance();
    int64_t months = 0;
    std::string_view digits = view;
    size_t dash = digits.find('-');
    bool to_month = years && Peek().IsKeyword("TO");
    // A whole number of at most int32's range (larger ones cannot be months).
    auto whole = [](std::string_view part, int64_t* out) {
      auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), *out);
      return !part.empty() && error == std::errc() && end == part.data() + part.size() &&
             *out <= std::numeric_limits<int32_t>::max();
    };
    int64_t first = 0, second = 0;
    if (to_month) {
      Advance();
      if (!Peek().IsKeyword("MONTH")) {
        return Error(Peek().position, fmt::format("expected MONTH after YEAR TO but "
                                                  "found {}",
                                                  Describe(Peek())));
      }
      Advance();
      if (dash == std::string_view::npos || !whole(digits.substr(0, dash), &first) ||
          !whole(digits.substr(dash + 1), &second) || second > 11) {
        return Error(amount.position,
                     fmt::format("invalid INTERVAL YEAR TO MONTH amount {}: expected "
                                 "'years-months', e.g. '1-6'",
                                 QuoteForMessage(text)));
      }
      months = first * 12 + second;
    } else {
      if (!whole(digits, &first)) {
        return Error(amount.position,
                     fmt::format("invalid INTERVAL amount {}: a year-month interval "
                                 "takes a whole number",
                                 QuoteForMessage(text)));
      }
      months = years ? first * 12 : first;
    }
    if (months > std::numeric_limits<int32_t>::max()) {
      return Error(amount.position, "the INTERVAL is out of range");
    }
    if (negative) months = -months;
    std::string spelled =
        fmt::format("INTERVAL '{}' {}", text,
                    to_month ? "YEAR TO MONTH" : (years ? "YEAR" : "MONTH"));
    return std::make_shared<LiteralExpr>(position, LiteralKind::kMonthInterval, months,
                                         spelled);
  }
  return Error(unit.position,
               fmt::format("expected an INTERVAL unit (DAY, HOUR, MINUTE, SECOND, "
                           "MILLISECOND) but found {}",
                           Describe(unit)));
}

arrow::Result<ExprPtr> ExpressionParser::ParseColumnRef() {
  std::vector<Identifier> path;
  while (true) {
    const Token& token = Advance();
    path.push_back(
        Identifier{token.kind == TokenKind::kQuotedIdentifier ? token.value : token.text,
                   token.kind == TokenKind::kQuotedIdentifier, token.position});
    if (Peek().kind != TokenKind::kDot) break;
    Advance();
    if (Peek().kind != TokenKind::kIdentifier &&
        Peek().kind != TokenKind::kQuotedIdentifier) {
      return Error(
          Peek().position,
          fmt::format("expected a field name after '.' but found {}", Describe(Peek())));
    }
  }
  return std::make_shared<ColumnRefExpr>(std::move(path));
}

arrow::Result<ExprPtr> ExpressionParser::ParseFunctionCall(Identifier name) {
  Advance();  // '('
  std::vector<ExprPtr> args;
  if (Peek().kind == TokenKind::kStar && Peek(1).kind == TokenKind::kRightParen) {
    Advance();
    Advance();
    auto call = std::make_shared<FunctionCallExpr>(std::move(name), std::move(args),
                                                   false, /*star=*/true);
    ARROW_RETURN_NOT_OK(ParseAggregateFilter(call.get()));
    ARROW_RETURN_NOT_OK(ParseOver(call.get()));
    return Checked(std::move(call));
  }
  bool distinct = AcceptKeyword("DISTINCT");
  if (!distinct) AcceptKeyword("ALL");
  if (Peek().kind == TokenKind::kRightParen) {
    Advance();
  } else {
    while (true) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseAbove(kLowest));
      args.push_back(std::move(arg));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      ARROW_RETURN_NOT_OK(
          Expect(TokenKind::kRightParen,
                 fmt::format("expected ',' or ')' in the arguments of {}", name.name)));
      break;
    }
  }
  auto call =
      std::make_shared<FunctionCallExpr>(std::move(name), std::move(args), distinct);
  ARROW_RETURN_NOT_OK(ParseAggregateFilter(call.get()));
  ARROW_RETURN_NOT_OK(ParseOver(call.get()));
  return Checked(std::move(call));
}

arrow::Status ExpressionParser::ParseOver(FunctionCallExpr* call) {
  if (!Peek().IsKeyword("OVER")) return arrow::Status::OK();
  SourcePosition position = Advance().position;
  if (Peek().kind == TokenKind::kIdentifier ||
      Peek().kind == TokenKind::kQuotedIdentifier) {
    const Token& token = Advance();
    auto window = std::make_shared<OverWindow>();
    window->reference =
        Identifier{token.kind == TokenKind::kQuotedIdentifier ? token.value : token.text,
                   token.kind == TokenKind::kQuotedIdentifier, token.position};
    window->position = position;
    call->set_over(std::move(window));
    return arrow::Status::OK();
  }
  if (Peek().kind != TokenKind::kLeftParen) {
    return Error(Peek().position,
                 fmt::format("expected '(' or a window name after OVER but found {}",
                             Describe(Peek())));
  }
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<OverWindow> window, ParseWindowSpec());
  window->position = position;
  call->set_over(std::move(window));
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<OverWindow>> ExpressionParser::ParseWindowSpec() {
  auto window = std::make_shared<OverWindow>();
  window->position = Peek().position;
  ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "expected '(' to open a window"));
  if ((Peek().kind == TokenKind::kIdentifier && !Peek().IsKeyword("PARTITION") &&
       !Peek().IsKeyword("ORDER") && !Peek().IsKeyword("ROWS") &&
       !Peek().IsKeyword("RANGE")) ||
      Peek().kind == TokenKind::kQuotedIdentifier) {
    const Token& token = Advance();
    window->reference =
        Identifier{token.kind == TokenKind::kQuotedIdentifier ? token.value : token.text,
                   token.kind == TokenKind::kQuotedIdentifier, token.position};
  }
  if (AcceptKeyword("PARTITION")) {
    if (!AcceptKeyword("BY")) {
      return Error(
          Peek().position,
          fmt::format("expected BY after PARTITION but found {}", Describe(Peek())));
    }
    while (true) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr key, ParseAbove(kLowest));
      window->partition_by.push_back(std::move(key));
      if (Peek().kind != TokenKind::kComma) break;
      Advance();
    }
  }
  if (AcceptKeyword("ORDER")) {
    if (!AcceptKeyword("BY")) {
      return Error(Peek().position,
                   fmt::format("expected BY after ORDER but found {}", Describe(Peek())));
    }
    while (true) {
      WindowOrderKey key;
      ARROW_ASSIGN_OR_RAISE(key.expr, ParseAbove(kLowest));
      if (AcceptKeyword("DESC")) {
        key.descending = true;
      } else {
        AcceptKeyword("ASC");
      }
      if (AcceptKeyword("NULLS")) {
        if (AcceptKeyword("FIRST")) {
          key.nulls_first = true;
        } else if (AcceptKeyword("LAST")) {
          key.nulls_first = false;
        } else {
          return Error(Peek().position, "expected FIRST or LAST after NULLS");
        }
      }
      window->order_by.push_back(std::move(key));
      if (Peek().kind != TokenKind::kComma) break;
      Advance();
    }
  }
  if (Peek().IsKeyword("ROWS") || Peek().IsKeyword("RANGE")) {
    window->has_frame = true;
    window->rows = Advance().IsKeyword("ROWS");
    if (AcceptKeyword("BETWEEN")) {
      ARROW_ASSIGN_OR_RAISE(window->start, ParseFrameBound());
      if (!AcceptKeyword("AND")) {
        return Error(Peek().position,
                     fmt::format("expected AND between the bounds of a window frame but "
                                 "found {}",
                                 Describe(Peek())));
      }
      ARROW_ASSIGN_OR_RAISE(window->end, ParseFrameBound());
    } else {
      ARROW_ASSIGN_OR_RAISE(window->start, ParseFrameBound());
      window->end.kind = FrameBound::Kind::kCurrentRow;
      window->end.position = window->start.position;
    }
  }
  ARROW_RETURN_NOT_OK(
      Expect(TokenKind::kRightParen, "expected ')' to close the window specification"));
  return window;
}

arrow::Result<FrameBound> ExpressionParser::ParseFrameBound() {
  FrameBound bound;
  bound.position = Peek().position;
  if (AcceptKeyword("UNBOUNDED")) {
    if (AcceptKeyword("PRECEDING")) {
      bound.kind = FrameBound::Kind::kUnboundedPreceding;
    } else if (AcceptKeyword("FOLLOWING")) {
      bound.kind = FrameBound::Kind::kUnboundedFollowing;
    } else {
      return Error(Peek().position,
                   fmt::format("expected PRECEDING or FOLLOWING after UNBOUNDED but "
                               "found {}",
                               Describe(Peek())));
    }
    return bound;
  }
  if (AcceptKeyword("CURRENT")) {
    if (!AcceptKeyword("ROW")) {
      return Error(Peek().position, fmt::format("expected ROW after CURRENT but found {}",
                                                Describe(Peek())));
    }
    bound.kind = FrameBound::Kind::kCurrentRow;
    return bound;
  }
  ARROW_ASSIGN_OR_RAISE(bound.offset, ParseAbove(kLowest));
  if (AcceptKeyword("PRECEDING")) {
    bound.kind = FrameBound::Kind::kPreceding;
  } else if (AcceptKeyword("FOLLOWING")) {
    bound.kind = FrameBound::Kind::kFollowing;
  } else {
    return Error(Peek().position,
                 fmt::format("expected PRECEDING or FOLLOWING after a frame offset but "
                             "found {}",
                             Describe(Peek())));
  }
  return bound;
}

arrow::Status ExpressionParser::ParseAggregateFilter(FunctionCallExpr* call) {
  if (!(Peek().IsKeyword("FILTER") && Peek(1).kind == TokenKind::kLeftParen)) {
    return arrow::Status::OK();
  }
  Advance();
  Advance();
  if (!AcceptKeyword("WHERE")) {
    return Error(
        Peek().position,
        fmt::format("expected WHERE after FILTER ( but found {}", Describe(Peek())));
  }
  ARROW_ASSIGN_OR_RAISE(ExprPtr condition, ParseAbove(kLowest));
  ARROW_RETURN_NOT_OK(
      Expect(TokenKind::kRightParen, "expected ')' after the FILTER condition"));
  call->set_filter(std::move(condition));
  return arrow::Status::OK();
}

arrow::Result<ExprPtr> ExpressionParser::ParseCast() {
  bool try_cast = Peek().IsKeyword("TRY_CAST");
  SourcePosition position = Advance().position;
  ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "expected '(' after CAST"));
  ARROW_ASSIGN_OR_RAISE(ExprPtr operand, ParseAbove(kLowest));
  if (!AcceptKeyword("AS")) {
    return Error(Peek().position,
                 fmt::format("expected AS in CAST but found {}", Describe(Peek())));
  }
  ARROW_ASSIGN_OR_RAISE(TypeSpec type, ParseTypeSpec());
  ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "expected ')' to close CAST"));
  return Checked(std::make_shared<CastExpr>(position, std::move(operand), std::move(type),
                                            try_cast));
}

arrow::Result<TypeSpec> ExpressionParser::ParseTypeSpec() {
  const Token& name = Peek();
  if (name.kind != TokenKind::kIdentifier) {
    return Error(name.position,
                 fmt::format("expected a type name but found {}", Describe(name)));
  }
  Advance();
  TypeSpec type;
  type.name = ToUpperAscii(name.text);
  type.position = name.position;
  if (type.name == "DOUBLE") AcceptKeyword("PRECISION");
  bool nested = type.name == "ARRAY" || type.name == "MAP" || type.name == "ROW" ||
                type.name == "MULTISET";
  if (nested && (Peek().kind == TokenKind::kLess ||
                 (type.name == "ROW" && Peek().kind == TokenKind::kLeftParen))) {
    TokenKind close =
        Peek().kind == TokenKind::kLess ? TokenKind::kGreater : TokenKind::kRightParen;
    Advance();
    while (true) {
      if (type.name == "ROW") {
        const Token& field = Peek();
        if (field.kind != TokenKind::kIdentifier &&
            field.kind != TokenKind::kQuotedIdentifier) {
          return Error(
              field.position,
              fmt::format("expected a ROW field name but found {}", Describe(field)));
        }
        Advance();
        type.field_names.push_back(field.value);
      }
      ARROW_ASSIGN_OR_RAISE(TypeSpec child, ParseTypeSpec());
      type.children.push_back(std::move(child));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      if (Peek().kind != close) {
        return Error(Peek().position,
                     fmt::format("expected ',' or '{}' in {} but found {}",
                                 close == TokenKind::kGreater ? ">" : ")", type.name,
                                 Describe(Peek())));
      }
      Advance();
      break;
    }
    size_t expected = type.name == "MAP" ? 2 : type.name == "ROW" ? SIZE_MAX : 1;
    if (expected != SIZE_MAX && type.children.size() != expected) {
      return Error(type.position, fmt::format("{} takes {} element type{}", type.name,
                                              expected, expected == 1 ? "" : "s"));
    }
    if (AcceptKeyword("NOT")) {
      if (!AcceptKeyword("NULL"))
        return Error(Peek().position, "expected NULL after NOT");
      type.not_null = true;
    }
    return type;
  }
  if (Peek().kind == TokenKind::kLeftParen) {
    Advance();
    while (true) {
      const Token& param = Peek();
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(param.text.data(),
                                       param.text.data() + param.text.size(), value);
      if (param.kind != TokenKind::kInteger || ec != std::errc()) {
        return Error(param.position,
                     fmt::format("expected an integer type parameter of {} but found {}",
                                 type.name, Describe(param)));
      }
      Advance();
      type.params.push_back(value);
      if (Peek().kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      ARROW_RETURN_NOT_OK(
          Expect(TokenKind::kRightParen,
                 fmt::format("expected ',' or ')' in the parameters of {}", type.name)));
      break;
    }
  }
  if (type.name == "TIMESTAMP") {
    if (AcceptKeyword("WITH")) {
      if (!AcceptKeyword("LOCAL") || !AcceptKeyword("TIME") || !AcceptKeyword("ZONE")) {
        return Error(Peek().position,
                     "expected LOCAL TIME ZONE after TIMESTAMP ... WITH");
      }
      type.with_local_time_zone = true;
    } else if (AcceptKeyword("WITHOUT")) {
      if (!AcceptKeyword("TIME") || !AcceptKeyword("ZONE")) {
        return Error(Peek().position, "expected TIME ZONE after TIMESTAMP ... WITHOUT");
      }
    }
  }
  if (Peek().IsKeyword("NOT") && Peek(1).IsKeyword("NULL")) {
    Advance();
    Advance();
    type.not_null = true;
  }
  return type;
}

arrow::Result<std::shared_ptr<const Expr>> ParseExpression(std::string_view text) {
  ARROW_ASSIGN_OR_RAISE(std::vector<Token> tokens, Tokenize(text));
  ExpressionParser parser(text, tokens);
  ARROW_ASSIGN_OR_RAISE(ExprPtr expr, parser.Parse());
  const Token& rest = tokens[parser.next_token()];
  if (rest.kind == TokenKind::kRightParen) {
    return SyntaxErrorAt(text, rest.position, "unbalanced ')': it has no matching '('");
  }
  if (rest.kind != TokenKind::kEndOfInput) {
    return SyntaxErrorAt(
        text, rest.position,
        fmt::format("unexpected {}: expected an operator or the end of the expression",
                    Describe(rest)));
  }
  return expr;
}

}  // namespace weir::sql
