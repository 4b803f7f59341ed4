// Window functions of a SELECT list: `f(…) OVER (PARTITION BY … ORDER BY … frame)`
// become Over nodes (docs/design/over-and-rank.md).
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {
namespace {

bool IsRankingFunction(const std::string& upper) {
  return upper == "ROW_NUMBER" || upper == "RANK" || upper == "DENSE_RANK";
}

bool IsTimeType(const arrow::DataType& type) {
  return type.id() == arrow::Type::TIMESTAMP || type.id() == arrow::Type::DATE32;
}

}  // namespace

arrow::Result<Relation> Planner::Impl::PlanOver(
    Relation rel, const SelectBlock& block,
    const std::vector<const FunctionCallExpr*>& calls, BindHooks* hooks) {
  // Resolve named windows (OVER w, OVER (w ORDER BY …)) and group the calls by
  // window: one Over node per distinct window.
  std::vector<std::pair<OverWindow, std::vector<const FunctionCallExpr*>>> groups;
  for (const FunctionCallExpr* call : calls) {
    OverWindow window = *call->over();
    if (window.reference) {
      const OverWindow* named = nullptr;
      for (const auto& [name, spec] : block.windows) {
        if (NameMatches(*window.reference, name.name)) named = spec.get();
      }
      if (named == nullptr) {
        return ErrorAtPos(window.reference->position, "unknown window",
                          fmt::format(": no window named '{}' in the WINDOW clause",
                                      window.reference->name));
      }
      OverWindow merged = *named;
      if (!window.partition_by.empty()) merged.partition_by = window.partition_by;
      if (!window.order_by.empty()) merged.order_by = window.order_by;
      if (window.has_frame) {
        merged.has_frame = true;
        merged.rows = window.rows;
        merged.start = window.start;
        merged.end = window.end;
      }
      merged.reference.reset();
      merged.position = window.position;
      window = std::move(merged);
    }
    if (call->filter()) {
      return ErrorAtPos(call->filter()->position(), "invalid FILTER",
                        ": FILTER (WHERE …) is not supported with OVER");
    }
    std::string text = window.ToString();
    auto found = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& g) { return g.first.ToString() == text; });
    if (found == groups.end()) {
      groups.push_back({window, {call}});
    } else if (std::find(found->second.begin(), found->second.end(), call) ==
               found->second.end()) {
      found->second.push_back(call);
    }
  }

  std::map<const Expr*, TypedExpr> outputs;
  for (const auto& [window, window_calls] : groups) {
    auto pre = NewNode(PlanKind::kProject, {rel.plan});
    arrow::FieldVector pre_fields;
    for (const auto& field : rel.plan->schema->fields()) {
      pre->exprs.push_back(cp::field_ref(field->name()));
      pre_fields.push_back(field);
    }
    std::map<std::string, std::string> computed;  // bound text -> field
    // A plain column stays itself; anything else becomes a column of `pre`.
    auto column_of = [&](const BoundExpr& bound, const std::string& visible) {
      std::string field = KeyField(bound.expr);
      if (!field.empty()) return field;
      std::string text = bound.expr.ToString();
      auto it = computed.find(text);
      if (it != computed.end()) return it->second;
      field = NewField(visible);
      computed[text] = field;
      pre->exprs.push_back(bound.expr);
      pre_fields.push_back(arrow::field(field, bound.type));
      return field;
    };

    auto over = NewNode(PlanKind::kOver, {});
    for (const ExprPtr& key : window.partition_by) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key, rel, *hooks));
      over->over.partition_keys.push_back(column_of(bound, "partition"));
    }
    std::vector<TypePtr> order_types;
    for (const WindowOrderKey& key : window.order_by) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key.expr, rel, *hooks));
      SortField field;
      field.field = column_of(bound, "order");
      field.descending = key.descending;
      field.nulls_first = key.nulls_first.value_or(!key.descending);
      over->over.order.push_back(field);
      order_types.push_back(bound.type);
    }

    // The frame. Without one: the whole partition, or with ORDER BY, RANGE BETWEEN
    // UNBOUNDED PRECEDING AND CURRENT ROW (the SQL standard's default).
    OverSpec& spec = over->over;
    if (!window.has_frame) {
      spec.whole_partition = window.order_by.empty();
    } else if (window.start.kind == FrameBound::Kind::kUnboundedPreceding &&
               window.end.kind == FrameBound::Kind::kUnboundedFollowing) {
      spec.whole_partition = true;
    } else {
      // A bound's offset: rows for ROWS, the distance in the order key for RANGE
      // (microseconds for time keys).
      auto offset_of = [&](const FrameBound& bound) -> arrow::Result<int64_t> {
        const Expr& offset = *bound.offset;
        const auto* literal = offset.kind() == ExprKind::kLiteral
                                  ? static_cast<const LiteralExpr*>(&offset)
                                  : nullptr;
        const char* side =
            bound.kind == FrameBound::Kind::kPreceding ? "PRECEDING" : "FOLLOWING";
        if (spec.rows) {
          if (literal == nullptr || literal->literal_kind() != LiteralKind::kInteger ||
              std::get<int64_t>(literal->value()) < 0) {
            return ErrorAtPos(
                offset.position(), "invalid window frame",
                fmt::format(": ROWS … {} takes a non-negative integer", side));
          }
          return std::get<int64_t>(literal->value());
        }
        if (window.order_by.size() != 1) {
          return ErrorAtPos(
              offset.position(), "invalid window frame",
              fmt::format(": RANGE … {} needs exactly one ORDER BY key", side));
        }
        const TypePtr& type = order_types[0];
        if (IsTimeType(*type)) {
          if (literal == nullptr || literal->literal_kind() != LiteralKind::kInterval) {
            return ErrorAtPos(
                offset.position(), "invalid window frame",
                fmt::format(": RANGE over {} takes an INTERVAL, e.g. INTERVAL '1' HOUR "
                            "{}",
                            SqlTypeName(type), side));
          }
          if (type->id() == arrow::Type::TIMESTAMP &&
              static_cast<const arrow::TimestampType&>(*type).unit() ==
                  arrow::TimeUnit::NANO) {
            return ErrorAtPos(offset.position(), "unsupported window frame",
                              ": RANGE over nanosecond timestamps is not supported");
          }
          spec.time_range = true;
          return std::get<int64_t>(literal->value());
        }
        if (arrow::is_integer(type->id())) {
          if (literal == nullptr || literal->literal_kind() != LiteralKind::kInteger ||
              std::get<int64_t>(literal->value()) < 0) {
            return ErrorAtPos(
                offset.position(), "invalid window frame",
                fmt::format(": RANGE over an integer takes a non-negative integer"));
          }
          return std::get<int64_t>(literal->value());
        }
        return ErrorAtPos(offset.position(), "unsupported window frame",
                          fmt::format(": RANGE … {} over {} is not supported; order by "
                                      "an integer or a time column",
                                      side, SqlTypeName(type)));
      };
      spec.rows = window.rows;
      using Kind = FrameBound::Kind;
      switch (window.start.kind) {
        case Kind::kUnboundedPreceding:
          spec.preceding.reset();
          break;
        case Kind::kPreceding: {
          ARROW_ASSIGN_OR_RAISE(spec.preceding, offset_of(window.start));
          break;
        }
        case Kind::kCurrentRow:
          spec.preceding = 0;
          break;
        case Kind::kFollowing: {
          if (!spec.rows) {
            return ErrorAtPos(window.start.position, "unsupported window frame",
                              ": a RANGE frame cannot start after the current row");
          }
          ARROW_ASSIGN_OR_RAISE(int64_t after, offset_of(window.start));
          spec.preceding = -after;  // a start after the current row
          break;
        }
        case Kind::kUnboundedFollowing:
          return ErrorAtPos(window.start.position, "invalid window frame",
                            ": a frame cannot start at UNBOUNDED FOLLOWING");
      }
      switch (window.end.kind) {
        case Kind::kCurrentRow:
          spec.following = 0;
          break;
        case Kind::kFollowing: {
          ARROW_ASSIGN_OR_RAISE(spec.following, offset_of(window.end));
          break;
        }
        case Kind::kUnboundedFollowing:
          spec.following.reset();
          break;
        case Kind::kPreceding:
        case Kind::kUnboundedPreceding:
          return ErrorAtPos(window.end.position, "unsupported window frame",
                            ": frames must end at or after the current row");
      }
      if (spec.preceding && spec.following && -*spec.preceding > *spec.following) {
        return ErrorAtPos(window.start.position, "invalid window frame",
                          ": the frame starts after it ends");
      }
    }

    // The functions.
    std::vector<std::pair<std::string, TypePtr>> casts;  // output -> SQL type
    arrow::FieldVector out_fields;
    for (const FunctionCallExpr* call : window_calls) {
      const std::string name = ToUpperAscii(call->name().name);
      if (window.has_frame &&
          (IsRankingFunction(name) || name == "LAG" || name == "LEAD")) {
        // Calcite's rule, so Flink's: these functions read rows by position, not a
        // frame.
        return ErrorAtPos(window.start.position, "invalid window",
                          fmt::format(": {} takes no ROWS/RANGE frame (Flink: ROW/RANGE "
                                      "not allowed with RANK, DENSE_RANK or ROW_NUMBER "
                                      "functions)",
                                      name));
      }
      OverCall over_call;
      over_call.display = call->ToString();
      TypePtr type;
      if (IsRankingFunction(name)) {
        if (!call->args().empty() || call->star()) {
          return ErrorAtPos(call->position(), "invalid call",
                            fmt::format(": {}() takes no arguments", name));
        }
        if (window.order_by.empty()) {
          return ErrorAtPos(call->position(), "invalid window",
                            fmt::format(": {}() needs ORDER BY in its window", name));
        }
        over_call.function = ToLowerAscii(name);
        type = arrow::int64();
      } else if (name == "LAG" || name == "LEAD") {
        // LAG(x [, offset [, default]]): x of the row `offset` rows back (LEAD: ahead)
        // in the window order, or the default where the partition has none.
        if (call->args().empty() || call->args().size() > 3 || call->star() ||
            call->distinct()) {
          return ErrorAtPos(call->position(), "invalid call",
                            fmt::format(": {} takes 1 to 3 arguments: {}(value [, "
                                        "offset [, default]])",
                                        name, name));
        }
        if (window.order_by.empty()) {
          return ErrorAtPos(call->position(), "invalid window",
                            fmt::format(": {} needs ORDER BY in its window", name));
        }
        ARROW_ASSIGN_OR_RAISE(BoundExpr input, Bind(*call->args()[0], rel, *hooks));
        over_call.input = column_of(input, "arg");
        if (call->args().size() >= 2) {
          const Expr& offset = *call->args()[1];
          const auto* literal = offset.kind() == ExprKind::kLiteral
                                    ? static_cast<const LiteralExpr*>(&offset)
                                    : nullptr;
          if (literal == nullptr || literal->literal_kind() != LiteralKind::kInteger ||
              std::get<int64_t>(literal->value()) < 0) {
            return ErrorAtPos(offset.position(), "invalid call",
                              fmt::format(": the offset of {} must be a non-negative "
                                          "integer literal",
                                          name));
          }
          over_call.offset = std::get<int64_t>(literal->value());
        }
        if (call->args().size() == 3) {
          const Expr& fallback = *call->args()[2];
          ARROW_ASSIGN_OR_RAISE(BoundExpr value, Bind(fallback, rel, *hooks));
          const cp::Expression& folded = value.expr;
          if (!folded.literal() || !folded.literal()->is_scalar()) {
            return ErrorAtPos(
                fallback.position(), "invalid call",
                fmt::format(": the default of {} must be a constant", name));
          }
          auto cast = folded.literal()->scalar()->CastTo(input.type);
          if (!cast.ok()) {
            return ErrorAtPos(
                fallback.position(), "invalid call",
                fmt::format(": the default of {} must be a {} like its "
                            "value, not {}",
                            name, SqlTypeName(input.type), SqlTypeName(value.type)));
          }
          over_call.default_value = *cast;
        }
        over_call.function = ToLowerAscii(name);
        type = input.type;
      } else if (auto user = UserAggregate(catalog, call->name().name)) {
        // A registered aggregate function: its argument(s) as one column (a struct
        // of them when several, as in GROUP BY).
        if (call->distinct() || call->star() || call->filter()) {
          return ErrorAtPos(call->position(), "invalid call",
                            fmt::format(": {} takes neither DISTINCT, * nor FILTER",
                                        user->description));
        }
        if (!user->arg_types.empty() && call->args().size() != user->arg_types.size()) {
          return ErrorAtPos(
              call->name().position, "invalid call",
              fmt::format(": {} expects {} arguments but got {}", user->description,
                          user->arg_types.size(), call->args().size()));
        }
        std::vector<cp::Expression> args;
        std::vector<std::string> names;
        for (size_t i = 0; i < call->args().size(); ++i) {
          ARROW_ASSIGN_OR_RAISE(BoundExpr arg, Bind(*call->args()[i], rel, *hooks));
          if (!user->arg_types.empty() && !arg.type->Equals(*user->arg_types[i])) {
            arg.expr =
                cp::call("cast", {arg.expr}, cp::CastOptions::Safe(user->arg_types[i]));
          }
          args.push_back(arg.expr);
          names.push_back(fmt::format("__weir_arg{}", i));
        }
        if (!args.empty()) {
          cp::Expression input =
              args.size() == 1
                  ? args[0]
                  : cp::call("make_struct", args, cp::MakeStructOptions(names));
          ARROW_ASSIGN_OR_RAISE(input, input.Bind(*rel.plan->schema));
          over_call.input =
              column_of(BoundExpr{input, input.type()->GetSharedPtr()}, "arg");
        }
        over_call.function = "user";
        over_call.user_function = user->aggregate_function;
        type = user->aggregate_function->result_type();
      } else if (IsAggregateFunction(name)) {
        std::optional<BoundExpr> input;
        if (!call->star()) {
          if (call->args().size() != 1) {
            return ErrorAtPos(call->position(), "invalid call",
                              fmt::format(": {} takes one argument", name));
          }
          ARROW_ASSIGN_OR_RAISE(input, Bind(*call->args()[0], rel, *hooks));
        }
        if (call->distinct()) {
          return ErrorAtPos(
              call->position(), "unsupported window function",
              fmt::format(": {}(DISTINCT …) OVER is not supported yet", name));
        }
        ARROW_ASSIGN_OR_RAISE(
            AggregatePlan plan,
            PlanAggregateCall(*call, input ? input->type : nullptr, source()));
        if (plan.function == "stddev" || plan.function == "variance" ||
            plan.function == "listagg") {
          return ErrorAtPos(call->position(), "unsupported window function",
                            fmt::format(": {} OVER is not supported yet", name));
        }
        if (input && plan.input_cast) {
          input->expr =
              cp::call("cast", {input->expr}, cp::CastOptions::Safe(plan.input_cast));
          input->type = plan.input_cast;
        }
        if (input) over_call.input = column_of(*input, "arg");
        over_call.function = plan.function;
        type = plan.result_type;
        if (plan.cast_to) casts.emplace_back("", plan.cast_to);
        over_call.output = NewField(call->name().name);
        if (plan.cast_to) casts.back().first = over_call.output;
      } else {
        return ErrorAtPos(
            call->position(), "unsupported window function",
            fmt::format(": {} cannot be used with OVER; window functions are ROW_NUMBER, "
                        "RANK, DENSE_RANK, LAG, LEAD, COUNT, SUM, AVG, MIN, MAX, "
                        "FIRST_VALUE and LAST_VALUE",
                        call->name().name));
      }
      if (over_call.output.empty()) over_call.output = NewField(call->name().name);
      out_fields.push_back(arrow::field(over_call.output, type,
                                        /*nullable=*/!IsRankingFunction(name)));
      over->over_calls.push_back(over_call);
      TypedExpr typed;
      typed.expr = cp::field_ref(over_call.output);
      typed.type = type;
      outputs[call] = typed;
    }
    pre->schema = arrow::schema(pre_fields);
    for (auto& expr : pre->exprs) {
      ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*rel.plan->schema));
    }
    over->inputs = {pre};
    arrow::FieldVector fields = pre_fields;
    for (const auto& f : out_fields) fields.push_back(f);
    over->schema = arrow::schema(fields);
    PlanPtr plan = over;
    if (!casts.empty()) {
      // Casts the aggregates whose SQL type differs from the accumulator's result.
      auto cast = NewNode(PlanKind::kProject, {plan});
      arrow::FieldVector cast_fields;
      for (const auto& f : over->schema->fields()) {
        cp::Expression e = cp::field_ref(f->name());
        TypePtr type = f->type();
        for (const auto& [output, to] : casts) {
          if (output != f->name()) continue;
          cp::CastOptions options = cp::CastOptions::Safe(to);
          options.allow_float_truncate = true;  // AVG of integers truncates
          e = cp::call("cast", {e}, options);
          type = to;
        }
        ARROW_ASSIGN_OR_RAISE(e, e.Bind(*over->schema));
        cast->exprs.push_back(e);
        cast_fields.push_back(arrow::field(f->name(), type));
        for (auto& [call, typed] : outputs) {
          if (typed.expr.field_ref() != nullptr &&
              *typed.expr.field_ref()->name() == f->name()) {
            typed.type = type;
          }
        }
      }
      cast->schema = arrow::schema(cast_fields);
      plan = cast;
    }
    rel.plan = plan;
  }

  auto previous = hooks->substitute;
  hooks->substitute =
      [outputs, previous](const Expr& expr) -> arrow::Result<std::optional<TypedExpr>> {
    auto found = outputs.find(&expr);
    if (found != outputs.end()) return std::optional<TypedExpr>(found->second);
    if (previous) return previous(expr);
    return std::optional<TypedExpr>();
  };
  return rel;
}

}  // namespace weir::sql
