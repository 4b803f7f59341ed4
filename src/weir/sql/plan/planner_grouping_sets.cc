// GROUP BY GROUPING SETS / ROLLUP / CUBE: one aggregation per grouping set, the
// keys a set does not group by set to NULL, all of them in one UNION ALL.
#include "weir/common/suggest.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

arrow::Result<Relation> Planner::Impl::PlanGroupingSets(
    const Relation& input, const SelectBlock& block,
    const std::vector<const FunctionCallExpr*>& calls, BindHooks* post_hooks) {
  // Every distinct key, in order of first appearance, with its type.
  std::vector<ExprPtr> keys;
  std::vector<TypePtr> key_types;
  std::vector<std::string> key_texts;
  auto index_of = [&](const Expr& expr) -> int {
    for (size_t i = 0; i < key_texts.size(); ++i) {
      if (EqualsIgnoreCase(key_texts[i], expr.ToString())) return static_cast<int>(i);
    }
    return -1;
  };
  for (const auto& set : block.grouping_sets) {
    for (const ExprPtr& key : set) {
      if (index_of(*key) >= 0) continue;
      if (GroupWindowCall(*key)) {
        return ErrorAtPos(key->position(), "unsupported window",
                          ": group windows inside GROUPING SETS, ROLLUP or CUBE are not "
                          "supported");
      }
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key, input));
      keys.push_back(key);
      key_types.push_back(bound.type);
      key_texts.push_back(key->ToString());
    }
  }
  if (keys.size() > 62) {
    return ErrorAtPos(block.position, "unsupported",
                      ": more than 62 distinct keys in GROUPING SETS");
  }
  // The columns every branch produces, under shared names: the keys, the
  // aggregates, and the grouping id (bit i set when key i is not grouped by, the
  // first key the most significant bit, as Flink's GROUPING_ID).
  std::vector<std::string> key_fields;
  for (const ExprPtr& key : keys) {
    key_fields.push_back(
        NewField(key->kind() == ExprKind::kColumnRef
                     ? static_cast<const ColumnRefExpr&>(*key).path().back().name
                     : "key"));
  }
  std::vector<const FunctionCallExpr*> unique_calls;
  for (const FunctionCallExpr* call : calls) {
    if (std::find(unique_calls.begin(), unique_calls.end(), call) == unique_calls.end()) {
      unique_calls.push_back(call);
    }
  }
  std::vector<std::string> agg_fields;
  std::vector<TypePtr> agg_types(unique_calls.size());
  for (const FunctionCallExpr* call : unique_calls) {
    agg_fields.push_back(NewField(call->name().name));
  }
  const std::string gid_field = NewField("$grouping_id");

  std::vector<PlanPtr> branches;
  for (const auto& set : block.grouping_sets) {
    SelectBlock one = block;
    one.grouping_sets.clear();
    one.group_by = set;
    BindHooks hooks;
    ARROW_ASSIGN_OR_RAISE(Relation post, PlanAggregate(input, one, unique_calls, &hooks));
    auto project = NewNode(PlanKind::kProject, {post.plan});
    arrow::FieldVector fields;
    int64_t gid = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
      bool grouped = false;
      for (const ExprPtr& key : set)
        grouped = grouped || index_of(*key) == static_cast<int>(k);
      cp::Expression e = cp::literal(arrow::MakeNullScalar(key_types[k]));
      if (grouped) {
        ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*keys[k], post, hooks));
        e = bound.expr;
        if (!bound.type->Equals(*key_types[k])) {
          e = cp::call("cast", {e}, cp::CastOptions::Safe(key_types[k]));
        }
      } else {
        gid |= int64_t{1} << (keys.size() - 1 - k);
      }
      project->exprs.push_back(e);
      fields.push_back(arrow::field(key_fields[k], key_types[k]));
    }
    for (size_t a = 0; a < unique_calls.size(); ++a) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*unique_calls[a], post, hooks));
      if (agg_types[a] == nullptr) agg_types[a] = bound.type;
      cp::Expression e = bound.expr;
      if (!bound.type->Equals(*agg_types[a])) {
        e = cp::call("cast", {e}, cp::CastOptions::Safe(agg_types[a]));
      }
      project->exprs.push_back(e);
      fields.push_back(arrow::field(agg_fields[a], agg_types[a]));
    }
    project->exprs.push_back(cp::literal(gid));
    fields.push_back(arrow::field(gid_field, arrow::int64(), false));
    project->schema = arrow::schema(fields);
    for (auto& expr : project->exprs) {
      ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*post.plan->schema));
    }
    branches.push_back(project);
  }
  Relation out;
  if (branches.size() == 1) {
    out.plan = branches[0];
  } else {
    auto node = NewNode(PlanKind::kUnion, branches);
    node->schema = branches[0]->schema;
    out.plan = node;
  }

  // Binding above: keys by text (or by the column a plain key reads), aggregates by
  // node, GROUPING(…)/GROUPING_ID(…) from the grouping id.
  std::vector<std::string> key_columns;
  for (const ExprPtr& key : keys) {
    ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key, input));
    key_columns.push_back(KeyField(bound.expr));
  }
  std::map<const Expr*, std::pair<std::string, TypePtr>> agg_outputs;
  for (size_t a = 0; a < unique_calls.size(); ++a) {
    agg_outputs[unique_calls[a]] = {agg_fields[a], agg_types[a]};
  }
  std::vector<ScopeColumn> pre_scope = input.scope;
  const size_t num_keys = keys.size();
  post_hooks->substitute =
      [this, key_fields, key_types, key_texts, key_columns, agg_outputs, pre_scope,
       gid_field, num_keys](const Expr& expr) -> arrow::Result<std::optional<TypedExpr>> {
    auto as_column = [&](const std::string& field, const TypePtr& type) {
      TypedExpr typed;
      typed.expr = cp::field_ref(field);
      typed.type = type;
      return std::optional<TypedExpr>(typed);
    };
    auto found = agg_outputs.find(&expr);
    if (found != agg_outputs.end())
      return as_column(found->second.first, found->second.second);
    if (expr.kind() == ExprKind::kFunctionCall) {
      const auto& call = static_cast<const FunctionCallExpr&>(expr);
      const std::string name = common::ToUpperAscii(call.name().name);
      if (name == "GROUPING" || name == "GROUPING_ID") {
        if (call.args().empty()) {
          return ErrorAtPos(call.position(), "invalid call",
                            fmt::format(": {} takes the grouped keys", name));
        }
        // Bit i of the result (from the right) tells whether the i-th argument
        // from the right is not grouped by.
        cp::Expression result = cp::literal(int64_t{0});
        const size_t n = call.args().size();
        for (size_t i = 0; i < n; ++i) {
          int index = -1;
          for (size_t k = 0; k < key_texts.size(); ++k) {
            if (EqualsIgnoreCase(key_texts[k], call.args()[i]->ToString())) {
              index = static_cast<int>(k);
            }
          }
          if (index < 0) {
            return ErrorAtPos(
                call.args()[i]->position(), "invalid call",
                fmt::format(": the argument of {} must be a GROUP BY key", name));
          }
          const int64_t shift = static_cast<int64_t>(num_keys) - 1 - index;
          cp::Expression bit = cp::call(
              "bit_wise_and",
              {cp::call("shift_right", {cp::field_ref(gid_field), cp::literal(shift)}),
               cp::literal(int64_t{1})});
          const int64_t weight = int64_t{1} << (n - 1 - i);
          result =
              cp::call("add", {result, cp::call("multiply", {bit, cp::literal(weight)})});
        }
        TypedExpr typed;
        typed.expr = result;
        typed.type = arrow::int64();
        return std::optional<TypedExpr>(typed);
      }
    }
    const std::string text = expr.ToString();
    for (size_t i = 0; i < key_texts.size(); ++i) {
      if (EqualsIgnoreCase(key_texts[i], text))
        return as_column(key_fields[i], key_types[i]);
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
      return ErrorAtPos(ref.position(), "invalid reference",
                        fmt::format(": column '{}' must appear in GROUP BY or be used "
                                    "in an aggregate function",
                                    ref.DottedName()));
    }
    return std::optional<TypedExpr>();
  };
  return out;
}

}  // namespace weir::sql
