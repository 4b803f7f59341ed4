// JSON_VALUE, JSON_QUERY and JSON_EXISTS (Flink's JSON functions) over JSON text
// with a JSON path in lax mode: `$`, `.key`, `['key']`, `[index]`. A missing
// path gives NULL (JSON_EXISTS: false); so do text that is not JSON and, for
// JSON_VALUE, a path that ends at an object or array (Flink's default NULL ON EMPTY
// and NULL ON ERROR).

#include <charconv>
#include <string>
#include <variant>
#include <vector>

#include <arrow/builder.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "weir/sql/functions/function_registry.h"
#include "weir/sql/functions/json_path.h"
#include "weir/sql/functions/row_kernel.h"
#include "weir/sql/functions/special_functions.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// The value at `path` in `json`, or null when the text is not JSON or the path
// leads nowhere. `document` keeps the parsed text alive.
const rapidjson::Value* Find(std::string_view json, const JsonPath& path,
                             rapidjson::Document* document) {
  document->Parse(json.data(), json.size());
  if (document->HasParseError()) return nullptr;
  const rapidjson::Value* at = document;
  for (const JsonPath::Step& step : path.steps) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!at->IsObject()) return nullptr;
      auto member = at->FindMember(
          rapidjson::Value(key->data(), static_cast<rapidjson::SizeType>(key->size())));
      if (member == at->MemberEnd()) return nullptr;
      at = &member->value;
    } else {
      const int64_t index = std::get<int64_t>(step);
      if (!at->IsArray() || index < 0 || index >= static_cast<int64_t>(at->Size())) {
        return nullptr;
      }
      at = &(*at)[static_cast<rapidjson::SizeType>(index)];
    }
  }
  return at;
}

// The path of `row` (parsed again only when it differs from the last row's).
struct PathCache {
  std::string text;
  arrow::Result<JsonPath> parsed = arrow::Status::Invalid("no path");
  const arrow::Result<JsonPath>& Of(std::string_view path) {
    if (path != text || !parsed.ok()) {
      text = std::string(path);
      parsed = ParseJsonPath(text);
    }
    return parsed;
  }
};

std::string Serialized(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The value row `row`'s path finds in its JSON (json, path: arguments 0 and 1), or
// null; `document` keeps it alive. Fails for a path that does not parse.
arrow::Result<const rapidjson::Value*> FindRow(const RowArgs& args, int64_t row,
                                               rapidjson::Document* document) {
  thread_local PathCache cache;
  const auto& path = cache.Of(args.String(1, row));
  if (!path.ok()) return path.status();
  return Find(args.String(0, row), *path, document);
}

arrow::Status JsonValueRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  rapidjson::Document document;
  ARROW_ASSIGN_OR_RAISE(const rapidjson::Value* value, FindRow(args, row, &document));
  if (value == nullptr || value->IsNull() || value->IsObject() || value->IsArray()) {
    return out->AppendNull();
  }
  if (value->IsString()) {
    return out->Append(std::string_view(value->GetString(), value->GetStringLength()));
  }
  if (value->IsBool()) return out->Append(value->GetBool() ? "true" : "false");
  return out->Append(Serialized(*value));  // a number, as written
}

arrow::Status JsonQueryRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  rapidjson::Document document;
  ARROW_ASSIGN_OR_RAISE(const rapidjson::Value* value, FindRow(args, row, &document));
  if (value == nullptr || !(value->IsObject() || value->IsArray())) {
    return out->AppendNull();
  }
  return out->Append(Serialized(*value));
}

arrow::Status JsonExistsRow(const RowArgs& args, int64_t row,
                            arrow::BooleanBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  rapidjson::Document document;
  ARROW_ASSIGN_OR_RAISE(const rapidjson::Value* value, FindRow(args, row, &document));
  return out->Append(value != nullptr);
}

// JSON_VALUE(json, path), JSON_QUERY(json, path), JSON_EXISTS(json, path): a
// constant path is checked here, so a bad one fails the statement, not the job.
arrow::Result<TypedExpr> BindJsonFunction(CallBuilder& builder,
                                          const FunctionCallExpr& call,
                                          std::vector<TypedExpr> args) {
  if (std::optional<std::string> path = ConstantString(args[1])) {
    auto parsed = ParseJsonPath(*path);
    if (!parsed.ok()) {
      return builder.TypeError(
          StartPosition(*call.args()[1]),
          fmt::format("{}: {}", CalledName(call), parsed.status().message()));
    }
  }
  const std::string name = CalledName(call);
  const char* kernel = name == "JSON_VALUE"   ? "weir_json_value"
                       : name == "JSON_QUERY" ? "weir_json_query"
                                              : "weir_json_exists";
  return CallArrow(builder, call, kernel, std::move(args));
}

constexpr FunctionEntry kJsonFunctions[] = {
    {"JSON_VALUE", "STRING, STRING", BindJsonFunction},
    {"JSON_QUERY", "STRING, STRING", BindJsonFunction},
    {"JSON_EXISTS", "STRING, STRING", BindJsonFunction},
};

}  // namespace

std::span<const FunctionEntry> JsonFunctionEntries() { return kJsonFunctions; }

arrow::Status RegisterJsonKernels(cp::FunctionRegistry* registry) {
  auto utf8 = arrow::utf8();
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::StringBuilder, JsonValueRow>(
      registry, "weir_json_value", {utf8, utf8}, utf8,
      cp::FunctionDoc("Flink JSON_VALUE: the scalar at a JSON path", "",
                      {"json", "path"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<arrow::StringBuilder, JsonQueryRow>(
      registry, "weir_json_query", {utf8, utf8}, utf8,
      cp::FunctionDoc("Flink JSON_QUERY: the object or array at a JSON path", "",
                      {"json", "path"}))));
  return AddRowFunction<arrow::BooleanBuilder, JsonExistsRow>(
      registry, "weir_json_exists", {utf8, utf8}, arrow::boolean(),
      cp::FunctionDoc("Flink JSON_EXISTS: whether a JSON path leads somewhere", "",
                      {"json", "path"}));
}

}  // namespace weir::sql
