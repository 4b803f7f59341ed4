#include "weir/sql/functions/aggregate_functions.h"

#include <arrow/compute/api_aggregate.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

#include "weir/sql/bind/numeric_arithmetic.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// The aggregates' signatures; PlanAggregateCall plans their calls. COUNT(*) is
// spelled with a star, not an argument.
constexpr FunctionEntry kAggregateFunctions[] = {
    {"COUNT", "ANY"},
    {"SUM", "NUMERIC"},
    {"AVG", "NUMERIC"},
    {"MIN", "ANY"},
    {"MAX", "ANY"},
    {"STDDEV_POP", "NUMERIC"},
    {"STDDEV_SAMP", "NUMERIC"},
    {"STDDEV", "NUMERIC"},
    {"VAR_POP", "NUMERIC"},
    {"VAR_SAMP", "NUMERIC"},
    {"VARIANCE", "NUMERIC"},
    {"FIRST_VALUE", "ANY"},
    {"LAST_VALUE", "ANY"},
    {"LISTAGG", "STRING | STRING, SYMBOL"},
};

}  // namespace

std::span<const FunctionEntry> AggregateFunctionEntries() { return kAggregateFunctions; }

bool IsAggregateFunction(std::string_view name) {
  const FunctionDefinition* function = FindFunction(name);
  return function != nullptr && function->kind == FunctionKind::kAggregate;
}

arrow::Result<std::string> ListAggSeparator(const FunctionCallExpr& call,
                                            std::string_view source) {
  if (call.args().size() < 2) return std::string(",");
  const Expr& separator = *call.args()[1];
  if (separator.kind() != ExprKind::kLiteral ||
      static_cast<const LiteralExpr&>(separator).literal_kind() != LiteralKind::kString) {
    return ErrorAt(source, separator.position(), "invalid LISTAGG",
                   ": the separator must be a string literal");
  }
  return std::get<std::string>(static_cast<const LiteralExpr&>(separator).value());
}

arrow::Result<AggregatePlan> PlanAggregateCall(
    const FunctionCallExpr& call, const std::shared_ptr<arrow::DataType>& input_type,
    std::string_view source) {
  std::string name = ToUpperAscii(call.name().name);
  auto error = [&](const std::string& message) {
    return ErrorAt(source, call.position(), "invalid aggregate", ": " + message);
  };
  AggregatePlan plan;
  if (call.star()) {
    if (name != "COUNT")
      return error(fmt::format("{}(*) is not valid; only COUNT(*)", name));
    plan.function = "count_all";
    plan.result_type = arrow::int64();
    return plan;
  }
  std::shared_ptr<arrow::DataType> type = input_type;
  if (type->id() == arrow::Type::DICTIONARY) {
    type = static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  // The argument against the declared signature (SUM takes numbers, …).
  const FunctionDefinition* function = FindFunction(name);
  const FunctionSignature* signature =
      function == nullptr ? nullptr : function->SignatureFor(call.args().size());
  if (signature != nullptr && !signature->args.empty() &&
      !ArgTypeAccepts(signature->At(0), *type)) {
    return error(fmt::format("{} needs a {} argument but got {}", name,
                             ArgTypeName(signature->At(0)), type->ToString()));
  }
  if (call.distinct() && name != "COUNT" && name != "MIN" && name != "MAX") {
    return error(
        fmt::format("{}(DISTINCT …) is not supported yet; only COUNT(DISTINCT …)", name));
  }
  auto skip_nulls = std::make_shared<cp::ScalarAggregateOptions>(/*skip_nulls=*/true,
                                                                 /*min_count=*/1);
  if (name == "COUNT") {
    plan.function = call.distinct() ? "count_distinct" : "count";
    plan.options = std::make_shared<cp::CountOptions>(cp::CountOptions::ONLY_VALID);
    plan.result_type = arrow::int64();
    return plan;
  }
  if (name == "MIN" || name == "MAX") {
    if (type->id() == arrow::Type::STRUCT || type->id() == arrow::Type::LIST ||
        type->id() == arrow::Type::MAP) {
      return error(fmt::format("{} cannot be applied to {}", name, type->ToString()));
    }
    plan.function = name == "MIN" ? "min" : "max";
    plan.options = skip_nulls;
    plan.result_type = type;
    return plan;
  }
  if (name == "LISTAGG") {
    plan.function = "listagg";
    plan.result_type = arrow::utf8();
    if (type->id() != arrow::Type::STRING) plan.input_cast = arrow::utf8();
    return plan;
  }
  if (name == "FIRST_VALUE" || name == "LAST_VALUE") {
    plan.function = name == "FIRST_VALUE" ? "first" : "last";
    plan.options = skip_nulls;
    plan.result_type = type;
    return plan;
  }
  if (name == "SUM") {
    plan.function = "sum";
    plan.options = skip_nulls;
    if (arrow::is_signed_integer(type->id()) || type->id() == arrow::Type::NA) {
      plan.result_type = arrow::int64();
    } else if (arrow::is_unsigned_integer(type->id())) {
      plan.result_type = arrow::uint64();
    } else if (arrow::is_floating(type->id())) {
      plan.result_type = arrow::float64();
    } else {
      const auto& decimal = static_cast<const arrow::DecimalType&>(*type);
      plan.result_type = arrow::decimal128(38, decimal.scale());
      if (type->id() == arrow::Type::DECIMAL256) {
        plan.result_type = arrow::decimal256(76, decimal.scale());
      }
    }
    return plan;
  }
  if (name == "AVG") {
    plan.function = "mean";
    plan.options = skip_nulls;
    if (arrow::is_integer(type->id())) {
      // Flink: the average of an integer column is an integer of the same type.
      plan.result_type = arrow::float64();
      plan.cast_to = type;
      plan.options = skip_nulls;
      // Truncate toward zero like Java's integer division: cast from double does
      // that when the options allow it.
    } else if (arrow::is_decimal(type->id())) {
      // Arrow averages a decimal at its own scale, rounding half away from zero:
      // give it Flink's result type first.
      plan.input_cast = AvgResultType(type);
      plan.result_type = plan.input_cast;
    } else {
      plan.result_type = arrow::float64();
    }
    return plan;
  }
  bool population = name == "STDDEV_POP" || name == "VAR_POP";
  bool stddev = name.rfind("STDDEV", 0) == 0;
  plan.function = stddev ? "stddev" : "variance";
  plan.options = std::make_shared<cp::VarianceOptions>(population ? 0 : 1,
                                                       /*skip_nulls=*/true,
                                                       /*min_count=*/population ? 1 : 2);
  plan.result_type = arrow::float64();
  return plan;
}

}  // namespace weir::sql
