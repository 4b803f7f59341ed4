#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

arrow::Result<Relation> Planner::Impl::ScanTable(
    std::shared_ptr<const CatalogTable> table, const std::string& qualifier) {
  auto node = NewNode(PlanKind::kScan, {});
  node->table = table;
  arrow::FieldVector fields;
  Relation rel;
  for (const CatalogColumn& column : table->columns) {
    if (column.computed) continue;
    std::string field = NewField(column.name);
    node->scan_columns.push_back(column.name);
    fields.push_back(arrow::field(field, column.type, column.nullable));
    rel.scope.push_back({qualifier, column.name, field, column.type});
  }
  node->schema = arrow::schema(fields);
  rel.plan = node;
  bool has_computed = std::any_of(table->columns.begin(), table->columns.end(),
                                  [](const CatalogColumn& c) { return c.computed; });
  if (!has_computed) return rel;
  // Computed columns: a projection over the physical ones.
  auto project = NewNode(PlanKind::kProject, {rel.plan});
  arrow::FieldVector out_fields = fields;
  std::vector<ScopeColumn> scope = rel.scope;
  for (const auto& f : fields) project->exprs.push_back(cp::field_ref(f->name()));
  for (const CatalogColumn& column : table->columns) {
    if (!column.computed) continue;
    Relation physical{rel.plan, rel.scope};
    auto bound = BindWithHooks(*column.computed, *rel.plan->schema, *table->script,
                               BindHooks{nullptr,
                                         [this, &physical](const ColumnRefExpr& ref) {
                                           return Resolve(ref, physical.scope);
                                         },
                                         nullptr, nullptr, nullptr});
    ARROW_RETURN_NOT_OK(bound.status());
    std::string field = NewField(column.name);
    project->exprs.push_back(bound->expr);
    out_fields.push_back(arrow::field(field, bound->type));
    scope.push_back({qualifier, column.name, field, bound->type});
  }
  project->schema = arrow::schema(out_fields);
  return Relation{project, scope};
}

arrow::Result<Relation> Planner::Impl::PlanTableRef(const TableRef& ref) {
  ARROW_ASSIGN_OR_RAISE(Relation rel, PlanTableRefUnaliased(ref));
  if (ref.column_aliases.empty()) return rel;
  if (ref.column_aliases.size() != rel.scope.size()) {
    return ErrorAtPos(ref.column_aliases.front().position, "invalid alias",
                      fmt::format(": {} column names for {} columns",
                                  ref.column_aliases.size(), rel.scope.size()));
  }
  for (size_t i = 0; i < rel.scope.size(); ++i)
    rel.scope[i].name = ref.column_aliases[i].name;
  return rel;
}

arrow::Result<Relation> Planner::Impl::PlanTableRefUnaliased(const TableRef& ref) {
  switch (ref.kind) {
    case TableRef::Kind::kNamed: {
      ARROW_ASSIGN_OR_RAISE(std::string name, CatalogName(ref.name));
      std::string qualifier = ref.alias ? ref.alias->name : name;
      if (ref.name.size() == 1) {
        for (size_t level = ctes.size(); level-- > 0;) {
          size_t index = ctes[level].size();
          for (size_t i = 0; i < ctes[level].size(); ++i) {
            if (EqualsIgnoreCase(ctes[level][i]->name.name, name)) index = i;
          }
          if (index == ctes[level].size()) continue;
          const CommonTable* cte = ctes[level][index];
          // A WITH query sees the ones defined before it (not itself: WITH is not
          // recursive), so `WITH a AS (SELECT … FROM a)` reads table a.
          auto saved_ctes = ctes;
          ctes.resize(level + 1);
          ctes[level].resize(index);
          auto planned_or = PlanQuery(*cte->query);
          ctes = std::move(saved_ctes);
          ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, std::move(planned_or));
          std::vector<std::string> names = planned.column_names;
          if (!cte->columns.empty()) {
            if (cte->columns.size() != names.size()) {
              return ErrorAtPos(cte->name.position, "invalid WITH query",
                                fmt::format(": {} column names for {} columns",
                                            cte->columns.size(), names.size()));
            }
            for (size_t i = 0; i < names.size(); ++i) names[i] = cte->columns[i].name;
          }
          return Derived(planned.plan, names, qualifier);
        }
      }
      if (auto view = catalog.FindView(name)) {
        ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, PlanViewQuery(*view));
        return Derived(planned.plan, planned.column_names, qualifier);
      }
      auto table = catalog.FindTable(name);
      if (table == nullptr) {
        std::vector<std::string> names = catalog.TableNames();
        for (const std::string& v : catalog.ViewNames()) names.push_back(v);
        for (const auto& level : ctes) {
          for (const CommonTable* cte : level) names.push_back(cte->name.name);
        }
        return ErrorAtPos(ref.position, fmt::format("unknown table '{}'", name),
                          DidYouMean(name, names));
      }
      return ScanTable(table, qualifier);
    }
    case TableRef::Kind::kFunction: {
      ARROW_ASSIGN_OR_RAISE(std::shared_ptr<const CatalogTable> table,
                            ResolveTableFunction(ref, source()));
      return ScanTable(table, ref.alias ? ref.alias->name : table->name);
    }
    case TableRef::Kind::kSubquery: {
      ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, PlanQuery(*ref.query));
      return Derived(planned.plan, planned.column_names,
                     ref.alias ? ref.alias->name : "");
    }
    case TableRef::Kind::kJoin:
      return PlanJoin(ref);
    case TableRef::Kind::kWindow:
      return PlanWindowTvf(ref);
    case TableRef::Kind::kLateral:
      // FROM UNNEST(ARRAY[…]) alone: over one row without columns.
      return PlanCorrelate(Relation{OneRow(), {}}, ref, JoinKind::kCross, nullptr);
  }
  return arrow::Status::Invalid("unknown FROM item");
}

Relation Planner::Impl::Derived(const PlanPtr& plan,
                                const std::vector<std::string>& names,
                                const std::string& qualifier) {
  Relation rel;
  rel.plan = plan;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    const auto& field = plan->schema->field(i);
    rel.scope.push_back({qualifier, names[i], field->name(), field->type()});
  }
  return rel;
}

std::string Planner::Impl::KeyField(const cp::Expression& expr) {
  if (const arrow::FieldRef* ref = expr.field_ref()) {
    if (ref->name() != nullptr) return *ref->name();
  }
  return "";
}

arrow::Result<Relation> Planner::Impl::PlanJoin(const TableRef& ref) {
  ARROW_ASSIGN_OR_RAISE(Relation left, PlanTableRef(*ref.left));
  if (ref.right->kind == TableRef::Kind::kLateral) {
    if (!ref.using_columns.empty()) {
      return ErrorAtPos(ref.right->position, "invalid join",
                        ": a join with a table function takes ON TRUE, not USING");
    }
    return PlanCorrelate(std::move(left), *ref.right, ref.join, ref.condition);
  }
  ARROW_ASSIGN_OR_RAISE(Relation right, PlanTableRef(*ref.right));
  size_t left_width = left.scope.size();
  for (const ScopeColumn& l : left.scope) {
    for (const ScopeColumn& r : right.scope) {
      if (!l.qualifier.empty() && EqualsIgnoreCase(l.qualifier, r.qualifier)) {
        return ErrorAtPos(ref.right->position, "duplicate table name",
                          fmt::format(": '{}' appears twice in FROM; give one of them "
                                      "another alias",
                                      r.qualifier));
      }
    }
  }
  Relation both;
  both.scope = left.scope;
  both.scope.insert(both.scope.end(), right.scope.begin(), right.scope.end());
  arrow::FieldVector fields = left.plan->schema->fields();
  for (const auto& f : right.plan->schema->fields()) fields.push_back(f);
  auto combined_schema = arrow::schema(fields);
  PlanJoinType type = PlanJoinType::kInner;
  switch (ref.join) {
    case JoinKind::kLeft:
      type = PlanJoinType::kLeft;
      break;
    case JoinKind::kRight:
      type = PlanJoinType::kRight;
      break;
    case JoinKind::kFull:
      type = PlanJoinType::kFull;
      break;
    default:
      break;
  }
  std::vector<ExprPtr> conjuncts;
  std::vector<std::pair<cp::Expression, cp::Expression>> keys;
  std::vector<cp::Expression> residual;
  if (!ref.using_columns.empty()) {
    for (const Identifier& column : ref.using_columns) {
      auto l = Resolve(ColumnRefExpr({column}), left.scope);
      auto r = Resolve(ColumnRefExpr({column}), right.scope);
      if (!l.ok() || !r.ok()) {
        return ErrorAtPos(
            column.position, "invalid USING",
            fmt::format(": column '{}' must exist on both sides", column.name));
      }
      keys.emplace_back(cp::field_ref(l->ref), cp::field_ref(r->ref));
    }
  } else if (ref.condition) {
    SplitConjuncts(ref.condition, &conjuncts);
  }
  // A dummy relation to bind ON conditions over both sides.
  auto placeholder = NewNode(PlanKind::kValues, {});
  placeholder->schema = combined_schema;
  both.plan = placeholder;
  for (const ExprPtr& conjunct : conjuncts) {
    if (conjunct->kind() == ExprKind::kBinary &&
        static_cast<const BinaryExpr&>(*conjunct).op() == BinaryOp::kEqual) {
      const auto& eq = static_cast<const BinaryExpr&>(*conjunct);
      Relation left_only{both.plan, left.scope};
      Relation right_only{both.plan, right.scope};
      auto a_left = Bind(*eq.left(), left_only);
      auto b_right = Bind(*eq.right(), right_only);
      if (a_left.ok() && b_right.ok()) {
        ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*a_left, *b_right, *conjunct));
        keys.push_back(pair);
        continue;
      }
      auto a_right = Bind(*eq.left(), right_only);
      auto b_left = Bind(*eq.right(), left_only);
      if (a_right.ok() && b_left.ok()) {
        ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*b_left, *a_right, *conjunct));
        keys.push_back(pair);
        continue;
      }
    }
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*conjunct, both));
    if (bound.type->id() != arrow::Type::BOOL && bound.type->id() != arrow::Type::NA) {
      return ErrorAtPos(StartPosition(*conjunct), "type error",
                        ": a join condition must be boolean");
    }
    residual.push_back(bound.expr);
  }
  ARROW_ASSIGN_OR_RAISE(Relation joined, MakeJoin(std::move(left), std::move(right), type,
                                                  keys, residual, false));
  if (ref.using_columns.empty()) return joined;
  // USING: each column is visible once, first; the sides' copies stay reachable
  // qualified. FULL joins merge them with COALESCE, RIGHT joins show the right one.
  auto merge = NewNode(PlanKind::kProject, {joined.plan});
  arrow::FieldVector merged_fields;
  std::vector<ScopeColumn> merged_scope;
  for (const Identifier& column : ref.using_columns) {
    ScopeColumn* l = nullptr;
    ScopeColumn* r = nullptr;
    for (size_t i = 0; i < joined.scope.size(); ++i) {
      ScopeColumn& c = joined.scope[i];
      if (c.hidden || !NameMatches(column, c.name)) continue;
      (i < left_width ? l : r) = &c;
    }
    if (l == nullptr || r == nullptr) continue;
    cp::Expression merged =
        type == PlanJoinType::kFull
            ? cp::call("coalesce", {cp::field_ref(l->field), cp::field_ref(r->field)})
        : type == PlanJoinType::kRight ? cp::field_ref(r->field)
                                       : cp::field_ref(l->field);
    std::string field = NewField(l->name);
    ARROW_ASSIGN_OR_RAISE(merged, merged.Bind(*joined.plan->schema));
    merge->exprs.push_back(merged);
    merged_fields.push_back(arrow::field(field, merged.type()->GetSharedPtr()));
    merged_scope.push_back({"", l->name, field, merged.type()->GetSharedPtr()});
    l->hidden = true;
    r->hidden = true;
  }
  for (const auto& f : joined.plan->schema->fields()) {
    ARROW_ASSIGN_OR_RAISE(auto passthrough,
                          cp::field_ref(f->name()).Bind(*joined.plan->schema));
    merge->exprs.push_back(passthrough);
    merged_fields.push_back(f);
  }
  merge->schema = arrow::schema(merged_fields);
  merged_scope.insert(merged_scope.end(), joined.scope.begin(), joined.scope.end());
  return Relation{merge, merged_scope};
}

arrow::Result<std::pair<cp::Expression, cp::Expression>> Planner::Impl::UnifyKeys(
    const BoundExpr& left, const BoundExpr& right, const Expr& node) {
  auto common = CommonType(left.type, right.type);
  if (!common.ok()) {
    return ErrorAtPos(node.position(), "type error",
                      fmt::format(": cannot compare {} with {} in a join",
                                  left.type->ToString(), right.type->ToString()));
  }
  auto convert = [&](const BoundExpr& side) {
    if (ValueType(side.type)->Equals(**common)) return side.expr;
    return cp::call("cast", {side.expr}, cp::CastOptions::Safe(*common));
  };
  return std::make_pair(convert(left), convert(right));
}

arrow::Result<Relation> Planner::Impl::MakeJoin(
    Relation left, Relation right, PlanJoinType type,
    const std::vector<std::pair<cp::Expression, cp::Expression>>& keys,
    const std::vector<cp::Expression>& residual, bool null_equal) {
  std::vector<std::string> left_keys, right_keys;
  std::vector<cp::Expression> extra_left, extra_right;
  for (const auto& [l, r] : keys) {
    std::string lf = KeyField(l);
    std::string rf = KeyField(r);
    if (lf.empty()) {
      lf = NewField("key");
      extra_left.push_back(l);
    }
    if (rf.empty()) {
      rf = NewField("key");
      extra_right.push_back(r);
    }
    left_keys.push_back(lf);
    right_keys.push_back(rf);
  }
  auto add_keys = [&](Relation& side, const std::vector<std::string>& key_names,
                      const std::vector<cp::Expression>& extra) -> arrow::Status {
    if (extra.empty()) return arrow::Status::OK();
    auto project = NewNode(PlanKind::kProject, {side.plan});
    arrow::FieldVector fields = side.plan->schema->fields();
    for (const auto& f : fields) project->exprs.push_back(cp::field_ref(f->name()));
    size_t e = 0;
    for (const std::string& name : key_names) {
      if (side.plan->schema->GetFieldIndex(name) >= 0) continue;
      ARROW_ASSIGN_OR_RAISE(auto bound, extra[e].Bind(*side.plan->schema));
      project->exprs.push_back(bound);
      fields.push_back(arrow::field(name, bound.type()->GetSharedPtr()));
      ++e;
    }
    project->schema = arrow::schema(fields);
    side.plan = project;
    return arrow::Status::OK();
  };
  ARROW_RETURN_NOT_OK(add_keys(left, left_keys, extra_left));
  ARROW_RETURN_NOT_OK(add_keys(right, right_keys, extra_right));
  auto join = NewNode(PlanKind::kJoin, {left.plan, right.plan});
  join->join_type = type;
  join->left_keys = left_keys;
  join->right_keys = right_keys;
  join->null_equal_keys = null_equal;
  arrow::FieldVector fields = left.plan->schema->fields();
  bool keep_right = type != PlanJoinType::kSemi && type != PlanJoinType::kAnti;
  if (keep_right) {
    for (const auto& f : right.plan->schema->fields()) fields.push_back(f);
  }
  // Outer joins make the other side's columns nullable.
  for (auto& f : fields) f = f->WithNullable(true);
  join->schema = arrow::schema(fields);
  if (!residual.empty()) {
    cp::Expression condition = cp::and_(residual);
    arrow::FieldVector all = left.plan->schema->fields();
    for (const auto& f : right.plan->schema->fields()) all.push_back(f);
    ARROW_ASSIGN_OR_RAISE(join->residual, condition.Bind(arrow::Schema(all)));
  }
  Relation rel;
  rel.plan = join;
  rel.scope = left.scope;
  if (keep_right)
    rel.scope.insert(rel.scope.end(), right.scope.begin(), right.scope.end());
  return rel;
}

}  // namespace weir::sql
