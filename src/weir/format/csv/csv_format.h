#pragma once
// Flink's `csv` format as a RecordFormat: Kafka keys and values, lines of files.

#include <memory>

#include <arrow/result.h>

#include "weir/format/csv/csv_decoder.h"
#include "weir/format/csv/csv_writer.h"
#include "weir/format/record_format.h"

namespace weir::format {

/// Returns the csv record format.
std::shared_ptr<const RecordFormat> MakeCsvRecordFormat();

/// Reads the `csv.*` options that shape writing: field-delimiter, quote-character,
/// disable-quote-character, escape-character, null-literal. Fails naming the option
/// for a bad value.
arrow::Result<CsvWriteOptions> CsvWriteOptionsOf(const FormatOptions& options);

/// Reads the `csv.*` options that shape reading records: those of writing plus
/// allow-comments (never for keys) and array-element-delimiter.
arrow::Result<CsvDecodeOptions> CsvDecodeOptionsOf(const FormatOptions& options,
                                                   RecordPart part = RecordPart::kValue);

}  // namespace weir::format
