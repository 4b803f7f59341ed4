#include "weir/sql/parse/expression_parser.h"

#include <gtest/gtest.h>

#include "weir/sql/parse/lexer.h"

namespace weir::sql {
namespace {

// Returns the fully parenthesised form of the parsed expression.
std::string Parsed(std::string_view text) {
  auto expr = ParseExpression(text);
  EXPECT_TRUE(expr.ok()) << text << ": " << expr.status().ToString();
  return expr.ok() ? (*expr)->ToString() : "<error>";
}

std::string ParseError(std::string_view text) {
  auto expr = ParseExpression(text);
  EXPECT_FALSE(expr.ok()) << "expected an error for: " << text;
  if (expr.ok()) return "";
  EXPECT_TRUE(expr.status().IsInvalid()) << expr.status().ToString();
  return expr.status().message();
}

const LiteralExpr& AsLiteral(const ExprPtr& expr) {
  EXPECT_EQ(expr->kind(), ExprKind::kLiteral);
  return static_cast<const LiteralExpr&>(*expr);
}

ExprPtr ParseOk(std::string_view text) {
  auto expr = ParseExpression(text);
  EXPECT_TRUE(expr.ok()) << text << ": " << expr.status().ToString();
  return expr.ok() ? *expr : nullptr;
}

TEST(ExpressionParserTest, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(Parsed("a + b * c"), "(a + (b * c))");
  EXPECT_EQ(Parsed("a * b + c"), "((a * b) + c)");
  EXPECT_EQ(Parsed("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(Parsed("a / b % c"), "((a / b) % c)");
  EXPECT_EQ(Parsed("(a + b) * c"), "((a + b) * c)");
  EXPECT_EQ(Parsed("a || b || c"), "((a || b) || c)");
  EXPECT_EQ(Parsed("a || b * c"), "(a || (b * c))");
}

TEST(ExpressionParserTest, UnaryOperators) {
  EXPECT_EQ(Parsed("-a * b"), "((-a) * b)");
  EXPECT_EQ(Parsed("- -a"), "(-(-a))");
  EXPECT_EQ(Parsed("+a"), "(+a)");
  EXPECT_EQ(Parsed("a - -b"), "(a - (-b))");
  EXPECT_EQ(Parsed("-(a + b)"), "(-(a + b))");
}

TEST(ExpressionParserTest, SignsFoldIntoNumericLiterals) {
  ExprPtr expr = ParseOk("-5");
  ASSERT_NE(expr, nullptr);
  EXPECT_EQ(AsLiteral(expr).literal_kind(), LiteralKind::kInteger);
  EXPECT_EQ(std::get<int64_t>(AsLiteral(expr).value()), -5);
  expr = ParseOk("-9223372036854775808");
  ASSERT_NE(expr, nullptr);
  EXPECT_EQ(std::get<int64_t>(AsLiteral(expr).value()), INT64_MIN);
  EXPECT_EQ(Parsed("x > -1.5"), "(x > -1.5)");
  EXPECT_EQ(Parsed("2 - 3"), "(2 - 3)");
  EXPECT_EQ(Parsed("-2 * 3"), "(-2 * 3)");
}

TEST(ExpressionParserTest, BooleanPrecedence) {
  EXPECT_EQ(Parsed("a OR b AND c"), "(a OR (b AND c))");
  EXPECT_EQ(Parsed("a AND b OR c"), "((a AND b) OR c)");
  EXPECT_EQ(Parsed("NOT a AND b"), "((NOT a) AND b)");
  EXPECT_EQ(Parsed("NOT a = b"), "(NOT (a = b))");
  EXPECT_EQ(Parsed("NOT NOT a"), "(NOT (NOT a))");
  EXPECT_EQ(Parsed("a = 1 OR b < 2 AND NOT c >= 3"),
            "((a = 1) OR ((b < 2) AND (NOT (c >= 3))))");
  EXPECT_EQ(Parsed("a AND (b OR c)"), "(a AND (b OR c))");
}

TEST(ExpressionParserTest, ComparisonsBindLooserThanArithmetic) {
  EXPECT_EQ(Parsed("a + 1 > b * 2"), "((a + 1) > (b * 2))");
  EXPECT_EQ(Parsed("a = b"), "(a = b)");
  EXPECT_EQ(Parsed("a <> b"), "(a <> b)");
  EXPECT_EQ(Parsed("a != b"), "(a <> b)");
  EXPECT_EQ(Parsed("a < b"), "(a < b)");
  EXPECT_EQ(Parsed("a <= b"), "(a <= b)");
  EXPECT_EQ(Parsed("a > b"), "(a > b)");
  EXPECT_EQ(Parsed("a >= b"), "(a >= b)");
  EXPECT_EQ(Parsed("a < b = c"), "((a < b) = c)");
}

TEST(ExpressionParserTest, IsPredicates) {
  EXPECT_EQ(Parsed("a IS NULL"), "(a IS NULL)");
  EXPECT_EQ(Parsed("a is not null"), "(a IS NOT NULL)");
  EXPECT_EQ(Parsed("a IS TRUE"), "(a IS TRUE)");
  EXPECT_EQ(Parsed("a IS NOT FALSE"), "(a IS NOT FALSE)");
  EXPECT_EQ(Parsed("a IS UNKNOWN"), "(a IS UNKNOWN)");
  // IS binds looser than comparison, tighter than NOT and AND.
  EXPECT_EQ(Parsed("a = b IS NULL"), "((a = b) IS NULL)");
  EXPECT_EQ(Parsed("NOT a IS NULL"), "(NOT (a IS NULL))");
  EXPECT_EQ(Parsed("a IS NULL AND b IS NOT NULL"), "((a IS NULL) AND (b IS NOT NULL))");
  EXPECT_EQ(Parsed("a + 1 IS NULL"), "((a + 1) IS NULL)");
}

TEST(ExpressionParserTest, InBetweenLike) {
  EXPECT_EQ(Parsed("a IN (1, 2, 3)"), "(a IN (1, 2, 3))");
  EXPECT_EQ(Parsed("a NOT IN ('x')"), "(a NOT IN ('x'))");
  EXPECT_EQ(Parsed("a + 1 IN (b, c * 2)"), "((a + 1) IN (b, (c * 2)))");
  EXPECT_EQ(Parsed("a BETWEEN 1 AND 5"), "(a BETWEEN 1 AND 5)");
  EXPECT_EQ(Parsed("a NOT BETWEEN 1 AND 5 AND b"), "((a NOT BETWEEN 1 AND 5) AND b)");
  EXPECT_EQ(Parsed("a BETWEEN b + 1 AND c * 2"), "(a BETWEEN (b + 1) AND (c * 2))");
  EXPECT_EQ(Parsed("a LIKE 'x%'"), "(a LIKE 'x%')");
  EXPECT_EQ(Parsed("a NOT LIKE 'x!%' ESCAPE '!'"), "(a NOT LIKE 'x!%' ESCAPE '!')");
  EXPECT_EQ(Parsed("a LIKE 'x' OR b"), "((a LIKE 'x') OR b)");
  EXPECT_EQ(Parsed("NOT a IN (1)"), "(NOT (a IN (1)))");
  EXPECT_EQ(Parsed("a = b IN (TRUE)"), "(a = (b IN (TRUE)))");
}

TEST(ExpressionParserTest, Literals) {
  EXPECT_EQ(Parsed("'it''s'"), "'it''s'");
  EXPECT_EQ(Parsed("TRUE AND false"), "(TRUE AND FALSE)");
  EXPECT_EQ(Parsed("null"), "NULL");
  EXPECT_EQ(Parsed("1.50"), "1.50");
  EXPECT_EQ(Parsed("1e3"), "1e3");
  EXPECT_EQ(Parsed("DATE '2024-01-31'"), "DATE '2024-01-31'");
  EXPECT_EQ(Parsed("timestamp '2024-01-31 12:00:00.123456'"),
            "TIMESTAMP '2024-01-31 12:00:00.123456'");

  ExprPtr expr = ParseOk("1.50");
  EXPECT_EQ(AsLiteral(expr).literal_kind(), LiteralKind::kExactNumeric);
  EXPECT_DOUBLE_EQ(std::get<double>(AsLiteral(expr).value()), 1.5);
  EXPECT_EQ(AsLiteral(ParseOk("1e3")).literal_kind(), LiteralKind::kApproxNumeric);
  EXPECT_EQ(std::get<int32_t>(AsLiteral(ParseOk("DATE '1970-01-02'")).value()), 1);
  ExprPtr timestamp = ParseOk("TIMESTAMP '1970-01-01 00:01:00.5'");
  const auto& ts = std::get<TimestampValue>(AsLiteral(timestamp).value());
  EXPECT_EQ(ts.seconds, 60);
  EXPECT_EQ(ts.nanos, 500'000'000);
  EXPECT_EQ(ts.fraction_digits, 1);
}

TEST(ExpressionParserTest, ColumnsAndNestedPaths) {
  ExprPtr expr = ParseOk("a.b.`c d`");
  ASSERT_EQ(expr->kind(), ExprKind::kColumnRef);
  const auto& ref = static_cast<const ColumnRefExpr&>(*expr);
  ASSERT_EQ(ref.path().size(), 3u);
  EXPECT_EQ(ref.path()[0].name, "a");
  EXPECT_FALSE(ref.path()[0].quoted);
  EXPECT_EQ(ref.path()[2].name, "c d");
  EXPECT_TRUE(ref.path()[2].quoted);
  EXPECT_EQ(ref.path()[2].position.column, 5);
  EXPECT_EQ(ref.DottedName(), "a.b.c d");
  EXPECT_EQ(expr->ToString(), "a.b.`c d`");
  // DATE and TIMESTAMP are column names unless a string follows.
  EXPECT_EQ(Parsed("date > timestamp"), "(date > timestamp)");
  EXPECT_EQ(Parsed("`select` = 1"), "(`select` = 1)");
}

TEST(ExpressionParserTest, CastAndFunctions) {
  EXPECT_EQ(Parsed("CAST(a AS DECIMAL(10, 2))"), "CAST(a AS DECIMAL(10, 2))");
  EXPECT_EQ(Parsed("cast(a as varchar(20))"), "CAST(a AS VARCHAR(20))");
  EXPECT_EQ(Parsed("CAST(a AS TIMESTAMP(3) WITH LOCAL TIME ZONE)"),
            "CAST(a AS TIMESTAMP(3) WITH LOCAL TIME ZONE)");
  EXPECT_EQ(Parsed("CAST(a AS DOUBLE PRECISION)"), "CAST(a AS DOUBLE)");
  EXPECT_EQ(Parsed("upper(name) || lower(x)"), "(upper(name) || lower(x))");
  EXPECT_EQ(Parsed("COALESCE(a, b, 0) + 1"), "(COALESCE(a, b, 0) + 1)");
  EXPECT_EQ(Parsed("f()"), "f()");
}

TEST(ExpressionParserTest, NodesCarryPositions) {
  ExprPtr expr = ParseOk("a +\n  b * 3");
  ASSERT_EQ(expr->kind(), ExprKind::kBinary);
  const auto& add = static_cast<const BinaryExpr&>(*expr);
  EXPECT_EQ(add.position().line, 1);
  EXPECT_EQ(add.position().column, 3);
  EXPECT_EQ(add.right()->position().line, 2);
  EXPECT_EQ(add.right()->position().column, 5);
  EXPECT_EQ(StartPosition(*add.right()).column, 3);
  EXPECT_EQ(StartPosition(*expr).column, 1);
  EXPECT_EQ(expr->height(), 3);
}

TEST(ExpressionParserTest, CommentsAreIgnored) {
  EXPECT_EQ(Parsed("a /* first */ > -- why\n 1"), "(a > 1)");
}

TEST(ExpressionParserTest, MissingOperandAfterAnd) {
  EXPECT_EQ(ParseError("price > 5 AND"),
            "syntax error at line 1, column 14: expected an expression after 'AND'\n"
            "  price > 5 AND\n"
            "               ^");
}

TEST(ExpressionParserTest, SqlForms) {
  auto render = [](std::string_view text) {
    auto expr = ParseExpression(text);
    return expr.ok() ? (*expr)->ToString() : expr.status().message();
  };
  EXPECT_EQ(render("CASE WHEN a > 1 THEN 'x' ELSE 'y' END"),
            "CASE WHEN (a > 1) THEN 'x' ELSE 'y' END");
  EXPECT_EQ(render("CASE a WHEN 1 THEN 2 END"), "CASE a WHEN 1 THEN 2 END");
  EXPECT_EQ(render("INTERVAL '5' MINUTE"), "INTERVAL '5' MINUTE");
  EXPECT_EQ(render("EXTRACT(YEAR FROM ts)"), "EXTRACT(YEAR, ts)");
  EXPECT_EQ(render("FLOOR(ts TO HOUR)"), "FLOOR(ts, HOUR)");
  EXPECT_EQ(render("COUNT(*)"), "COUNT(*)");
  EXPECT_EQ(render("COUNT(DISTINCT a)"), "COUNT(DISTINCT a)");
  EXPECT_EQ(render("arr[1]"), "arr[1]");
  EXPECT_EQ(render("m['k']"), "m['k']");
  EXPECT_EQ(render("TRY_CAST(a AS INT)"), "TRY_CAST(a AS INT)");
  EXPECT_EQ(render("CAST(a AS ARRAY<ROW<x INT, y STRING>>)"),
            "CAST(a AS ARRAY<ROW<x INT, y STRING>>)");
}

TEST(ExpressionParserTest, SyntaxErrorsNameTheProblem) {
  EXPECT_NE(ParseError("").find("expected an expression but the input is empty"),
            std::string::npos);
  EXPECT_NE(ParseError("   -- nothing").find("the input is empty"), std::string::npos);
  EXPECT_NE(ParseError("(a + 1").find(
                "column 7: expected ')' to close the '(' at line 1, column 1 but found "
                "the end of the input"),
            std::string::npos);
  EXPECT_NE(ParseError("a + 1)").find("column 6: unbalanced ')'"), std::string::npos);
  EXPECT_NE(ParseError("a b").find("column 3: unexpected 'b': expected an operator"),
            std::string::npos);
  EXPECT_NE(ParseError("a > AND b")
                .find("expected an expression after '>' but found keyword 'AND'"),
            std::string::npos);
  EXPECT_NE(ParseError("*").find("expected an expression but found '*'"),
            std::string::npos);
  EXPECT_NE(ParseError("a IS 5").find("expected NULL, TRUE, FALSE or UNKNOWN after IS"),
            std::string::npos);
  EXPECT_NE(ParseError("a IN 1").find("expected '(' after IN but found '1'"),
            std::string::npos);
  EXPECT_NE(ParseError("a IN ()").find("the IN list is empty"), std::string::npos);
  EXPECT_NE(ParseError("a IN (1 2)").find("expected ',' or ')' in the IN list"),
            std::string::npos);
  EXPECT_NE(ParseError("a BETWEEN 1 OR 2").find("expected AND in BETWEEN"),
            std::string::npos);
  EXPECT_NE(ParseError("CAST(a)").find("expected AS in CAST"), std::string::npos);
  EXPECT_NE(ParseError("CAST(a AS 5)").find("expected a type name"), std::string::npos);
  EXPECT_NE(
      ParseError("CAST(a AS DECIMAL(x))").find("expected an integer type parameter"),
      std::string::npos);
  EXPECT_NE(ParseError("f(a b)").find("expected ',' or ')' in the arguments of f"),
            std::string::npos);
  EXPECT_NE(ParseError("a.").find("expected a field name after '.'"), std::string::npos);
  EXPECT_NE(ParseError("a NOT b").find("unexpected 'NOT'"), std::string::npos);
  EXPECT_NE(ParseError("INTERVAL '1.5' MONTH").find("takes a whole number"),
            std::string::npos);
  EXPECT_NE(ParseError("INTERVAL '1' YEAR TO DAY").find("expected MONTH after YEAR TO"),
            std::string::npos);
  EXPECT_NE(ParseError("INTERVAL '1-13' YEAR TO MONTH").find("'years-months'"),
            std::string::npos);
  EXPECT_NE(ParseError("INTERVAL 'x' DAY").find("invalid INTERVAL amount"),
            std::string::npos);
  EXPECT_NE(ParseError("CASE a END").find("expected WHEN in CASE"), std::string::npos);
  EXPECT_NE(ParseError("CASE WHEN a THEN 1").find("expected END to close the CASE"),
            std::string::npos);
  EXPECT_NE(ParseError("(SELECT 1)").find("subqueries are not allowed here"),
            std::string::npos);
  EXPECT_NE(ParseError("EXTRACT(FORTNIGHT FROM ts)").find("expected a time unit"),
            std::string::npos);
  EXPECT_NE(ParseError("select").find("write `select` for a column with that name"),
            std::string::npos);
}

TEST(ExpressionParserTest, LiteralErrors) {
  EXPECT_NE(ParseError("x > 9223372036854775808")
                .find("integer literal 9223372036854775808 is out of range for BIGINT"),
            std::string::npos);
  EXPECT_NE(ParseError("1e999").find("numeric literal 1e999 is out of range"),
            std::string::npos);
  EXPECT_EQ(ParseError("d = DATE '2024-13-01'"),
            "syntax error at line 1, column 10: invalid DATE literal '2024-13-01': month "
            "13 is out of range\n"
            "  d = DATE '2024-13-01'\n"
            "           ^");
  EXPECT_NE(ParseError("DATE '2023-02-29'").find("day 29 is out of range for 2023-02"),
            std::string::npos);
  EXPECT_NE(ParseError("DATE 'yesterday'").find("expected a date as YYYY-MM-DD"),
            std::string::npos);
  EXPECT_NE(ParseError("TIMESTAMP '2024-01-01 25:00:00'").find("hour 25 is out of range"),
            std::string::npos);
  EXPECT_NE(ParseError("TIMESTAMP '2024-01-01 10:00:00.1234567890'")
                .find("more than 9 fractional-second digits"),
            std::string::npos);
}

TEST(ExpressionParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string parens(10000, '(');
  EXPECT_NE(ParseError(parens + "1" + std::string(10000, ')')).find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(ParseError(parens).find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_NE(ParseError(nots + "a").find("nested too deeply"), std::string::npos);
  std::string minus;
  for (int i = 0; i < 5000; ++i) minus += "- ";  // "--" would start a comment
  EXPECT_NE(ParseError(minus + "a").find("nested too deeply"), std::string::npos);
  // Long flat chains build deep trees too; they are limited by height.
  std::string chain = "a";
  for (int i = 0; i < 5000; ++i) chain += " + a";
  EXPECT_NE(ParseError(chain).find("nested too deeply"), std::string::npos);
}

TEST(ExpressionParserTest, ModerateNestingIsFine) {
  std::string text = std::string(200, '(') + "a" + std::string(200, ')');
  EXPECT_EQ(Parsed(text), "a");
  std::string chain = "a";
  for (int i = 0; i < 500; ++i) chain += " OR a";
  EXPECT_NE(ParseOk(chain), nullptr);
}

TEST(ExpressionParserTest, GarbageNeverCrashes) {
  const char* inputs[] = {"(",
                          ")",
                          "((",
                          "a (",
                          "'",
                          "/*",
                          "`",
                          ",",
                          "a,",
                          "AND",
                          "OR OR",
                          "NOT",
                          "- ",
                          "+",
                          "a +",
                          "a IS",
                          "a IS NOT",
                          "a IN (",
                          "a IN (1,",
                          "a BETWEEN",
                          "a BETWEEN 1",
                          "a BETWEEN 1 AND",
                          "a LIKE",
                          "CAST(",
                          "CAST(a AS",
                          "CAST(a AS INT",
                          "f(",
                          "f(a,",
                          ".",
                          "a..b",
                          ";",
                          "1 2 3",
                          "DATE",
                          "TIMESTAMP",
                          "a NOT",
                          "a NOT IN",
                          "\xff\xfe",
                          "a = 'x",
                          "a LIKE 'x' ESCAPE",
                          "CAST(a AS DECIMAL(",
                          "a = = b"};
  for (const char* input : inputs) {
    auto expr = ParseExpression(input);
    if (!expr.ok()) {
      EXPECT_TRUE(expr.status().IsInvalid()) << input << ": " << expr.status().ToString();
      EXPECT_NE(expr.status().message().find("line 1, column"), std::string::npos)
          << input;
    }
  }
}

TEST(ExpressionParserTest, StatementParserCanResumeAfterAnExpression) {
  auto tokens = Tokenize("a + 1 FROM t");
  ASSERT_TRUE(tokens.ok());
  ExpressionParser parser("a + 1 FROM t", *tokens);
  auto expr = parser.Parse();
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ((*expr)->ToString(), "(a + 1)");
  EXPECT_TRUE((*tokens)[parser.next_token()].IsKeyword("FROM"));
}

}  // namespace
}  // namespace weir::sql
