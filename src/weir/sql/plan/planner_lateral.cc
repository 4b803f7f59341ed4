// Lateral table functions in FROM: `t, LATERAL TABLE(f(t.x)) AS T(a, b)`,
// `t LEFT JOIN LATERAL TABLE(f(t.x)) ON TRUE`, `t CROSS JOIN UNNEST(t.arr) AS u(v)`.
// They become a Correlate node (Flink's name): each row of the left side joined
// with the rows the function gives for it.

#include "weir/common/suggest.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {
namespace {

// True when `expr` is the literal TRUE.
bool IsTrueLiteral(const cp::Expression& expr) {
  const arrow::Datum* datum = expr.literal();
  return datum != nullptr && datum->is_scalar() && datum->scalar()->is_valid &&
         datum->type()->id() == arrow::Type::BOOL &&
         static_cast<const arrow::BooleanScalar&>(*datum->scalar()).value;
}

}  // namespace

arrow::Result<Relation> Planner::Impl::PlanCorrelate(Relation left, const TableRef& ref,
                                                     JoinKind kind,
                                                     const ExprPtr& condition) {
  if (kind == JoinKind::kRight || kind == JoinKind::kFull) {
    return ErrorAtPos(ref.position, "invalid join",
                      ": a table function can be joined with CROSS JOIN, JOIN … ON TRUE "
                      "or LEFT JOIN … ON TRUE, not with a RIGHT or FULL join");
  }
  // Arguments see the columns of the tables before the function.
  std::vector<BoundExpr> args;
  for (const ExprPtr& arg : ref.args) {
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*arg, left));
    args.push_back(std::move(bound));
  }
  std::shared_ptr<const expr::TableFunction> function;
  std::string qualifier;
  if (ref.unnest) {
    if (args.size() != 1) {
      return ErrorAtPos(
          ref.position, "invalid UNNEST",
          fmt::format(": UNNEST takes one ARRAY or MAP, got {} arguments", args.size()));
    }
    auto unnest = expr::MakeUnnest(args[0].type, ref.with_ordinality);
    if (!unnest.ok()) {
      return ErrorAtPos(StartPosition(*ref.args[0]), "type error",
                        fmt::format(": UNNEST expects an ARRAY or a MAP, not {}",
                                    SqlTypeName(args[0].type)));
    }
    function = *unnest;
    qualifier = ref.alias ? ref.alias->name : "";
  } else {
    ARROW_ASSIGN_OR_RAISE(std::string name, CatalogName(ref.name));
    std::shared_ptr<const CatalogFunction> found = catalog.FindFunction(name);
    if (found == nullptr || found->table_function == nullptr) {
      std::vector<std::string> names;
      for (const std::string& n : catalog.FunctionNames()) {
        auto f = catalog.FindFunction(n);
        if (f != nullptr && f->table_function != nullptr) names.push_back(n);
      }
      if (found != nullptr) {
        return ErrorAtPos(ref.name.front().position, "invalid LATERAL TABLE",
                          fmt::format(": {} is a scalar function, not a table function",
                                      found->description));
      }
      return ErrorAtPos(ref.name.front().position,
                        fmt::format("unknown table function '{}'", name),
                        DidYouMean(name, names));
    }
    if (!found->arg_types.empty() && found->arg_types.size() != args.size()) {
      return ErrorAtPos(
          ref.name.front().position, "invalid call",
          fmt::format(": {} expects {} argument{} but got {}", found->description,
                      found->arg_types.size(), found->arg_types.size() == 1 ? "" : "s",
                      args.size()));
    }
    for (size_t i = 0; i < found->arg_types.size(); ++i) {
      const auto& want = found->arg_types[i];
      if (args[i].type->Equals(*want)) continue;
      auto cast = cp::call("cast", {args[i].expr}, cp::CastOptions::Safe(want))
                      .Bind(*left.plan->schema);
      if (!cast.ok()) {
        return ErrorAtPos(
            StartPosition(*ref.args[i]), "type error",
            fmt::format(": argument {} of {} is {} and cannot be cast to {}", i + 1,
                        found->description, SqlTypeName(args[i].type),
                        SqlTypeName(want)));
      }
      args[i] = BoundExpr{*cast, want};
    }
    function = found->table_function;
    qualifier = ref.alias ? ref.alias->name : name;
  }
  const arrow::FieldVector& outputs = function->fields();
  if (!ref.column_aliases.empty() && ref.column_aliases.size() != outputs.size()) {
    return ErrorAtPos(
        ref.column_aliases.front().position, "invalid alias",
        fmt::format(": {} column names for the {} columns of {}",
                    ref.column_aliases.size(), outputs.size(), function->name()));
  }
  auto node = NewNode(PlanKind::kCorrelate, {left.plan});
  node->table_function = function;
  node->join_type = kind == JoinKind::kLeft ? PlanJoinType::kLeft : PlanJoinType::kInner;
  for (const BoundExpr& arg : args) node->exprs.push_back(arg.expr);
  arrow::FieldVector fields = left.plan->schema->fields();
  Relation rel;
  rel.scope = left.scope;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string visible =
        ref.column_aliases.empty() ? outputs[i]->name() : ref.column_aliases[i].name;
    std::string field = NewField(visible);
    fields.push_back(arrow::field(field, outputs[i]->type(), true));
    rel.scope.push_back({qualifier, visible, field, outputs[i]->type()});
  }
  node->schema = arrow::schema(fields);
  rel.plan = node;
  if (condition == nullptr) return rel;
  ARROW_ASSIGN_OR_RAISE(BoundExpr on, Bind(*condition, rel));
  if (IsTrueLiteral(on.expr)) return rel;
  if (kind == JoinKind::kLeft) {
    // Flink: "LEFT JOIN with a table function only supports the literal TRUE as
    // the join condition".
    return ErrorAtPos(StartPosition(*condition), "invalid join",
                      ": a LEFT JOIN with a table function takes only ON TRUE; filter "
                      "its rows in WHERE");
  }
  return PlanWhere(std::move(rel), condition);
}

}  // namespace weir::sql
