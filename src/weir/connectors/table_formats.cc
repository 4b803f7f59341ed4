#include "weir/connectors/table_formats.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/connectors/table_options.h"

namespace weir::connectors {

format::FormatOptions FormatOptionsOf(const TableDescriptor& table) {
  return format::FormatOptions(table.options);
}

bool IsRecordFormatOption(const std::string& key) {
  for (const std::string& name : format::RecordFormatNames()) {
    if (format::FindRecordFormat(name)->option_keys().count(key) != 0) return true;
  }
  return false;
}

std::vector<std::string> RecordFormatOptionKeys() {
  std::vector<std::string> keys;
  for (const std::string& name : format::RecordFormatNames()) {
    const auto& own = format::FindRecordFormat(name)->option_keys();
    keys.insert(keys.end(), own.begin(), own.end());
  }
  return keys;
}

arrow::Result<const format::RecordFormat*> TableRecordFormat(const TableDescriptor& table,
                                                             const std::string& key,
                                                             const std::string& name) {
  auto found = format::RecordFormatOf(name, "the");
  if (!found.ok()) return OptionError(table, key, found.status().message());
  return *found;
}

arrow::Status CheckRecordFormatOptions(
    const TableDescriptor& table, const std::vector<const format::RecordFormat*>& used) {
  for (const std::string& key : table.option_order) {
    for (const std::string& name : format::RecordFormatNames()) {
      const format::RecordFormat* owner = format::FindRecordFormat(name);
      if (owner->option_keys().count(key) == 0) continue;
      if (std::find(used.begin(), used.end(), owner) == used.end()) {
        return OptionError(
            table, key, fmt::format("applies to the {} format, which is not used", name));
      }
    }
  }
  const format::FormatOptions options = FormatOptionsOf(table);
  for (const format::RecordFormat* format : used) {
    ARROW_RETURN_NOT_OK(InTable(table, format->Validate(options)));
  }
  return arrow::Status::OK();
}

arrow::Status InTable(const TableDescriptor& table, const arrow::Status& status) {
  if (status.ok()) return status;
  return status.WithMessage(fmt::format("table '{}', {}", table.name, status.message()));
}

}  // namespace weir::connectors
