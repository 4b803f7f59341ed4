#include "weir/connectors/table_descriptor.h"

#include <arrow/type.h>

namespace weir::connectors {

std::shared_ptr<arrow::Schema> TableDescriptor::PhysicalSchema() const {
  arrow::FieldVector fields;
  for (const TableColumn& column : columns) {
    if (!column.computed && !column.is_virtual) {
      fields.push_back(arrow::field(column.name, column.type, column.nullable));
    }
  }
  return arrow::schema(fields);
}

std::string TableDescriptor::connector() const { return Option("connector"); }

std::string TableDescriptor::Option(const std::string& key,
                                    const std::string& fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

}  // namespace weir::connectors
