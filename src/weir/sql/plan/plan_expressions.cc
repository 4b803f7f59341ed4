#include "weir/sql/plan/plan_expressions.h"

#include <arrow/compute/api_scalar.h>
#include <arrow/type.h>

namespace weir::sql {

namespace cp = arrow::compute;

cp::Expression Unbind(const cp::Expression& expr,
                      const std::map<std::string, std::string>* rename) {
  if (const arrow::FieldRef* ref = expr.field_ref()) {
    if (rename != nullptr && ref->name() != nullptr) {
      auto it = rename->find(*ref->name());
      if (it != rename->end()) return cp::field_ref(it->second);
    }
    if (rename != nullptr && ref->IsNested() && ref->nested_refs() != nullptr) {
      std::vector<arrow::FieldRef> parts = *ref->nested_refs();
      if (parts.front().name() != nullptr) {
        auto it = rename->find(*parts.front().name());
        if (it != rename->end()) parts.front() = arrow::FieldRef(it->second);
      }
      return cp::field_ref(arrow::FieldRef(std::move(parts)));
    }
    return cp::field_ref(*ref);
  }
  if (const cp::Expression::Call* call = expr.call()) {
    std::vector<cp::Expression> args;
    for (const cp::Expression& arg : call->arguments) args.push_back(Unbind(arg, rename));
    return cp::call(call->function_name, std::move(args), call->options);
  }
  return expr;
}

void Conjuncts(const cp::Expression& expr, std::vector<cp::Expression>* out) {
  if (const cp::Expression::Call* call = expr.call()) {
    if (call->function_name == "and_kleene" && call->arguments.size() == 2) {
      Conjuncts(call->arguments[0], out);
      Conjuncts(call->arguments[1], out);
      return;
    }
  }
  if (expr == cp::literal(true)) return;
  out->push_back(Unbind(expr));
}

namespace {

std::string TopName(const arrow::FieldRef& ref) {
  if (ref.name() != nullptr) return *ref.name();
  if (ref.nested_refs() != nullptr && ref.nested_refs()->front().name() != nullptr) {
    return *ref.nested_refs()->front().name();
  }
  return "";
}

}  // namespace

std::set<std::string> FieldsOf(const cp::Expression& expr) {
  std::set<std::string> names;
  for (const arrow::FieldRef& ref : cp::FieldsInExpression(expr))
    names.insert(TopName(ref));
  return names;
}

namespace {
void CollectWatermarkArgs(const cp::Expression& expr, std::vector<std::string>* out) {
  const cp::Expression::Call* call = expr.call();
  if (call == nullptr) return;
  if (call->function_name == "weir_current_watermark" && !call->arguments.empty()) {
    const arrow::FieldRef* ref = call->arguments[0].field_ref();
    out->push_back(ref != nullptr ? TopName(*ref) : std::string());
  }
  for (const cp::Expression& arg : call->arguments) CollectWatermarkArgs(arg, out);
}
}  // namespace

std::vector<std::string> CurrentWatermarkArgs(const cp::Expression& expr) {
  std::vector<std::string> args;
  CollectWatermarkArgs(expr, &args);
  return args;
}

}  // namespace weir::sql
