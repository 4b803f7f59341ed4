#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "weir/sql/parse/temporal_literal.h"
#include "weir/sql/parse/token.h"

namespace weir::sql {

/// Limits the height of an expression tree and the parser's recursion, so deeply
/// nested or very long operator chains give an error instead of exhausting the stack
/// in the parser, the binder or Arrow's recursive expression passes.
inline constexpr int kMaxExpressionDepth = 1000;

/// Distinguishes the expression node classes.
enum class ExprKind {
  kLiteral,
  kColumnRef,
  kUnary,
  kBinary,
  kIs,
  kIn,
  kBetween,
  kLike,
  kCast,
  kFunctionCall,
  kCase,
  kSubquery,
  kIndex,
};

/// Base of the immutable expression AST. Every node records the position of the
/// token that defines it (the operator for operators, the first token otherwise)
/// and its height, so consumers can bound their own recursion.
class Expr {
 public:
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  /// Returns the node class.
  ExprKind kind() const { return kind_; }
  /// Returns the position of the defining token.
  const SourcePosition& position() const { return position_; }
  /// Returns the height of the tree rooted here (1 for a leaf).
  int height() const { return height_; }
  /// Renders the expression as fully parenthesised SQL, e.g. "((a + 1) > 2)".
  virtual std::string ToString() const = 0;

 protected:
  Expr(ExprKind kind, SourcePosition position, int height)
      : kind_(kind), position_(position), height_(height) {}

 private:
  ExprKind kind_;
  SourcePosition position_;
  int height_;
};

/// Shared handle to an immutable expression node.
using ExprPtr = std::shared_ptr<const Expr>;

/// Returns the position of the leftmost token of `expr`, e.g. of `a` in `a + 1`.
SourcePosition StartPosition(const Expr& expr);

/// Names an identifier as written, with its position.
struct Identifier {
  /// The name (unescaped for quoted identifiers).
  std::string name;
  /// Whether it was written in backquotes (then it matches case-sensitively only).
  bool quoted = false;
  /// Where it starts.
  SourcePosition position;
};

/// Classifies literals.
enum class LiteralKind {
  kNull,
  kBoolean,
  kInteger,        // INT, or BIGINT when it does not fit
  kExactNumeric,   // 1.5: DECIMAL(2, 1) (the value holds a double, the text is exact)
  kApproxNumeric,  // 1e3: DOUBLE
  kString,
  kBinary,         // X'0AFF': BINARY(n), the value holds the bytes, the text X'0AFF'
  kDate,           // DATE '2024-01-31'
  kTimestamp,      // TIMESTAMP '2024-01-31 12:00:00'
  kInterval,       // INTERVAL '5' MINUTE: int64 microseconds
  kMonthInterval,  // INTERVAL '1' YEAR, INTERVAL '3' MONTH: int64 months
  kSymbol,         // a time unit keyword argument, e.g. HOUR in FLOOR(ts TO HOUR)
};

/// Holds a constant.
class LiteralExpr : public Expr {
 public:
  /// Holds the value; which alternative is set follows the literal kind.
  using Value = std::variant<std::monostate, bool, int64_t, double, std::string,
                             int32_t /* date: days since epoch */, TimestampValue>;

  /// Creates a literal; `text` is the source spelling used for messages and
  /// exact numeric conversions.
  LiteralExpr(SourcePosition position, LiteralKind literal_kind, Value value,
              std::string text);

  /// Returns the literal class.
  LiteralKind literal_kind() const { return literal_kind_; }
  /// Returns the value.
  const Value& value() const { return value_; }
  /// Returns the source spelling, e.g. "1.50" or "it's" (unescaped for strings).
  const std::string& text() const { return text_; }
  std::string ToString() const override;

 private:
  LiteralKind literal_kind_;
  Value value_;
  std::string text_;
};

/// References a column, or a nested struct field through a dotted path (a.b.c).
class ColumnRefExpr : public Expr {
 public:
  /// Creates a reference from a non-empty path.
  explicit ColumnRefExpr(std::vector<Identifier> path);
  /// Returns the path components, outermost first.
  const std::vector<Identifier>& path() const { return path_; }
  /// Returns the path joined with dots, e.g. "a.b".
  std::string DottedName() const;
  std::string ToString() const override;

 private:
  std::vector<Identifier> path_;
};

/// Lists prefix operators.
enum class UnaryOp { kNot, kNegate, kPlus };

/// Applies a prefix operator.
class UnaryExpr : public Expr {
 public:
  /// Creates `op operand`; `position` is the operator's.
  UnaryExpr(SourcePosition position, UnaryOp op, ExprPtr operand);
  /// Returns the operator.
  UnaryOp op() const { return op_; }
  /// Returns the operand.
  const ExprPtr& operand() const { return operand_; }
  std::string ToString() const override;

 private:
  UnaryOp op_;
  ExprPtr operand_;
};

/// Lists infix operators.
enum class BinaryOp {
  kOr,
  kAnd,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kConcat,
};

/// Returns the SQL spelling of an operator, e.g. "<>" or "AND".
std::string_view BinaryOpSymbol(BinaryOp op);

/// Returns true for =, <>, <, <=, >, >=.
bool IsComparison(BinaryOp op);

/// Returns the comparison that holds with the operands swapped: < for >, <= for >=,
/// and = and <> unchanged.
BinaryOp MirrorComparison(BinaryOp op);

/// Applies an infix operator.
class BinaryExpr : public Expr {
 public:
  /// Creates `left op right`; `position` is the operator's.
  BinaryExpr(SourcePosition position, BinaryOp op, ExprPtr left, ExprPtr right);
  /// Returns the operator.
  BinaryOp op() const { return op_; }
  /// Returns the left operand.
  const ExprPtr& left() const { return left_; }
  /// Returns the right operand.
  const ExprPtr& right() const { return right_; }
  std::string ToString() const override;

 private:
  BinaryOp op_;
  ExprPtr left_;
  ExprPtr right_;
};

/// Lists what IS [NOT] tests for.
enum class IsTest { kNull, kTrue, kFalse, kUnknown };

/// Tests `operand IS [NOT] NULL|TRUE|FALSE|UNKNOWN`.
class IsExpr : public Expr {
 public:
  /// Creates the test; `position` is that of IS.
  IsExpr(SourcePosition position, ExprPtr operand, IsTest test, bool negated);
  /// Returns the tested expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns what is tested for.
  IsTest test() const { return test_; }
  /// Returns true for IS NOT.
  bool negated() const { return negated_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  IsTest test_;
  bool negated_;
};

/// Tests `operand [NOT] IN (list...)`.
class InExpr : public Expr {
 public:
  /// Creates the test from a non-empty list; `position` is that of IN (or NOT).
  InExpr(SourcePosition position, ExprPtr operand, std::vector<ExprPtr> list,
         bool negated);
  /// Returns the tested expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the candidate values.
  const std::vector<ExprPtr>& list() const { return list_; }
  /// Returns true for NOT IN.
  bool negated() const { return negated_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  std::vector<ExprPtr> list_;
  bool negated_;
};

/// Tests `operand [NOT] BETWEEN low AND high` (bounds inclusive).
class BetweenExpr : public Expr {
 public:
  /// Creates the test; `position` is that of BETWEEN (or NOT).
  BetweenExpr(SourcePosition position, ExprPtr operand, ExprPtr low, ExprPtr high,
              bool negated);
  /// Returns the tested expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the lower bound.
  const ExprPtr& low() const { return low_; }
  /// Returns the upper bound.
  const ExprPtr& high() const { return high_; }
  /// Returns true for NOT BETWEEN.
  bool negated() const { return negated_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  ExprPtr low_;
  ExprPtr high_;
  bool negated_;
};

/// Tests `operand [NOT] LIKE pattern [ESCAPE escape]`.
class LikeExpr : public Expr {
 public:
  /// Creates the test; `escape` may be null; `position` is that of LIKE (or NOT).
  LikeExpr(SourcePosition position, ExprPtr operand, ExprPtr pattern, ExprPtr escape,
           bool negated);
  /// Returns the tested expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the pattern.
  const ExprPtr& pattern() const { return pattern_; }
  /// Returns the escape character expression, or null.
  const ExprPtr& escape() const { return escape_; }
  /// Returns true for NOT LIKE.
  bool negated() const { return negated_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  ExprPtr pattern_;
  ExprPtr escape_;
  bool negated_;
};

/// Describes a SQL type as written in CAST or CREATE TABLE, e.g. DECIMAL(10, 2) or
/// ROW<a INT, b ARRAY<STRING>>.
struct TypeSpec {
  /// Upper-cased type name, e.g. "DECIMAL" or "TIMESTAMP_LTZ".
  std::string name;
  /// Parenthesised parameters, e.g. {10, 2}.
  std::vector<int64_t> params;
  /// Element types: one for ARRAY, key and value for MAP, the fields of a ROW.
  std::vector<TypeSpec> children;
  /// Field names of a ROW, parallel to `children`.
  std::vector<std::string> field_names;
  /// Whether NOT NULL followed the type.
  bool not_null = false;
  /// Whether WITH LOCAL TIME ZONE followed a TIMESTAMP.
  bool with_local_time_zone = false;
  /// Where the type name starts.
  SourcePosition position;

  /// Renders the type as SQL, e.g. "DECIMAL(10, 2)".
  std::string ToString() const;
};

/// Converts `CAST(operand AS type)`.
class CastExpr : public Expr {
 public:
  /// Creates the cast; `position` is that of CAST. TRY_CAST gives NULL for values
  /// that do not convert instead of failing.
  CastExpr(SourcePosition position, ExprPtr operand, TypeSpec type,
           bool try_cast = false);
  /// Returns the converted expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the target type.
  const TypeSpec& type() const { return type_; }
  /// Returns true for TRY_CAST.
  bool try_cast() const { return try_cast_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  TypeSpec type_;
  bool try_cast_;
};

/// One key of an OVER window's ORDER BY.
struct WindowOrderKey {
  ExprPtr expr;
  bool descending = false;
  /// NULLS FIRST / LAST as written; unset means Flink's default (first for ASC,
  /// last for DESC).
  std::optional<bool> nulls_first;
};

/// One end of a window frame: `UNBOUNDED PRECEDING`, `n PRECEDING`, `CURRENT ROW`,
/// `n FOLLOWING` or `UNBOUNDED FOLLOWING`.
struct FrameBound {
  /// Distinguishes the bounds.
  enum class Kind {
    kUnboundedPreceding,
    kPreceding,
    kCurrentRow,
    kFollowing,
    kUnboundedFollowing
  };
  Kind kind = Kind::kCurrentRow;
  /// kPreceding / kFollowing: the row count or range (an integer or an INTERVAL).
  ExprPtr offset;
  /// Where the bound starts.
  SourcePosition position;
  /// Returns the SQL text, e.g. "2 PRECEDING".
  std::string ToString() const;
};

/// The window of `f(…) OVER (…)`, or of a `WINDOW w AS (…)` clause: `[base]
/// [PARTITION BY …] [ORDER BY …] [ROWS|RANGE BETWEEN … AND …]`.
struct OverWindow {
  /// `OVER w`, or `OVER (w …)`: the named window this one refers to or extends.
  std::optional<Identifier> reference;
  std::vector<ExprPtr> partition_by;
  std::vector<WindowOrderKey> order_by;
  /// Whether a frame (ROWS or RANGE) is written.
  bool has_frame = false;
  /// ROWS (true) or RANGE (false).
  bool rows = false;
  FrameBound start, end;
  /// Where OVER (or the WINDOW clause's name) is.
  SourcePosition position;
  /// Returns the SQL text inside the parentheses.
  std::string ToString() const;
};

/// Calls a scalar or aggregate function by name.
class FunctionCallExpr : public Expr {
 public:
  /// Creates `name(args...)`, `name(DISTINCT args...)` or `name(*)`; the position is
  /// that of the name.
  FunctionCallExpr(Identifier name, std::vector<ExprPtr> args, bool distinct = false,
                   bool star = false);
  /// Returns the function name as written.
  const Identifier& name() const { return name_; }
  /// Returns the arguments.
  const std::vector<ExprPtr>& args() const { return args_; }
  /// Returns true for `name(DISTINCT …)`.
  bool distinct() const { return distinct_; }
  /// Returns true for `name(*)`.
  bool star() const { return star_; }
  /// Returns the condition of `agg(…) FILTER (WHERE condition)`, or null.
  const ExprPtr& filter() const { return filter_; }
  /// Sets the FILTER condition (the parser, before the node is shared).
  void set_filter(ExprPtr filter) { filter_ = std::move(filter); }
  /// Returns the window of `f(…) OVER (…)`, or null for a plain call.
  const std::shared_ptr<const OverWindow>& over() const { return over_; }
  /// Sets the OVER window (the parser, before the node is shared).
  void set_over(std::shared_ptr<const OverWindow> over) { over_ = std::move(over); }
  std::string ToString() const override;

 private:
  Identifier name_;
  std::vector<ExprPtr> args_;
  bool distinct_;
  bool star_;
  ExprPtr filter_;
  std::shared_ptr<const OverWindow> over_;
};

/// `CASE [operand] WHEN a THEN x … [ELSE y] END`.
class CaseExpr : public Expr {
 public:
  /// One WHEN … THEN … arm.
  struct Arm {
    ExprPtr when;
    ExprPtr then;
  };
  /// Creates the expression; `operand` and `otherwise` may be null.
  CaseExpr(SourcePosition position, ExprPtr operand, std::vector<Arm> arms,
           ExprPtr otherwise);
  /// Returns the simple CASE operand, or null for a searched CASE.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the arms in order.
  const std::vector<Arm>& arms() const { return arms_; }
  /// Returns the ELSE value, or null (NULL).
  const ExprPtr& otherwise() const { return otherwise_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  std::vector<Arm> arms_;
  ExprPtr otherwise_;
};

struct Query;

/// A subquery used as a value: scalar `(SELECT …)`, `EXISTS (SELECT …)` or
/// `x [NOT] IN (SELECT …)`.
class SubqueryExpr : public Expr {
 public:
  /// Distinguishes the three uses.
  enum class Use { kScalar, kExists, kIn };
  /// Creates the node; `operand` is set for kIn only; `negated` for NOT IN/NOT EXISTS.
  SubqueryExpr(SourcePosition position, Use use, std::shared_ptr<const Query> query,
               ExprPtr operand, bool negated, std::string text);
  /// Returns how the subquery is used.
  Use use() const { return use_; }
  /// Returns the subquery.
  const std::shared_ptr<const Query>& query() const { return query_; }
  /// Returns the tested value of IN, else null.
  const ExprPtr& operand() const { return operand_; }
  /// Returns true for NOT IN and NOT EXISTS.
  bool negated() const { return negated_; }
  std::string ToString() const override;

 private:
  Use use_;
  std::shared_ptr<const Query> query_;
  ExprPtr operand_;
  bool negated_;
  std::string text_;
};

/// `base[index]`: an array element (1-based) or a map value by key.
class IndexExpr : public Expr {
 public:
  /// Creates the access; `position` is that of '['.
  IndexExpr(SourcePosition position, ExprPtr base, ExprPtr index);
  /// Returns the indexed value.
  const ExprPtr& base() const { return base_; }
  /// Returns the index or key.
  const ExprPtr& index() const { return index_; }
  std::string ToString() const override;

 private:
  ExprPtr base_;
  ExprPtr index_;
};

}  // namespace weir::sql
