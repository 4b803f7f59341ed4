#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

struct Query;
struct TableRef;

/// One item of a SELECT list: an expression with an optional alias, or `*` / `t.*`.
struct SelectItem {
  /// The expression (null for a star).
  ExprPtr expr;
  /// The alias after AS, if any.
  std::optional<Identifier> alias;
  /// True for `*` and `t.*`.
  bool star = false;
  /// The qualifier of `t.*` (empty for a bare `*`).
  std::string star_qualifier;
  /// Where the item starts.
  SourcePosition position;
};

/// Join kinds written in FROM.
enum class JoinKind { kInner, kLeft, kRight, kFull, kCross };

/// A windowing table-valued function in FROM: `TABLE(TUMBLE(TABLE t,
/// DESCRIPTOR(ts), INTERVAL '10' MINUTES))`, also with named arguments (`DATA =>`,
/// `TIMECOL =>`, `SIZE =>`, `SLIDE =>`, `STEP =>`, `OFFSET =>`, `GAP =>`).
struct WindowFunctionCall {
  /// TUMBLE, HOP, CUMULATE or SESSION, upper case.
  std::string function;
  /// The DESCRIPTOR's time column.
  Identifier time_column;
  /// SESSION's PARTITION BY columns.
  std::vector<Identifier> partition_by;
  /// The interval arguments by name (SIZE, SLIDE, STEP, OFFSET, GAP), upper case;
  /// positional ones get the name of their position.
  std::vector<std::pair<std::string, ExprPtr>> intervals;
  /// Where the function name is.
  SourcePosition position;
  /// Written as a legacy group window, `GROUP BY SESSION(ts, gap)`.
  bool group_window = false;
};

/// A FROM item: a named table or view, a subquery, a table function, a windowing
/// table function, a join, or a lateral table function (`LATERAL TABLE(f(x))`,
/// `UNNEST(arr) [WITH ORDINALITY]`).
struct TableRef {
  /// Distinguishes the alternatives.
  enum class Kind { kNamed, kSubquery, kFunction, kJoin, kWindow, kLateral };
  Kind kind = Kind::kNamed;
  /// kNamed: the (possibly dotted) name; kFunction, kLateral: the function name
  /// (UNNEST for UNNEST).
  std::vector<Identifier> name;
  /// kFunction, kLateral: the arguments.
  std::vector<ExprPtr> args;
  /// kLateral: UNNEST(…) rather than LATERAL TABLE(f(…)).
  bool unnest = false;
  /// kLateral: UNNEST(…) WITH ORDINALITY.
  bool with_ordinality = false;
  /// kSubquery: the query.
  std::shared_ptr<const Query> query;
  /// kJoin: the sides, kind and ON condition (null for CROSS JOIN / USING); kWindow:
  /// the windowed table in `left`.
  std::shared_ptr<const TableRef> left, right;
  /// kWindow: the call.
  std::shared_ptr<const WindowFunctionCall> window;
  JoinKind join = JoinKind::kInner;
  ExprPtr condition;
  /// kJoin with USING (cols).
  std::vector<Identifier> using_columns;
  /// The alias, if any (required for subqueries by Flink; optional here).
  std::optional<Identifier> alias;
  /// Column names after the alias: `AS t(a, b)`.
  std::vector<Identifier> column_aliases;
  /// Where it starts.
  SourcePosition position;
};

/// One ORDER BY key.
struct OrderItem {
  ExprPtr expr;
  bool descending = false;
  /// NULLS FIRST / LAST as written; unset means Flink's default (first for ASC,
  /// last for DESC).
  std::optional<bool> nulls_first;
};

/// SELECT … FROM … WHERE … GROUP BY … HAVING ….
struct SelectBlock {
  bool distinct = false;
  std::vector<SelectItem> items;
  std::shared_ptr<const TableRef> from;  // null: SELECT without FROM
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  /// GROUP BY with GROUPING SETS, ROLLUP or CUBE: every grouping set, expanded (the
  /// cross product of the GROUP BY items; a plain key is in every set). Empty for a
  /// plain GROUP BY (then `group_by` holds the keys).
  std::vector<std::vector<ExprPtr>> grouping_sets;
  ExprPtr having;
  /// WINDOW w AS (…), …: named windows OVER w refers to.
  std::vector<std::pair<Identifier, std::shared_ptr<const OverWindow>>> windows;
  SourcePosition position;
};

/// Set operations between queries.
enum class SetOpKind { kUnion, kIntersect, kExcept };

/// A common table expression: `name [(cols)] AS (query)`.
struct CommonTable {
  Identifier name;
  std::vector<Identifier> columns;
  std::shared_ptr<const Query> query;
};

/// A query: a SELECT block, VALUES rows or a set operation, with WITH, ORDER BY,
/// LIMIT and OFFSET around it.
struct Query {
  /// Distinguishes the body.
  enum class Kind { kSelect, kValues, kSetOp };
  Kind kind = Kind::kSelect;
  /// kSelect.
  SelectBlock select;
  /// kValues: rows of expressions.
  std::vector<std::vector<ExprPtr>> values;
  /// kSetOp.
  SetOpKind set_op = SetOpKind::kUnion;
  bool set_all = false;
  std::shared_ptr<const Query> left, right;
  /// WITH … (outermost first).
  std::vector<CommonTable> with;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  int64_t offset = 0;
  /// Where it starts.
  SourcePosition position;
};

/// A column of CREATE TABLE: physical (`name TYPE`) or computed (`name AS expr`),
/// or a metadata column (`name TYPE METADATA [FROM 'key'] [VIRTUAL]`).
struct ColumnDefinition {
  Identifier name;
  std::optional<TypeSpec> type;
  ExprPtr computed;  // set for computed columns
  bool metadata = false;
  std::string metadata_key;
  bool is_virtual = false;  // METADATA … VIRTUAL: read only
  std::optional<std::string> comment;
};

/// Statement kinds.
enum class StatementKind {
  kQuery,
  kInsert,
  kCreateTable,
  kCreateView,
  kDrop,
  kShowTables,
  kShowViews,
  kShowFunctions,
  /// SHOW CATALOGS, SHOW DATABASES, SHOW CURRENT CATALOG, SHOW CURRENT DATABASE.
  kShowCatalogs,
  kShowDatabases,
  kShowCurrentCatalog,
  kShowCurrentDatabase,
  /// SHOW CREATE TABLE name (also SHOW CREATE VIEW).
  kShowCreateTable,
  kDescribe,
  kExplain,
  kSet,
  kReset,
  /// EXECUTE STATEMENT SET BEGIN INSERT …; … END (or the SQL client's BEGIN
  /// STATEMENT SET; … END;): INSERTs run as one job.
  kStatementSet,
};

/// One parsed statement. Fields are used according to `kind`.
struct Statement {
  StatementKind kind = StatementKind::kQuery;
  /// The statement's own text (without the trailing ';').
  std::string text;
  /// The whole script the statement came from; every position refers to it.
  std::shared_ptr<const std::string> script;
  /// Where it starts in the script.
  SourcePosition position;

  /// kQuery, kInsert, kCreateView: the query.
  std::shared_ptr<const Query> query;

  /// kInsert, kCreateTable, kCreateView, kDrop, kDescribe: the object name.
  std::vector<Identifier> name;
  /// kInsert: INSERT OVERWRITE.
  bool overwrite = false;
  /// kInsert: static partition values of `PARTITION (k = v, …)`.
  std::vector<std::pair<Identifier, ExprPtr>> partition_values;
  /// kInsert: the target column list, if written.
  std::vector<Identifier> target_columns;

  /// kCreateTable / kCreateView / kDrop flags.
  bool if_not_exists = false;
  bool if_exists = false;
  bool temporary = false;
  /// kDrop: true for DROP VIEW.
  bool is_view = false;
  /// kCreateTable.
  std::vector<ColumnDefinition> columns;
  std::optional<Identifier> watermark_column;
  ExprPtr watermark_expr;
  std::vector<Identifier> primary_key;
  std::vector<Identifier> partitioned_by;
  std::vector<std::pair<std::string, std::string>> options;
  std::optional<std::string> comment;
  /// kCreateView: the view's column names, if written.
  std::vector<Identifier> view_columns;

  /// kExplain: the explained statement.
  std::shared_ptr<const Statement> explained;
  /// kStatementSet: its INSERT statements, in order.
  std::vector<std::shared_ptr<const Statement>> inserts;
  /// kExplain: the details asked for (ESTIMATED_COST, CHANGELOG_MODE, …), upper case.
  std::vector<std::string> explain_details;

  /// kSet / kReset: key (empty: all) and value.
  std::string key;
  std::string value;
};

/// Shared handle to a parsed statement.
using StatementPtr = std::shared_ptr<const Statement>;

}  // namespace weir::sql
