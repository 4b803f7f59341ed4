#include "weir/expr/pruning.h"

#include <arrow/array.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

namespace weir::expr {

namespace cp = arrow::compute;

ColumnRange ColumnRange::Exactly(const std::shared_ptr<arrow::Scalar>& value) {
  if (!value || !value->is_valid) return ColumnRange{nullptr, nullptr, true, true};
  return ColumnRange{value, value, false, false};
}

std::string FieldKey(const arrow::FieldRef& ref) {
  if (const auto* name = ref.name()) return *name;
  if (const auto* nested = ref.nested_refs()) {
    std::string out;
    for (const auto& r : *nested) out += (out.empty() ? "" : ".") + FieldKey(r);
    return out;
  }
  return ref.ToString();
}

namespace {

// What a boolean expression may evaluate to over a set of rows.
struct Outcome {
  bool can_be_true = true;
  bool can_be_false = true;
};
constexpr Outcome kUnknown{true, true};

// Three-way comparison of two scalars of the same type via compute kernels;
// nullopt when they cannot be compared.
std::optional<int> Compare(const std::shared_ptr<arrow::Scalar>& a,
                           const std::shared_ptr<arrow::Scalar>& b) {
  auto lt = cp::CallFunction("less", {a, b});
  auto gt = cp::CallFunction("greater", {a, b});
  auto eq = cp::CallFunction("equal", {a, b});
  if (!lt.ok() || !gt.ok() || !eq.ok()) return std::nullopt;
  const auto& l = lt->scalar_as<arrow::BooleanScalar>();
  const auto& g = gt->scalar_as<arrow::BooleanScalar>();
  const auto& e = eq->scalar_as<arrow::BooleanScalar>();
  if (!l.is_valid || !g.is_valid || !e.is_valid) return std::nullopt;
  if (l.value) return -1;
  if (g.value) return 1;
  if (e.value) return 0;
  return std::nullopt;  // unordered, e.g. NaN
}

bool IsFloating(const arrow::DataType& t) {
  return t.id() == arrow::Type::FLOAT || t.id() == arrow::Type::DOUBLE ||
         t.id() == arrow::Type::HALF_FLOAT;
}

}  // namespace

bool IsMonotonicCast(const arrow::DataType& from, const arrow::DataType& to) {
  if (from.Equals(to)) return true;
  if (arrow::is_base_binary_like(from.id()) && arrow::is_base_binary_like(to.id())) {
    return arrow::is_string(from.id()) == arrow::is_string(to.id());
  }
  bool from_num = arrow::is_integer(from.id()) || IsFloating(from);
  bool to_num = arrow::is_integer(to.id()) || IsFloating(to);
  if (from_num && to_num) {
    if (IsFloating(to)) return true;
    if (IsFloating(from)) return false;
    const int from_bits = arrow::bit_width(from.id()),
              to_bits = arrow::bit_width(to.id());
    const bool from_signed = arrow::is_signed_integer(from.id());
    const bool to_signed = arrow::is_signed_integer(to.id());
    if (from_signed == to_signed) return to_bits >= from_bits;
    return !from_signed && to_bits > from_bits;  // unsigned into a wider signed
  }
  if (from.id() == arrow::Type::DATE32 && to.id() == arrow::Type::TIMESTAMP) return true;
  if (from.id() == arrow::Type::TIMESTAMP && to.id() == arrow::Type::TIMESTAMP)
    return true;
  if (arrow::is_decimal(from.id()) && arrow::is_decimal(to.id())) return true;
  return false;
}

namespace {

// A column (possibly under an order-preserving cast) and its known range.
struct ColumnOperand {
  ColumnRange range;
  bool ok = false;
  /// The stored column is floating point: it may hold NaN, which statistics
  /// exclude and which makes every comparison false.
  bool floating = false;
};

ColumnOperand ResolveColumn(const cp::Expression& e, const RangeLookup& lookup) {
  ColumnOperand out;
  if (const auto* ref = e.field_ref()) {
    if (const ColumnRange* r = lookup(*ref)) {
      out.range = *r;
      out.ok = true;
      out.floating = r->min && IsFloating(*r->min->type);
    }
    return out;
  }
  const auto* call = e.call();
  if (call == nullptr || call->function_name != "cast" || call->arguments.size() != 1) {
    return out;
  }
  auto* options = dynamic_cast<const cp::CastOptions*>(call->options.get());
  const auto* ref = call->arguments[0].field_ref();
  if (options == nullptr || ref == nullptr || !options->to_type.type) return out;
  const ColumnRange* r = lookup(*ref);
  if (r == nullptr) return out;
  out.range = *r;
  out.floating = r->min && IsFloating(*r->min->type);
  if (out.range.min && out.range.max) {
    if (!IsMonotonicCast(*out.range.min->type, *options->to_type.type)) return out;
    auto lo = cp::Cast(out.range.min, options->to_type);
    auto hi = cp::Cast(out.range.max, options->to_type);
    if (!lo.ok() || !hi.ok()) return out;
    out.range.min = lo->scalar();
    out.range.max = hi->scalar();
  }
  out.ok = true;
  return out;
}

std::shared_ptr<arrow::Scalar> LiteralScalar(const cp::Expression& e) {
  const arrow::Datum* d = e.literal();
  if (d == nullptr || !d->is_scalar()) return nullptr;
  return d->scalar();
}

std::string Flip(const std::string& op) {
  if (op == "less") return "greater";
  if (op == "greater") return "less";
  if (op == "less_equal") return "greater_equal";
  if (op == "greater_equal") return "less_equal";
  return op;  // equal, not_equal are symmetric
}

Outcome EvalComparison(std::string op, const cp::Expression& lhs,
                       const cp::Expression& rhs, const RangeLookup& lookup) {
  ColumnOperand col = ResolveColumn(lhs, lookup);
  auto lit = LiteralScalar(rhs);
  if (!col.ok || !lit) {
    col = ResolveColumn(rhs, lookup);
    lit = LiteralScalar(lhs);
    op = Flip(op);
  }
  if (!col.ok || !lit) return kUnknown;
  const ColumnRange& r = col.range;
  if (!lit->is_valid || r.all_null) return Outcome{false, false};  // always null
  if (!r.min || !r.max) return kUnknown;
  if (IsFloating(*lit->type)) {
    // NaN is excluded from Parquet statistics but compares unequal to everything.
    const double v = lit->type->id() == arrow::Type::DOUBLE
                         ? static_cast<const arrow::DoubleScalar&>(*lit).value
                         : static_cast<const arrow::FloatScalar&>(*lit).value;
    if (v != v) return kUnknown;
    if (op == "not_equal") return kUnknown;
  }
  auto cmin = Compare(r.min, lit);  // sign of (min - lit)
  auto cmax = Compare(r.max, lit);
  if (!cmin || !cmax) return kUnknown;
  Outcome o;
  if (op == "equal") {
    o.can_be_true = *cmin <= 0 && *cmax >= 0;
    o.can_be_false = !(*cmin == 0 && *cmax == 0);
  } else if (op == "not_equal") {
    o.can_be_true = !(*cmin == 0 && *cmax == 0);
    o.can_be_false = *cmin <= 0 && *cmax >= 0;
  } else if (op == "less") {
    o.can_be_true = *cmin < 0;
    o.can_be_false = *cmax >= 0;
  } else if (op == "less_equal") {
    o.can_be_true = *cmin <= 0;
    o.can_be_false = *cmax > 0;
  } else if (op == "greater") {
    o.can_be_true = *cmax > 0;
    o.can_be_false = *cmin <= 0;
  } else if (op == "greater_equal") {
    o.can_be_true = *cmax >= 0;
    o.can_be_false = *cmin < 0;
  } else {
    return kUnknown;
  }
  if (col.floating) o.can_be_false = true;  // a NaN row compares false
  return o;
}

Outcome EvalIsIn(const cp::Expression::Call& call, const RangeLookup& lookup) {
  auto* options = dynamic_cast<const cp::SetLookupOptions*>(call.options.get());
  if (options == nullptr || !options->value_set.is_array() ||
      call.arguments.size() != 1) {
    return kUnknown;
  }
  // A null in the set may match null rows (depending on the null-matching
  // behaviour): not worth modelling, so never prune on such a set.
  if (options->value_set.null_count() > 0) return kUnknown;
  ColumnOperand col = ResolveColumn(call.arguments[0], lookup);
  if (!col.ok) return kUnknown;
  const ColumnRange& r = col.range;
  if (r.all_null) return Outcome{false, false};
  if (!r.min || !r.max) return kUnknown;
  auto values = options->value_set.make_array();
  Outcome o{false, true};
  for (int64_t i = 0; i < values->length(); ++i) {
    if (values->IsNull(i)) continue;
    auto v = values->GetScalar(i);
    if (!v.ok()) return kUnknown;
    auto lo = Compare(r.min, *v), hi = Compare(r.max, *v);
    if (!lo || !hi) return kUnknown;
    if (*lo <= 0 && *hi >= 0) o.can_be_true = true;
    if (*lo == 0 && *hi == 0) o.can_be_false = false;
  }
  if (col.floating) o.can_be_false = true;  // a NaN row is in no set
  return o;
}

Outcome Eval(const cp::Expression& e, const RangeLookup& lookup) {
  if (const auto* lit = e.literal()) {
    if (!lit->is_scalar() || lit->type()->id() != arrow::Type::BOOL) return kUnknown;
    const auto& b = lit->scalar_as<arrow::BooleanScalar>();
    if (!b.is_valid) return Outcome{false, false};
    return Outcome{b.value, !b.value};
  }
  const auto* call = e.call();
  if (call == nullptr) return kUnknown;
  const std::string& fn = call->function_name;
  const auto& args = call->arguments;
  if ((fn == "and_kleene" || fn == "and") && args.size() == 2) {
    Outcome a = Eval(args[0], lookup), b = Eval(args[1], lookup);
    return Outcome{a.can_be_true && b.can_be_true, a.can_be_false || b.can_be_false};
  }
  if ((fn == "or_kleene" || fn == "or") && args.size() == 2) {
    Outcome a = Eval(args[0], lookup), b = Eval(args[1], lookup);
    return Outcome{a.can_be_true || b.can_be_true, a.can_be_false && b.can_be_false};
  }
  if (fn == "invert" && args.size() == 1) {
    Outcome a = Eval(args[0], lookup);
    return Outcome{a.can_be_false, a.can_be_true};
  }
  if ((fn == "is_null" || fn == "is_valid") && args.size() == 1) {
    ColumnOperand col = ResolveColumn(args[0], lookup);
    if (!col.ok) return kUnknown;
    auto* null_opts = dynamic_cast<const cp::NullOptions*>(call->options.get());
    if (null_opts && null_opts->nan_is_null && col.floating) return kUnknown;
    Outcome null_outcome{col.range.may_have_nulls || col.range.all_null,
                         !col.range.all_null};
    if (fn == "is_valid")
      return Outcome{null_outcome.can_be_false, null_outcome.can_be_true};
    return null_outcome;
  }
  if (fn == "is_in") return EvalIsIn(*call, lookup);
  if (args.size() == 2 &&
      (fn == "equal" || fn == "not_equal" || fn == "less" || fn == "less_equal" ||
       fn == "greater" || fn == "greater_equal")) {
    return EvalComparison(fn, args[0], args[1], lookup);
  }
  return kUnknown;
}

bool RefersTo(const cp::Expression& e, const arrow::FieldRef& field) {
  const arrow::FieldRef* ref = e.field_ref();
  return ref != nullptr && FieldKey(*ref) == FieldKey(field);
}

void CollectEquality(const cp::Expression& e, const arrow::FieldRef& field,
                     std::optional<std::vector<std::shared_ptr<arrow::Scalar>>>* out) {
  const cp::Expression::Call* call = e.call();
  if (call == nullptr) return;
  if (call->function_name == "and_kleene" || call->function_name == "and") {
    for (const auto& arg : call->arguments) CollectEquality(arg, field, out);
    return;
  }
  if (*out) return;  // the first constraint found is enough to probe with
  if (call->function_name == "equal" && call->arguments.size() == 2) {
    const auto& a = call->arguments[0];
    const auto& b = call->arguments[1];
    std::shared_ptr<arrow::Scalar> lit;
    if (RefersTo(a, field)) lit = LiteralScalar(b);
    if (RefersTo(b, field)) lit = LiteralScalar(a);
    if (lit && lit->is_valid) *out = std::vector{lit};
    return;
  }
  if (call->function_name == "is_in" && call->arguments.size() == 1 &&
      RefersTo(call->arguments[0], field)) {
    auto* options = dynamic_cast<const cp::SetLookupOptions*>(call->options.get());
    if (options == nullptr || !options->value_set.is_array()) return;
    // A null in the set may match null rows, which no bloom filter records.
    if (options->value_set.null_count() > 0) return;
    auto values = options->value_set.make_array();
    std::vector<std::shared_ptr<arrow::Scalar>> scalars;
    for (int64_t i = 0; i < values->length(); ++i) {
      auto s = values->GetScalar(i);
      if (!s.ok()) return;
      if ((*s)->is_valid) scalars.push_back(*s);
    }
    *out = std::move(scalars);
  }
}

}  // namespace

bool CanSkip(const cp::Expression& filter, const RangeLookup& lookup) {
  return !Eval(filter, lookup).can_be_true;
}

std::optional<std::vector<std::shared_ptr<arrow::Scalar>>> RequiredEqualityValues(
    const cp::Expression& filter, const arrow::FieldRef& field) {
  std::optional<std::vector<std::shared_ptr<arrow::Scalar>>> out;
  CollectEquality(filter, field, &out);
  return out;
}

cp::Expression Unbind(const cp::Expression& expr) {
  if (const auto* call = expr.call()) {
    std::vector<cp::Expression> args;
    args.reserve(call->arguments.size());
    for (const auto& a : call->arguments) args.push_back(Unbind(a));
    return cp::call(call->function_name, std::move(args), call->options);
  }
  if (const auto* ref = expr.field_ref()) return cp::field_ref(*ref);
  return cp::literal(*expr.literal());
}

}  // namespace weir::expr
