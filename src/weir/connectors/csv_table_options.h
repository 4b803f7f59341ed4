#pragma once

#include <set>
#include <string>

#include <arrow/result.h>

#include "weir/connectors/table_descriptor.h"
#include "weir/format/csv/csv_decoder.h"
#include "weir/format/csv/csv_writer.h"

namespace weir::connectors {

/// The `csv.*` options of Flink's csv format a Kafka table takes (each checked by
/// the functions below).
const std::set<std::string>& CsvFormatOptions();

/// Reads the `csv.*` options that shape writing: field-delimiter, quote-character,
/// disable-quote-character, escape-character, null-literal. Fails naming the option
/// for a bad value.
arrow::Result<format::CsvWriteOptions> CsvWriteOptionsOf(const TableDescriptor& table);

/// Reads the `csv.*` options that shape reading records: field-delimiter,
/// quote-character, disable-quote-character, escape-character, allow-comments,
/// array-element-delimiter, null-literal. Fails naming the option for a bad value.
arrow::Result<format::CsvDecodeOptions> CsvDecodeOptionsOf(const TableDescriptor& table);

}  // namespace weir::connectors
