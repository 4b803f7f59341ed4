#include "weir/sql/parse/ast.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace weir::sql {
namespace {

int HeightOf(std::initializer_list<const ExprPtr*> children) {
  int height = 0;
  for (const ExprPtr* child : children) {
    if (*child) height = std::max(height, (*child)->height());
  }
  return height + 1;
}

int HeightOf(const ExprPtr& first, const std::vector<ExprPtr>& rest) {
  int height = first ? first->height() : 0;
  for (const ExprPtr& child : rest) height = std::max(height, child->height());
  return height + 1;
}

std::string QuoteIdentifier(const Identifier& id) {
  if (!id.quoted) return id.name;
  std::string out = "`";
  for (char c : id.name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string JoinArgs(const std::vector<ExprPtr>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += args[i]->ToString();
  }
  return out;
}

std::string_view NotPrefix(bool negated) { return negated ? "NOT " : ""; }

}  // namespace

SourcePosition StartPosition(const Expr& expr) {
  // Iterative so that it is safe on any tree the parser accepts.
  const Expr* node = &expr;
  while (true) {
    const Expr* next = nullptr;
    switch (node->kind()) {
      case ExprKind::kBinary:
        next = static_cast<const BinaryExpr*>(node)->left().get();
        break;
      case ExprKind::kIs:
        next = static_cast<const IsExpr*>(node)->operand().get();
        break;
      case ExprKind::kIn:
        next = static_cast<const InExpr*>(node)->operand().get();
        break;
      case ExprKind::kBetween:
        next = static_cast<const BetweenExpr*>(node)->operand().get();
        break;
      case ExprKind::kLike:
        next = static_cast<const LikeExpr*>(node)->operand().get();
        break;
      case ExprKind::kIndex:
        next = static_cast<const IndexExpr*>(node)->base().get();
        break;
      case ExprKind::kSubquery:
        next = static_cast<const SubqueryExpr*>(node)->operand().get();
        break;
      default:
        break;
    }
    if (next == nullptr) return node->position();
    node = next;
  }
}

LiteralExpr::LiteralExpr(SourcePosition position, LiteralKind literal_kind, Value value,
                         std::string text)
    : Expr(ExprKind::kLiteral, position, 1),
      literal_kind_(literal_kind),
      value_(std::move(value)),
      text_(std::move(text)) {}

std::string LiteralExpr::ToString() const {
  switch (literal_kind_) {
    case LiteralKind::kNull:
      return "NULL";
    case LiteralKind::kBoolean:
      return std::get<bool>(value_) ? "TRUE" : "FALSE";
    case LiteralKind::kString:
      return QuoteString(text_);
    case LiteralKind::kDate:
      return "DATE " + QuoteString(text_);
    case LiteralKind::kTimestamp:
      return "TIMESTAMP " + QuoteString(text_);
    default:
      return text_;
  }
}

ColumnRefExpr::ColumnRefExpr(std::vector<Identifier> path)
    : Expr(ExprKind::kColumnRef, path.front().position, 1), path_(std::move(path)) {}

std::string ColumnRefExpr::DottedName() const {
  std::string out;
  for (size_t i = 0; i < path_.size(); ++i) {
    if (i > 0) out += '.';
    out += path_[i].name;
  }
  return out;
}

std::string ColumnRefExpr::ToString() const {
  std::string out;
  for (size_t i = 0; i < path_.size(); ++i) {
    if (i > 0) out += '.';
    out += QuoteIdentifier(path_[i]);
  }
  return out;
}

UnaryExpr::UnaryExpr(SourcePosition position, UnaryOp op, ExprPtr operand)
    : Expr(ExprKind::kUnary, position, HeightOf({&operand})),
      op_(op),
      operand_(std::move(operand)) {}

std::string UnaryExpr::ToString() const {
  std::string_view op = op_ == UnaryOp::kNot      ? "NOT "
                        : op_ == UnaryOp::kNegate ? "-"
                                                  : "+";
  return fmt::format("({}{})", op, operand_->ToString());
}

std::string_view BinaryOpSymbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "OR";
    case BinaryOp::kAnd:
      return "AND";
    case BinaryOp::kEqual:
      return "=";
    case BinaryOp::kNotEqual:
      return "<>";
    case BinaryOp::kLess:
      return "<";
    case BinaryOp::kLessEqual:
      return "<=";
    case BinaryOp::kGreater:
      return ">";
    case BinaryOp::kGreaterEqual:
      return ">=";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSubtract:
      return "-";
    case BinaryOp::kMultiply:
      return "*";
    case BinaryOp::kDivide:
      return "/";
    case BinaryOp::kModulo:
      return "%";
    case BinaryOp::kConcat:
      return "||";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEqual || op == BinaryOp::kNotEqual || op == BinaryOp::kLess ||
         op == BinaryOp::kLessEqual || op == BinaryOp::kGreater ||
         op == BinaryOp::kGreaterEqual;
}

BinaryOp MirrorComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kLess:
      return BinaryOp::kGreater;
    case BinaryOp::kLessEqual:
      return BinaryOp::kGreaterEqual;
    case BinaryOp::kGreater:
      return BinaryOp::kLess;
    case BinaryOp::kGreaterEqual:
      return BinaryOp::kLessEqual;
    default:
      return op;
  }
}

BinaryExpr::BinaryExpr(SourcePosition position, BinaryOp op, ExprPtr left, ExprPtr right)
    : Expr(ExprKind::kBinary, position, HeightOf({&left, &right})),
      op_(op),
      left_(std::move(left)),
      right_(std::move(right)) {}

std::string BinaryExpr::ToString() const {
  return fmt::format("({} {} {})", left_->ToString(), BinaryOpSymbol(op_),
                     right_->ToString());
}

IsExpr::IsExpr(SourcePosition position, ExprPtr operand, IsTest test, bool negated)
    : Expr(ExprKind::kIs, position, HeightOf({&operand})),
      operand_(std::move(operand)),
      test_(test),
      negated_(negated) {}

std::string IsExpr::ToString() const {
  std::string_view test = test_ == IsTest::kNull    ? "NULL"
                          : test_ == IsTest::kTrue  ? "TRUE"
                          : test_ == IsTest::kFalse ? "FALSE"
                                                    : "UNKNOWN";
  return fmt::format("({} IS {}{})", operand_->ToString(), NotPrefix(negated_), test);
}

InExpr::InExpr(SourcePosition position, ExprPtr operand, std::vector<ExprPtr> list,
               bool negated)
    : Expr(ExprKind::kIn, position, HeightOf(operand, list)),
      operand_(std::move(operand)),
      list_(std::move(list)),
      negated_(negated) {}

std::string InExpr::ToString() const {
  return fmt::format("({} {}IN ({}))", operand_->ToString(), NotPrefix(negated_),
                     JoinArgs(list_));
}

BetweenExpr::BetweenExpr(SourcePosition position, ExprPtr operand, ExprPtr low,
                         ExprPtr high, bool negated)
    : Expr(ExprKind::kBetween, position, HeightOf({&operand, &low, &high})),
      operand_(std::move(operand)),
      low_(std::move(low)),
      high_(std::move(high)),
      negated_(negated) {}

std::string BetweenExpr::ToString() const {
  return fmt::format("({} {}BETWEEN {} AND {})", operand_->ToString(),
                     NotPrefix(negated_), low_->ToString(), high_->ToString());
}

LikeExpr::LikeExpr(SourcePosition position, ExprPtr operand, ExprPtr pattern,
                   ExprPtr escape, bool negated)
    : Expr(ExprKind::kLike, position, HeightOf({&operand, &pattern, &escape})),
      operand_(std::move(operand)),
      pattern_(std::move(pattern)),
      escape_(std::move(escape)),
      negated_(negated) {}

std::string LikeExpr::ToString() const {
  std::string escape = escape_ ? " ESCAPE " + escape_->ToString() : "";
  return fmt::format("({} {}LIKE {}{})", operand_->ToString(), NotPrefix(negated_),
                     pattern_->ToString(), escape);
}

std::string TypeSpec::ToString() const {
  std::string out = name;
  if (!params.empty()) out += fmt::format("({})", fmt::join(params, ", "));
  if (!children.empty()) {
    out += '<';
    for (size_t i = 0; i < children.size(); ++i) {
      if (i > 0) out += ", ";
      if (i < field_names.size()) out += field_names[i] + " ";
      out += children[i].ToString();
    }
    out += '>';
  }
  if (with_local_time_zone) out += " WITH LOCAL TIME ZONE";
  if (not_null) out += " NOT NULL";
  return out;
}

CastExpr::CastExpr(SourcePosition position, ExprPtr operand, TypeSpec type, bool try_cast)
    : Expr(ExprKind::kCast, position, HeightOf({&operand})),
      operand_(std::move(operand)),
      type_(std::move(type)),
      try_cast_(try_cast) {}

std::string CastExpr::ToString() const {
  return fmt::format("{}({} AS {})", try_cast_ ? "TRY_CAST" : "CAST",
                     operand_->ToString(), type_.ToString());
}

FunctionCallExpr::FunctionCallExpr(Identifier name, std::vector<ExprPtr> args,
                                   bool distinct, bool star)
    : Expr(ExprKind::kFunctionCall, name.position, HeightOf(nullptr, args)),
      name_(std::move(name)),
      args_(std::move(args)),
      distinct_(distinct),
      star_(star) {}

std::string FunctionCallExpr::ToString() const {
  const std::string filter =
      filter_ ? fmt::format(" FILTER (WHERE {})", filter_->ToString()) : "";
  const std::string over = over_ ? fmt::format(" OVER ({})", over_->ToString()) : "";
  if (star_) return fmt::format("{}(*){}{}", QuoteIdentifier(name_), filter, over);
  return fmt::format("{}({}{}){}{}", QuoteIdentifier(name_), distinct_ ? "DISTINCT " : "",
                     JoinArgs(args_), filter, over);
}

std::string FrameBound::ToString() const {
  switch (kind) {
    case Kind::kUnboundedPreceding:
      return "UNBOUNDED PRECEDING";
    case Kind::kPreceding:
      return offset->ToString() + " PRECEDING";
    case Kind::kCurrentRow:
      return "CURRENT ROW";
    case Kind::kFollowing:
      return offset->ToString() + " FOLLOWING";
    case Kind::kUnboundedFollowing:
      return "UNBOUNDED FOLLOWING";
  }
  return "";
}

std::string OverWindow::ToString() const {
  std::vector<std::string> parts;
  if (reference) parts.push_back(QuoteIdentifier(*reference));
  if (!partition_by.empty()) parts.push_back("PARTITION BY " + JoinArgs(partition_by));
  if (!order_by.empty()) {
    std::vector<std::string> keys;
    for (const WindowOrderKey& key : order_by) {
      std::string text = key.expr->ToString() + (key.descending ? " DESC" : "");
      if (key.nulls_first) text += *key.nulls_first ? " NULLS FIRST" : " NULLS LAST";
      keys.push_back(std::move(text));
    }
    parts.push_back(fmt::format("ORDER BY {}", fmt::join(keys, ", ")));
  }
  if (has_frame) {
    parts.push_back(fmt::format("{} BETWEEN {} AND {}", rows ? "ROWS" : "RANGE",
                                start.ToString(), end.ToString()));
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

namespace {
int CaseHeight(const ExprPtr& operand, const std::vector<CaseExpr::Arm>& arms,
               const ExprPtr& otherwise) {
  int height = HeightOf({&operand, &otherwise});
  for (const CaseExpr::Arm& arm : arms) {
    height = std::max(height, HeightOf({&arm.when, &arm.then}));
  }
  return height;
}
}  // namespace

CaseExpr::CaseExpr(SourcePosition position, ExprPtr operand, std::vector<Arm> arms,
                   ExprPtr otherwise)
    : Expr(ExprKind::kCase, position, CaseHeight(operand, arms, otherwise)),
      operand_(std::move(operand)),
      arms_(std::move(arms)),
      otherwise_(std::move(otherwise)) {}

std::string CaseExpr::ToString() const {
  std::string out = "CASE";
  if (operand_) out += " " + operand_->ToString();
  for (const Arm& arm : arms_) {
    out += fmt::format(" WHEN {} THEN {}", arm.when->ToString(), arm.then->ToString());
  }
  if (otherwise_) out += " ELSE " + otherwise_->ToString();
  return out + " END";
}

SubqueryExpr::SubqueryExpr(SourcePosition position, Use use,
                           std::shared_ptr<const Query> query, ExprPtr operand,
                           bool negated, std::string text)
    : Expr(ExprKind::kSubquery, position, HeightOf({&operand})),
      use_(use),
      query_(std::move(query)),
      operand_(std::move(operand)),
      negated_(negated),
      text_(std::move(text)) {}

std::string SubqueryExpr::ToString() const {
  switch (use_) {
    case Use::kScalar:
      return "(" + text_ + ")";
    case Use::kExists:
      return fmt::format("{}EXISTS ({})", NotPrefix(negated_), text_);
    case Use::kIn:
      return fmt::format("({} {}IN ({}))", operand_->ToString(), NotPrefix(negated_),
                         text_);
  }
  return text_;
}

IndexExpr::IndexExpr(SourcePosition position, ExprPtr base, ExprPtr index)
    : Expr(ExprKind::kIndex, position, HeightOf({&base, &index})),
      base_(std::move(base)),
      index_(std::move(index)) {}

std::string IndexExpr::ToString() const {
  return fmt::format("{}[{}]", base_->ToString(), index_->ToString());
}

}  // namespace weir::sql
