// The planner: name resolution, binding and the query dispatch. FROM, WHERE and
// subqueries, SELECT and aggregation, and set operations live in planner_*.cc.
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

bool NameMatches(const Identifier& id, const std::string& name) {
  return id.quoted ? id.name == name : EqualsIgnoreCase(id.name, name);
}

ExprPtr CombineTerms(BinaryOp op, const std::vector<ExprPtr>& terms) {
  ExprPtr combined = terms.front();
  for (size_t i = 1; i < terms.size(); ++i) {
    combined = std::make_shared<BinaryExpr>(terms[i]->position(), op, combined, terms[i]);
  }
  return combined;
}

namespace {

void SplitDisjuncts(const ExprPtr& expr, std::vector<ExprPtr>* out) {
  if (expr->kind() == ExprKind::kBinary) {
    const auto& binary = static_cast<const BinaryExpr&>(*expr);
    if (binary.op() == BinaryOp::kOr) {
      SplitDisjuncts(binary.left(), out);
      SplitDisjuncts(binary.right(), out);
      return;
    }
  }
  out->push_back(expr);
}

// (a AND b) OR (a AND c) is a AND (b OR c): the conjuncts every branch of an OR
// shares become conjuncts of their own, so that join keys written in each branch
// (TPC-H Q19) are found. Distribution holds in SQL's three-valued logic too.
void FactorDisjunction(const ExprPtr& expr, std::vector<ExprPtr>* out) {
  std::vector<ExprPtr> branches;
  SplitDisjuncts(expr, &branches);
  std::vector<std::vector<ExprPtr>> terms(branches.size());
  for (size_t i = 0; i < branches.size(); ++i) SplitConjuncts(branches[i], &terms[i]);
  auto contains = [](const std::vector<ExprPtr>& list, const std::string& text) {
    return std::any_of(list.begin(), list.end(),
                       [&](const ExprPtr& e) { return e->ToString() == text; });
  };
  std::vector<ExprPtr> common;
  for (const ExprPtr& term : terms.front()) {
    std::string text = term->ToString();
    if (contains(common, text)) continue;
    bool everywhere = std::all_of(terms.begin() + 1, terms.end(),
                                  [&](const auto& list) { return contains(list, text); });
    if (everywhere) common.push_back(term);
  }
  if (common.empty()) {
    out->push_back(expr);
    return;
  }
  out->insert(out->end(), common.begin(), common.end());
  std::vector<ExprPtr> rest_branches;
  for (const auto& list : terms) {
    std::vector<ExprPtr> rest;
    for (const ExprPtr& term : list) {
      if (!contains(common, term->ToString())) rest.push_back(term);
    }
    if (rest.empty()) return;  // this branch is just the common part: the OR holds
    rest_branches.push_back(CombineTerms(BinaryOp::kAnd, rest));
  }
  out->push_back(CombineTerms(BinaryOp::kOr, rest_branches));
}

}  // namespace

void SplitConjuncts(const ExprPtr& expr, std::vector<ExprPtr>* out) {
  if (expr->kind() == ExprKind::kBinary) {
    const auto& binary = static_cast<const BinaryExpr&>(*expr);
    if (binary.op() == BinaryOp::kAnd) {
      SplitConjuncts(binary.left(), out);
      SplitConjuncts(binary.right(), out);
      return;
    }
    if (binary.op() == BinaryOp::kOr) {
      FactorDisjunction(expr, out);
      return;
    }
  }
  out->push_back(expr);
}

// Collects aggregate calls (not descending into subqueries or other aggregates).
void CollectCalls(const ExprPtr& expr, const CallPredicate& wanted,
                  std::vector<const FunctionCallExpr*>* out) {
  if (expr == nullptr) return;
  switch (expr->kind()) {
    case ExprKind::kFunctionCall: {
      const auto& call = static_cast<const FunctionCallExpr&>(*expr);
      if (wanted(call)) {
        out->push_back(&call);
        return;
      }
      for (const ExprPtr& arg : call.args()) CollectCalls(arg, wanted, out);
      if (call.over() != nullptr) {
        // `RANK() OVER (ORDER BY SUM(x))`: the window's keys may hold aggregates.
        for (const ExprPtr& key : call.over()->partition_by)
          CollectCalls(key, wanted, out);
        for (const WindowOrderKey& key : call.over()->order_by) {
          CollectCalls(key.expr, wanted, out);
        }
      }
      return;
    }
    case ExprKind::kUnary:
      CollectCalls(static_cast<const UnaryExpr&>(*expr).operand(), wanted, out);
      return;
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(*expr);
      CollectCalls(b.left(), wanted, out);
      CollectCalls(b.right(), wanted, out);
      return;
    }
    case ExprKind::kIs:
      CollectCalls(static_cast<const IsExpr&>(*expr).operand(), wanted, out);
      return;
    case ExprKind::kIn: {
      const auto& in = static_cast<const InExpr&>(*expr);
      CollectCalls(in.operand(), wanted, out);
      for (const ExprPtr& item : in.list()) CollectCalls(item, wanted, out);
      return;
    }
    case ExprKind::kBetween: {
      const auto& b = static_cast<const BetweenExpr&>(*expr);
      CollectCalls(b.operand(), wanted, out);
      CollectCalls(b.low(), wanted, out);
      CollectCalls(b.high(), wanted, out);
      return;
    }
    case ExprKind::kLike: {
      const auto& l = static_cast<const LikeExpr&>(*expr);
      CollectCalls(l.operand(), wanted, out);
      CollectCalls(l.pattern(), wanted, out);
      return;
    }
    case ExprKind::kCast:
      CollectCalls(static_cast<const CastExpr&>(*expr).operand(), wanted, out);
      return;
    case ExprKind::kCase: {
      const auto& c = static_cast<const CaseExpr&>(*expr);
      CollectCalls(c.operand(), wanted, out);
      for (const CaseExpr::Arm& arm : c.arms()) {
        CollectCalls(arm.when, wanted, out);
        CollectCalls(arm.then, wanted, out);
      }
      CollectCalls(c.otherwise(), wanted, out);
      return;
    }
    case ExprKind::kIndex: {
      const auto& i = static_cast<const IndexExpr&>(*expr);
      CollectCalls(i.base(), wanted, out);
      CollectCalls(i.index(), wanted, out);
      return;
    }
    case ExprKind::kSubquery:
      CollectCalls(static_cast<const SubqueryExpr&>(*expr).operand(), wanted, out);
      return;
    default:
      return;
  }
}

void CollectAggregates(const ExprPtr& expr, std::vector<const FunctionCallExpr*>* out,
                       const Catalog* catalog) {
  CollectCalls(
      expr,
      [catalog](const FunctionCallExpr& call) {
        return call.over() == nullptr &&
               (IsAggregateFunction(call.name().name) ||
                (catalog != nullptr &&
                 UserAggregate(*catalog, call.name().name) != nullptr));
      },
      out);
}

std::shared_ptr<const CatalogFunction> UserAggregate(const Catalog& catalog,
                                                     const std::string& name) {
  std::shared_ptr<const CatalogFunction> found = catalog.FindFunction(name);
  if (found == nullptr || found->aggregate_function == nullptr) return nullptr;
  // Flink's order: a temporary system function before the built-in one, another
  // function after it.
  if (!found->system && IsAggregateFunction(name)) return nullptr;
  return found;
}

void CollectOverCalls(const ExprPtr& expr, std::vector<const FunctionCallExpr*>* out) {
  CollectCalls(
      expr, [](const FunctionCallExpr& call) { return call.over() != nullptr; }, out);
}

std::shared_ptr<PlanNode> NewNode(PlanKind kind, std::vector<PlanPtr> inputs) {
  auto node = std::make_shared<PlanNode>();
  node->kind = kind;
  node->inputs = std::move(inputs);
  return node;
}

std::string Planner::Impl::NewField(const std::string& visible) {
  return fmt::format("{}#{}", visible, next_id++);
}

arrow::Status Planner::Impl::ErrorAtPos(const SourcePosition& position,
                                        const std::string& what,
                                        const std::string& detail) const {
  return ErrorAt(source(), position, what, detail);
}

arrow::Result<ResolvedColumn> Planner::Impl::Resolve(
    const ColumnRefExpr& ref, const std::vector<ScopeColumn>& scope) const {
  const std::vector<Identifier>& path = ref.path();
  const ScopeColumn* found = nullptr;
  size_t consumed = 0;
  auto search = [&](const Identifier* qualifier,
                    const Identifier& name) -> arrow::Result<const ScopeColumn*> {
    const ScopeColumn* match = nullptr;
    for (int pass = 0; pass < 2 && match == nullptr; ++pass) {
      for (const ScopeColumn& column : scope) {
        if (qualifier != nullptr && !NameMatches(*qualifier, column.qualifier)) continue;
        if (qualifier == nullptr && column.hidden) continue;
        bool ok = pass == 0 ? column.name == name.name
                            : (!name.quoted && EqualsIgnoreCase(column.name, name.name));
        if (!ok) continue;
        if (match != nullptr && match->field != column.field) {
          return ErrorAtPos(
              name.position, "ambiguous column",
              fmt::format(": '{}' is a column of both {} and {}; "
                          "qualify it",
                          name.name,
                          match->qualifier.empty() ? "a subquery" : match->qualifier,
                          column.qualifier.empty() ? "a subquery" : column.qualifier));
        }
        match = &column;
      }
    }
    return match;
  };
  if (path.size() >= 2) {
    ARROW_ASSIGN_OR_RAISE(found, search(&path[0], path[1]));
    if (found != nullptr) consumed = 2;
  }
  if (found == nullptr) {
    ARROW_ASSIGN_OR_RAISE(found, search(nullptr, path[0]));
    if (found != nullptr) consumed = 1;
  }
  if (found == nullptr) {
    std::vector<std::string> names;
    for (const ScopeColumn& column : scope) names.push_back(column.name);
    for (const auto* outer : outer_scopes) {
      for (const ScopeColumn& column : *outer) {
        if (NameMatches(path.back(), column.name) ||
            (path.size() >= 2 && NameMatches(path[0], column.qualifier))) {
          return ErrorAtPos(ref.position(), "unsupported subquery",
                            fmt::format(": '{}' refers to the enclosing query; "
                                        "correlated subqueries other than EXISTS/IN "
                                        "with equality conditions are not supported "
                                        "yet",
                                        ref.DottedName()));
        }
      }
    }
    return ErrorAtPos(ref.position(),
                      fmt::format("unknown column '{}'", ref.DottedName()),
                      DidYouMean(path.back().name, names));
  }
  ResolvedColumn resolved;
  std::vector<arrow::FieldRef> refs{arrow::FieldRef(found->field)};
  TypePtr type = found->type;
  for (size_t i = consumed; i < path.size(); ++i) {
    if (type->id() != arrow::Type::STRUCT) {
      return ErrorAtPos(path[i].position, "type error",
                        fmt::format(": '{}' has no field '{}': it is of type {}",
                                    path[i - 1].name, path[i].name, type->ToString()));
    }
    const auto& st = static_cast<const arrow::StructType&>(*type);
    int index = st.GetFieldIndex(path[i].name);
    if (index < 0 && !path[i].quoted) {
      for (int f = 0; f < st.num_fields(); ++f) {
        if (EqualsIgnoreCase(st.field(f)->name(), path[i].name)) index = f;
      }
    }
    if (index < 0) {
      std::vector<std::string> names;
      for (const auto& f : st.fields()) names.push_back(f->name());
      return ErrorAtPos(
          path[i].position,
          fmt::format("unknown field '{}' of '{}'", path[i].name, path[i - 1].name),
          DidYouMean(path[i].name, names));
    }
    refs.emplace_back(st.field(index)->name());
    type = st.field(index)->type();
  }
  resolved.ref = refs.size() == 1 ? refs[0] : arrow::FieldRef(std::move(refs));
  resolved.type = type;
  return resolved;
}

arrow::Result<BoundExpr> Planner::Impl::Bind(const Expr& expr, const Relation& rel,
                                             BindHooks hooks) {
  if (!hooks.resolve_column) {
    hooks.resolve_column = [this, &rel](const ColumnRefExpr& ref) {
      return Resolve(ref, rel.scope);
    };
  }
  if (!hooks.subquery) {
    hooks.subquery = [this, &rel](const SubqueryExpr& sub, std::optional<TypedExpr> op) {
      return BindValueSubquery(sub, std::move(op), rel);
    };
  }
  if (!hooks.user_function) {
    hooks.user_function = [this](const std::string& name) {
      return catalog.FindFunction(name);
    };
  }
  if (!hooks.unknown_function) {
    hooks.unknown_function =
        [this](const FunctionCallExpr& call) -> arrow::Result<std::optional<TypedExpr>> {
      if (IsAggregateFunction(call.name().name)) {
        return ErrorAtPos(call.position(), "invalid aggregate",
                          fmt::format(": aggregate function {} is not allowed here "
                                      "(only in SELECT, HAVING and ORDER BY of a "
                                      "query with GROUP BY or aggregates)",
                                      call.name().name));
      }
      return std::optional<TypedExpr>();
    };
  }
  return BindWithHooks(expr, *rel.plan->schema, source(), hooks);
}

arrow::Result<PlannedQuery> Planner::Impl::PlanViewQuery(const CatalogView& view) {
  // A view sees the catalog only, not the WITH queries around its use.
  auto saved = script;
  auto saved_ctes = std::move(ctes);
  ctes.clear();
  script = view.script;
  auto planned = PlanQuery(*view.query);
  script = saved;
  ctes = std::move(saved_ctes);
  ARROW_RETURN_NOT_OK(planned.status());
  if (!view.column_names.empty()) planned->column_names = view.column_names;
  return planned;
}

arrow::Result<PlannedQuery> Planner::Impl::PlanQuery(const Query& query) {
  if (!query.with.empty()) {
    ctes.emplace_back();
    for (const CommonTable& cte : query.with) ctes.back().push_back(&cte);
  }
  arrow::Result<PlannedQuery> result;
  switch (query.kind) {
    case Query::Kind::kSelect:
      result = PlanSelect(query);
      break;
    case Query::Kind::kValues:
      result = PlanValues(query);
      break;
    case Query::Kind::kSetOp:
      result = PlanSetOp(query);
      break;
  }
  if (!query.with.empty()) ctes.pop_back();
  return result;
}

Planner::Planner(const Catalog& catalog, std::shared_ptr<const std::string> script,
                 PlanExecutor executor)
    : impl_(new Impl{catalog, std::move(script), std::move(executor), 0, {}, {}, {}}) {}

Planner::~Planner() = default;

arrow::Result<PlannedQuery> Planner::Plan(const Query& query) {
  return impl_->PlanQuery(query);
}

}  // namespace weir::sql
