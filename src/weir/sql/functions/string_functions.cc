// String functions with Flink's semantics. Arrow's kernels serve where they agree
// with Flink (REVERSE, REPEAT, TRIM, REPLACE, REGEXP_REPLACE, CONCAT); the weir_*
// kernels of string_kernels.cc serve the others.

#include <arrow/compute/api_scalar.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/special_functions.h"
#include "weir/sql/parse/diagnostic.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// Fails unless argument `i` is a constant (NULL allowed); Arrow takes it as an option.
arrow::Status RequireConstant(CallBuilder& builder, const FunctionCallExpr& call,
                              const std::vector<TypedExpr>& args, size_t i,
                              std::string_view what) {
  if (args[i].is_constant()) return arrow::Status::OK();
  return ArgTypeError(builder, call, args, i, fmt::format("a constant {}", what));
}

TypedExpr StringConstant(std::string value, const FunctionCallExpr& call) {
  return ConstantOf(std::make_shared<arrow::StringScalar>(std::move(value)), call);
}

// CONCAT(a, …): NULL when any argument is NULL.
arrow::Result<TypedExpr> BindConcat(CallBuilder& builder, const FunctionCallExpr& call,
                                    std::vector<TypedExpr> args) {
  args.push_back(StringConstant("", call));  // the separator
  return CallArrow(builder, call, "binary_join_element_wise", std::move(args));
}

// CONCAT_WS(separator, a, …): skips NULL values; NULL when the separator is NULL.
arrow::Result<TypedExpr> BindConcatWs(CallBuilder& builder, const FunctionCallExpr& call,
                                      std::vector<TypedExpr> args) {
  if (args[0].is_null_constant()) return NullOf(arrow::utf8(), call);
  std::vector<TypedExpr> joined(args.begin() + 1, args.end());
  joined.push_back(args[0]);
  return CallArrow(builder, call, "binary_join_element_wise", std::move(joined),
                   std::make_shared<cp::JoinOptions>(cp::JoinOptions::SKIP));
}

// SUBSTRING(s, start[, length]) and SUBSTR.
arrow::Result<TypedExpr> BindSubstring(CallBuilder& builder, const FunctionCallExpr& call,
                                       std::vector<TypedExpr> args) {
  if (args.size() == 2) args.push_back(ConstantOf(arrow::MakeScalar(INT64_MAX), call));
  return CallArrow(builder, call, "weir_substring", std::move(args));
}

// REPEAT(s, n): '' for n <= 0.
arrow::Result<TypedExpr> BindRepeat(CallBuilder& builder, const FunctionCallExpr& call,
                                    std::vector<TypedExpr> args) {
  ARROW_ASSIGN_OR_RAISE(
      TypedExpr count,
      CallArrow(builder, call, "max_element_wise",
                {args[1], ConstantOf(arrow::MakeScalar(int64_t{0}), call)},
                std::make_shared<cp::ElementWiseAggregateOptions>(false)));
  return CallArrow(builder, call, "binary_repeat", {args[0], count});
}

// POSITION(needle IN haystack), and INSTR(haystack, needle) the other way round.
arrow::Result<TypedExpr> BindPosition(CallBuilder& builder, const FunctionCallExpr& call,
                                      std::vector<TypedExpr> args) {
  if (CalledName(call) == "INSTR") std::swap(args[0], args[1]);
  return CallArrow(builder, call, "weir_position", std::move(args));
}

// Trims the characters of the constant `chars` from `value`; `mode` is BOTH,
// LEADING or TRAILING.
arrow::Result<TypedExpr> Trim(CallBuilder& builder, const FunctionCallExpr& call,
                              std::vector<TypedExpr>& args, size_t value, size_t chars,
                              std::string_view mode) {
  ARROW_RETURN_NOT_OK(
      RequireConstant(builder, call, args, chars, "string of characters"));
  if (args[chars].is_null_constant()) return NullOf(arrow::utf8(), call);
  std::string_view function = mode == "LEADING"    ? "utf8_ltrim"
                              : mode == "TRAILING" ? "utf8_rtrim"
                                                   : "utf8_trim";
  return CallArrow(builder, call, function, {args[value]},
                   std::make_shared<cp::TrimOptions>(*ConstantString(args[chars])));
}

// TRIM([BOTH|LEADING|TRAILING] [chars] FROM s), which the parser passes as
// TRIM(mode, chars, s).
arrow::Result<TypedExpr> BindTrim(CallBuilder& builder, const FunctionCallExpr& call,
                                  std::vector<TypedExpr> args) {
  std::optional<std::string> mode = SymbolArg(call, args, 0);
  if (!mode || (*mode != "BOTH" && *mode != "LEADING" && *mode != "TRAILING")) {
    return ArgTypeError(builder, call, args, 0, "BOTH, LEADING or TRAILING");
  }
  return Trim(builder, call, args, 2, 1, *mode);
}

// LTRIM(s[, chars]), RTRIM and BTRIM: spaces by default.
arrow::Result<TypedExpr> BindSideTrim(CallBuilder& builder, const FunctionCallExpr& call,
                                      std::vector<TypedExpr> args) {
  if (args.size() == 1) args.push_back(StringConstant(" ", call));
  std::string name = CalledName(call);
  std::string_view mode = name == "LTRIM"   ? "LEADING"
                          : name == "RTRIM" ? "TRAILING"
                                            : "BOTH";
  return Trim(builder, call, args, 0, 1, mode);
}

// REPLACE(s, from, to): every non-overlapping occurrence, left to right.
arrow::Result<TypedExpr> BindReplace(CallBuilder& builder, const FunctionCallExpr& call,
                                     std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 1, "search string"));
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 2, "replacement string"));
  if (AnyNullConstant(args)) return NullOf(arrow::utf8(), call);
  std::string from = *ConstantString(args[1]);
  // Java inserts the replacement between all characters for an empty search
  // string; Arrow has no such mode, and nobody means it.
  if (from.empty()) return args[0];
  return CallArrow(builder, call, "replace_substring", {args[0]},
                   std::make_shared<cp::ReplaceSubstringOptions>(
                       std::move(from), *ConstantString(args[2])));
}

// Arrow compiles some regular expressions when it runs a kernel, not when it binds
// one: running it once on a constant reports a bad pattern at bind time, at the
// pattern argument (argument 2).
arrow::Status CheckRegex(CallBuilder& builder, const FunctionCallExpr& call,
                         const std::vector<TypedExpr>& args, std::string_view function,
                         std::shared_ptr<cp::FunctionOptions> options) {
  auto checked =
      CallArrow(builder, call, function, {StringConstant("", call)}, std::move(options));
  if (checked.ok()) return arrow::Status::OK();
  // RE2 says e.g. "Invalid regular expression: missing ): <pattern>".
  std::string message = checked.status().message();
  constexpr std::string_view kPrefix = "regular expression: ";
  size_t at = message.find(kPrefix);
  if (at != std::string::npos) {
    message = message.substr(at + kPrefix.size());
    message = message.substr(0, message.find_first_of(":\n"));
  }
  return builder.TypeError(
      StartPosition(*call.args()[1]),
      fmt::format("{} got an invalid regular expression {}: {}", CalledName(call),
                  QuoteForMessage(*ConstantString(args[1])), message));
}

// REGEXP_REPLACE(s, regex, replacement): the replacement is literal text, as in
// Flink (Matcher.quoteReplacement), so backslashes are escaped for RE2.
arrow::Result<TypedExpr> BindRegexpReplace(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 1, "regular expression"));
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 2, "replacement string"));
  if (AnyNullConstant(args)) return NullOf(arrow::utf8(), call);
  std::string literal = *ConstantString(args[2]);
  std::string replacement;
  for (char c : literal) {
    if (c == '\\') replacement.push_back('\\');
    replacement.push_back(c);
  }
  auto options = std::make_shared<cp::ReplaceSubstringOptions>(*ConstantString(args[1]),
                                                               std::move(replacement));
  ARROW_RETURN_NOT_OK(
      CheckRegex(builder, call, args, "replace_substring_regex", options));
  return CallArrow(builder, call, "replace_substring_regex", {args[0]}, options);
}

// Names every capturing group of `regex` g1, g2, … and wraps the whole as g0, for
// Arrow's extract_regex, which wants named groups. Returns the number of groups
// the user wrote.
int NameGroups(std::string_view regex, std::string* named) {
  int groups = 0;
  *named = "(?P<g0>";
  bool in_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    named->push_back(c);
    if (c == '\\' && i + 1 < regex.size()) {
      named->push_back(regex[++i]);
    } else if (c == '[') {
      in_class = true;
    } else if (c == ']') {
      in_class = false;
    } else if (c == '(' && !in_class) {
      bool plain = i + 1 >= regex.size() || regex[i + 1] != '?';
      bool named_group = regex.substr(i + 1, 3) == "?P<" ||
                         (regex.substr(i + 1, 2) == "?<" && i + 3 < regex.size() &&
                          regex[i + 3] != '=' && regex[i + 3] != '!');
      if (plain) {
        *named += fmt::format("?P<g{}>", ++groups);
      } else if (named_group) {
        // Rename it: skip to the end of the name.
        size_t close = regex.find('>', i);
        if (close == std::string_view::npos) break;
        *named += fmt::format("?P<g{}>", ++groups);
        i = close;
      }
    }
  }
  *named += ")";
  return groups;
}

// REGEXP_EXTRACT(s, regex[, group]): group 0 (the default) is the whole match;
// NULL when nothing matches or the group does not exist.
arrow::Result<TypedExpr> BindRegexpExtract(CallBuilder& builder,
                                           const FunctionCallExpr& call,
                                           std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 1, "regular expression"));
  int64_t group = 0;
  if (args.size() == 3) {
    ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 2, "group index"));
    if (args[2].is_null_constant()) return NullOf(arrow::utf8(), call);
    group = *ConstantInteger(args[2]);
  }
  if (AnyNullConstant(args)) return NullOf(arrow::utf8(), call);
  std::string named;
  int groups = NameGroups(*ConstantString(args[1]), &named);
  if (group < 0 || group > groups) return NullOf(arrow::utf8(), call);
  auto options = std::make_shared<cp::ExtractRegexOptions>(named);
  ARROW_RETURN_NOT_OK(CheckRegex(builder, call, args, "extract_regex", options));
  ARROW_ASSIGN_OR_RAISE(TypedExpr matches,
                        CallArrow(builder, call, "extract_regex", {args[0]}, options));
  return CallArrow(builder, call, "struct_field", {matches},
                   std::make_shared<cp::StructFieldOptions>(
                       std::vector<int>{static_cast<int>(group)}));
}

// STARTSWITH(s, prefix) and ENDSWITH(s, suffix) with a constant prefix or suffix.
arrow::Result<TypedExpr> BindStartsEnds(CallBuilder& builder,
                                        const FunctionCallExpr& call,
                                        std::vector<TypedExpr> args) {
  ARROW_RETURN_NOT_OK(RequireConstant(builder, call, args, 1, "string"));
  if (AnyNullConstant(args)) return NullOf(arrow::boolean(), call);
  bool starts = CalledName(call) == "STARTSWITH";
  return CallArrow(builder, call, starts ? "starts_with" : "ends_with", {args[0]},
                   std::make_shared<cp::MatchSubstringOptions>(*ConstantString(args[1])));
}

// LOCATE(needle, haystack [, start]): from the first character without a start.
arrow::Result<TypedExpr> BindLocate(CallBuilder& builder, const FunctionCallExpr& call,
                                    std::vector<TypedExpr> args) {
  if (args.size() == 2) {
    args.push_back(MakeConstant(std::make_shared<arrow::Int64Scalar>(1), nullptr));
  }
  return CallArrow(builder, call, "weir_locate", std::move(args));
}

// SHA2(s, bits) with the bits as BIGINT; the others take the string alone.
arrow::Result<TypedExpr> BindDigest(CallBuilder& builder, const FunctionCallExpr& call,
                                    std::vector<TypedExpr> args) {
  const std::string name = CalledName(call);
  std::string kernel = "weir_" + common::ToLowerAscii(name);
  return CallArrow(builder, call, kernel, std::move(args));
}

// UUID(): a random UUID per row, never folded into a constant.
arrow::Result<TypedExpr> BindUuid(CallBuilder& builder, const FunctionCallExpr& call,
                                  std::vector<TypedExpr>) {
  return CallArrow(builder, call, "weir_uuid", {});
}

constexpr FunctionEntry kStringFunctions[] = {
    {"CONCAT", "STRING...", BindConcat},
    {"CONCAT_WS", "STRING, STRING...", BindConcatWs},
    {"SUBSTRING", "STRING, INTEGER | STRING, INTEGER, INTEGER", BindSubstring},
    {"SUBSTR", "STRING, INTEGER | STRING, INTEGER, INTEGER", BindSubstring},
    {"LEFT", "STRING, INTEGER", nullptr, "weir_left"},
    {"RIGHT", "STRING, INTEGER", nullptr, "weir_right"},
    {"REPEAT", "STRING, INTEGER", BindRepeat},
    {"LPAD", "STRING, INTEGER, STRING", nullptr, "weir_lpad"},
    {"RPAD", "STRING, INTEGER, STRING", nullptr, "weir_rpad"},
    {"SPLIT_INDEX", "STRING, STRING, INTEGER", nullptr, "weir_split_index"},
    {"POSITION", "STRING, STRING", BindPosition},
    {"INSTR", "STRING, STRING", BindPosition},
    {"LOCATE", "STRING, STRING | STRING, STRING, INTEGER", BindLocate},
    {"MD5", "STRING", BindDigest},
    {"SHA1", "STRING", BindDigest},
    {"SHA224", "STRING", BindDigest},
    {"SHA256", "STRING", BindDigest},
    {"SHA384", "STRING", BindDigest},
    {"SHA512", "STRING", BindDigest},
    {"SHA2", "STRING, INTEGER", BindDigest},
    {"UUID", "", BindUuid},
    {"REVERSE", "STRING", nullptr, "utf8_reverse"},
    {"INITCAP", "STRING", nullptr, "weir_initcap"},
    {"UPPER", "STRING", nullptr, "utf8_upper"},
    {"LOWER", "STRING", nullptr, "utf8_lower"},
    {"CHAR_LENGTH", "STRING", nullptr, "utf8_length"},
    {"CHARACTER_LENGTH", "STRING", nullptr, "utf8_length"},
    {"TRIM", "SYMBOL, STRING, STRING", BindTrim},
    {"LTRIM", "STRING | STRING, STRING", BindSideTrim},
    {"RTRIM", "STRING | STRING, STRING", BindSideTrim},
    {"BTRIM", "STRING | STRING, STRING", BindSideTrim},
    {"REPLACE", "STRING, STRING, STRING", BindReplace},
    {"REGEXP_REPLACE", "STRING, STRING, STRING", BindRegexpReplace},
    {"REGEXP_EXTRACT", "STRING, STRING | STRING, STRING, INTEGER", BindRegexpExtract},
    {"STARTSWITH", "STRING, STRING", BindStartsEnds},
    {"ENDSWITH", "STRING, STRING", BindStartsEnds},
};

}  // namespace

std::span<const FunctionEntry> StringFunctionEntries() { return kStringFunctions; }

}  // namespace weir::sql
