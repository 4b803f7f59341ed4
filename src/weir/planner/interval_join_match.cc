#include "weir/planner/interval_join_match.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "weir/planner/time_attributes.h"
#include "weir/types/time_unit.h"

namespace weir::planner {

namespace {

namespace cp = arrow::compute;

// The conjuncts of a condition.
void Conjuncts(const cp::Expression& e, std::vector<cp::Expression>* out) {
  const cp::Expression::Call* call = e.call();
  if (call != nullptr &&
      (call->function_name == "and_kleene" || call->function_name == "and")) {
    for (const auto& arg : call->arguments) Conjuncts(arg, out);
    return;
  }
  out->push_back(e);
}

// A duration literal in microseconds.
std::optional<int64_t> DurationMicros(const cp::Expression& e) {
  const arrow::Datum* literal = e.literal();
  if (literal == nullptr || !literal->is_scalar()) return std::nullopt;
  const auto& scalar = *literal->scalar();
  if (!scalar.is_valid || scalar.type->id() != arrow::Type::DURATION) return std::nullopt;
  const auto unit = static_cast<const arrow::DurationType&>(*scalar.type).unit();
  return types::ToMicros(static_cast<const arrow::DurationScalar&>(scalar).value, unit);
}

// A column plus a constant duration: `ts`, `CAST(ts AS TIMESTAMP)`, `ts + INTERVAL …`,
// `ts - INTERVAL …`.
struct Shifted {
  std::string field;
  int64_t offset = 0;
};

std::optional<Shifted> ShiftedColumn(const cp::Expression& e) {
  if (const arrow::FieldRef* ref = e.field_ref()) {
    if (ref->name() == nullptr) return std::nullopt;
    return Shifted{*ref->name(), 0};
  }
  const cp::Expression::Call* call = e.call();
  if (call == nullptr) return std::nullopt;
  const std::string& f = call->function_name;
  if (f == "cast" && call->arguments.size() == 1)
    return ShiftedColumn(call->arguments[0]);
  const bool add = f == "add" || f == "add_checked";
  const bool subtract = f == "subtract" || f == "subtract_checked";
  if ((!add && !subtract) || call->arguments.size() != 2) return std::nullopt;
  if (auto d = DurationMicros(call->arguments[1])) {
    auto inner = ShiftedColumn(call->arguments[0]);
    if (!inner) return std::nullopt;
    inner->offset += add ? *d : -*d;
    return inner;
  }
  if (auto d = DurationMicros(call->arguments[0]); d && add) {
    auto inner = ShiftedColumn(call->arguments[1]);
    if (!inner) return std::nullopt;
    inner->offset += *d;
    return inner;
  }
  return std::nullopt;
}

}  // namespace

std::optional<IntervalJoinMatch> MatchIntervalJoin(const sql::PlanNode& join) {
  if (join.kind != sql::PlanKind::kJoin || join.left_keys.empty() ||
      join.join_type == sql::PlanJoinType::kSemi ||
      join.join_type == sql::PlanJoinType::kAnti) {
    return std::nullopt;
  }
  const sql::PlanNode& left = *join.inputs[0];
  const sql::PlanNode& right = *join.inputs[1];
  std::vector<cp::Expression> conjuncts;
  Conjuncts(join.residual, &conjuncts);
  std::optional<IntervalJoinMatch> match;
  int64_t lower = std::numeric_limits<int64_t>::min();
  int64_t upper = std::numeric_limits<int64_t>::max();
  for (const cp::Expression& c : conjuncts) {
    const cp::Expression::Call* call = c.call();
    if (call == nullptr || call->arguments.size() != 2) continue;
    std::string op = call->function_name;
    if (op != "less" && op != "less_equal" && op != "greater" && op != "greater_equal" &&
        op != "equal") {
      continue;
    }
    auto a = ShiftedColumn(call->arguments[0]);
    auto b = ShiftedColumn(call->arguments[1]);
    if (!a || !b) continue;
    // Left on the left of the comparison: l + oa op r + ob, so l - r op ob - oa.
    const bool a_left = left.schema->GetFieldIndex(a->field) >= 0 &&
                        right.schema->GetFieldIndex(b->field) >= 0;
    const bool a_right = right.schema->GetFieldIndex(a->field) >= 0 &&
                         left.schema->GetFieldIndex(b->field) >= 0;
    if (!a_left && !a_right) continue;
    const Shifted& l = a_left ? *a : *b;
    const Shifted& r = a_left ? *b : *a;
    if (TimeAttributeOf(left, l.field) != TimeAttribute::kRowtime ||
        TimeAttributeOf(right, r.field) != TimeAttribute::kRowtime) {
      continue;
    }
    if (match && (match->left_time != l.field || match->right_time != r.field)) continue;
    if (!match) match = IntervalJoinMatch{l.field, r.field, 0, 0};
    if (a_right) {  // r + oa op l + ob: l - r (flipped op) oa - ob
      if (op == "less")
        op = "greater";
      else if (op == "less_equal")
        op = "greater_equal";
      else if (op == "greater")
        op = "less";
      else if (op == "greater_equal")
        op = "less_equal";
    }
    const int64_t bound = r.offset - l.offset;
    if (op == "greater" || op == "greater_equal" || op == "equal") {
      lower = std::max(lower, bound);
    }
    if (op == "less" || op == "less_equal" || op == "equal") {
      upper = std::min(upper, bound);
    }
  }
  if (!match || lower == std::numeric_limits<int64_t>::min() ||
      upper == std::numeric_limits<int64_t>::max() || lower > upper) {
    return std::nullopt;
  }
  match->lower = lower;
  match->upper = upper;
  return match;
}

}  // namespace weir::planner
