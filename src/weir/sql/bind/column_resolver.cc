#include "weir/sql/bind/column_resolver.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/suggest.h"

namespace weir::sql {
namespace {

// Finds the field `id` names among `fields`; `parent` is the dotted path of the
// enclosing struct, empty at the top level.
arrow::Result<const arrow::Field*> FindField(const arrow::FieldVector& fields,
                                             const Identifier& id,
                                             const std::string& parent,
                                             std::string_view source) {
  std::vector<const arrow::Field*> exact;
  std::vector<const arrow::Field*> folded;
  for (const auto& field : fields) {
    if (field->name() == id.name) {
      exact.push_back(field.get());
    } else if (!id.quoted && EqualsIgnoreCase(field->name(), id.name)) {
      folded.push_back(field.get());
    }
  }
  std::string what =
      parent.empty() ? fmt::format("column '{}'", id.name)
                     : fmt::format("field '{}' of struct column '{}'", id.name, parent);
  if (exact.size() == 1) return exact[0];
  if (exact.size() > 1) {
    return ErrorAt(
        source, id.position, fmt::format("ambiguous {}", what),
        fmt::format(": the schema has {} fields with that name", exact.size()));
  }
  if (folded.size() == 1) return folded[0];
  if (folded.size() > 1) {
    return ErrorAt(source, id.position, fmt::format("ambiguous {}", what),
                   fmt::format(": it matches '{}' and '{}' ignoring case; write the "
                               "exact name in backquotes",
                               folded[0]->name(), folded[1]->name()));
  }
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field->name());
  return ErrorAt(source, id.position, fmt::format("unknown {}", what),
                 DidYouMean(id.name, names));
}

}  // namespace

arrow::Result<ResolvedColumn> ResolveColumn(const ColumnRefExpr& ref,
                                            const arrow::Schema& schema,
                                            std::string_view source) {
  const arrow::FieldVector* fields = &schema.fields();
  std::vector<arrow::FieldRef> names;
  std::string parent;
  std::shared_ptr<arrow::DataType> type;
  for (const Identifier& id : ref.path()) {
    if (type != nullptr) {
      if (type->id() != arrow::Type::STRUCT) {
        return ErrorAt(source, id.position, "type error",
                       fmt::format(": column '{}' of type {} is not a struct, so it has "
                                   "no field '{}'",
                                   parent, type->ToString(), id.name));
      }
      fields = &type->fields();
    }
    ARROW_ASSIGN_OR_RAISE(const arrow::Field* field,
                          FindField(*fields, id, parent, source));
    names.emplace_back(field->name());
    parent = parent.empty() ? field->name() : parent + "." + field->name();
    type = field->type();
  }
  ResolvedColumn column;
  column.ref =
      names.size() == 1 ? std::move(names[0]) : arrow::FieldRef(std::move(names));
  column.type = std::move(type);
  return column;
}

}  // namespace weir::sql
