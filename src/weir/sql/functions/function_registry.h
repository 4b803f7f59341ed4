#pragma once
// The one registry of SQL's built-in functions, scalar and aggregate, each with
// its declared signatures (as Flink's BuiltInFunctionDefinitions and DuckDB's
// function sets declare them). The registry checks a call against the signatures
// and brings each argument to the declared type before the function's binder
// runs, so binders hold only what is particular to their function, and every
// function's errors read alike: "SUBSTRING expects 2 or 3 arguments but got 1
// (SUBSTRING(STRING, INTEGER), SUBSTRING(STRING, INTEGER, INTEGER))".

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/bind/typed_expr.h"
#include "weir/sql/functions/function_catalog.h"
#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// The kind of value a declared argument takes, and what the registry makes of it
/// before the binder sees it.
enum class ArgType {
  kAny,       ///< anything, as bound (the binder checks what it needs)
  kString,    ///< a string, cast to STRING; a bare NULL becomes a STRING NULL
  kInteger,   ///< an integer, widened to BIGINT; a bare NULL becomes a BIGINT NULL
  kNumeric,   ///< a number of any type, as is; a bare NULL becomes an INT NULL
  kDouble,    ///< a number, converted to DOUBLE
  kTemporal,  ///< a DATE, TIME or TIMESTAMP, as is
  kSymbol,    ///< a keyword (HOUR, BOTH) or a constant string, read by the binder
};

/// Returns the name an argument type has in signatures ("STRING", "INTEGER", …).
std::string_view ArgTypeName(ArgType type);

/// Returns true when a value of `type` is accepted where `expected` is declared
/// (null types are accepted everywhere).
bool ArgTypeAccepts(ArgType expected, const arrow::DataType& type);

/// One declared signature: the arguments' types, the last one repeated when
/// variadic.
struct FunctionSignature {
  std::vector<ArgType> args;
  /// The last argument may repeat (it appears one or more times).
  bool variadic = false;

  /// Returns true when `count` arguments fit.
  bool Takes(size_t count) const;
  /// Returns the declared type of argument `i` (i < count for a count Takes).
  ArgType At(size_t i) const;
};

/// Scalar or aggregate.
enum class FunctionKind { kScalar, kAggregate };

/// A function's entry in a theme's table: its name, its signatures written as
/// "STRING, INTEGER | STRING, INTEGER, INTEGER" (`|` between signatures, `...`
/// after a repeating last argument, nothing for no argument), and how a call
/// whose arguments matched is typed: `binder`, or else the Arrow function
/// `arrow_function` called with the arguments.
struct FunctionEntry {
  std::string_view name;
  std::string_view signatures;
  FunctionBinder binder = nullptr;
  std::string_view arrow_function = "";
};

/// A registered function.
struct FunctionDefinition {
  /// The SQL name, upper case.
  std::string name;
  FunctionKind kind = FunctionKind::kScalar;
  std::vector<FunctionSignature> signatures;
  /// Scalar functions: see FunctionEntry.
  FunctionBinder binder = nullptr;
  std::string arrow_function;

  /// Returns the first signature taking `count` arguments, or null.
  const FunctionSignature* SignatureFor(size_t count) const;
  /// Returns the signatures as text: "SUBSTRING(STRING, INTEGER), …", called
  /// `called` (the name as written, for aliases).
  std::string SignaturesText(std::string_view called) const;
};

/// Returns the built-in function named `name` (case-insensitively), or null.
const FunctionDefinition* FindFunction(std::string_view name);

/// Returns every built-in function, sorted by name (GET_FIELD, the spelling of
/// `expr.field`, left out).
std::vector<const FunctionDefinition*> AllFunctions();

/// Types a call of the scalar function `function`: picks the signature for the
/// number of arguments, checks and converts each argument to its declared type,
/// then runs the function's binder. `args` are bound, dictionaries decoded.
arrow::Result<TypedExpr> BindFunctionCall(CallBuilder& builder,
                                          const FunctionDefinition& function,
                                          const FunctionCallExpr& call,
                                          std::vector<TypedExpr> args);

/// Returns the entries of the string functions (CONCAT, SUBSTRING, TRIM, …).
std::span<const FunctionEntry> StringFunctionEntries();
/// Returns the entries of the numeric functions (ROUND, POWER, LOG, …).
std::span<const FunctionEntry> MathFunctionEntries();
/// Returns the entries of the date and time functions (EXTRACT, DATE_FORMAT, …).
std::span<const FunctionEntry> TimeFunctionEntries();
/// Returns the entries of the conditional and nested-value functions (IF,
/// COALESCE, ROW, CARDINALITY, …) and the simple ones (UPPER, ABS, …).
std::span<const FunctionEntry> GeneralFunctionEntries();
/// Returns the entries of the JSON functions (JSON_VALUE, JSON_QUERY, JSON_EXISTS).
std::span<const FunctionEntry> JsonFunctionEntries();
/// Returns the entries of the aggregate functions (no binders: the planner plans
/// them with PlanAggregateCall).
std::span<const FunctionEntry> AggregateFunctionEntries();

}  // namespace weir::sql
