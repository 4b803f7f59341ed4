#include "weir/sql/plan/planner_internal.h"

#include <map>

namespace weir::sql {

arrow::Result<std::shared_ptr<arrow::Table>> Planner::Impl::RunSubquery(
    const SubqueryExpr& sub, const Relation& rel) {
  if (!executor) {
    return ErrorAtPos(sub.position(), "unsupported subquery",
                      ": this subquery needs values at planning time, which this "
                      "context cannot provide");
  }
  outer_scopes.push_back(&rel.scope);
  auto planned = PlanQuery(*sub.query());
  outer_scopes.pop_back();
  ARROW_RETURN_NOT_OK(planned.status());
  if (planned->plan->schema->num_fields() != 1 &&
      sub.use() != SubqueryExpr::Use::kExists) {
    return ErrorAtPos(sub.position(), "invalid subquery",
                      fmt::format(": the subquery must return one column but returns "
                                  "{}",
                                  planned->plan->schema->num_fields()));
  }
  return executor(planned->plan);
}

arrow::Result<TypedExpr> Planner::Impl::BindValueSubquery(
    const SubqueryExpr& sub, std::optional<TypedExpr> operand, const Relation& rel) {
  ARROW_ASSIGN_OR_RAISE(auto table, RunSubquery(sub, rel));
  switch (sub.use()) {
    case SubqueryExpr::Use::kExists: {
      bool exists = table->num_rows() > 0;
      return MakeConstant(std::make_shared<arrow::BooleanScalar>(exists != sub.negated()),
                          &sub);
    }
    case SubqueryExpr::Use::kScalar: {
      if (table->num_rows() > 1) {
        return ErrorAtPos(sub.position(), "invalid subquery",
                          fmt::format(": a scalar subquery returned {} rows; it must "
                                      "return at most one",
                                      table->num_rows()));
      }
      std::shared_ptr<arrow::Scalar> value;
      if (table->num_rows() == 0) {
        value = arrow::MakeNullScalar(table->schema()->field(0)->type());
      } else {
        ARROW_ASSIGN_OR_RAISE(value, table->column(0)->GetScalar(0));
      }
      return MakeConstant(value, &sub);
    }
    case SubqueryExpr::Use::kIn: {
      // x IN (values): is_in over the distinct values, with SQL's NULL rules: no
      // match and a NULL among the values gives NULL.
      TypedExpr lhs = *operand;
      TypePtr target = ValueType(lhs.type);
      ARROW_ASSIGN_OR_RAISE(auto combined, table->CombineChunks());
      std::shared_ptr<arrow::Array> values = combined->column(0)->chunk(0);
      if (combined->column(0)->num_chunks() == 0) {
        ARROW_ASSIGN_OR_RAISE(values, arrow::MakeEmptyArray(target));
      }
      if (!values->type()->Equals(*target)) {
        auto common = CommonType(target, values->type());
        if (!common.ok()) {
          return ErrorAtPos(sub.position(), "type error",
                            fmt::format(": cannot compare {} with the subquery's {}",
                                        Describe(lhs), values->type()->ToString()));
        }
        ARROW_ASSIGN_OR_RAISE(auto cast, cp::Cast(values, *common));
        values = cast.make_array();
        if (!target->Equals(**common)) {
          lhs.expr = cp::call("cast", {lhs.expr}, cp::CastOptions::Safe(*common));
          lhs.type = *common;
        }
      }
      auto options = std::make_shared<cp::SetLookupOptions>(
          values, cp::SetLookupOptions::INCONCLUSIVE);
      TypedExpr result;
      result.expr = cp::call("is_in", {lhs.expr}, options);
      result.type = arrow::boolean();
      result.node = &sub;
      if (sub.negated()) {
        result.expr = cp::call("invert", {result.expr});
      }
      return result;
    }
  }
  return arrow::Status::Invalid("unknown subquery use");
}

namespace {

// Collects the scalar subqueries among the operators of a conjunct
// (`x < (SELECT …) - 5`), not those inside function calls or other subqueries.
void CollectScalarSubqueries(const Expr& expr, std::vector<const SubqueryExpr*>* out) {
  if (expr.kind() == ExprKind::kSubquery) {
    if (static_cast<const SubqueryExpr&>(expr).use() == SubqueryExpr::Use::kScalar) {
      out->push_back(static_cast<const SubqueryExpr*>(&expr));
    }
    return;
  }
  if (expr.kind() == ExprKind::kUnary) {
    CollectScalarSubqueries(*static_cast<const UnaryExpr&>(expr).operand(), out);
    return;
  }
  if (expr.kind() != ExprKind::kBinary) return;
  const auto& binary = static_cast<const BinaryExpr&>(expr);
  CollectScalarSubqueries(*binary.left(), out);
  CollectScalarSubqueries(*binary.right(), out);
}

}  // namespace

arrow::Result<Relation> Planner::Impl::PlanWhere(Relation rel, const ExprPtr& where) {
  std::vector<ExprPtr> conjuncts;
  SplitConjuncts(where, &conjuncts);
  std::vector<cp::Expression> filters;
  for (const ExprPtr& conjunct : conjuncts) {
    // x IN (SELECT …) and EXISTS (SELECT …) as top-level conjuncts: semi joins.
    const Expr* node = conjunct.get();
    bool negated = false;
    if (node->kind() == ExprKind::kUnary &&
        static_cast<const UnaryExpr*>(node)->op() == UnaryOp::kNot &&
        static_cast<const UnaryExpr*>(node)->operand()->kind() == ExprKind::kSubquery) {
      negated = true;
      node = static_cast<const UnaryExpr*>(node)->operand().get();
    }
    if (node->kind() == ExprKind::kSubquery) {
      const auto& sub = static_cast<const SubqueryExpr&>(*node);
      bool anti = negated != sub.negated();
      if (sub.use() == SubqueryExpr::Use::kIn && !anti) {
        ARROW_ASSIGN_OR_RAISE(rel, PlanInSemiJoin(std::move(rel), sub));
        continue;
      }
      if (sub.use() == SubqueryExpr::Use::kExists) {
        auto correlated = PlanExistsJoin(rel, sub, anti);
        if (correlated.ok()) {
          rel = std::move(*correlated);
          continue;
        }
        if (!correlated.status().IsNotImplemented()) return correlated.status();
      }
    }
    // Correlated scalar subqueries become LEFT joins; the conjunct then reads their
    // value column.
    std::map<const Expr*, TypedExpr> joined;
    ARROW_ASSIGN_OR_RAISE(rel, JoinScalarSubqueries(std::move(rel), *conjunct, &joined));
    BindHooks hooks;
    if (!joined.empty()) hooks.substitute = SubstituteJoined(&joined);
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*conjunct, rel, hooks));
    if (bound.type->id() != arrow::Type::BOOL && bound.type->id() != arrow::Type::NA) {
      return ErrorAtPos(StartPosition(*conjunct), "type error",
                        fmt::format(": WHERE needs a boolean condition but this is {}",
                                    bound.type->ToString()));
    }
    filters.push_back(bound.expr);
  }
  if (filters.empty()) return rel;
  auto filter = NewNode(PlanKind::kFilter, {rel.plan});
  ARROW_ASSIGN_OR_RAISE(filter->predicate, cp::and_(filters).Bind(*rel.plan->schema));
  filter->schema = rel.plan->schema;
  rel.plan = filter;
  return rel;
}

arrow::Result<Relation> Planner::Impl::JoinScalarSubqueries(
    Relation rel, const Expr& expr, std::map<const Expr*, TypedExpr>* joined) {
  std::vector<const SubqueryExpr*> scalars;
  CollectScalarSubqueries(expr, &scalars);
  for (const SubqueryExpr* sub : scalars) {
    TypedExpr value;
    auto decorrelated = PlanScalarSubqueryJoin(rel, *sub, &value);
    if (decorrelated.ok()) {
      rel = std::move(*decorrelated);
      (*joined)[sub] = value;
    } else if (!decorrelated.status().IsNotImplemented()) {
      return decorrelated.status();
    }
  }
  return rel;
}

std::function<arrow::Result<std::optional<TypedExpr>>(const Expr&)>
Planner::Impl::SubstituteJoined(const std::map<const Expr*, TypedExpr>* joined) {
  return [joined](const Expr& e) -> arrow::Result<std::optional<TypedExpr>> {
    auto found = joined->find(&e);
    if (found == joined->end()) return std::optional<TypedExpr>();
    return std::optional<TypedExpr>(found->second);
  };
}

arrow::Result<Relation> Planner::Impl::PlanScalarSubqueryJoin(Relation rel,
                                                              const SubqueryExpr& sub,
                                                              TypedExpr* value) {
  const Query& query = *sub.query();
  if (query.kind != Query::Kind::kSelect || query.select.from == nullptr ||
      query.select.where == nullptr || !query.select.group_by.empty() ||
      query.select.having || query.select.distinct || query.limit || query.offset > 0 ||
      !query.with.empty() || query.select.items.size() != 1 ||
      query.select.items[0].star) {
    return arrow::Status::NotImplemented("not a simple correlated scalar subquery");
  }
  const ExprPtr& item = query.select.items[0].expr;
  std::vector<const FunctionCallExpr*> aggregates;
  CollectAggregates(item, &aggregates, &catalog);
  // Without an aggregate the subquery may return several rows per key. COUNT of no
  // rows is 0, which the LEFT join gives as NULL: a bare COUNT(…) is coalesced to 0;
  // COUNT inside a larger expression is not decorrelated.
  bool bare_count =
      item->kind() == ExprKind::kFunctionCall &&
      EqualsIgnoreCase(static_cast<const FunctionCallExpr&>(*item).name().name, "COUNT");
  if (aggregates.empty() ||
      (!bare_count &&
       std::any_of(aggregates.begin(), aggregates.end(), [](const FunctionCallExpr* c) {
         return EqualsIgnoreCase(c->name().name, "COUNT");
       }))) {
    return arrow::Status::NotImplemented("scalar subquery without a plain aggregate");
  }
  auto inner = PlanTableRef(*query.select.from);
  if (!inner.ok()) return arrow::Status::NotImplemented("inner FROM does not plan");
  std::vector<ExprPtr> conjuncts;
  SplitConjuncts(query.select.where, &conjuncts);
  std::vector<ExprPtr> local;
  std::vector<ExprPtr> inner_keys;
  std::vector<BoundExpr> outer_keys;
  for (const ExprPtr& conjunct : conjuncts) {
    if (Bind(*conjunct, *inner).ok()) {
      local.push_back(conjunct);
      continue;
    }
    if (conjunct->kind() != ExprKind::kBinary ||
        static_cast<const BinaryExpr&>(*conjunct).op() != BinaryOp::kEqual) {
      return arrow::Status::NotImplemented("correlation other than equality");
    }
    const auto& eq = static_cast<const BinaryExpr&>(*conjunct);
    auto l_outer = Bind(*eq.left(), rel);
    auto r_inner = Bind(*eq.right(), *inner);
    if (l_outer.ok() && r_inner.ok()) {
      outer_keys.push_back(*l_outer);
      inner_keys.push_back(eq.right());
      continue;
    }
    auto l_inner = Bind(*eq.left(), *inner);
    auto r_outer = Bind(*eq.right(), rel);
    if (l_inner.ok() && r_outer.ok()) {
      outer_keys.push_back(*r_outer);
      inner_keys.push_back(eq.left());
      continue;
    }
    return arrow::Status::NotImplemented("correlation other than outer = inner");
  }
  if (inner_keys.empty()) return arrow::Status::NotImplemented("uncorrelated");
  // SELECT k0 AS __k0, …, <item> AS __v FROM … WHERE <local> GROUP BY k0, …
  int id = next_id++;
  auto grouped = std::make_shared<Query>();
  grouped->position = query.position;
  grouped->select.from = query.select.from;
  grouped->select.position = query.select.position;
  auto alias = [&](const std::string& name) {
    Identifier identifier;
    identifier.name = fmt::format("__subquery{}_{}", id, name);
    identifier.quoted = true;
    return identifier;
  };
  for (size_t i = 0; i < inner_keys.size(); ++i) {
    SelectItem key;
    key.expr = inner_keys[i];
    key.alias = alias(fmt::format("k{}", i));
    key.position = inner_keys[i]->position();
    grouped->select.items.push_back(std::move(key));
    grouped->select.group_by.push_back(inner_keys[i]);
  }
  SelectItem result = query.select.items[0];
  result.alias = alias("value");
  grouped->select.items.push_back(std::move(result));
  if (!local.empty()) grouped->select.where = CombineTerms(BinaryOp::kAnd, local);
  synthesized.push_back(grouped);
  outer_scopes.push_back(&rel.scope);
  auto planned = PlanQuery(*grouped);
  outer_scopes.pop_back();
  ARROW_RETURN_NOT_OK(planned.status());
  const arrow::Schema& schema = *planned->plan->schema;
  std::vector<std::pair<cp::Expression, cp::Expression>> keys;
  for (size_t i = 0; i < outer_keys.size(); ++i) {
    const auto& field = schema.field(static_cast<int>(i));
    BoundExpr inner_key{cp::field_ref(field->name()), field->type()};
    ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(outer_keys[i], inner_key, sub));
    keys.push_back(pair);
  }
  const auto& value_field = schema.field(schema.num_fields() - 1);
  std::vector<ScopeColumn> visible = rel.scope;
  Relation right = Derived(planned->plan, planned->column_names, "");
  ARROW_ASSIGN_OR_RAISE(Relation out, MakeJoin(std::move(rel), std::move(right),
                                               PlanJoinType::kLeft, keys, {}, false));
  out.scope = std::move(visible);  // the value column stays out of SELECT *
  value->expr = cp::field_ref(value_field->name());
  value->type = value_field->type();
  value->node = &sub;
  if (bare_count) {
    value->expr = cp::call(
        "coalesce",
        {value->expr, cp::literal(arrow::MakeScalar(value->type, 0).ValueOrDie())});
  }
  return out;
}

arrow::Result<Relation> Planner::Impl::PlanInSemiJoin(Relation rel,
                                                      const SubqueryExpr& sub) {
  ARROW_ASSIGN_OR_RAISE(BoundExpr lhs, Bind(*sub.operand(), rel));
  outer_scopes.push_back(&rel.scope);
  auto planned = PlanQuery(*sub.query());
  outer_scopes.pop_back();
  ARROW_RETURN_NOT_OK(planned.status());
  if (planned->plan->schema->num_fields() != 1) {
    return ErrorAtPos(sub.position(), "invalid subquery",
                      ": the IN subquery must return one column");
  }
  Relation right = Derived(planned->plan, planned->column_names, "");
  BoundExpr rhs{cp::field_ref(planned->plan->schema->field(0)->name()),
                planned->plan->schema->field(0)->type()};
  ARROW_ASSIGN_OR_RAISE(auto keys, UnifyKeys(lhs, rhs, sub));
  return MakeJoin(std::move(rel), std::move(right), PlanJoinType::kSemi, {keys}, {},
                  false);
}

arrow::Result<Relation> Planner::Impl::PlanExistsJoin(const Relation& outer,
                                                      const SubqueryExpr& sub,
                                                      bool anti) {
  const Query& query = *sub.query();
  std::vector<const FunctionCallExpr*> aggregates;
  for (const SelectItem& item : query.select.items)
    CollectAggregates(item.expr, &aggregates, &catalog);
  if (query.kind != Query::Kind::kSelect || query.select.from == nullptr ||
      !query.select.group_by.empty() || query.select.having || query.limit ||
      query.offset > 0 || !query.with.empty() || !aggregates.empty()) {
    return arrow::Status::NotImplemented("not a simple correlated EXISTS");
  }
  ARROW_ASSIGN_OR_RAISE(Relation inner, PlanTableRef(*query.select.from));
  std::vector<ExprPtr> conjuncts;
  if (query.select.where) SplitConjuncts(query.select.where, &conjuncts);
  std::vector<std::pair<cp::Expression, cp::Expression>> keys;
  std::vector<cp::Expression> residual;
  std::vector<ExprPtr> local;
  Relation outer_only{outer.plan, outer.scope};
  auto placeholder = NewNode(PlanKind::kValues, {});
  arrow::FieldVector all = outer.plan->schema->fields();
  for (const auto& f : inner.plan->schema->fields()) all.push_back(f);
  placeholder->schema = arrow::schema(all);
  Relation combined{placeholder, outer.scope};
  combined.scope.insert(combined.scope.end(), inner.scope.begin(), inner.scope.end());
  for (const ExprPtr& conjunct : conjuncts) {
    if (Bind(*conjunct, inner).ok()) {
      local.push_back(conjunct);
      continue;
    }
    if (conjunct->kind() == ExprKind::kBinary &&
        static_cast<const BinaryExpr&>(*conjunct).op() == BinaryOp::kEqual) {
      const auto& eq = static_cast<const BinaryExpr&>(*conjunct);
      auto l_outer = Bind(*eq.left(), outer_only);
      auto r_inner = Bind(*eq.right(), inner);
      if (l_outer.ok() && r_inner.ok()) {
        ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*l_outer, *r_inner, *conjunct));
        keys.push_back(pair);
        continue;
      }
      auto l_inner = Bind(*eq.left(), inner);
      auto r_outer = Bind(*eq.right(), outer_only);
      if (l_inner.ok() && r_outer.ok()) {
        ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*r_outer, *l_inner, *conjunct));
        keys.push_back(pair);
        continue;
      }
    }
    auto bound = Bind(*conjunct, combined);
    if (!bound.ok()) return bound.status();
    residual.push_back(bound->expr);
  }
  if (keys.empty() && residual.empty()) {
    return arrow::Status::NotImplemented("uncorrelated EXISTS");
  }
  if (!local.empty()) {
    // Local conditions filter the inner side before the join.
    ARROW_ASSIGN_OR_RAISE(
        inner, PlanWhere(std::move(inner), CombineTerms(BinaryOp::kAnd, local)));
  }
  return MakeJoin(outer, std::move(inner),
                  anti ? PlanJoinType::kAnti : PlanJoinType::kSemi, keys, residual,
                  false);
}

}  // namespace weir::sql
