#include "weir/sql/functions/table_functions.h"

#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/format/parquet/dataset.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/suggest.h"

namespace weir::sql {

arrow::Result<std::shared_ptr<const CatalogTable>> ResolveTableFunction(
    const TableRef& ref, std::string_view source) {
  const Identifier& name = ref.name.back();
  if (!EqualsIgnoreCase(name.name, "read_parquet")) {
    return ErrorAt(source, ref.position,
                   fmt::format("unknown table function '{}'", name.name),
                   DidYouMean(name.name, {"read_parquet"}));
  }
  std::vector<std::string> paths;
  for (const ExprPtr& arg : ref.args) {
    if (arg->kind() != ExprKind::kLiteral ||
        static_cast<const LiteralExpr&>(*arg).literal_kind() != LiteralKind::kString) {
      return ErrorAt(source, arg->position(), "invalid argument",
                     ": read_parquet takes paths as string literals, e.g. "
                     "read_parquet('data/*.parquet')");
    }
    paths.push_back(static_cast<const LiteralExpr&>(*arg).text());
  }
  if (paths.empty()) {
    return ErrorAt(source, ref.position, "invalid call",
                   ": read_parquet needs a path, directory or glob");
  }
  auto dataset = format::ParquetDataset::Open(paths);
  if (!dataset.ok()) {
    return ErrorAt(source, ref.args.front()->position(), "cannot read",
                   fmt::format(": {}", dataset.status().message()));
  }
  auto table = std::make_shared<CatalogTable>();
  table->name = "read_parquet";
  for (const auto& field : (*dataset)->schema()->fields()) {
    CatalogColumn column;
    column.name = field->name();
    column.type = field->type();
    column.nullable = field->nullable();
    table->columns.push_back(std::move(column));
  }
  for (const auto& field : (*dataset)->partition_schema()->fields()) {
    table->partition_keys.push_back(field->name());
  }
  std::string joined;
  for (const std::string& path : paths) joined += (joined.empty() ? "" : ",") + path;
  table->options = {{"connector", "filesystem"}, {"format", "parquet"}, {"path", joined}};
  table->option_order = {"connector", "format", "path"};
  table->read_paths = paths;
  table->dataset = *dataset;
  return table;
}

}  // namespace weir::sql
