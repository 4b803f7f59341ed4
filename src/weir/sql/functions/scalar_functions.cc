// Scalar functions: the argument checks shared by every theme, and the conditional (IF,
// NULLIF, COALESCE, IFNULL, GREATEST, LEAST) and nested-value (GET_FIELD, CARDINALITY)
// functions. Strings, numbers and times live in string_functions.cc, math_functions.cc
// and time_functions.cc.

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

#include "weir/sql/bind/type_unify.h"
#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/special_functions.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;
using TypePtr = std::shared_ptr<arrow::DataType>;

// IF(condition, a, b): a NULL condition picks b, as in Flink.
arrow::Result<TypedExpr> BindIf(CallBuilder& builder, const FunctionCallExpr& call,
                                std::vector<TypedExpr> args) {
  TypedExpr condition = args[0];
  if (condition.is_bare_null()) {
    condition = NullOf(arrow::boolean(), call);
  } else if (condition.type->id() != arrow::Type::BOOL) {
    return ArgTypeError(builder, call, args, 0, "a boolean condition");
  }
  ARROW_ASSIGN_OR_RAISE(
      condition, CallArrow(builder, call, "coalesce",
                           {condition, ConstantOf(arrow::MakeScalar(false), call)}));
  std::vector<TypedExpr> values = {args[1], args[2]};
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, values, call));
  if (values[0].is_bare_null() && values[1].is_bare_null()) return values[0];
  return CallArrow(builder, call, "if_else", {condition, values[0], values[1]});
}

// NULLIF(a, b): NULL when a = b, else a (in a's type).
arrow::Result<TypedExpr> BindNullIf(CallBuilder& builder, const FunctionCallExpr& call,
                                    std::vector<TypedExpr> args) {
  if (args[0].is_bare_null()) return args[0];
  if (!Comparable(args[0].type, args[1].type)) {
    return builder.TypeError(call.position(),
                             fmt::format("NULLIF cannot compare {} with {}",
                                         Describe(args[0]), Describe(args[1])));
  }
  std::vector<TypedExpr> compared = args;
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, compared, call));
  ARROW_ASSIGN_OR_RAISE(TypedExpr equal,
                        CallArrow(builder, call, "equal", {compared[0], compared[1]}));
  ARROW_ASSIGN_OR_RAISE(equal,
                        CallArrow(builder, call, "coalesce",
                                  {equal, ConstantOf(arrow::MakeScalar(false), call)}));
  return CallArrow(builder, call, "if_else",
                   {equal, NullOf(ValueType(args[0].type), call), args[0]});
}

// COALESCE(a, …) and IFNULL(a, b): the first non-NULL value, in the common type.
arrow::Result<TypedExpr> BindCoalesce(CallBuilder& builder, const FunctionCallExpr& call,
                                      std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, args, call));
  // Leading NULL constants never win; a leading non-NULL constant always does.
  auto first = std::find_if(args.begin(), args.end(),
                            [](const TypedExpr& arg) { return !arg.is_null_constant(); });
  if (first == args.end()) return args.front();
  if (first->is_constant()) return *first;
  args.erase(args.begin(), first);
  if (args.size() == 1) return args.front();
  return CallArrow(builder, call, "coalesce", std::move(args));
}

// GREATEST and LEAST: NULL when any argument is NULL, as in Flink.
arrow::Result<TypedExpr> BindGreatestLeast(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, args, call));
  for (size_t i = 0; i < args.size(); ++i) {
    TypeCategory category = CategoryOf(args[i].type);
    if (category == TypeCategory::kOther || category == TypeCategory::kBinary) {
      return ArgTypeError(builder, call, args, i, "a comparable value");
    }
  }
  if (AnyNullConstant(args)) return NullOf(ValueType(args[0].type), call);
  bool greatest = CalledName(call) == "GREATEST";
  return CallArrow(builder, call, greatest ? "max_element_wise" : "min_element_wise",
                   std::move(args),
                   std::make_shared<cp::ElementWiseAggregateOptions>(
                       /*skip_nulls=*/false));
}

// GET_FIELD(row, name): what `expr.name` on a non-column becomes. The name matches
// exactly, else case-insensitively when that is unique.
arrow::Result<TypedExpr> BindGetField(CallBuilder& builder, const FunctionCallExpr& call,
                                      std::vector<TypedExpr> args) {
  std::optional<std::string> name = SymbolArg(call, args, 1);
  if (!name) return ArgTypeError(builder, call, args, 1, "a field name");
  if (args[0].type->id() != arrow::Type::STRUCT) {
    return builder.TypeError(
        call.position(), fmt::format("cannot access field '{}' of {}: it is not a ROW",
                                     *name, Describe(args[0])));
  }
  const auto& type = static_cast<const arrow::StructType&>(*args[0].type);
  int index = type.GetFieldIndex(*name);
  std::vector<std::string> names;
  if (index < 0) {
    for (int i = 0; i < type.num_fields(); ++i) {
      names.push_back(type.field(i)->name());
      if (!EqualsIgnoreCase(type.field(i)->name(), *name)) continue;
      if (index >= 0) {
        return builder.TypeError(
            call.position(),
            fmt::format("field name '{}' is ambiguous in {}: quote it to match case",
                        *name, Describe(args[0])));
      }
      index = i;
    }
  }
  if (index < 0) {
    return builder.TypeError(
        call.position(), fmt::format("{} has no field '{}'{}", Describe(args[0]), *name,
                                     DidYouMean(*name, names)));
  }
  return CallArrow(builder, call, "struct_field", {args[0]},
                   std::make_shared<cp::StructFieldOptions>(std::vector<int>{index}));
}

// CARDINALITY(array | map): the number of elements, as INT.
arrow::Result<TypedExpr> BindCardinality(CallBuilder& builder,
                                         const FunctionCallExpr& call,
                                         std::vector<TypedExpr> args) {
  if (args[0].is_bare_null()) return NullOf(arrow::int32(), call);
  arrow::Type::type id = args[0].type->id();
  if (id != arrow::Type::LIST && id != arrow::Type::LARGE_LIST &&
      id != arrow::Type::FIXED_SIZE_LIST && id != arrow::Type::MAP) {
    return ArgTypeError(builder, call, args, 0, "an ARRAY or a MAP");
  }
  TypedExpr lists = args[0];
  if (id == arrow::Type::MAP) {
    // A map is a list of key-value entries; list_value_length takes lists only.
    const auto& map = static_cast<const arrow::MapType&>(*lists.type);
    ARROW_ASSIGN_OR_RAISE(
        lists, ConvertTo(builder, std::move(lists), arrow::list(map.value_type())));
  }
  ARROW_ASSIGN_OR_RAISE(TypedExpr length,
                        CallArrow(builder, call, "list_value_length", {lists}));
  return ConvertTo(builder, std::move(length), arrow::int32());
}

// ROW(a, …): a row value with fields EXPR$0, EXPR$1, … (Flink's names).
arrow::Result<TypedExpr> BindRow(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr> args) {
  std::vector<std::string> names;
  for (size_t i = 0; i < args.size(); ++i) names.push_back(fmt::format("EXPR${}", i));
  return CallArrow(builder, call, "make_struct", std::move(args),
                   std::make_shared<cp::MakeStructOptions>(names));
}

// ARRAY[a, …]: an array of the elements' common type.
arrow::Result<TypedExpr> BindArray(CallBuilder& builder, const FunctionCallExpr& call,
                                   std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, args, call));
  return CallArrow(builder, call, "weir_make_array", std::move(args));
}

// MAP[k1, v1, …]: a map of the keys' and the values' common types.
arrow::Result<TypedExpr> BindMap(CallBuilder& builder, const FunctionCallExpr& call,
                                 std::vector<TypedExpr> args) {
  if (args.size() % 2 != 0) {
    return builder.TypeError(
        call.position(), fmt::format("MAP expects keys and values in pairs but got {} "
                                     "arguments",
                                     args.size()));
  }
  std::vector<TypedExpr> keys, values;
  for (size_t i = 0; i < args.size(); ++i) (i % 2 ? values : keys).push_back(args[i]);
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, keys, call));
  ARROW_RETURN_NOT_OK(UnifyTypes(builder, values, call));
  for (const TypedExpr& key : keys) {
    if (key.is_null_constant()) {
      return builder.TypeError(key.node ? key.node->position() : call.position(),
                               "MAP keys must not be NULL");
    }
  }
  std::vector<TypedExpr> pairs;
  for (size_t i = 0; i < keys.size(); ++i) {
    pairs.push_back(std::move(keys[i]));
    pairs.push_back(std::move(values[i]));
  }
  return CallArrow(builder, call, "weir_make_map", std::move(pairs));
}

constexpr FunctionEntry kGeneralFunctions[] = {
    {"ROW", "ANY...", BindRow},
    {"ARRAY", "ANY...", BindArray},
    {"MAP", "ANY, ANY...", BindMap},
    {"IF", "ANY, ANY, ANY", BindIf},
    {"NULLIF", "ANY, ANY", BindNullIf},
    {"COALESCE", "ANY...", BindCoalesce},
    {"IFNULL", "ANY, ANY", BindCoalesce},
    {"GREATEST", "ANY...", BindGreatestLeast},
    {"LEAST", "ANY...", BindGreatestLeast},
    {"GET_FIELD", "ANY, SYMBOL", BindGetField},
    {"CARDINALITY", "ANY", BindCardinality},
};

}  // namespace

std::span<const FunctionEntry> GeneralFunctionEntries() { return kGeneralFunctions; }

std::string CalledName(const FunctionCallExpr& call) {
  std::string name = call.name().name;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

arrow::Status ArgTypeError(CallBuilder& builder, const FunctionCallExpr& call,
                           const std::vector<TypedExpr>& args, size_t i,
                           std::string_view expected, std::string_view note) {
  const Expr* node = args[i].node != nullptr ? args[i].node : call.args()[i].get();
  return builder.TypeError(
      StartPosition(*node),
      fmt::format("{} expects {} as argument {} but got {}{}{}{}", CalledName(call),
                  expected, i + 1, Describe(args[i]), note.empty() ? "" : " (", note,
                  note.empty() ? "" : ")"));
}

arrow::Status RequireString(CallBuilder& builder, const FunctionCallExpr& call,
                            std::vector<TypedExpr>& args, size_t i) {
  TypedExpr& arg = args[i];
  if (arg.is_bare_null()) {
    arg = MakeConstant(arrow::MakeNullScalar(arrow::utf8()), arg.node);
    return arrow::Status::OK();
  }
  if (CategoryOf(arg.type) != TypeCategory::kString) {
    return ArgTypeError(builder, call, args, i, "a string");
  }
  ARROW_ASSIGN_OR_RAISE(arg, ConvertTo(builder, std::move(arg), arrow::utf8()));
  return arrow::Status::OK();
}

arrow::Status RequireInteger(CallBuilder& builder, const FunctionCallExpr& call,
                             std::vector<TypedExpr>& args, size_t i) {
  TypedExpr& arg = args[i];
  if (arg.is_bare_null()) {
    arg = MakeConstant(arrow::MakeNullScalar(arrow::int64()), arg.node);
    return arrow::Status::OK();
  }
  if (!arrow::is_integer(arg.type->id())) {
    return ArgTypeError(builder, call, args, i, "an integer");
  }
  ARROW_ASSIGN_OR_RAISE(arg, ConvertTo(builder, std::move(arg), arrow::int64()));
  return arrow::Status::OK();
}

arrow::Status RequireNumeric(CallBuilder& builder, const FunctionCallExpr& call,
                             std::vector<TypedExpr>& args, size_t i,
                             const TypePtr& null_type) {
  TypedExpr& arg = args[i];
  if (arg.is_bare_null()) {
    arg = MakeConstant(arrow::MakeNullScalar(null_type), arg.node);
    return arrow::Status::OK();
  }
  if (CategoryOf(arg.type) != TypeCategory::kNumeric) {
    return ArgTypeError(builder, call, args, i, "a number");
  }
  return arrow::Status::OK();
}

arrow::Status RequireDouble(CallBuilder& builder, const FunctionCallExpr& call,
                            std::vector<TypedExpr>& args, size_t i) {
  ARROW_RETURN_NOT_OK(RequireNumeric(builder, call, args, i, arrow::float64()));
  ARROW_ASSIGN_OR_RAISE(args[i],
                        ConvertTo(builder, std::move(args[i]), arrow::float64()));
  return arrow::Status::OK();
}

std::optional<std::string> SymbolArg(const FunctionCallExpr& call,
                                     const std::vector<TypedExpr>& args, size_t i) {
  if (i >= args.size()) return std::nullopt;
  const Expr& node = *call.args()[i];
  if (node.kind() == ExprKind::kLiteral &&
      static_cast<const LiteralExpr&>(node).literal_kind() == LiteralKind::kSymbol) {
    return static_cast<const LiteralExpr&>(node).text();
  }
  return ConstantString(args[i]);
}

std::optional<std::string> ConstantString(const TypedExpr& value) {
  if (!value.is_constant() || !value.constant->is_valid ||
      !arrow::is_base_binary_like(value.type->id())) {
    return std::nullopt;
  }
  return std::string(static_cast<const arrow::BaseBinaryScalar&>(*value.constant).view());
}

std::optional<int64_t> ConstantInteger(const TypedExpr& value) {
  if (!value.is_constant() || !value.constant->is_valid ||
      !arrow::is_integer(value.type->id())) {
    return std::nullopt;
  }
  auto cast = value.constant->CastTo(arrow::int64());
  if (!cast.ok()) return std::nullopt;
  return static_cast<const arrow::Int64Scalar&>(**cast).value;
}

bool AnyNullConstant(const std::vector<TypedExpr>& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const TypedExpr& arg) { return arg.is_null_constant(); });
}

TypedExpr NullOf(const TypePtr& type, const FunctionCallExpr& call) {
  return MakeConstant(arrow::MakeNullScalar(type), &call);
}

TypedExpr ConstantOf(std::shared_ptr<arrow::Scalar> value, const FunctionCallExpr& call) {
  return MakeConstant(std::move(value), &call);
}

arrow::Result<TypedExpr> CallArrow(CallBuilder& builder, const FunctionCallExpr& call,
                                   std::string_view function, std::vector<TypedExpr> args,
                                   std::shared_ptr<cp::FunctionOptions> options) {
  return builder.Call(function, std::move(args), std::move(options), call,
                      fmt::format("function {}", CalledName(call)));
}

}  // namespace weir::sql
