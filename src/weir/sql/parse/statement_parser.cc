#include "weir/sql/parse/statement_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/parse/expression_parser.h"
#include "weir/sql/parse/lexer.h"

namespace weir::sql {
namespace {

// Words that end an expression list or a FROM item, so they are never taken as an
// alias written without AS.
constexpr std::string_view kClauseWords[] = {
    "FROM",   "WHERE",  "GROUP",  "HAVING",    "ORDER", "LIMIT",       "OFFSET",
    "FETCH",  "UNION",  "EXCEPT", "INTERSECT", "JOIN",  "INNER",       "LEFT",
    "RIGHT",  "FULL",   "CROSS",  "ON",        "USING", "WINDOW",      "AS",
    "SELECT", "VALUES", "WITH",   "NATURAL",   "OUTER", "PARTITIONED", "LATERAL"};

bool IsClauseWord(const Token& token) {
  for (std::string_view word : kClauseWords) {
    if (token.IsKeyword(word)) return true;
  }
  return false;
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEndOfInput) return "the end of the input";
  return QuoteForMessage(token.text);
}

class StatementParser {
 public:
  StatementParser(std::shared_ptr<const std::string> script,
                  const std::vector<Token>& tokens)
      : script_(std::move(script)), source_(*script_), tokens_(tokens) {}

  arrow::Result<std::vector<StatementPtr>> ParseAll() {
    std::vector<StatementPtr> statements;
    while (true) {
      while (Peek().kind == TokenKind::kSemicolon) Advance();
      if (Peek().kind == TokenKind::kEndOfInput) break;
      size_t start = pos_;
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Statement> statement, ParseOne());
      if (Peek().kind != TokenKind::kSemicolon && Peek().kind != TokenKind::kEndOfInput) {
        return Error(
            Peek().position,
            fmt::format("unexpected {}: expected ';' or the end of the statement",
                        DescribeToken(Peek())));
      }
      statement->text = TextBetween(start, pos_);
      statement->script = script_;
      if (statement->explained) {
        std::const_pointer_cast<Statement>(statement->explained)->script = script_;
      }
      statements.push_back(std::move(statement));
    }
    return statements;
  }

  // Parses a query starting at `start`; for the expression parser's subqueries.
  arrow::Result<std::pair<std::shared_ptr<const Query>, size_t>> ParseSubqueryAt(
      size_t start) {
    size_t saved = pos_;
    pos_ = start;
    auto query = ParseQuery();
    size_t end = pos_;
    pos_ = saved;
    ARROW_RETURN_NOT_OK(query.status());
    return std::make_pair(std::shared_ptr<const Query>(*query), end);
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t index = pos_ + ahead;
    return index < tokens_.size() ? tokens_[index] : tokens_.back();
  }
  const Token& Advance() {
    const Token& token = Peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool Accept(std::string_view keyword) {
    if (!Peek().IsKeyword(keyword)) return false;
    Advance();
    return true;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Advance();
    return true;
  }
  arrow::Status Error(const SourcePosition& position, std::string_view message) const {
    return SyntaxErrorAt(source_, position, message);
  }
  arrow::Status Expect(std::string_view keyword, std::string_view context) {
    if (Accept(keyword)) return arrow::Status::OK();
    return Error(Peek().position, fmt::format("expected {} {} but found {}", keyword,
                                              context, DescribeToken(Peek())));
  }
  arrow::Status Expect(TokenKind kind, std::string_view context) {
    if (Accept(kind)) return arrow::Status::OK();
    return Error(Peek().position,
                 fmt::format("expected {} {} but found {}", TokenKindName(kind), context,
                             DescribeToken(Peek())));
  }
  std::string TextBetween(size_t begin, size_t end) const {
    int64_t from = tokens_[begin].position.offset;
    int64_t to = end < tokens_.size() ? tokens_[end].position.offset
                                      : static_cast<int64_t>(source_.size());
    if (tokens_[end].kind == TokenKind::kEndOfInput) {
      to = static_cast<int64_t>(source_.size());
    }
    std::string text(source_.substr(from, to - from));
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' ||
                             text.back() == '\t' || text.back() == '\r')) {
      text.pop_back();
    }
    return text;
  }

  arrow::Result<ExprPtr> ParseExpr() {
    ExpressionParser parser(source_, tokens_, pos_);
    parser.set_subquery_parser([this](size_t start) { return ParseSubqueryAt(start); });
    ARROW_ASSIGN_OR_RAISE(ExprPtr expr, parser.Parse());
    pos_ = parser.next_token();
    return expr;
  }

  arrow::Result<std::shared_ptr<OverWindow>> ParseWindowSpec() {
    ExpressionParser parser(source_, tokens_, pos_);
    parser.set_subquery_parser([this](size_t start) { return ParseSubqueryAt(start); });
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<OverWindow> window, parser.ParseWindowSpec());
    pos_ = parser.next_token();
    return window;
  }

  arrow::Result<TypeSpec> ParseType() {
    ExpressionParser parser(source_, tokens_, pos_);
    ARROW_ASSIGN_OR_RAISE(TypeSpec type, parser.ParseTypeSpec());
    pos_ = parser.next_token();
    return type;
  }

  arrow::Result<Identifier> ParseIdentifier(std::string_view what) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kIdentifier) {
      Advance();
      return Identifier{token.text, false, token.position};
    }
    if (token.kind == TokenKind::kQuotedIdentifier) {
      Advance();
      return Identifier{token.value, true, token.position};
    }
    return Error(token.position,
                 fmt::format("expected {} but found {}", what, DescribeToken(token)));
  }

  arrow::Result<std::vector<Identifier>> ParseName(std::string_view what) {
    std::vector<Identifier> name;
    while (true) {
      ARROW_ASSIGN_OR_RAISE(Identifier part, ParseIdentifier(what));
      name.push_back(std::move(part));
      if (!Accept(TokenKind::kDot)) break;
    }
    return name;
  }

  arrow::Result<std::vector<Identifier>> ParseIdentifierList(std::string_view what) {
    ARROW_RETURN_NOT_OK(
        Expect(TokenKind::kLeftParen, fmt::format("before the {}", what)));
    std::vector<Identifier> list;
    while (true) {
      ARROW_ASSIGN_OR_RAISE(Identifier id, ParseIdentifier(what));
      list.push_back(std::move(id));
      if (Accept(TokenKind::kComma)) continue;
      ARROW_RETURN_NOT_OK(
          Expect(TokenKind::kRightParen, fmt::format("after the {}", what)));
      return list;
    }
  }

  arrow::Result<std::string> ParseStringLiteral(std::string_view what) {
    const Token& token = Peek();
    if (token.kind != TokenKind::kString) {
      return Error(token.position, fmt::format("expected {} as a 'quoted string' but "
                                               "found {}",
                                               what, DescribeToken(token)));
    }
    Advance();
    return token.value;
  }

  arrow::Result<int64_t> ParseCount(std::string_view what) {
    const Token& token = Peek();
    int64_t value = -1;
    if (token.kind == TokenKind::kInteger) {
      std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    }
    if (value < 0) {
      return Error(token.position, fmt::format("expected a non-negative integer after {} "
                                               "but found {}",
                                               what, DescribeToken(token)));
    }
    Advance();
    return value;
  }

  // The INSERTs of a statement set up to END: each ends with ';'.
  arrow::Result<std::shared_ptr<Statement>> ParseStatementSet(
      std::shared_ptr<Statement> statement, bool legacy) {
    statement->kind = StatementKind::kStatementSet;
    if (legacy)
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kSemicolon, "after BEGIN STATEMENT SET"));
    while (true) {
      while (Accept(TokenKind::kSemicolon)) {
      }
      if (Accept("END")) break;
      if (Peek().kind == TokenKind::kEndOfInput) {
        return Error(Peek().position, "the statement set has no END");
      }
      const size_t start = pos_;
      const SourcePosition at = Peek().position;
      if (!Peek().IsKeyword("INSERT")) {
        return Error(at, fmt::format("a statement set holds INSERT statements only, not "
                                     "{}",
                                     DescribeToken(Peek())));
      }
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Statement> insert, ParseOne());
      insert->text = TextBetween(start, pos_);
      insert->script = script_;
      if (Peek().kind != TokenKind::kSemicolon) {
        return Error(Peek().position,
                     fmt::format("unexpected {}: expected ';' after the INSERT",
                                 DescribeToken(Peek())));
      }
      statement->inserts.push_back(std::move(insert));
    }
    if (statement->inserts.empty()) {
      return Error(statement->position, "the statement set holds no INSERT");
    }
    return statement;
  }

  arrow::Result<std::shared_ptr<Statement>> ParseOne() {
    auto statement = std::make_shared<Statement>();
    statement->position = Peek().position;
    const Token& first = Peek();
    if (first.IsKeyword("SELECT") || first.IsKeyword("WITH") ||
        first.IsKeyword("VALUES") || first.kind == TokenKind::kLeftParen) {
      statement->kind = StatementKind::kQuery;
      ARROW_ASSIGN_OR_RAISE(statement->query, ParseQuery());
      return statement;
    }
    if (Accept("INSERT")) return ParseInsert(std::move(statement));
    if (Accept("CREATE")) return ParseCreate(std::move(statement));
    if (Accept("DROP")) return ParseDrop(std::move(statement));
    if (Accept("SHOW")) {
      if (Accept("TABLES")) {
        statement->kind = StatementKind::kShowTables;
      } else if (Accept("VIEWS")) {
        statement->kind = StatementKind::kShowViews;
      } else if (Accept("FUNCTIONS")) {
        statement->kind = StatementKind::kShowFunctions;
      } else if (Accept("CATALOGS")) {
        statement->kind = StatementKind::kShowCatalogs;
      } else if (Accept("DATABASES")) {
        statement->kind = StatementKind::kShowDatabases;
      } else if (Accept("CURRENT")) {
        if (Accept("CATALOG")) {
          statement->kind = StatementKind::kShowCurrentCatalog;
        } else {
          ARROW_RETURN_NOT_OK(Expect("DATABASE", "or CATALOG after SHOW CURRENT"));
          statement->kind = StatementKind::kShowCurrentDatabase;
        }
      } else if (Accept("CREATE")) {
        if (!Accept("TABLE")) {
          ARROW_RETURN_NOT_OK(Expect("VIEW", "or TABLE after SHOW CREATE"));
        }
        statement->kind = StatementKind::kShowCreateTable;
        ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a table name"));
      } else if (Accept("COLUMNS")) {
        // SHOW COLUMNS FROM|IN t: DESCRIBE's rows.
        if (!Accept("FROM"))
          ARROW_RETURN_NOT_OK(Expect("IN", "or FROM after SHOW COLUMNS"));
        statement->kind = StatementKind::kDescribe;
        ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a table name"));
      } else {
        return Error(Peek().position,
                     fmt::format("expected TABLES, VIEWS, FUNCTIONS, COLUMNS, CREATE, "
                                 "CATALOGS, DATABASES or CURRENT after SHOW but found {}",
                                 DescribeToken(Peek())));
      }
      return statement;
    }
    if (Accept("DESCRIBE") || Accept("DESC")) {
      statement->kind = StatementKind::kDescribe;
      ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a table name"));
      return statement;
    }
    if (Accept("EXPLAIN")) {
      statement->kind = StatementKind::kExplain;
      if (Accept("PLAN")) ARROW_RETURN_NOT_OK(Expect("FOR", "after EXPLAIN PLAN"));
      // Flink's EXPLAIN [detail[, detail]*] statement.
      for (bool more = true; more;) {
        more = false;
        for (const char* detail :
             {"ESTIMATED_COST", "CHANGELOG_MODE", "JSON_EXECUTION_PLAN", "PLAN_ADVICE"}) {
          if (Accept(detail)) {
            statement->explain_details.push_back(detail);
            more = Accept(TokenKind::kComma);
            if (!more) break;
          }
        }
      }
      size_t start = pos_;
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Statement> inner, ParseOne());
      if (inner->kind != StatementKind::kQuery && inner->kind != StatementKind::kInsert) {
        return Error(inner->position, "EXPLAIN takes a query or an INSERT statement");
      }
      inner->text = TextBetween(start, pos_);
      statement->explained = std::move(inner);
      return statement;
    }
    if (Peek().IsKeyword("EXECUTE") && Peek(1).IsKeyword("STATEMENT")) {
      Advance();
      Advance();
      ARROW_RETURN_NOT_OK(Expect("SET", "after EXECUTE STATEMENT"));
      ARROW_RETURN_NOT_OK(Expect("BEGIN", "after EXECUTE STATEMENT SET"));
      return ParseStatementSet(std::move(statement), /*legacy=*/false);
    }
    if (Peek().IsKeyword("BEGIN") && Peek(1).IsKeyword("STATEMENT")) {
      // The SQL client's form: BEGIN STATEMENT SET; INSERT …; … END;
      Advance();
      Advance();
      ARROW_RETURN_NOT_OK(Expect("SET", "after BEGIN STATEMENT"));
      return ParseStatementSet(std::move(statement), /*legacy=*/true);
    }
    if (Accept("SET")) return ParseSet(std::move(statement), StatementKind::kSet);
    if (Accept("RESET")) return ParseSet(std::move(statement), StatementKind::kReset);
    return Error(first.position,
                 fmt::format("unexpected {}: expected a statement (SELECT, INSERT, "
                             "CREATE, DROP, SHOW, DESCRIBE, EXPLAIN, SET, RESET, "
                             "EXECUTE STATEMENT SET)",
                             DescribeToken(first)));
  }

  // SET 'key' = 'value' | SET key = value | SET; RESET ['key'].
  arrow::Result<std::shared_ptr<Statement>> ParseSet(std::shared_ptr<Statement> statement,
                                                     StatementKind kind) {
    statement->kind = kind;
    auto read_word = [&](std::string_view what) -> arrow::Result<std::string> {
      if (Peek().kind == TokenKind::kString) return Advance().value;
      // Unquoted: a dotted/dashed run of words and numbers, e.g. parallelism.default.
      std::string word;
      int64_t expected_offset = -1;
      while (Peek().kind != TokenKind::kEndOfInput &&
             Peek().kind != TokenKind::kSemicolon && Peek().kind != TokenKind::kEqual &&
             (expected_offset < 0 || Peek().position.offset == expected_offset)) {
        const Token& token = Advance();
        word += token.text;
        expected_offset = token.position.offset + static_cast<int64_t>(token.text.size());
      }
      if (word.empty()) {
        return Error(Peek().position, fmt::format("expected {} but found {}", what,
                                                  DescribeToken(Peek())));
      }
      return word;
    };
    if (Peek().kind == TokenKind::kSemicolon || Peek().kind == TokenKind::kEndOfInput) {
      return statement;
    }
    ARROW_ASSIGN_OR_RAISE(statement->key, read_word("a configuration key"));
    if (kind == StatementKind::kReset) return statement;
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kEqual, "after the configuration key"));
    ARROW_ASSIGN_OR_RAISE(statement->value, read_word("a value"));
    return statement;
  }

  arrow::Result<std::shared_ptr<Statement>> ParseInsert(
      std::shared_ptr<Statement> statement) {
    statement->kind = StatementKind::kInsert;
    if (Accept("OVERWRITE")) {
      statement->overwrite = true;
    } else {
      ARROW_RETURN_NOT_OK(Expect("INTO", "after INSERT"));
    }
    Accept("TABLE");
    ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a table name"));
    if (Accept("PARTITION")) {
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after PARTITION"));
      while (true) {
        ARROW_ASSIGN_OR_RAISE(Identifier key, ParseIdentifier("a partition column"));
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kEqual, "after the partition column"));
        ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseExpr());
        statement->partition_values.emplace_back(std::move(key), std::move(value));
        if (Accept(TokenKind::kComma)) continue;
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the partition values"));
        break;
      }
    }
    if (Peek().kind == TokenKind::kLeftParen && !Peek(1).IsKeyword("SELECT") &&
        !Peek(1).IsKeyword("WITH") && !Peek(1).IsKeyword("VALUES")) {
      ARROW_ASSIGN_OR_RAISE(statement->target_columns,
                            ParseIdentifierList("target column list"));
    }
    ARROW_ASSIGN_OR_RAISE(statement->query, ParseQuery());
    return statement;
  }

  arrow::Result<std::shared_ptr<Statement>> ParseCreate(
      std::shared_ptr<Statement> statement) {
    statement->temporary = Accept("TEMPORARY");
    if (Accept("VIEW")) return ParseCreateView(std::move(statement));
    if (!Accept("TABLE")) {
      return Error(Peek().position, fmt::format("expected TABLE or VIEW after CREATE but "
                                                "found {}",
                                                DescribeToken(Peek())));
    }
    statement->kind = StatementKind::kCreateTable;
    if (Accept("IF")) {
      ARROW_RETURN_NOT_OK(Expect("NOT", "in IF NOT EXISTS"));
      ARROW_RETURN_NOT_OK(Expect("EXISTS", "in IF NOT EXISTS"));
      statement->if_not_exists = true;
    }
    ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a table name"));
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "before the column definitions"));
    while (true) {
      ARROW_RETURN_NOT_OK(ParseTableElement(*statement));
      if (Accept(TokenKind::kComma)) continue;
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the column definitions"));
      break;
    }
    if (Accept("COMMENT")) {
      ARROW_ASSIGN_OR_RAISE(statement->comment, ParseStringLiteral("the comment"));
    }
    if (Accept("PARTITIONED")) {
      ARROW_RETURN_NOT_OK(Expect("BY", "after PARTITIONED"));
      ARROW_ASSIGN_OR_RAISE(statement->partitioned_by,
                            ParseIdentifierList("partition column"));
    }
    if (Accept("WITH")) {
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after WITH"));
      while (true) {
        ARROW_ASSIGN_OR_RAISE(std::string key, ParseStringLiteral("an option key"));
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kEqual, "after the option key"));
        ARROW_ASSIGN_OR_RAISE(std::string value, ParseStringLiteral("an option value"));
        statement->options.emplace_back(std::move(key), std::move(value));
        if (Accept(TokenKind::kComma)) continue;
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the options"));
        break;
      }
    }
    return statement;
  }

  arrow::Status ParseTableElement(Statement& statement) {
    if (Accept("WATERMARK")) {
      ARROW_RETURN_NOT_OK(Expect("FOR", "after WATERMARK"));
      ARROW_ASSIGN_OR_RAISE(Identifier column, ParseIdentifier("the rowtime column"));
      statement.watermark_column = std::move(column);
      ARROW_RETURN_NOT_OK(Expect("AS", "after WATERMARK FOR column"));
      ARROW_ASSIGN_OR_RAISE(statement.watermark_expr, ParseExpr());
      return arrow::Status::OK();
    }
    if (Accept("CONSTRAINT")) {
      ARROW_RETURN_NOT_OK(ParseIdentifier("a constraint name").status());
    }
    if (Accept("PRIMARY")) {
      ARROW_RETURN_NOT_OK(Expect("KEY", "after PRIMARY"));
      ARROW_ASSIGN_OR_RAISE(statement.primary_key, ParseIdentifierList("key column"));
      ARROW_RETURN_NOT_OK(Expect("NOT",
                                 "after PRIMARY KEY (…): weir, like Flink, only "
                                 "accepts NOT ENFORCED keys"));
      ARROW_RETURN_NOT_OK(Expect("ENFORCED", "after PRIMARY KEY (…) NOT"));
      return arrow::Status::OK();
    }
    ColumnDefinition column;
    ARROW_ASSIGN_OR_RAISE(column.name, ParseIdentifier("a column name"));
    if (Accept("AS")) {
      ARROW_ASSIGN_OR_RAISE(column.computed, ParseExpr());
    } else {
      ARROW_ASSIGN_OR_RAISE(column.type, ParseType());
      if (Accept("METADATA")) {
        column.metadata = true;
        if (Accept("FROM")) {
          ARROW_ASSIGN_OR_RAISE(column.metadata_key,
                                ParseStringLiteral("a metadata key"));
        }
        column.is_virtual = Accept("VIRTUAL");
      }
      if (Accept("PRIMARY")) {
        ARROW_RETURN_NOT_OK(Expect("KEY", "after PRIMARY"));
        ARROW_RETURN_NOT_OK(Expect("NOT", "after PRIMARY KEY"));
        ARROW_RETURN_NOT_OK(Expect("ENFORCED", "after PRIMARY KEY NOT"));
        statement.primary_key = {column.name};
      }
    }
    if (Accept("COMMENT")) {
      ARROW_ASSIGN_OR_RAISE(column.comment, ParseStringLiteral("the comment"));
    }
    statement.columns.push_back(std::move(column));
    return arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<Statement>> ParseCreateView(
      std::shared_ptr<Statement> statement) {
    statement->kind = StatementKind::kCreateView;
    if (Accept("IF")) {
      ARROW_RETURN_NOT_OK(Expect("NOT", "in IF NOT EXISTS"));
      ARROW_RETURN_NOT_OK(Expect("EXISTS", "in IF NOT EXISTS"));
      statement->if_not_exists = true;
    }
    ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a view name"));
    if (Peek().kind == TokenKind::kLeftParen) {
      ARROW_ASSIGN_OR_RAISE(statement->view_columns, ParseIdentifierList("column name"));
    }
    ARROW_RETURN_NOT_OK(Expect("AS", "after the view name"));
    ARROW_ASSIGN_OR_RAISE(statement->query, ParseQuery());
    return statement;
  }

  arrow::Result<std::shared_ptr<Statement>> ParseDrop(
      std::shared_ptr<Statement> statement) {
    statement->kind = StatementKind::kDrop;
    statement->temporary = Accept("TEMPORARY");
    if (Accept("VIEW")) {
      statement->is_view = true;
    } else if (!Accept("TABLE")) {
      return Error(Peek().position, fmt::format("expected TABLE or VIEW after DROP but "
                                                "found {}",
                                                DescribeToken(Peek())));
    }
    if (Accept("IF")) {
      ARROW_RETURN_NOT_OK(Expect("EXISTS", "after IF"));
      statement->if_exists = true;
    }
    ARROW_ASSIGN_OR_RAISE(statement->name, ParseName("a name"));
    return statement;
  }

  // query := [WITH …] set_expr [ORDER BY …] [LIMIT n] [OFFSET n] [FETCH …]
  arrow::Result<std::shared_ptr<Query>> ParseQuery() {
    SourcePosition position = Peek().position;
    // Nested queries recurse here (and in the planner): bound the depth so deep
    // nesting is an error, not a stack overflow.
    struct DepthGuard {
      int& depth;
      explicit DepthGuard(int& d) : depth(++d) {}
      ~DepthGuard() { --depth; }
    } guard(query_depth_);
    if (query_depth_ > kMaxQueryDepth) {
      return Error(position, fmt::format("queries are nested too deeply (more than {} "
                                         "levels)",
                                         kMaxQueryDepth));
    }
    std::vector<CommonTable> with;
    if (Accept("WITH")) {
      while (true) {
        CommonTable table;
        ARROW_ASSIGN_OR_RAISE(table.name, ParseIdentifier("a name for the WITH query"));
        if (Peek().kind == TokenKind::kLeftParen) {
          ARROW_ASSIGN_OR_RAISE(table.columns, ParseIdentifierList("column name"));
        }
        ARROW_RETURN_NOT_OK(Expect("AS", "after the WITH query name"));
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "before the WITH query"));
        ARROW_ASSIGN_OR_RAISE(table.query, ParseQuery());
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the WITH query"));
        with.push_back(std::move(table));
        if (!Accept(TokenKind::kComma)) break;
      }
    }
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Query> query, ParseSetExpression(false));
    if (!with.empty()) {
      if (!query->with.empty() || !query->order_by.empty() || query->limit) {
        // Keep the WITH scope outside an already complete inner query.
        auto outer = std::make_shared<Query>();
        outer->kind = Query::Kind::kSelect;
        outer->position = position;
        SelectItem star;
        star.star = true;
        outer->select.items.push_back(star);
        auto from = std::make_shared<TableRef>();
        from->kind = TableRef::Kind::kSubquery;
        from->query = query;
        outer->select.from = from;
        query = outer;
      }
      query->with = std::move(with);
    }
    if (Accept("ORDER")) {
      ARROW_RETURN_NOT_OK(Expect("BY", "after ORDER"));
      if (!query->order_by.empty() || query->limit) query = Wrap(query);
      while (true) {
        OrderItem item;
        ARROW_ASSIGN_OR_RAISE(item.expr, ParseExpr());
        if (Accept("DESC")) {
          item.descending = true;
        } else {
          Accept("ASC");
        }
        if (Accept("NULLS")) {
          if (Accept("FIRST")) {
            item.nulls_first = true;
          } else if (Accept("LAST")) {
            item.nulls_first = false;
          } else {
            return Error(Peek().position, "expected FIRST or LAST after NULLS");
          }
        }
        query->order_by.push_back(std::move(item));
        if (!Accept(TokenKind::kComma)) break;
      }
    }
    if (Accept("LIMIT")) {
      if (query->limit) query = Wrap(query);
      if (Accept("ALL")) {
        query->limit.reset();
      } else {
        ARROW_ASSIGN_OR_RAISE(int64_t limit, ParseCount("LIMIT"));
        query->limit = limit;
      }
    }
    if (Accept("OFFSET")) {
      ARROW_ASSIGN_OR_RAISE(query->offset, ParseCount("OFFSET"));
      if (!Accept("ROWS")) Accept("ROW");
    }
    if (Accept("FETCH")) {
      if (!Accept("FIRST")) ARROW_RETURN_NOT_OK(Expect("NEXT", "after FETCH"));
      ARROW_ASSIGN_OR_RAISE(int64_t limit, ParseCount("FETCH FIRST"));
      query->limit = limit;
      if (!Accept("ROWS")) ARROW_RETURN_NOT_OK(Expect("ROW", "after FETCH FIRST n"));
      ARROW_RETURN_NOT_OK(Expect("ONLY", "after FETCH FIRST n ROWS"));
    }
    return query;
  }

  // Puts a query with its own ORDER BY/LIMIT inside SELECT * FROM (…).
  std::shared_ptr<Query> Wrap(std::shared_ptr<Query> inner) {
    auto outer = std::make_shared<Query>();
    outer->position = inner->position;
    SelectItem star;
    star.star = true;
    outer->select.items.push_back(star);
    auto from = std::make_shared<TableRef>();
    from->kind = TableRef::Kind::kSubquery;
    from->query = std::move(inner);
    outer->select.from = from;
    return outer;
  }

  // UNION and EXCEPT bind loosest, INTERSECT tighter (as in standard SQL).
  arrow::Result<std::shared_ptr<Query>> ParseSetExpression(bool intersect_only) {
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Query> left,
                          intersect_only ? ParseSetOperand() : ParseSetExpression(true));
    while (true) {
      SetOpKind op;
      if (Peek().IsKeyword("INTERSECT")) {
        op = SetOpKind::kIntersect;
      } else if (!intersect_only && Peek().IsKeyword("UNION")) {
        op = SetOpKind::kUnion;
      } else if (!intersect_only &&
                 (Peek().IsKeyword("EXCEPT") || Peek().IsKeyword("MINUS"))) {
        op = SetOpKind::kExcept;
      } else {
        return left;
      }
      SourcePosition position = Advance().position;
      bool all = Accept("ALL");
      if (!all) Accept("DISTINCT");
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Query> right, intersect_only
                                                              ? ParseSetOperand()
                                                              : ParseSetExpression(true));
      auto node = std::make_shared<Query>();
      node->kind = Query::Kind::kSetOp;
      node->set_op = op;
      node->set_all = all;
      node->left = std::move(left);
      node->right = std::move(right);
      node->position = position;
      left = std::move(node);
    }
  }

  arrow::Result<std::shared_ptr<Query>> ParseSetOperand() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kLeftParen) {
      Advance();
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Query> inner, ParseQuery());
      ARROW_RETURN_NOT_OK(
          Expect(TokenKind::kRightParen, "after the parenthesised query"));
      return inner;
    }
    auto query = std::make_shared<Query>();
    query->position = token.position;
    if (Accept("VALUES")) {
      query->kind = Query::Kind::kValues;
      while (true) {
        std::vector<ExprPtr> row;
        if (Accept(TokenKind::kLeftParen)) {
          while (true) {
            ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseExpr());
            row.push_back(std::move(value));
            if (Accept(TokenKind::kComma)) continue;
            ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the VALUES row"));
            break;
          }
        } else {
          ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseExpr());
          row.push_back(std::move(value));
        }
        if (!query->values.empty() && row.size() != query->values.front().size()) {
          return Error(token.position,
                       fmt::format("VALUES rows differ in length: {} and {}",
                                   query->values.front().size(), row.size()));
        }
        query->values.push_back(std::move(row));
        if (!Accept(TokenKind::kComma)) break;
      }
      return query;
    }
    if (!token.IsKeyword("SELECT")) {
      return Error(token.position,
                   fmt::format("expected SELECT, VALUES or '(' but found {}",
                               DescribeToken(token)));
    }
    Advance();
    ARROW_RETURN_NOT_OK(ParseSelectBlock(query->select));
    query->select.position = token.position;
    return query;
  }

  arrow::Status ParseSelectBlock(SelectBlock& block) {
    if (Accept("DISTINCT")) {
      block.distinct = true;
    } else {
      Accept("ALL");
    }
    while (true) {
      SelectItem item;
      item.position = Peek().position;
      if (Accept(TokenKind::kStar)) {
        item.star = true;
      } else if ((Peek().kind == TokenKind::kIdentifier ||
                  Peek().kind == TokenKind::kQuotedIdentifier) &&
                 Peek(1).kind == TokenKind::kDot && Peek(2).kind == TokenKind::kStar) {
        item.star = true;
        item.star_qualifier = Peek().value;
        Advance();
        Advance();
        Advance();
      } else {
        ARROW_ASSIGN_OR_RAISE(item.expr, ParseExpr());
        ARROW_ASSIGN_OR_RAISE(item.alias, ParseAlias());
      }
      block.items.push_back(std::move(item));
      if (!Accept(TokenKind::kComma)) break;
    }
    if (Accept("FROM")) {
      ARROW_ASSIGN_OR_RAISE(block.from, ParseFrom());
    }
    if (Accept("WHERE")) {
      ARROW_ASSIGN_OR_RAISE(block.where, ParseExpr());
    }
    if (Accept("GROUP")) {
      ARROW_RETURN_NOT_OK(Expect("BY", "after GROUP"));
      // Each item is a list of grouping sets; the query's sets are their cross
      // product.
      std::vector<std::vector<std::vector<ExprPtr>>> items;
      bool sets = false;
      while (true) {
        if (Peek().IsKeyword("GROUPING") && Peek(1).IsKeyword("SETS")) {
          Advance();
          Advance();
          ARROW_ASSIGN_OR_RAISE(auto item, ParseGroupingSets());
          items.push_back(std::move(item));
          sets = true;
        } else if ((Peek().IsKeyword("ROLLUP") || Peek().IsKeyword("CUBE")) &&
                   Peek(1).kind == TokenKind::kLeftParen) {
          const bool rollup = Advance().IsKeyword("ROLLUP");
          ARROW_ASSIGN_OR_RAISE(std::vector<ExprPtr> keys, ParseKeyList());
          std::vector<std::vector<ExprPtr>> item;
          if (rollup) {
            for (size_t n = keys.size() + 1; n-- > 0;) {
              item.emplace_back(keys.begin(), keys.begin() + static_cast<long>(n));
            }
          } else {
            // CUBE: every subset, the largest first (bit i set drops key i).
            const size_t count = size_t{1} << keys.size();
            for (size_t mask = 0; mask < count; ++mask) {
              std::vector<ExprPtr> set;
              for (size_t i = 0; i < keys.size(); ++i) {
                if ((mask & (size_t{1} << (keys.size() - 1 - i))) == 0) {
                  set.push_back(keys[i]);
                }
              }
              item.push_back(std::move(set));
            }
          }
          items.push_back(std::move(item));
          sets = true;
        } else {
          ARROW_ASSIGN_OR_RAISE(ExprPtr key, ParseExpr());
          block.group_by.push_back(key);
          items.push_back({{std::move(key)}});
        }
        if (!Accept(TokenKind::kComma)) break;
      }
      if (sets) {
        std::vector<std::vector<ExprPtr>> product = {{}};
        for (const auto& item : items) {
          std::vector<std::vector<ExprPtr>> next;
          for (const auto& prefix : product) {
            for (const auto& set : item) {
              std::vector<ExprPtr> combined = prefix;
              combined.insert(combined.end(), set.begin(), set.end());
              next.push_back(std::move(combined));
            }
          }
          product = std::move(next);
          if (product.size() > 4096) {
            return Error(Peek().position, "too many grouping sets (more than 4096)");
          }
        }
        block.group_by.clear();
        block.grouping_sets = std::move(product);
      }
    }
    if (Accept("HAVING")) {
      ARROW_ASSIGN_OR_RAISE(block.having, ParseExpr());
    }
    if (Accept("WINDOW")) {
      // WINDOW w AS (PARTITION BY … ORDER BY … ROWS …), …
      while (true) {
        ARROW_ASSIGN_OR_RAISE(Identifier name, ParseIdentifier("a window name"));
        ARROW_RETURN_NOT_OK(Expect("AS", "after the window name"));
        ARROW_ASSIGN_OR_RAISE(std::shared_ptr<OverWindow> spec, ParseWindowSpec());
        spec->position = name.position;
        block.windows.emplace_back(std::move(name), std::move(spec));
        if (!Accept(TokenKind::kComma)) break;
      }
    }
    return arrow::Status::OK();
  }

  // `( key, … )`, or `()`.
  arrow::Result<std::vector<ExprPtr>> ParseKeyList() {
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "before the keys"));
    std::vector<ExprPtr> keys;
    if (Accept(TokenKind::kRightParen)) return keys;
    while (true) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr key, ParseExpr());
      keys.push_back(std::move(key));
      if (!Accept(TokenKind::kComma)) break;
    }
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the keys"));
    return keys;
  }

  // `GROUPING SETS ( set, … )` after the keywords: a set is `( key, … )`, `()` or a
  // single key.
  arrow::Result<std::vector<std::vector<ExprPtr>>> ParseGroupingSets() {
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after GROUPING SETS"));
    std::vector<std::vector<ExprPtr>> sets;
    while (true) {
      if (Peek().kind == TokenKind::kLeftParen) {
        ARROW_ASSIGN_OR_RAISE(std::vector<ExprPtr> set, ParseKeyList());
        sets.push_back(std::move(set));
      } else {
        ARROW_ASSIGN_OR_RAISE(ExprPtr key, ParseExpr());
        sets.push_back({std::move(key)});
      }
      if (!Accept(TokenKind::kComma)) break;
    }
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "to close GROUPING SETS"));
    return sets;
  }

  arrow::Result<std::optional<Identifier>> ParseAlias() {
    if (Accept("AS")) {
      ARROW_ASSIGN_OR_RAISE(Identifier alias, ParseIdentifier("an alias after AS"));
      return alias;
    }
    const Token& token = Peek();
    if ((token.kind == TokenKind::kIdentifier && !IsClauseWord(token)) ||
        token.kind == TokenKind::kQuotedIdentifier) {
      return ParseIdentifier("an alias");
    }
    return std::optional<Identifier>();
  }

  arrow::Result<std::shared_ptr<const TableRef>> ParseFrom() {
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<const TableRef> left, ParseTablePrimary());
    while (true) {
      SourcePosition position = Peek().position;
      JoinKind kind;
      bool natural = false;
      if (Accept(TokenKind::kComma)) {
        kind = JoinKind::kCross;
      } else {
        natural = Accept("NATURAL");
        if (Accept("CROSS")) {
          kind = JoinKind::kCross;
        } else if (Accept("INNER")) {
          kind = JoinKind::kInner;
        } else if (Accept("LEFT")) {
          kind = JoinKind::kLeft;
          Accept("OUTER");
        } else if (Accept("RIGHT")) {
          kind = JoinKind::kRight;
          Accept("OUTER");
        } else if (Accept("FULL")) {
          kind = JoinKind::kFull;
          Accept("OUTER");
        } else if (Peek().IsKeyword("JOIN")) {
          kind = JoinKind::kInner;
        } else {
          if (natural) return Error(Peek().position, "expected JOIN after NATURAL");
          return left;
        }
        if (natural) return Error(position, "NATURAL JOIN is not supported; use USING");
        ARROW_RETURN_NOT_OK(Expect("JOIN", "in the join"));
      }
      auto join = std::make_shared<TableRef>();
      join->kind = TableRef::Kind::kJoin;
      join->join = kind;
      join->position = position;
      join->left = std::move(left);
      ARROW_ASSIGN_OR_RAISE(join->right, ParseTablePrimary());
      if (kind != JoinKind::kCross) {
        if (Accept("ON")) {
          ARROW_ASSIGN_OR_RAISE(join->condition, ParseExpr());
        } else if (Accept("USING")) {
          ARROW_ASSIGN_OR_RAISE(join->using_columns, ParseIdentifierList("USING column"));
        } else {
          return Error(Peek().position,
                       fmt::format("expected ON or USING after the joined table but "
                                   "found {}",
                                   DescribeToken(Peek())));
        }
      }
      left = std::move(join);
    }
  }

  arrow::Result<std::shared_ptr<const TableRef>> ParseTablePrimary() {
    auto ref = std::make_shared<TableRef>();
    ref->position = Peek().position;
    struct DepthGuard {
      int& depth;
      explicit DepthGuard(int& d) : depth(++d) {}
      ~DepthGuard() { --depth; }
    } guard(from_depth_);
    if (from_depth_ > kMaxQueryDepth) {
      return Error(ref->position,
                   fmt::format("FROM items are nested too deeply (more than "
                               "{} levels)",
                               kMaxQueryDepth));
    }
    if (Peek().kind == TokenKind::kLeftParen) {
      if (Peek(1).IsKeyword("SELECT") || Peek(1).IsKeyword("WITH") ||
          Peek(1).IsKeyword("VALUES") || Peek(1).kind == TokenKind::kLeftParen) {
        Advance();
        ref->kind = TableRef::Kind::kSubquery;
        ARROW_ASSIGN_OR_RAISE(ref->query, ParseQuery());
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the subquery"));
      } else {
        Advance();
        ARROW_ASSIGN_OR_RAISE(std::shared_ptr<const TableRef> inner, ParseFrom());
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the joined tables"));
        return inner;
      }
    } else if (Peek().IsKeyword("TABLE") && Peek(1).kind == TokenKind::kLeftParen) {
      Advance();
      Advance();
      ARROW_RETURN_NOT_OK(ParseWindowFunction(ref.get()));
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after TABLE(…)"));
    } else if (Peek().IsKeyword("LATERAL") || Peek().IsKeyword("UNNEST")) {
      ARROW_RETURN_NOT_OK(ParseLateral(ref.get()));
    } else {
      ARROW_ASSIGN_OR_RAISE(ref->name, ParseName("a table name"));
      if (Peek().kind == TokenKind::kLeftParen) {
        ref->kind = TableRef::Kind::kFunction;
        Advance();
        ARROW_RETURN_NOT_OK(
            ParseArguments(&ref->args, "after the table function arguments"));
      }
    }
    ARROW_ASSIGN_OR_RAISE(ref->alias, ParseAlias());
    if (ref->alias && Peek().kind == TokenKind::kLeftParen) {
      ARROW_ASSIGN_OR_RAISE(ref->column_aliases, ParseIdentifierList("column alias"));
    }
    return std::shared_ptr<const TableRef>(std::move(ref));
  }

  // A call's arguments after its '(': none, or expressions separated by commas,
  // then ')'.
  arrow::Status ParseArguments(std::vector<ExprPtr>* args, const char* after) {
    if (Accept(TokenKind::kRightParen)) return arrow::Status::OK();
    while (true) {
      ARROW_ASSIGN_OR_RAISE(ExprPtr arg, ParseExpr());
      args->push_back(std::move(arg));
      if (Accept(TokenKind::kComma)) continue;
      return Expect(TokenKind::kRightParen, after);
    }
  }

  // LATERAL TABLE(f(args…)), [LATERAL] UNNEST(expr) [WITH ORDINALITY].
  arrow::Status ParseLateral(TableRef* ref) {
    ref->kind = TableRef::Kind::kLateral;
    const bool lateral = Accept("LATERAL");
    if (Peek().IsKeyword("UNNEST") || Peek().IsKeyword("TABLE") ||
        Peek().kind == TokenKind::kLeftParen) {
      // fine
    } else if (lateral) {
      return Error(Peek().position,
                   fmt::format("expected TABLE(function(…)) or UNNEST(…) after LATERAL "
                               "but found {}",
                               DescribeToken(Peek())));
    }
    const bool wrapped = lateral && Peek().kind == TokenKind::kLeftParen;
    if (wrapped) Advance();  // LATERAL (subquery) is not supported: said below
    if (Peek().IsKeyword("UNNEST")) {
      ref->unnest = true;
      ref->name = {Identifier{"UNNEST", false, Peek().position}};
      Advance();
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after UNNEST"));
      ARROW_RETURN_NOT_OK(ParseArguments(&ref->args, "after the UNNEST argument"));
      if (Accept("WITH")) {
        if (!Accept("ORDINALITY")) {
          return Error(Peek().position, fmt::format("expected ORDINALITY after WITH but "
                                                    "found {}",
                                                    DescribeToken(Peek())));
        }
        ref->with_ordinality = true;
      }
    } else if (!wrapped && Accept("TABLE")) {
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after LATERAL TABLE"));
      ARROW_ASSIGN_OR_RAISE(ref->name, ParseName("a table function"));
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after the table function"));
      ARROW_RETURN_NOT_OK(
          ParseArguments(&ref->args, "after the table function arguments"));
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after LATERAL TABLE(…)"));
    } else {
      return Error(ref->position,
                   "LATERAL subqueries are not supported; use LATERAL TABLE(function(…)) "
                   "or UNNEST(…)");
    }
    if (wrapped) {
      ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after LATERAL (UNNEST(…))"));
    }
    return arrow::Status::OK();
  }

  // TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset]), HOP(…, slide, size [, offset]),
  // CUMULATE(…, step, size [, offset]), SESSION(TABLE t [PARTITION BY k], …, gap);
  // arguments positional or named (`SIZE => INTERVAL …`).
  arrow::Status ParseWindowFunction(TableRef* ref) {
    auto call = std::make_shared<WindowFunctionCall>();
    call->position = Peek().position;
    ARROW_ASSIGN_OR_RAISE(Identifier name, ParseIdentifier("a window function"));
    call->function = common::ToUpperAscii(name.name);
    std::vector<std::string> positions;
    if (call->function == "TUMBLE") {
      positions = {"SIZE", "OFFSET"};
    } else if (call->function == "HOP") {
      positions = {"SLIDE", "SIZE", "OFFSET"};
    } else if (call->function == "CUMULATE") {
      positions = {"STEP", "SIZE", "OFFSET"};
    } else if (call->function == "SESSION") {
      positions = {"GAP"};
    } else {
      return Error(name.position,
                   fmt::format("unknown window function '{}': expected TUMBLE, HOP, "
                               "CUMULATE or SESSION",
                               name.name));
    }
    ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after the window function"));
    bool has_data = false, has_time = false;
    size_t next_interval = 0;
    while (true) {
      // Named argument: NAME => value.
      std::string arg_name;
      if (Peek().kind == TokenKind::kIdentifier && Peek(1).kind == TokenKind::kEqual &&
          Peek(2).kind == TokenKind::kGreater) {
        arg_name = common::ToUpperAscii(Peek().text);
        Advance();
        Advance();
        Advance();
      }
      if (Accept("TABLE")) {
        if (has_data) return Error(Peek().position, "the window function has two tables");
        if (!arg_name.empty() && arg_name != "DATA") {
          return Error(Peek().position,
                       fmt::format("TABLE is the DATA argument, not {}", arg_name));
        }
        auto data = std::make_shared<TableRef>();
        data->position = Peek().position;
        ARROW_ASSIGN_OR_RAISE(data->name, ParseName("a table name"));
        if (Accept("PARTITION")) {
          ARROW_RETURN_NOT_OK(Expect("BY", "after PARTITION"));
          while (true) {
            ARROW_ASSIGN_OR_RAISE(Identifier key, ParseIdentifier("a partition column"));
            call->partition_by.push_back(std::move(key));
            if (!(Peek().kind == TokenKind::kComma && !Peek(1).IsKeyword("DESCRIPTOR") &&
                  !(Peek(2).kind == TokenKind::kEqual))) {
              break;
            }
            Advance();
          }
        }
        ref->left = std::move(data);
        has_data = true;
      } else if (Accept("DESCRIPTOR")) {
        if (!arg_name.empty() && arg_name != "TIMECOL") {
          return Error(
              Peek().position,
              fmt::format("DESCRIPTOR is the TIMECOL argument, not {}", arg_name));
        }
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kLeftParen, "after DESCRIPTOR"));
        ARROW_ASSIGN_OR_RAISE(call->time_column, ParseIdentifier("a time column"));
        ARROW_RETURN_NOT_OK(Expect(TokenKind::kRightParen, "after the time column"));
        has_time = true;
      } else {
        const SourcePosition at = Peek().position;
        ARROW_ASSIGN_OR_RAISE(ExprPtr value, ParseExpr());
        if (arg_name.empty()) {
          if (next_interval >= positions.size()) {
            return Error(at, fmt::format("too many arguments for {}", call->function));
          }
          arg_name = positions[next_interval++];
        } else if (std::find(positions.begin(), positions.end(), arg_name) ==
                   positions.end()) {
          return Error(at,
                       fmt::format("{} has no argument {}", call->function, arg_name));
        }
        call->intervals.emplace_back(arg_name, std::move(value));
      }
      if (Accept(TokenKind::kComma)) continue;
      ARROW_RETURN_NOT_OK(
          Expect(TokenKind::kRightParen, "after the window function arguments"));
      break;
    }
    if (!has_data || !has_time) {
      return Error(call->position,
                   fmt::format("{} needs TABLE t and DESCRIPTOR(time column) arguments",
                               call->function));
    }
    ref->kind = TableRef::Kind::kWindow;
    ref->name = {name};
    ref->window = std::move(call);
    return arrow::Status::OK();
  }

  static constexpr int kMaxQueryDepth = 200;

  std::shared_ptr<const std::string> script_;
  std::string_view source_;
  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int query_depth_ = 0;
  int from_depth_ = 0;
};

}  // namespace

arrow::Result<std::vector<StatementPtr>> ParseScript(std::string_view script) {
  auto text = std::make_shared<const std::string>(script);
  ARROW_ASSIGN_OR_RAISE(std::vector<Token> tokens, Tokenize(*text));
  StatementParser parser(text, tokens);
  return parser.ParseAll();
}

arrow::Result<StatementPtr> ParseStatement(std::string_view text) {
  ARROW_ASSIGN_OR_RAISE(std::vector<StatementPtr> statements, ParseScript(text));
  if (statements.size() != 1) {
    return arrow::Status::Invalid(
        fmt::format("expected exactly one statement but found {}", statements.size()));
  }
  return statements.front();
}

namespace {

// The words of `text` in upper case (comments and quoted text not split out: only
// the statement's first words and its last word matter here).
std::vector<std::string> UpperWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Whether `text` (a statement so far, before a ';') opens a statement set whose END
// has not come yet.
bool OpenStatementSet(std::string_view text) {
  const std::vector<std::string> words = UpperWords(text);
  const bool execute = words.size() >= 4 && words[0] == "EXECUTE" &&
                       words[1] == "STATEMENT" && words[2] == "SET" &&
                       words[3] == "BEGIN";
  const bool legacy = words.size() >= 3 && words[0] == "BEGIN" &&
                      words[1] == "STATEMENT" && words[2] == "SET";
  return (execute || legacy) && words.back() != "END";
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view script, bool* complete) {
  std::vector<std::string> out;
  std::string current;
  bool meaningful = false;  // current holds more than whitespace and comments
  size_t i = 0;
  auto flush = [&]() {
    if (meaningful) out.push_back(current);
    current.clear();
    meaningful = false;
  };
  while (i < script.size()) {
    char c = script[i];
    if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
      size_t end = script.find('\n', i);
      if (end == std::string_view::npos) end = script.size();
      current.append(script.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < script.size() && script[i + 1] == '*') {
      size_t end = script.find("*/", i + 2);
      end = end == std::string_view::npos ? script.size() : end + 2;
      current.append(script.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < script.size()) {
        if (script[j] == c) {
          if (j + 1 < script.size() && script[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      size_t end = j < script.size() ? j + 1 : script.size();
      current.append(script.substr(i, end - i));
      meaningful = true;
      i = end;
      continue;
    }
    if (c == ';') {
      if (OpenStatementSet(current)) {
        // Inside BEGIN … END of a statement set: the INSERTs' ';' belong to it.
        current += c;
        ++i;
        continue;
      }
      flush();
      ++i;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') meaningful = true;
    current += c;
    ++i;
  }
  if (complete != nullptr) *complete = !meaningful;
  return out;
}

}  // namespace weir::sql
