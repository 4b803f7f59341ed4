// Windowing table functions in FROM (Flink's window TVFs): TUMBLE, HOP, CUMULATE,
// SESSION; and legacy group windows.
#include <array>
#include <optional>

#include "weir/common/suggest.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/planner_internal.h"

namespace weir::sql {

namespace {

std::string Millis(int64_t micros) { return fmt::format("{} ms", micros / 1000); }

}  // namespace

arrow::Result<Relation> Planner::Impl::PlanWindowTvf(const TableRef& ref) {
  const WindowFunctionCall& call = *ref.window;
  ARROW_ASSIGN_OR_RAISE(Relation input, PlanTableRef(*ref.left));
  return WindowRelation(std::move(input), call, ref.alias ? ref.alias->name : "",
                        ref.alias.has_value(),
                        {"window_start", "window_end", "window_time"});
}

arrow::Result<Relation> Planner::Impl::WindowRelation(
    Relation input, const WindowFunctionCall& call, const std::string& qualifier,
    bool requalify, const std::array<std::string, 3>& names) {
  WindowTvfSpec spec;
  spec.kind = call.function == "TUMBLE"    ? WindowTvfSpec::Kind::kTumble
              : call.function == "HOP"     ? WindowTvfSpec::Kind::kHop
              : call.function == "SESSION" ? WindowTvfSpec::Kind::kSession
                                           : WindowTvfSpec::Kind::kCumulate;
  const bool session = spec.kind == WindowTvfSpec::Kind::kSession;
  spec.sessions_per_group_key = session && call.group_window;
  spec.group_window = call.group_window;
  for (const Identifier& key : call.partition_by) {
    ARROW_ASSIGN_OR_RAISE(ResolvedColumn column,
                          Resolve(ColumnRefExpr({key}), input.scope));
    if (column.ref.name() == nullptr) {
      return ErrorAtPos(key.position, "invalid window",
                        ": PARTITION BY takes columns of the table");
    }
    spec.partition_fields.push_back(*column.ref.name());
  }
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
    if (name == "SIZE" || name == "GAP") spec.size = micros;
    if (name == "SLIDE" || name == "STEP") spec.slide = micros;
    if (name == "OFFSET") spec.offset = micros;
  }
  const bool needs_slide = spec.kind != WindowTvfSpec::Kind::kTumble && !session;
  if (spec.size == 0 || (needs_slide && spec.slide == 0)) {
    return ErrorAtPos(
        call.position, "invalid window",
        fmt::format(": {} needs {}", call.function,
                    spec.kind == WindowTvfSpec::Kind::kTumble ? "a SIZE"
                    : session                                 ? "a GAP"
                    : spec.kind == WindowTvfSpec::Kind::kHop  ? "a SLIDE and a SIZE"
                                                              : "a STEP and a SIZE"));
  }
  if (session && spec.offset != 0) {
    return ErrorAtPos(call.position, "invalid window", ": SESSION takes no OFFSET");
  }
  // Flink's slicing windows need whole slices; legacy group windows
  // (`GROUP BY HOP(ts, slide, size)`, the Table API's Slide) do not slice.
  if (spec.kind == WindowTvfSpec::Kind::kHop && spec.size % spec.slide != 0 &&
      !call.group_window) {
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
  for (ScopeColumn column : input.scope) {
    if (requalify) column.qualifier = qualifier;
    out.scope.push_back(column);
  }
  out.scope.push_back({qualifier, names[0], spec.start_field, bound});
  out.scope.push_back({qualifier, names[1], spec.end_field, bound});
  out.scope.push_back({qualifier, names[2], spec.time_out_field, row_time});
  return out;
}

std::optional<WindowFunctionCall> Planner::Impl::GroupWindowCall(const Expr& key) {
  if (key.kind() != ExprKind::kFunctionCall) return std::nullopt;
  const auto& call = static_cast<const FunctionCallExpr&>(key);
  const std::string name = common::ToUpperAscii(call.name().name);
  if (name != "TUMBLE" && name != "HOP" && name != "SESSION") return std::nullopt;
  WindowFunctionCall window;
  window.function = name;
  window.position = call.position();
  window.group_window = true;
  if (call.args().empty() || call.args()[0]->kind() != ExprKind::kColumnRef) {
    return window;  // reported by PlanGroupWindow
  }
  const auto& column = static_cast<const ColumnRefExpr&>(*call.args()[0]);
  window.time_column = column.path().back();
  const std::vector<std::string> names =
      name == "HOP"
          ? std::vector<std::string>{"SLIDE", "SIZE"}
          : std::vector<std::string>{name == "TUMBLE" ? "SIZE" : "GAP", "OFFSET"};
  for (size_t i = 1; i < call.args().size() && i - 1 < names.size(); ++i) {
    window.intervals.emplace_back(names[i - 1], call.args()[i]);
  }
  return window;
}

arrow::Result<Relation> Planner::Impl::PlanGroupWindow(Relation rel,
                                                       const FunctionCallExpr& key,
                                                       std::vector<ExprPtr>* keys,
                                                       std::vector<std::string>* texts) {
  std::optional<WindowFunctionCall> call = GroupWindowCall(key);
  const size_t expected = call->function == "HOP" ? 3 : 2;
  const bool session = call->function == "SESSION";
  if (call->time_column.name.empty() || key.args().size() < expected ||
      key.args().size() > expected + (session ? 0 : 1)) {
    return ErrorAtPos(key.position(), "invalid window",
                      fmt::format(": write {}(time_column, {})", call->function,
                                  call->function == "HOP" ? "slide, size[, offset]"
                                  : session               ? "gap"
                                                          : "size[, offset]"));
  }
  // Names no query can write, unique per window.
  const std::string tag = fmt::format("$group_window{}", next_id++);
  const std::array<std::string, 3> names = {tag + "_start", tag + "_end", tag + "_time"};
  ARROW_ASSIGN_OR_RAISE(Relation windowed,
                        WindowRelation(std::move(rel), *call, "", false, names));
  // TUMBLE_START(ts, …), TUMBLE_END(…) and TUMBLE_ROWTIME(…) name the keys.
  const std::string text = key.ToString();
  const std::string args = text.substr(text.find('('));
  const char* suffixes[] = {"_START", "_END", "_ROWTIME"};
  for (size_t i = 0; i < 3; ++i) {
    keys->push_back(std::make_shared<ColumnRefExpr>(
        std::vector<Identifier>{Identifier{names[i], true, key.position()}}));
    texts->push_back(call->function + suffixes[i] + args);
  }
  return windowed;
}

}  // namespace weir::sql
