#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "weir/sql/temporal_literal.h"
#include "weir/sql/token.h"

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
  kInteger,        // BIGINT
  kExactNumeric,   // 1.5: a DOUBLE that keeps its text for exact DECIMAL coercion
  kApproxNumeric,  // 1e3: DOUBLE
  kString,
  kDate,       // DATE '2024-01-31'
  kTimestamp,  // TIMESTAMP '2024-01-31 12:00:00'
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

/// Describes a SQL type as written in CAST, e.g. DECIMAL(10, 2).
struct TypeSpec {
  /// Upper-cased type name, e.g. "DECIMAL" or "TIMESTAMP_LTZ".
  std::string name;
  /// Parenthesised parameters, e.g. {10, 2}.
  std::vector<int64_t> params;
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
  /// Creates the cast; `position` is that of CAST.
  CastExpr(SourcePosition position, ExprPtr operand, TypeSpec type);
  /// Returns the converted expression.
  const ExprPtr& operand() const { return operand_; }
  /// Returns the target type.
  const TypeSpec& type() const { return type_; }
  std::string ToString() const override;

 private:
  ExprPtr operand_;
  TypeSpec type_;
};

/// Calls a scalar function by name.
class FunctionCallExpr : public Expr {
 public:
  /// Creates `name(args...)`; the position is that of the name.
  FunctionCallExpr(Identifier name, std::vector<ExprPtr> args);
  /// Returns the function name as written.
  const Identifier& name() const { return name_; }
  /// Returns the arguments.
  const std::vector<ExprPtr>& args() const { return args_; }
  std::string ToString() const override;

 private:
  Identifier name_;
  std::vector<ExprPtr> args_;
};

}  // namespace weir::sql
