#include "weir/format/parquet/projection.h"

#include <algorithm>
#include <sstream>

#include <arrow/array.h>
#include <arrow/type.h>

#include "weir/common/error.h"

namespace weir::format {

void ColumnSelection::Add(const std::vector<std::string>& parts, size_t i) {
  if (whole) return;
  if (i == parts.size()) {
    whole = true;
    children.clear();
    return;
  }
  children[parts[i]].Add(parts, i + 1);
}

namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  return parts;
}

arrow::Status CheckPath(const std::string& path, const std::vector<std::string>& parts,
                        const arrow::Schema& schema) {
  std::shared_ptr<arrow::Field> field = schema.GetFieldByName(parts[0]);
  if (!field) {
    std::string names;
    for (const auto& f : schema.fields())
      names += (names.empty() ? "" : ", ") + f->name();
    return UserError("unknown column '{}'; columns are: {}", path, names);
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (field->type()->id() != arrow::Type::STRUCT) {
      return UserError(
          "column path '{}' descends into '{}' of type {}, which is not a struct; "
          "select the whole column instead",
          path, field->name(), field->type()->ToString());
    }
    auto child =
        static_cast<const arrow::StructType&>(*field->type()).GetFieldByName(parts[i]);
    if (!child)
      return UserError("struct '{}' has no field '{}' (in path '{}')", field->name(),
                       parts[i], path);
    field = child;
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<Projection> ResolveProjection(const std::vector<std::string>& paths,
                                            const arrow::Schema& schema) {
  Projection p;
  if (paths.empty()) {
    for (const auto& f : schema.fields()) {
      p.output_columns.push_back(f->name());
      p.selections[f->name()].whole = true;
    }
    return p;
  }
  for (const auto& path : paths) {
    auto parts = SplitPath(path);
    if (parts.empty() || std::any_of(parts.begin(), parts.end(),
                                     [](const auto& s) { return s.empty(); })) {
      return UserError("invalid column path '{}'", path);
    }
    ARROW_RETURN_NOT_OK(CheckPath(path, parts, schema));
    if (!p.selections.count(parts[0])) p.output_columns.push_back(parts[0]);
    p.selections[parts[0]].Add(parts, 1);
  }
  return p;
}

std::shared_ptr<arrow::DataType> PruneType(const std::shared_ptr<arrow::DataType>& type,
                                           const ColumnSelection& selection) {
  if (selection.whole || type->id() != arrow::Type::STRUCT) return type;
  arrow::FieldVector kept;
  for (const auto& child : type->fields()) {
    auto it = selection.children.find(child->name());
    if (it == selection.children.end()) continue;
    kept.push_back(child->WithType(PruneType(child->type(), it->second)));
  }
  return arrow::struct_(kept);
}

arrow::Result<std::shared_ptr<arrow::Array>> PruneArray(
    const std::shared_ptr<arrow::Array>& array, const ColumnSelection& selection) {
  if (selection.whole || array->type_id() != arrow::Type::STRUCT) return array;
  const arrow::ArrayData& data = *array->data();
  arrow::FieldVector fields;
  std::vector<std::shared_ptr<arrow::ArrayData>> children;
  for (int i = 0; i < array->type()->num_fields(); ++i) {
    auto field = array->type()->field(i);
    auto it = selection.children.find(field->name());
    if (it == selection.children.end()) continue;
    // Children stay unsliced: the struct's own offset applies to them.
    ARROW_ASSIGN_OR_RAISE(auto child,
                          PruneArray(arrow::MakeArray(data.child_data[i]), it->second));
    fields.push_back(field->WithType(child->type()));
    children.push_back(child->data());
  }
  return arrow::MakeArray(arrow::ArrayData::Make(arrow::struct_(fields), data.length,
                                                 {data.buffers[0]}, children,
                                                 data.null_count, data.offset));
}

void CollectLeaves(const parquet::arrow::SchemaField& field,
                   const ColumnSelection& selection, std::vector<int>* leaves) {
  if (field.is_leaf()) {
    leaves->push_back(field.column_index);
    return;
  }
  bool is_struct = field.field->type()->id() == arrow::Type::STRUCT;
  for (const auto& child : field.children) {
    if (selection.whole || !is_struct) {
      CollectLeaves(child, ColumnSelection{true, {}}, leaves);
      continue;
    }
    auto it = selection.children.find(child.field->name());
    if (it != selection.children.end()) CollectLeaves(child, it->second, leaves);
  }
}

}  // namespace weir::format
