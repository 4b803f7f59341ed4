#include "weir/sql/parse/statement_parser.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace weir::sql {
namespace {

std::string ErrorOf(std::string_view text) {
  auto parsed = ParseScript(text);
  EXPECT_FALSE(parsed.ok()) << "expected an error for: " << text;
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(StatementParserTest, ScriptsSplitIntoStatementsWithTheirText) {
  auto parsed = ParseScript(
      "-- comment\nSET 'execution.runtime-mode' = 'batch';;\n"
      "CREATE TABLE IF NOT EXISTS `my t` (a INT NOT NULL, b AS a + 1, ts TIMESTAMP(3),\n"
      "  m MAP<STRING, ARRAY<INT>>, r ROW<x INT, y STRING>,\n"
      "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, PRIMARY KEY (a) NOT ENFORCED)\n"
      "PARTITIONED BY (a) WITH ('connector' = 'filesystem', 'path' = '/x');\n"
      "/* block */ INSERT OVERWRITE t PARTITION (p = 'x') (a, b) SELECT 1, 2;\n"
      "EXPLAIN PLAN FOR SELECT * FROM t; SHOW TABLES; DESC t; RESET; SET");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 8u);
  const Statement& set = *(*parsed)[0];
  EXPECT_EQ(set.kind, StatementKind::kSet);
  EXPECT_EQ(set.key, "execution.runtime-mode");
  EXPECT_EQ(set.value, "batch");
  const Statement& create = *(*parsed)[1];
  EXPECT_EQ(create.kind, StatementKind::kCreateTable);
  EXPECT_TRUE(create.if_not_exists);
  EXPECT_EQ(create.name[0].name, "my t");
  ASSERT_EQ(create.columns.size(), 5u);
  EXPECT_TRUE(create.columns[0].type->not_null);
  EXPECT_NE(create.columns[1].computed, nullptr);
  EXPECT_EQ(create.columns[3].type->ToString(), "MAP<STRING, ARRAY<INT>>");
  EXPECT_EQ(create.columns[4].type->ToString(), "ROW<x INT, y STRING>");
  EXPECT_EQ(create.watermark_expr->ToString(), "(ts - INTERVAL '5' SECOND)");
  EXPECT_EQ(create.primary_key[0].name, "a");
  EXPECT_EQ(create.options.size(), 2u);
  const Statement& insert = *(*parsed)[2];
  EXPECT_TRUE(insert.overwrite);
  EXPECT_EQ(insert.partition_values.size(), 1u);
  EXPECT_EQ(insert.target_columns.size(), 2u);
  EXPECT_EQ(insert.text, "INSERT OVERWRITE t PARTITION (p = 'x') (a, b) SELECT 1, 2");
  EXPECT_EQ((*parsed)[3]->kind, StatementKind::kExplain);
  EXPECT_EQ((*parsed)[3]->explained->text, "SELECT * FROM t");
  EXPECT_EQ((*parsed)[4]->kind, StatementKind::kShowTables);
  EXPECT_EQ((*parsed)[5]->kind, StatementKind::kDescribe);
  EXPECT_EQ((*parsed)[6]->kind, StatementKind::kReset);
  EXPECT_EQ((*parsed)[7]->kind, StatementKind::kSet);
  EXPECT_TRUE((*parsed)[7]->key.empty());
}

TEST(StatementParserTest, Queries) {
  auto parsed = ParseStatement(
      "WITH c AS (SELECT a FROM t) SELECT DISTINCT x.a, COUNT(*) AS n FROM c AS x "
      "LEFT JOIN u ON x.a = u.a AND u.b > 1 JOIN v USING (a), w "
      "WHERE x.a IN (SELECT a FROM z) AND EXISTS (SELECT 1 FROM z WHERE z.a = x.a) "
      "GROUP BY x.a HAVING COUNT(*) > 1 "
      "UNION ALL SELECT 1, 2 ORDER BY 2 DESC NULLS LAST LIMIT 10 OFFSET 5");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Query& query = *(*parsed)->query;
  EXPECT_EQ(query.kind, Query::Kind::kSetOp);
  EXPECT_TRUE(query.set_all);
  EXPECT_EQ(query.order_by.size(), 1u);
  EXPECT_EQ(query.limit, 10);
  EXPECT_EQ(query.offset, 5);
  const Query& left = *query.left;
  EXPECT_EQ(query.with.size(), 1u);  // WITH covers the whole UNION
  EXPECT_TRUE(left.select.distinct);
  EXPECT_EQ(left.select.from->kind, TableRef::Kind::kJoin);
  EXPECT_EQ(left.select.from->join, JoinKind::kCross);
  EXPECT_NE(left.select.having, nullptr);
  auto values = ParseStatement("VALUES (1, 'a'), (2, 'b')");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)->query->values.size(), 2u);
  auto fetch = ParseStatement("SELECT * FROM t FETCH FIRST 3 ROWS ONLY");
  ASSERT_TRUE(fetch.ok());
  EXPECT_EQ((*fetch)->query->limit, 3);
}

TEST(StatementParserTest, ErrorsPointAtTheProblem) {
  EXPECT_NE(ErrorOf("SELEC 1").find("expected a statement"), std::string::npos);
  EXPECT_NE(ErrorOf("SELECT 1;\nSELECT a FROM t WHERE").find("line 2, column 22"),
            std::string::npos);
  EXPECT_NE(ErrorOf("CREATE TABLE t (a INT) WITH ('k' = 1)").find("'quoted string'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("CREATE TABLE t (a INT, PRIMARY KEY (a))").find("NOT ENFORCED"),
            std::string::npos);
  EXPECT_NE(ErrorOf("SELECT * FROM a JOIN b").find("expected ON or USING"),
            std::string::npos);
  EXPECT_NE(ErrorOf("VALUES (1, 2), (3)").find("differ in length"), std::string::npos);
  EXPECT_NE(ErrorOf("SELECT 1 LIMIT -1").find("non-negative integer"), std::string::npos);
  EXPECT_NE(ErrorOf("SELECT 1 x y").find("expected ';'"), std::string::npos);
  EXPECT_NE(ErrorOf("DROP INDEX i").find("expected TABLE or VIEW"), std::string::npos);
  EXPECT_NE(ErrorOf("SELECT 'unterminated").find("syntax error"), std::string::npos);
  EXPECT_NE(ErrorOf("EXPLAIN SHOW TABLES").find("EXPLAIN takes a query"),
            std::string::npos);
  std::string deep = "SELECT 1 FROM ";
  for (int i = 0; i < 500; ++i) deep += "(SELECT 1 FROM ";
  deep += "t";
  for (int i = 0; i < 500; ++i) deep += ")";
  EXPECT_NE(ErrorOf(deep).find("nested too deeply"), std::string::npos);
}

TEST(StatementParserTest, SplitStatementsForTheShell) {
  bool complete = false;
  auto parts = SplitStatements("SELECT ';'; -- c;\nSELECT `a;b` FROM t;", &complete);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(complete);
  SplitStatements("SELECT 1;\nSELECT 'open", &complete);
  EXPECT_FALSE(complete);
  SplitStatements("SELECT 1\n", &complete);
  EXPECT_FALSE(complete);
}

// Random mutations of valid scripts never crash the parser.
TEST(StatementParserTest, ShowStatements) {
  auto parsed = ParseScript(
      "SHOW CATALOGS; SHOW DATABASES; SHOW CURRENT CATALOG; SHOW CURRENT DATABASE; "
      "SHOW CREATE TABLE t; SHOW CREATE VIEW v; SHOW COLUMNS FROM t; SHOW COLUMNS IN t");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const StatementKind kinds[] = {
      StatementKind::kShowCatalogs,       StatementKind::kShowDatabases,
      StatementKind::kShowCurrentCatalog, StatementKind::kShowCurrentDatabase,
      StatementKind::kShowCreateTable,    StatementKind::kShowCreateTable,
      StatementKind::kDescribe,           StatementKind::kDescribe};
  ASSERT_EQ(parsed->size(), std::size(kinds));
  for (size_t i = 0; i < std::size(kinds); ++i) EXPECT_EQ((*parsed)[i]->kind, kinds[i]);
  EXPECT_FALSE(ParseScript("SHOW CURRENT SCHEMA").ok());
  EXPECT_FALSE(ParseScript("SHOW CREATE FUNCTION f").ok());
}

TEST(StatementParserTest, StatementSets) {
  auto parsed = ParseScript(
      "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b VALUES (2); "
      "END; SELECT 3");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  const Statement& set = *(*parsed)[0];
  EXPECT_EQ(set.kind, StatementKind::kStatementSet);
  ASSERT_EQ(set.inserts.size(), 2u);
  EXPECT_EQ(set.inserts[1]->text, "INSERT INTO b VALUES (2)");
  // The SQL client's form.
  auto legacy = ParseScript("BEGIN STATEMENT SET; INSERT INTO a SELECT 1; END;");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_EQ((*legacy)[0]->inserts.size(), 1u);
  for (const char* bad : {"EXECUTE STATEMENT SET BEGIN END",
                          "EXECUTE STATEMENT SET "
                          "BEGIN SELECT 1; END",
                          "EXECUTE STATEMENT SET BEGIN INSERT INTO "
                          "a SELECT 1;",
                          "EXECUTE STATEMENT SET INSERT INTO a SELECT 1"}) {
    EXPECT_FALSE(ParseScript(bad).ok()) << bad;
  }
  // The shell keeps a set together until its END.
  bool complete = false;
  auto parts = SplitStatements(
      "SET 'a' = 'b'; EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\n", &complete);
  EXPECT_FALSE(complete);
  parts = SplitStatements(
      "SET 'a' = 'b'; EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\nEND;",
      &complete);
  EXPECT_TRUE(complete);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1], " EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\nEND");
  parts =
      SplitStatements("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nEND;", &complete);
  ASSERT_EQ(parts.size(), 1u);
}

TEST(StatementParserTest, FuzzedInputFailsCleanly) {
  const std::string seed =
      "CREATE TABLE t (a INT, b ARRAY<ROW<x INT>>, WATERMARK FOR a AS a) WITH ('c' = "
      "'v');"
      "SELECT a, CASE WHEN a > 1 THEN 'x' END, b[1].x FROM t WHERE a IN (SELECT 1) "
      "GROUP BY a ORDER BY 1 LIMIT 3;";
  std::mt19937 rng(42);
  const std::string alphabet = "()[]<>,;.'`*+-= aSELECTFROMWHERE0123456789";
  for (int round = 0; round < 2000; ++round) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(rng() % 5);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1 + rng() % 3);
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          text[at] = alphabet[rng() % alphabet.size()];
      }
      if (text.empty()) text = "x";
    }
    auto parsed = ParseScript(text);  // must return, ok or not
    (void)parsed;
  }
}

}  // namespace
}  // namespace weir::sql
