#pragma once
// How connectors reach the record formats (format/record_format.h): a table's
// format options, the keys formats take, and errors that name the table.

#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/connectors/table_descriptor.h"
#include "weir/format/record_format.h"

namespace weir::connectors {

/// Returns the table's options for its formats.
format::FormatOptions FormatOptionsOf(const TableDescriptor& table);

/// Returns true when `key` is an option of a registered record format
/// (`csv.field-delimiter`).
bool IsRecordFormatOption(const std::string& key);

/// Returns the option keys of every registered record format, for suggestions.
std::vector<std::string> RecordFormatOptionKeys();

/// Returns the format named by option `key` of `table` (`format`, `key.format`):
/// an error naming table and option when no record format has that name.
arrow::Result<const format::RecordFormat*> TableRecordFormat(const TableDescriptor& table,
                                                             const std::string& key,
                                                             const std::string& name);

/// Fails, naming the option, when `table` sets an option of a record format that
/// none of `used` is ("applies to the csv format, which is not used"); checks the
/// used formats' options.
arrow::Status CheckRecordFormatOptions(
    const TableDescriptor& table, const std::vector<const format::RecordFormat*>& used);

/// Returns `status` with "table '<name>', " before its message (format errors name
/// the option, connectors add the table).
arrow::Status InTable(const TableDescriptor& table, const arrow::Status& status);

}  // namespace weir::connectors
