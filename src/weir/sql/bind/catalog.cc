#include "weir/sql/bind/catalog.h"

#include <algorithm>

#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/sql/bind/sql_type.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

template <typename Map>
std::vector<std::string> NamesOf(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [key, value] : map) names.push_back(value->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::shared_ptr<arrow::Schema> CatalogTable::PhysicalSchema() const {
  arrow::FieldVector fields;
  for (const CatalogColumn& column : columns) {
    if (column.computed == nullptr && !column.is_virtual) {
      fields.push_back(arrow::field(column.name, column.type, column.nullable));
    }
  }
  return arrow::schema(fields);
}

std::string CatalogTable::connector() const { return Option("connector"); }

connectors::TableDescriptor CatalogTable::Descriptor() const {
  connectors::TableDescriptor out;
  out.name = name;
  for (const CatalogColumn& column : columns) {
    out.columns.push_back({column.name, column.type, column.nullable,
                           column.computed != nullptr, column.metadata_key,
                           column.is_virtual});
  }
  out.partition_keys = partition_keys;
  out.primary_key = primary_key;
  out.options = options;
  out.option_order = option_order;
  out.read_paths = read_paths;
  out.dataset = dataset;
  out.data = data;
  return out;
}

arrow::Result<const connectors::TableFactory*> CatalogTable::Factory() const {
  auto factory = connectors::FindTableFactory(connector());
  if (!factory.ok()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}': {}", name, factory.status().message()));
  }
  return factory;
}

std::string CatalogTable::Option(const std::string& key,
                                 const std::string& fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

arrow::Status Catalog::AddTable(std::shared_ptr<const CatalogTable> table,
                                bool if_not_exists) {
  std::string key = ToLowerAscii(table->name);
  if (tables_.count(key) != 0 || views_.count(key) != 0) {
    if (if_not_exists) return arrow::Status::OK();
    return arrow::Status::Invalid(fmt::format(
        "table or view '{}' already exists (use CREATE TABLE IF NOT EXISTS or DROP it "
        "first)",
        table->name));
  }
  tables_[key] = std::move(table);
  return arrow::Status::OK();
}

arrow::Status Catalog::AddView(std::shared_ptr<const CatalogView> view,
                               bool if_not_exists) {
  std::string key = ToLowerAscii(view->name);
  if (tables_.count(key) != 0 || views_.count(key) != 0) {
    if (if_not_exists) return arrow::Status::OK();
    return arrow::Status::Invalid(
        fmt::format("table or view '{}' already exists", view->name));
  }
  views_[key] = std::move(view);
  return arrow::Status::OK();
}

arrow::Status Catalog::Drop(const std::string& name, bool view, bool if_exists) {
  std::string key = ToLowerAscii(name);
  size_t erased = view ? views_.erase(key) : tables_.erase(key);
  if (erased != 0 || if_exists) return arrow::Status::OK();
  std::vector<std::string> names = view ? ViewNames() : TableNames();
  return arrow::Status::Invalid(fmt::format("{} '{}' does not exist{}",
                                            view ? "view" : "table", name,
                                            DidYouMean(name, names)));
}

std::shared_ptr<const CatalogTable> Catalog::FindTable(const std::string& name) const {
  auto it = tables_.find(ToLowerAscii(name));
  return it == tables_.end() ? nullptr : it->second;
}

std::shared_ptr<const CatalogView> Catalog::FindView(const std::string& name) const {
  auto it = views_.find(ToLowerAscii(name));
  return it == views_.end() ? nullptr : it->second;
}

std::vector<std::string> Catalog::TableNames() const { return NamesOf(tables_); }

std::vector<std::string> Catalog::ViewNames() const { return NamesOf(views_); }

arrow::Status Catalog::AddFunction(std::shared_ptr<const CatalogFunction> function) {
  auto& functions = function->system ? system_functions_ : functions_;
  std::string key = ToLowerAscii(function->name);
  if (functions.count(key) != 0) {
    return arrow::Status::Invalid(fmt::format(
        "Could not register temporary {}function. A function named '{}' does already "
        "exist.",
        function->system ? "system " : "catalog ", function->name));
  }
  functions[key] = std::move(function);
  return arrow::Status::OK();
}

arrow::Status Catalog::DropFunction(const std::string& name, bool system,
                                    bool if_exists) {
  auto& functions = system ? system_functions_ : functions_;
  if (functions.erase(ToLowerAscii(name)) == 0 && !if_exists) {
    return arrow::Status::Invalid(fmt::format("Temporary {}function '{}' doesn't exist",
                                              system ? "system " : "", name));
  }
  return arrow::Status::OK();
}

std::shared_ptr<const CatalogFunction> Catalog::FindFunction(
    const std::string& name) const {
  std::string key = ToLowerAscii(name);
  if (auto it = system_functions_.find(key); it != system_functions_.end()) {
    return it->second;
  }
  auto it = functions_.find(key);
  return it == functions_.end() ? nullptr : it->second;
}

std::vector<std::string> Catalog::FunctionNames() const {
  std::vector<std::string> names = NamesOf(system_functions_);
  for (std::string& name : NamesOf(functions_)) names.push_back(std::move(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

arrow::Result<std::string> CatalogName(const std::vector<Identifier>& path) {
  if (path.size() == 1) return path[0].name;
  if (path.size() == 2 && EqualsIgnoreCase(path[0].name, "default_database")) {
    return path[1].name;
  }
  if (path.size() == 3 && EqualsIgnoreCase(path[0].name, "default_catalog") &&
      EqualsIgnoreCase(path[1].name, "default_database")) {
    return path[2].name;
  }
  std::string joined;
  for (const Identifier& part : path) joined += (joined.empty() ? "" : ".") + part.name;
  return arrow::Status::Invalid(fmt::format(
      "unknown catalog or database in '{}': weir has one catalog, default_catalog, "
      "with one database, default_database",
      joined));
}

arrow::Result<std::shared_ptr<CatalogTable>> MakeCatalogTable(const Statement& create) {
  auto table = std::make_shared<CatalogTable>();
  ARROW_ASSIGN_OR_RAISE(table->name, CatalogName(create.name));
  table->ddl = create.text;
  table->script = create.script;
  std::string_view source = *create.script;
  auto error_at = [&](const SourcePosition& position, const std::string& message) {
    return ErrorAt(source, position, "error", ": " + message);
  };
  std::vector<std::string> names;
  for (const ColumnDefinition& definition : create.columns) {
    for (const std::string& existing : names) {
      if (EqualsIgnoreCase(existing, definition.name.name)) {
        return error_at(
            definition.name.position,
            fmt::format("column '{}' is defined twice", definition.name.name));
      }
    }
    names.push_back(definition.name.name);
    CatalogColumn column;
    column.name = definition.name.name;
    column.comment = definition.comment.value_or("");
    if (definition.metadata) {
      std::string connector;
      for (const auto& [key, value] : create.options) {
        if (key == "connector") connector = value;
      }
      auto factory = connectors::FindTableFactory(connector);
      if (factory.ok() && !(*factory)->HasMetadata()) {
        std::vector<std::string> with_metadata;
        for (const std::string& name : connectors::TableFactoryNames()) {
          if ((*connectors::FindTableFactory(name))->HasMetadata())
            with_metadata.push_back(name);
        }
        std::string list;
        for (const std::string& name : with_metadata)
          list += (list.empty() ? "" : ", ") + name;
        return error_at(definition.name.position,
                        fmt::format("metadata column '{}': the {} connector has no "
                                    "metadata (connectors with metadata: {})",
                                    column.name, connector, list));
      }
      column.metadata_key =
          definition.metadata_key.empty() ? column.name : definition.metadata_key;
      column.is_virtual = definition.is_virtual;
    }
    if (definition.computed) {
      column.computed = definition.computed;
    } else {
      ARROW_ASSIGN_OR_RAISE(column.type, ResolveType(*definition.type, source));
      column.nullable = !definition.type->not_null;
    }
    table->columns.push_back(std::move(column));
  }
  if (table->columns.empty()) {
    return arrow::Status::Invalid(
        fmt::format("table '{}' needs at least one column", table->name));
  }
  auto find = [&](const Identifier& id,
                  std::string_view role) -> arrow::Result<std::string> {
    for (const CatalogColumn& column : table->columns) {
      if (id.quoted ? column.name == id.name : EqualsIgnoreCase(column.name, id.name)) {
        return column.name;
      }
    }
    return error_at(id.position,
                    fmt::format("{} column '{}' is not a column of {}{}", role, id.name,
                                table->name, DidYouMean(id.name, names)));
  };
  for (const Identifier& key : create.partitioned_by) {
    ARROW_ASSIGN_OR_RAISE(std::string name, find(key, "partition"));
    for (const CatalogColumn& column : table->columns) {
      if (column.name == name && column.computed) {
        return error_at(key.position, fmt::format("partition column '{}' cannot be a "
                                                  "computed column",
                                                  name));
      }
    }
    table->partition_keys.push_back(name);
  }
  for (const Identifier& key : create.primary_key) {
    ARROW_ASSIGN_OR_RAISE(std::string name, find(key, "primary key"));
    table->primary_key.push_back(name);
  }
  if (create.watermark_column) {
    ARROW_ASSIGN_OR_RAISE(table->watermark_column,
                          find(*create.watermark_column, "watermark"));
    table->watermark_expr = create.watermark_expr;
  }
  for (const auto& [key, value] : create.options) {
    if (table->options.count(key) != 0) {
      return arrow::Status::Invalid(fmt::format(
          "option '{}' is given twice in the WITH clause of {}", key, table->name));
    }
    table->options[key] = value;
    table->option_order.push_back(key);
  }
  if (table->connector().empty()) {
    return arrow::Status::Invalid(fmt::format(
        "table '{}' has no 'connector' option; write WITH ('connector' = 'filesystem', "
        "…) (connectors: filesystem, datagen, print, blackhole)",
        table->name));
  }
  return table;
}

}  // namespace weir::sql
