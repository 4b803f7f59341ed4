#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

arrow::Result<PlannedQuery> Planner::Impl::PlanValues(const Query& query) {
  size_t width = query.values.front().size();
  std::vector<std::vector<std::shared_ptr<arrow::Scalar>>> columns(width);
  Relation empty{OneRow(), {}};
  for (const auto& row : query.values) {
    for (size_t c = 0; c < width; ++c) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*row[c], empty));
      if (!bound.expr.literal()) {
        return ErrorAtPos(StartPosition(*row[c]), "invalid VALUES",
                          ": VALUES takes constant expressions");
      }
      columns[c].push_back(bound.expr.literal()->scalar());
    }
  }
  arrow::FieldVector fields;
  arrow::ChunkedArrayVector arrays;
  std::vector<std::string> names;
  for (size_t c = 0; c < width; ++c) {
    TypePtr type = arrow::null();
    for (const auto& value : columns[c]) {
      auto common = CommonType(type, value->type);
      if (!common.ok()) {
        return ErrorAtPos(query.position, "type error",
                          fmt::format(": VALUES column {} mixes {} and {}", c + 1,
                                      type->ToString(), value->type->ToString()));
      }
      type = *common;
    }
    if (type->id() == arrow::Type::NA) type = arrow::null();
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(type));
    for (const auto& value : columns[c]) {
      std::shared_ptr<arrow::Scalar> converted = value;
      if (!value->type->Equals(*type)) {
        ARROW_ASSIGN_OR_RAISE(converted, value->CastTo(type));
      }
      ARROW_RETURN_NOT_OK(builder->AppendScalar(*converted));
    }
    ARROW_ASSIGN_OR_RAISE(auto array, builder->Finish());
    std::string name = fmt::format("EXPR${}", c);
    names.push_back(name);
    fields.push_back(arrow::field(NewField(name), type));
    arrays.push_back(std::make_shared<arrow::ChunkedArray>(array));
  }
  auto node = NewNode(PlanKind::kValues, {});
  node->schema = arrow::schema(fields);
  node->values =
      arrow::Table::Make(node->schema, arrays, static_cast<int64_t>(query.values.size()));
  PlanPtr plan = node;
  if (!query.order_by.empty()) {
    return ErrorAtPos(
        query.position, "unsupported",
        ": ORDER BY directly on VALUES; wrap it in SELECT * FROM (VALUES …)");
  }
  plan = ApplyLimit(plan, query);
  return PlannedQuery{plan, names};
}

arrow::Result<PlanPtr> Planner::Impl::CastColumns(const PlanPtr& plan,
                                                  const std::vector<TypePtr>& types,
                                                  const std::vector<std::string>& names) {
  auto project = NewNode(PlanKind::kProject, {plan});
  arrow::FieldVector fields;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    cp::Expression e = cp::field_ref(plan->schema->field(i)->name());
    if (!plan->schema->field(i)->type()->Equals(*types[i])) {
      e = cp::call("cast", {e}, cp::CastOptions::Safe(types[i]));
    }
    ARROW_ASSIGN_OR_RAISE(e, e.Bind(*plan->schema));
    project->exprs.push_back(e);
    fields.push_back(arrow::field(names[i], types[i]));
  }
  project->schema = arrow::schema(fields);
  return project;
}

arrow::Result<PlannedQuery> Planner::Impl::PlanSetOp(const Query& query) {
  ARROW_ASSIGN_OR_RAISE(PlannedQuery left, PlanQuery(*query.left));
  ARROW_ASSIGN_OR_RAISE(PlannedQuery right, PlanQuery(*query.right));
  int width = left.plan->schema->num_fields();
  if (right.plan->schema->num_fields() != width) {
    return ErrorAtPos(query.position, "invalid set operation",
                      fmt::format(": the left query has {} columns and the right {}",
                                  width, right.plan->schema->num_fields()));
  }
  std::vector<TypePtr> types;
  std::vector<std::string> left_names, right_names;
  for (int i = 0; i < width; ++i) {
    auto common = CommonType(left.plan->schema->field(i)->type(),
                             right.plan->schema->field(i)->type());
    if (!common.ok()) {
      return ErrorAtPos(query.position, "type error",
                        fmt::format(": column {} ('{}') is {} on the left and {} on "
                                    "the right",
                                    i + 1, left.column_names[i],
                                    left.plan->schema->field(i)->type()->ToString(),
                                    right.plan->schema->field(i)->type()->ToString()));
    }
    types.push_back(*common);
    left_names.push_back(NewField(left.column_names[i]));
    right_names.push_back(left_names.back());
  }
  // Both sides get the same column names.
  ARROW_ASSIGN_OR_RAISE(PlanPtr l, CastColumns(left.plan, types, left_names));
  PlanPtr plan;
  if (query.set_op == SetOpKind::kUnion) {
    ARROW_ASSIGN_OR_RAISE(PlanPtr r, CastColumns(right.plan, types, right_names));
    auto node = NewNode(PlanKind::kUnion, {l, r});
    node->schema = l->schema;
    plan = node;
    if (!query.set_all) plan = Distinct(plan);
  } else {
    if (query.set_all) {
      return ErrorAtPos(query.position, "unsupported",
                        ": INTERSECT ALL and EXCEPT ALL are not supported yet");
    }
    std::vector<std::string> renamed;
    for (int i = 0; i < width; ++i) renamed.push_back(NewField(left.column_names[i]));
    ARROW_ASSIGN_OR_RAISE(PlanPtr r, CastColumns(right.plan, types, renamed));
    auto join = NewNode(PlanKind::kJoin, {Distinct(l), r});
    join->join_type =
        query.set_op == SetOpKind::kIntersect ? PlanJoinType::kSemi : PlanJoinType::kAnti;
    join->left_keys = left_names;
    join->right_keys = renamed;
    join->null_equal_keys = true;
    join->schema = l->schema;
    plan = join;
  }
  if (!query.order_by.empty()) {
    std::vector<SortField> keys;
    for (const OrderItem& item : query.order_by) {
      int index = -1;
      if (item.expr->kind() == ExprKind::kLiteral) {
        const auto& lit = static_cast<const LiteralExpr&>(*item.expr);
        if (lit.literal_kind() == LiteralKind::kInteger) {
          index = static_cast<int>(std::get<int64_t>(lit.value())) - 1;
        }
      } else if (item.expr->kind() == ExprKind::kColumnRef) {
        const auto& ref = static_cast<const ColumnRefExpr&>(*item.expr);
        for (int i = 0; i < width; ++i) {
          if (NameMatches(ref.path().back(), left.column_names[i])) index = i;
        }
      }
      if (index < 0 || index >= width) {
        return ErrorAtPos(StartPosition(*item.expr), "invalid ORDER BY",
                          ": after a set operation, ORDER BY takes output column names "
                          "or positions");
      }
      keys.push_back({plan->schema->field(index)->name(), item.descending,
                      item.nulls_first.value_or(!item.descending)});
    }
    auto sort = NewNode(PlanKind::kSort, {plan});
    sort->sort_fields = keys;
    sort->schema = plan->schema;
    plan = sort;
  }
  plan = ApplyLimit(plan, query);
  return PlannedQuery{plan, left.column_names};
}

PlanPtr Planner::Impl::Distinct(const PlanPtr& plan) {
  auto distinct = NewNode(PlanKind::kAggregate, {plan});
  for (const auto& f : plan->schema->fields()) distinct->group_keys.push_back(f->name());
  distinct->schema = plan->schema;
  return distinct;
}

}  // namespace weir::sql
