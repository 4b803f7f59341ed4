// Windowing table functions in FROM (Flink's window TVFs): TUMBLE, HOP, CUMULATE.
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

namespace {

std::string Millis(int64_t micros) { return fmt::format("{} ms", micros / 1000); }

}  // namespace

arrow::Result<Relation> Planner::Impl::PlanWindowTvf(const TableRef& ref) {
  const WindowFunctionCall& call = *ref.window;
  if (call.function == "SESSION") {
    return ErrorAtPos(call.position, "unsupported window function",
                      ": the SESSION window table function is not supported yet; "
                      "TUMBLE, HOP and CUMULATE are");
  }
  ARROW_ASSIGN_OR_RAISE(Relation input, PlanTableRef(*ref.left));
  WindowTvfSpec spec;
  spec.kind = call.function == "TUMBLE" ? WindowTvfSpec::Kind::kTumble
              : call.function == "HOP"  ? WindowTvfSpec::Kind::kHop
                                        : WindowTvfSpec::Kind::kCumulate;
  // The time column: a TIMESTAMP or TIMESTAMP_LTZ column of the table.
  ARROW_ASSIGN_OR_RAISE(ResolvedColumn time,
                        Resolve(ColumnRefExpr({call.time_column}), input.scope));
  if (time.type->id() != arrow::Type::TIMESTAMP || time.ref.name() == nullptr) {
    return ErrorAtPos(
        call.time_column.position, "invalid window",
        fmt::format(": the window function requires the time column to be a TIMESTAMP "
                    "or TIMESTAMP_LTZ column, but '{}' is {}",
                    call.time_column.name, SqlTypeName(time.type)));
  }
  spec.time_field = *time.ref.name();
  // The intervals: constant day-time intervals, in whole milliseconds.
  for (const auto& [name, expr] : call.intervals) {
    int64_t micros = 0;
    bool ok =
        expr->kind() == ExprKind::kLiteral &&
        static_cast<const LiteralExpr&>(*expr).literal_kind() == LiteralKind::kInterval;
    if (ok) {
      micros = std::get<int64_t>(static_cast<const LiteralExpr&>(*expr).value());
      ok = micros % 1000 == 0 && (name == "OFFSET" || micros > 0);
    }
    if (!ok) {
      return ErrorAtPos(expr->position(), "invalid window",
                        fmt::format(": {} must be a positive day-time interval in whole "
                                    "milliseconds, e.g. INTERVAL '10' MINUTES",
                                    name));
    }
    if (name == "SIZE") spec.size = micros;
    if (name == "SLIDE" || name == "STEP") spec.slide = micros;
    if (name == "OFFSET") spec.offset = micros;
  }
  const bool needs_slide = spec.kind != WindowTvfSpec::Kind::kTumble;
  if (spec.size == 0 || (needs_slide && spec.slide == 0)) {
    return ErrorAtPos(
        call.position, "invalid window",
        fmt::format(": {} needs {}", call.function,
                    spec.kind == WindowTvfSpec::Kind::kTumble ? "a SIZE"
                    : spec.kind == WindowTvfSpec::Kind::kHop  ? "a SLIDE and a SIZE"
                                                              : "a STEP and a SIZE"));
  }
  // Flink's slicing windows need whole slices.
  if (spec.kind == WindowTvfSpec::Kind::kHop && spec.size % spec.slide != 0) {
    return ErrorAtPos(call.position, "invalid window",
                      fmt::format(": HOP table function based aggregate requires size "
                                  "must be an integral multiple of slide, but got size "
                                  "{} and slide {}",
                                  Millis(spec.size), Millis(spec.slide)));
  }
  if (spec.kind == WindowTvfSpec::Kind::kCumulate && spec.size % spec.slide != 0) {
    return ErrorAtPos(call.position, "invalid window",
                      fmt::format(": CUMULATE table function based aggregate requires "
                                  "maxSize must be an integral multiple of step, but got "
                                  "maxSize {} and step {}",
                                  Millis(spec.size), Millis(spec.slide)));
  }
  auto node = NewNode(PlanKind::kWindowTvf, {input.plan});
  spec.start_field = NewField("window_start");
  spec.end_field = NewField("window_end");
  spec.time_out_field = NewField("window_time");
  // window_start/window_end are TIMESTAMP(3); window_time keeps the time column's
  // kind (TIMESTAMP(3) or TIMESTAMP_LTZ(3)).
  const auto& time_type = static_cast<const arrow::TimestampType&>(*time.type);
  const auto bound = arrow::timestamp(arrow::TimeUnit::MILLI);
  const auto row_time = arrow::timestamp(arrow::TimeUnit::MILLI, time_type.timezone());
  arrow::FieldVector fields = input.plan->schema->fields();
  fields.push_back(arrow::field(spec.start_field, bound, false));
  fields.push_back(arrow::field(spec.end_field, bound, false));
  fields.push_back(arrow::field(spec.time_out_field, row_time, false));
  node->schema = arrow::schema(fields);
  node->window = spec;
  Relation out;
  out.plan = node;
  const std::string qualifier = ref.alias ? ref.alias->name : "";
  for (ScopeColumn column : input.scope) {
    if (ref.alias) column.qualifier = qualifier;
    out.scope.push_back(column);
  }
  out.scope.push_back({qualifier, "window_start", spec.start_field, bound});
  out.scope.push_back({qualifier, "window_end", spec.end_field, bound});
  out.scope.push_back({qualifier, "window_time", spec.time_out_field, row_time});
  return out;
}

}  // namespace weir::sql
