#include "weir/common/suggest.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

arrow::Result<PlannedQuery> Planner::Impl::PlanSelect(const Query& query) {
  const SelectBlock& block = query.select;
  Relation rel;
  if (block.from) {
    ARROW_ASSIGN_OR_RAISE(rel, PlanTableRef(*block.from));
  } else {
    rel.plan = OneRow();
  }
  if (block.where) {
    ARROW_ASSIGN_OR_RAISE(rel, PlanWhere(std::move(rel), block.where));
  }
  std::vector<const FunctionCallExpr*> aggregates;
  for (const SelectItem& item : block.items)
    CollectAggregates(item.expr, &aggregates, &catalog);
  CollectAggregates(block.having, &aggregates, &catalog);
  for (const OrderItem& item : query.order_by)
    CollectAggregates(item.expr, &aggregates, &catalog);
  for (const auto& [name, window] : block.windows) {
    for (const ExprPtr& key : window->partition_by)
      CollectAggregates(key, &aggregates, &catalog);
    for (const WindowOrderKey& key : window->order_by) {
      CollectAggregates(key.expr, &aggregates, &catalog);
    }
  }
  bool grouped =
      !block.group_by.empty() || !block.grouping_sets.empty() || !aggregates.empty();

  BindHooks post_hooks;
  // Correlated scalar subqueries in the SELECT list of a query without grouping:
  // LEFT joins, as in WHERE.
  std::map<const Expr*, TypedExpr> joined;
  if (!grouped) {
    for (const SelectItem& item : block.items) {
      if (item.star) continue;
      ARROW_ASSIGN_OR_RAISE(rel,
                            JoinScalarSubqueries(std::move(rel), *item.expr, &joined));
    }
    if (!joined.empty()) post_hooks.substitute = SubstituteJoined(&joined);
  }
  Relation post = rel;
  if (!block.grouping_sets.empty()) {
    ARROW_ASSIGN_OR_RAISE(post, PlanGroupingSets(rel, block, aggregates, &post_hooks));
  } else if (grouped) {
    ARROW_ASSIGN_OR_RAISE(post, PlanAggregate(rel, block, aggregates, &post_hooks));
  } else if (block.having) {
    return ErrorAtPos(StartPosition(*block.having), "invalid HAVING",
                      ": HAVING needs GROUP BY or aggregates");
  }
  std::vector<const FunctionCallExpr*> over_calls;
  for (const SelectItem& item : block.items) CollectOverCalls(item.expr, &over_calls);
  if (!over_calls.empty()) {
    // Windows apply after grouping: their keys and arguments bind against the
    // groups (aggregates and keys substituted), as in SQL's evaluation order.
    ARROW_ASSIGN_OR_RAISE(post,
                          PlanOver(std::move(post), block, over_calls, &post_hooks));
  }
  if (block.having) {
    ARROW_ASSIGN_OR_RAISE(BoundExpr having, Bind(*block.having, post, post_hooks));
    auto filter = NewNode(PlanKind::kFilter, {post.plan});
    filter->predicate = having.expr;
    filter->schema = post.plan->schema;
    post.plan = filter;
  }

  // The SELECT list.
  std::vector<OutputColumn> outputs;
  int expr_counter = 0;
  for (const SelectItem& item : block.items) {
    if (item.star) {
      if (grouped) {
        return ErrorAtPos(item.position, "invalid *",
                          ": SELECT * is not allowed with GROUP BY or aggregates");
      }
      bool any = false;
      for (const ScopeColumn& column : post.scope) {
        if (!item.star_qualifier.empty() &&
            !EqualsIgnoreCase(item.star_qualifier, column.qualifier)) {
          continue;
        }
        if (item.star_qualifier.empty() && column.hidden) continue;
        any = true;
        outputs.push_back({column.name, cp::field_ref(column.field), column.type});
      }
      if (!any) {
        return ErrorAtPos(
            item.position, "invalid *",
            fmt::format(": no table named '{}' in FROM", item.star_qualifier));
      }
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*item.expr, post, post_hooks));
    std::string name;
    if (item.alias) {
      name = item.alias->name;
    } else if (item.expr->kind() == ExprKind::kColumnRef) {
      name = static_cast<const ColumnRefExpr&>(*item.expr).path().back().name;
    } else {
      name = fmt::format("EXPR${}", expr_counter);
    }
    ++expr_counter;
    outputs.push_back({name, bound.expr, bound.type, item.expr.get()});
  }

  // ORDER BY keys: output aliases or ordinals first, then expressions over the
  // query's scope (added as hidden columns).
  std::vector<SortField> sort_fields;
  std::vector<OutputColumn> hidden;
  std::vector<std::string> output_fields;
  for (const OutputColumn& out : outputs) output_fields.push_back(NewField(out.name));
  for (const OrderItem& item : query.order_by) {
    SortField key;
    key.descending = item.descending;
    key.nulls_first = item.nulls_first.value_or(!item.descending);
    int index = -1;
    if (item.expr->kind() == ExprKind::kLiteral &&
        static_cast<const LiteralExpr&>(*item.expr).literal_kind() ==
            LiteralKind::kInteger) {
      int64_t ordinal =
          std::get<int64_t>(static_cast<const LiteralExpr&>(*item.expr).value());
      if (ordinal < 1 || ordinal > static_cast<int64_t>(outputs.size())) {
        return ErrorAtPos(item.expr->position(), "invalid ORDER BY",
                          fmt::format(": position {} is not in the SELECT list (1 to {})",
                                      ordinal, outputs.size()));
      }
      index = static_cast<int>(ordinal - 1);
    } else if (item.expr->kind() == ExprKind::kColumnRef &&
               static_cast<const ColumnRefExpr&>(*item.expr).path().size() == 1) {
      const Identifier& id = static_cast<const ColumnRefExpr&>(*item.expr).path()[0];
      for (size_t i = 0; i < outputs.size(); ++i) {
        // An output alias wins over an input column of the same name.
        if (NameMatches(id, outputs[i].name) && outputs[i].source != nullptr) {
          index = static_cast<int>(i);
          break;
        }
      }
    }
    if (index < 0) {
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].source != nullptr &&
            outputs[i].source->ToString() == item.expr->ToString()) {
          index = static_cast<int>(i);
          break;
        }
      }
    }
    if (index < 0 && item.expr->kind() == ExprKind::kColumnRef &&
        static_cast<const ColumnRefExpr&>(*item.expr).path().size() == 1) {
      const Identifier& id = static_cast<const ColumnRefExpr&>(*item.expr).path()[0];
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (NameMatches(id, outputs[i].name)) {
          index = static_cast<int>(i);
          break;
        }
      }
    }
    if (index >= 0) {
      key.field = output_fields[index];
    } else {
      if (block.distinct) {
        return ErrorAtPos(StartPosition(*item.expr), "invalid ORDER BY",
                          ": with SELECT DISTINCT, ORDER BY expressions must appear "
                          "in the SELECT list");
      }
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*item.expr, post, post_hooks));
      std::string field = NewField("order");
      hidden.push_back({field, bound.expr, bound.type, item.expr.get()});
      key.field = field;
    }
    sort_fields.push_back(key);
  }

  auto project = NewNode(PlanKind::kProject, {post.plan});
  arrow::FieldVector fields;
  for (size_t i = 0; i < outputs.size(); ++i) {
    project->exprs.push_back(outputs[i].expr);
    fields.push_back(arrow::field(output_fields[i], outputs[i].type));
  }
  for (const OutputColumn& extra : hidden) {
    project->exprs.push_back(extra.expr);
    fields.push_back(arrow::field(extra.name, extra.type));
  }
  project->schema = arrow::schema(fields);
  for (auto& expr : project->exprs) {
    ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*post.plan->schema));
  }
  PlanPtr plan = project;
  std::vector<std::string> names;
  for (const OutputColumn& out : outputs) names.push_back(out.name);
  if (block.distinct) {
    auto distinct = NewNode(PlanKind::kAggregate, {plan});
    for (const std::string& f : output_fields) distinct->group_keys.push_back(f);
    distinct->schema = plan->schema;
    plan = distinct;
  }
  if (!sort_fields.empty()) {
    auto sort = NewNode(PlanKind::kSort, {plan});
    sort->sort_fields = sort_fields;
    sort->schema = plan->schema;
    plan = sort;
  }
  plan = ApplyLimit(plan, query);
  if (!hidden.empty()) {
    auto drop = NewNode(PlanKind::kProject, {plan});
    arrow::FieldVector kept;
    for (size_t i = 0; i < outputs.size(); ++i) {
      drop->exprs.push_back(cp::field_ref(output_fields[i]));
      kept.push_back(plan->schema->field(static_cast<int>(i)));
    }
    drop->schema = arrow::schema(kept);
    for (auto& expr : drop->exprs) {
      ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*plan->schema));
    }
    plan = drop;
  }
  return PlannedQuery{plan, names};
}

PlanPtr Planner::Impl::ApplyLimit(PlanPtr plan, const Query& query) {
  if (!query.limit && query.offset == 0) return plan;
  auto limit = NewNode(PlanKind::kLimit, {plan});
  limit->limit = query.limit;
  limit->offset = query.offset;
  limit->schema = plan->schema;
  return limit;
}

PlanPtr Planner::Impl::OneRow() {
  auto values = NewNode(PlanKind::kValues, {});
  auto schema = arrow::schema(arrow::FieldVector{});
  values->values = arrow::Table::Make(schema, arrow::ChunkedArrayVector{}, 1);
  values->schema = schema;
  return values;
}

arrow::Result<AggregateCall> Planner::Impl::PlanUserAggregate(
    const FunctionCallExpr& call, const CatalogFunction& function, const Relation& rel,
    std::map<std::string, std::string>* input_fields, PlanNode* pre,
    arrow::FieldVector* pre_fields) {
  if (call.distinct() || call.star() || call.filter()) {
    return ErrorAtPos(
        call.position(), "invalid call",
        fmt::format(": {} takes neither DISTINCT, * nor FILTER", function.description));
  }
  const size_t count = call.args().size();
  if (!function.arg_types.empty() && count != function.arg_types.size()) {
    return ErrorAtPos(call.name().position, "invalid call",
                      fmt::format(": {} expects {} argument{} but got {}",
                                  function.description, function.arg_types.size(),
                                  function.arg_types.size() == 1 ? "" : "s", count));
  }
  std::vector<cp::Expression> args;
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    BindHooks no_nested;
    no_nested.unknown_function =
        [this](const FunctionCallExpr& inner) -> arrow::Result<std::optional<TypedExpr>> {
      if (IsAggregateFunction(inner.name().name) ||
          UserAggregate(catalog, inner.name().name) != nullptr) {
        return ErrorAtPos(inner.position(), "invalid aggregate",
                          ": aggregate functions cannot be nested");
      }
      return std::optional<TypedExpr>();
    };
    ARROW_ASSIGN_OR_RAISE(BoundExpr arg, Bind(*call.args()[i], rel, no_nested));
    if (!function.arg_types.empty() && !arg.type->Equals(*function.arg_types[i])) {
      arg.expr =
          cp::call("cast", {arg.expr}, cp::CastOptions::Safe(function.arg_types[i]));
    }
    args.push_back(arg.expr);
    names.push_back(fmt::format("__weir_arg{}", i));
  }
  AggregateCall out;
  out.function = "user";
  out.user_function = function.aggregate_function;
  out.output = NewField(call.name().name);
  out.display = call.ToString();
  if (args.empty()) return out;
  // Several arguments travel as one struct column, a field each.
  cp::Expression input =
      args.size() == 1
          ? args[0]
          : cp::call("make_struct", args, cp::MakeStructOptions(std::move(names)));
  ARROW_ASSIGN_OR_RAISE(input, input.Bind(*rel.plan->schema));
  std::string text = input.ToString();
  auto found = input_fields->find(text);
  if (found != input_fields->end()) {
    out.input = found->second;
    return out;
  }
  out.input = NewField("arg");
  (*input_fields)[text] = out.input;
  pre->exprs.push_back(input);
  pre_fields->push_back(arrow::field(out.input, input.type()->GetSharedPtr()));
  return out;
}

arrow::Result<Relation> Planner::Impl::PlanAggregate(
    const Relation& input, const SelectBlock& block,
    const std::vector<const FunctionCallExpr*>& calls, BindHooks* post_hooks) {
  // Legacy group windows (GROUP BY TUMBLE(ts, INTERVAL …)) become a window table
  // function below and its window_start/end/rowtime keys, named by TUMBLE_START(…)…
  Relation rel = input;
  std::vector<ExprPtr> group_by;
  std::vector<std::string> key_names;  // the text naming each key ("": its own)
  for (const ExprPtr& key : block.group_by) {
    if (GroupWindowCall(*key)) {
      ARROW_ASSIGN_OR_RAISE(
          rel, PlanGroupWindow(std::move(rel), static_cast<const FunctionCallExpr&>(*key),
                               &group_by, &key_names));
    } else {
      group_by.push_back(key);
      key_names.push_back("");
    }
  }
  // Pre-projection: group keys and aggregate inputs as columns.
  auto pre = NewNode(PlanKind::kProject, {rel.plan});
  arrow::FieldVector pre_fields;
  std::vector<std::string> key_fields;
  std::vector<TypePtr> key_types;
  std::vector<std::string> key_texts;
  std::vector<std::string> key_columns;  // the field a plain column key refers to
  for (size_t k = 0; k < group_by.size(); ++k) {
    const ExprPtr& key = group_by[k];
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key, rel));
    std::string visible = key->kind() == ExprKind::kColumnRef
                              ? static_cast<const ColumnRefExpr&>(*key).path().back().name
                              : "key";
    std::string field = NewField(visible);
    pre->exprs.push_back(bound.expr);
    pre_fields.push_back(arrow::field(field, bound.type));
    key_fields.push_back(field);
    key_types.push_back(bound.type);
    key_texts.push_back(key_names[k].empty() ? key->ToString() : key_names[k]);
    key_columns.push_back(KeyField(bound.expr));
  }
  auto agg = NewNode(PlanKind::kAggregate, {});
  agg->group_keys = key_fields;
  std::map<const Expr*, std::pair<std::string, TypePtr>> agg_outputs;
  std::map<std::string, std::string> input_fields;  // bound input text -> field
  std::map<std::string, TypePtr> kernel_types;      // output -> Arrow's result type
  for (const FunctionCallExpr* call : calls) {
    if (agg_outputs.count(call) != 0) continue;
    if (auto user = UserAggregate(catalog, call->name().name)) {
      ARROW_ASSIGN_OR_RAISE(
          AggregateCall user_call,
          PlanUserAggregate(*call, *user, rel, &input_fields, pre.get(), &pre_fields));
      agg_outputs[call] = {user_call.output, user->aggregate_function->result_type()};
      kernel_types[user_call.output] = user->aggregate_function->result_type();
      agg->aggregates.push_back(std::move(user_call));
      continue;
    }
    std::optional<BoundExpr> input;
    const bool listagg = common::ToUpperAscii(call->name().name) == "LISTAGG";
    if (!call->star()) {
      if (call->args().size() != 1 && !(listagg && call->args().size() == 2)) {
        return ErrorAtPos(call->position(), "invalid call",
                          fmt::format(": {} takes {}", call->name().name,
                                      listagg ? "one or two arguments" : "one argument"));
      }
      BindHooks no_nested;
      no_nested.unknown_function =
          [this](
              const FunctionCallExpr& inner) -> arrow::Result<std::optional<TypedExpr>> {
        if (IsAggregateFunction(inner.name().name)) {
          return ErrorAtPos(inner.position(), "invalid aggregate",
                            ": aggregate functions cannot be nested");
        }
        return std::optional<TypedExpr>();
      };
      ARROW_ASSIGN_OR_RAISE(input, Bind(*call->args()[0], rel, no_nested));
    }
    ARROW_ASSIGN_OR_RAISE(
        AggregatePlan plan,
        PlanAggregateCall(*call, input ? input->type : nullptr, source()));
    std::string input_field;
    if (input && plan.input_cast) {
      input->expr =
          cp::call("cast", {input->expr}, cp::CastOptions::Safe(plan.input_cast));
      input->type = plan.input_cast;
    }
    if (call->filter()) {
      // agg(x) FILTER (WHERE c) aggregates IF(c, x, NULL): rows failing c are NULL
      // to the aggregate, which skips them; COUNT(*) becomes a COUNT of such values.
      ARROW_ASSIGN_OR_RAISE(BoundExpr condition, Bind(*call->filter(), rel));
      if (condition.type->id() != arrow::Type::BOOL) {
        return ErrorAtPos(StartPosition(*call->filter()), "invalid FILTER",
                          fmt::format(": the condition must be BOOLEAN, not {}",
                                      SqlTypeName(condition.type)));
      }
      if (!input) {
        input = BoundExpr{cp::literal(true), arrow::boolean()};
        plan.function = "count";
        plan.options = std::make_shared<cp::CountOptions>(cp::CountOptions::ONLY_VALID);
      }
      input->expr = cp::call(
          "if_else",
          {condition.expr, input->expr, cp::literal(arrow::MakeNullScalar(input->type))});
    }
    if (input) {
      std::string text = input->expr.ToString();
      auto found = input_fields.find(text);
      if (found != input_fields.end()) {
        input_field = found->second;
      } else {
        input_field = NewField("arg");
        input_fields[text] = input_field;
        pre->exprs.push_back(input->expr);
        pre_fields.push_back(arrow::field(input_field, input->type));
      }
    }
    std::string output = NewField(call->name().name);
    AggregateCall agg_call;
    agg_call.function = plan.function;
    agg_call.input = input_field;
    agg_call.options = plan.options;
    agg_call.output = output;
    agg_call.result_type = plan.cast_to;
    agg_call.display = call->ToString();
    if (listagg) {
      ARROW_ASSIGN_OR_RAISE(agg_call.separator, ListAggSeparator(*call, source()));
    }
    agg->aggregates.push_back(agg_call);
    agg_outputs[call] = {output, plan.cast_to ? plan.cast_to : plan.result_type};
    kernel_types[output] = plan.result_type;
  }
  pre->schema = arrow::schema(pre_fields);
  for (auto& expr : pre->exprs) {
    ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*rel.plan->schema));
  }
  agg->inputs = {pre};
  arrow::FieldVector agg_fields;
  for (size_t i = 0; i < key_fields.size(); ++i) {
    agg_fields.push_back(arrow::field(key_fields[i], key_types[i]));
  }
  for (const AggregateCall& call : agg->aggregates) {
    agg_fields.push_back(arrow::field(call.output, kernel_types[call.output]));
  }
  agg->schema = arrow::schema(agg_fields);
  Relation post;
  post.plan = agg;
  // Post-aggregation binding: keys by text or by column, aggregates by node.
  std::vector<ScopeColumn> pre_scope = rel.scope;
  post_hooks->substitute =
      [this, key_fields, key_types, key_texts, key_columns, agg_outputs,
       pre_scope](const Expr& expr) -> arrow::Result<std::optional<TypedExpr>> {
    auto as_column = [&](const std::string& field, const TypePtr& type) {
      TypedExpr typed;
      typed.expr = cp::field_ref(field);
      typed.type = type;
      return std::optional<TypedExpr>(typed);
    };
    auto found = agg_outputs.find(&expr);
    if (found != agg_outputs.end()) {
      return as_column(found->second.first, found->second.second);
    }
    std::string text = expr.ToString();
    for (size_t i = 0; i < key_texts.size(); ++i) {
      // Keyword and function name case does not matter: GROUP BY upper(s) serves
      // SELECT UPPER(s).
      if (EqualsIgnoreCase(key_texts[i], text)) {
        return as_column(key_fields[i], key_types[i]);
      }
    }
    if (expr.kind() == ExprKind::kColumnRef) {
      const auto& ref = static_cast<const ColumnRefExpr&>(expr);
      ARROW_ASSIGN_OR_RAISE(ResolvedColumn column, Resolve(ref, pre_scope));
      const std::string* name = column.ref.name();
      for (size_t i = 0; i < key_columns.size(); ++i) {
        if (name != nullptr && !key_columns[i].empty() && key_columns[i] == *name) {
          return as_column(key_fields[i], key_types[i]);
        }
      }
      // A field of a grouped struct column: s.a with GROUP BY s.
      return ErrorAtPos(ref.position(), "invalid reference",
                        fmt::format(": column '{}' must appear in GROUP BY or be used "
                                    "in an aggregate function",
                                    ref.DottedName()));
    }
    return std::optional<TypedExpr>();
  };
  if (!agg->aggregates.empty() &&
      std::any_of(agg->aggregates.begin(), agg->aggregates.end(),
                  [](const AggregateCall& c) { return c.result_type != nullptr; })) {
    // Casts the aggregates whose SQL type differs from Arrow's result.
    auto cast = NewNode(PlanKind::kProject, {post.plan});
    arrow::FieldVector fields;
    for (const auto& f : agg->schema->fields()) {
      cp::Expression e = cp::field_ref(f->name());
      TypePtr type = f->type();
      for (const AggregateCall& c : agg->aggregates) {
        if (c.output == f->name() && c.result_type) {
          cp::CastOptions options = cp::CastOptions::Safe(c.result_type);
          options.allow_float_truncate = true;  // AVG of integers truncates
          e = cp::call("cast", {e}, options);
          type = c.result_type;
        }
      }
      ARROW_ASSIGN_OR_RAISE(e, e.Bind(*agg->schema));
      cast->exprs.push_back(e);
      fields.push_back(arrow::field(f->name(), type));
    }
    cast->schema = arrow::schema(fields);
    post.plan = cast;
  }
  return post;
}

}  // namespace weir::sql
