#include "weir/sql/functions/function_registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/special_functions.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

ArgType ParseArgType(std::string_view name, std::string_view function) {
  for (ArgType type :
       {ArgType::kAny, ArgType::kString, ArgType::kInteger, ArgType::kNumeric,
        ArgType::kDouble, ArgType::kTemporal, ArgType::kSymbol}) {
    if (ArgTypeName(type) == name) return type;
  }
  // The tables are code: a typo in one is a bug caught by the registry's test.
  std::fprintf(stderr, "weir: bad argument type '%.*s' in the signature of %.*s\n",
               static_cast<int>(name.size()), name.data(),
               static_cast<int>(function.size()), function.data());
  std::abort();
}

// "STRING, INTEGER | STRING, INTEGER, INTEGER" → two signatures.
std::vector<FunctionSignature> ParseSignatures(std::string_view text,
                                               std::string_view function) {
  std::vector<FunctionSignature> signatures;
  while (true) {
    const size_t bar = text.find('|');
    std::string_view one = Trimmed(text.substr(0, bar));
    FunctionSignature signature;
    while (!one.empty()) {
      const size_t comma = one.find(',');
      std::string_view arg = Trimmed(one.substr(0, comma));
      if (arg.size() > 3 && arg.substr(arg.size() - 3) == "...") {
        signature.variadic = true;
        arg = Trimmed(arg.substr(0, arg.size() - 3));
      }
      signature.args.push_back(ParseArgType(arg, function));
      if (comma == std::string_view::npos) break;
      one = Trimmed(one.substr(comma + 1));
    }
    signatures.push_back(std::move(signature));
    if (bar == std::string_view::npos) break;
    text = text.substr(bar + 1);
  }
  return signatures;
}

struct Registry {
  std::map<std::string, FunctionDefinition> functions;  // by upper-case name
};

const Registry& Functions() {
  static const Registry* registry = [] {
    auto* r = new Registry();
    auto add = [&](std::span<const FunctionEntry> entries, FunctionKind kind) {
      for (const FunctionEntry& entry : entries) {
        FunctionDefinition& f = r->functions[std::string(entry.name)];
        f.name = std::string(entry.name);
        f.kind = kind;
        f.signatures = ParseSignatures(entry.signatures, entry.name);
        f.binder = entry.binder;
        f.arrow_function = std::string(entry.arrow_function);
      }
    };
    add(GeneralFunctionEntries(), FunctionKind::kScalar);
    add(StringFunctionEntries(), FunctionKind::kScalar);
    add(MathFunctionEntries(), FunctionKind::kScalar);
    add(TimeFunctionEntries(), FunctionKind::kScalar);
    add(JsonFunctionEntries(), FunctionKind::kScalar);
    add(AggregateFunctionEntries(), FunctionKind::kAggregate);
    return r;
  }();
  return *registry;
}

std::string_view Plural(size_t n) { return n == 1 ? "" : "s"; }

// "2 or 3 arguments", "at least 1 argument", …, from the signatures' arities.
std::string ExpectedCount(const FunctionDefinition& function) {
  size_t min = SIZE_MAX;
  size_t max = 0;
  for (const FunctionSignature& signature : function.signatures) {
    min = std::min(min, signature.args.size());
    max = std::max(max, signature.variadic ? SIZE_MAX : signature.args.size());
  }
  if (max == SIZE_MAX) return fmt::format("at least {} argument{}", min, Plural(min));
  if (min == max) return fmt::format("{} argument{}", min, Plural(min));
  if (max == min + 1) return fmt::format("{} or {} arguments", min, max);
  return fmt::format("{} to {} arguments", min, max);
}

// How errors name what an argument type takes.
std::string_view ArgTypePhrase(ArgType type) {
  switch (type) {
    case ArgType::kString:
      return "a string";
    case ArgType::kInteger:
      return "an integer";
    case ArgType::kNumeric:
    case ArgType::kDouble:
      return "a number";
    case ArgType::kTemporal:
      return "a date, time or timestamp";
    case ArgType::kAny:
    case ArgType::kSymbol:
      break;
  }
  return "a value";
}

// Converts argument `i`, which ArgTypeAccepts, as `type` says.
arrow::Status Coerce(CallBuilder& builder, const FunctionCallExpr& call,
                     std::vector<TypedExpr>& args, size_t i, ArgType type) {
  switch (type) {
    case ArgType::kAny:
    case ArgType::kSymbol:
      return arrow::Status::OK();
    case ArgType::kString:
      return RequireString(builder, call, args, i);
    case ArgType::kInteger:
      return RequireInteger(builder, call, args, i);
    case ArgType::kNumeric:
      return RequireNumeric(builder, call, args, i, arrow::int32());
    case ArgType::kDouble:
      return RequireDouble(builder, call, args, i);
    case ArgType::kTemporal:
      if (args[i].is_bare_null() || CategoryOf(args[i].type) == TypeCategory::kDateTime ||
          CategoryOf(args[i].type) == TypeCategory::kTime) {
        return arrow::Status::OK();
      }
      return ArgTypeError(builder, call, args, i, "a date, time or timestamp");
  }
  return arrow::Status::OK();
}

}  // namespace

std::string_view ArgTypeName(ArgType type) {
  switch (type) {
    case ArgType::kAny:
      return "ANY";
    case ArgType::kString:
      return "STRING";
    case ArgType::kInteger:
      return "INTEGER";
    case ArgType::kNumeric:
      return "NUMERIC";
    case ArgType::kDouble:
      return "DOUBLE";
    case ArgType::kTemporal:
      return "TEMPORAL";
    case ArgType::kSymbol:
      return "SYMBOL";
  }
  return "";
}

bool ArgTypeAccepts(ArgType expected, const arrow::DataType& type) {
  if (type.id() == arrow::Type::NA) return true;
  const arrow::DataType& value =
      type.id() == arrow::Type::DICTIONARY
          ? *static_cast<const arrow::DictionaryType&>(type).value_type()
          : type;
  switch (expected) {
    case ArgType::kAny:
    case ArgType::kSymbol:
      return true;
    case ArgType::kString:
      return CategoryOf(value.GetSharedPtr()) == TypeCategory::kString;
    case ArgType::kInteger:
      return arrow::is_integer(value.id());
    case ArgType::kNumeric:
    case ArgType::kDouble:
      return CategoryOf(value.GetSharedPtr()) == TypeCategory::kNumeric;
    case ArgType::kTemporal:
      return CategoryOf(value.GetSharedPtr()) == TypeCategory::kDateTime ||
             CategoryOf(value.GetSharedPtr()) == TypeCategory::kTime;
  }
  return false;
}

bool FunctionSignature::Takes(size_t count) const {
  return variadic ? count >= args.size() : count == args.size();
}

ArgType FunctionSignature::At(size_t i) const {
  return i < args.size() ? args[i] : args.back();
}

const FunctionSignature* FunctionDefinition::SignatureFor(size_t count) const {
  for (const FunctionSignature& signature : signatures) {
    if (signature.Takes(count)) return &signature;
  }
  return nullptr;
}

std::string FunctionDefinition::SignaturesText(std::string_view called) const {
  std::string text;
  for (const FunctionSignature& signature : signatures) {
    std::string args;
    for (size_t i = 0; i < signature.args.size(); ++i) {
      args +=
          fmt::format("{}{}{}", i == 0 ? "" : ", ", ArgTypeName(signature.args[i]),
                      signature.variadic && i + 1 == signature.args.size() ? "..." : "");
    }
    text += fmt::format("{}{}({})", text.empty() ? "" : ", ", called, args);
  }
  return text;
}

const FunctionDefinition* FindFunction(std::string_view name) {
  const Registry& registry = Functions();
  auto it = registry.functions.find(ToUpperAscii(std::string(name)));
  return it == registry.functions.end() ? nullptr : &it->second;
}

std::vector<const FunctionDefinition*> AllFunctions() {
  std::vector<const FunctionDefinition*> all;
  for (const auto& [name, function] : Functions().functions) {
    if (name != "GET_FIELD") all.push_back(&function);
  }
  return all;
}

arrow::Result<TypedExpr> BindFunctionCall(CallBuilder& builder,
                                          const FunctionDefinition& function,
                                          const FunctionCallExpr& call,
                                          std::vector<TypedExpr> args) {
  auto registered = RegisterSqlKernels();
  if (!registered.ok()) {
    return builder.TypeError(
        call.position(),
        fmt::format("{} is unavailable: {}", CalledName(call), registered.ToString()));
  }
  const FunctionSignature* signature = function.SignatureFor(args.size());
  if (signature == nullptr) {
    const std::string called = CalledName(call);
    return builder.TypeError(
        call.position(),
        fmt::format("{} expects {} but got {} ({})", called, ExpectedCount(function),
                    args.size(), function.SignaturesText(called)));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgType type = signature->At(i);
    if (!args[i].is_bare_null() && !ArgTypeAccepts(type, *args[i].type)) {
      // With several signatures, the others may be what the user meant.
      return ArgTypeError(builder, call, args, i, ArgTypePhrase(type),
                          function.signatures.size() > 1
                              ? function.SignaturesText(CalledName(call))
                              : std::string());
    }
    ARROW_RETURN_NOT_OK(Coerce(builder, call, args, i, type));
  }
  if (function.binder != nullptr) return function.binder(builder, call, std::move(args));
  return CallArrow(builder, call, function.arrow_function, std::move(args));
}

}  // namespace weir::sql
