#include "weir/connectors/csv_table_options.h"

#include <fmt/format.h>

#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

// Reads a one-character option (not a line break); `fallback` when not set.
arrow::Status OneChar(const TableDescriptor& table, const char* key, const char* fallback,
                      char* out) {
  const std::string value = table.Option(key, fallback);
  if (value.size() != 1 || value[0] == '\n' || value[0] == '\r') {
    return OptionError(table, key,
                       fmt::format("expected one character but got '{}'", value));
  }
  *out = value[0];
  return arrow::Status::OK();
}

// The options reading and writing share: delimiter, quoting, escape, null literal.
template <typename Options>
arrow::Status CommonOptions(const TableDescriptor& table, Options* csv,
                            bool* disable_quote) {
  ARROW_RETURN_NOT_OK(OneChar(table, "csv.field-delimiter", ",", &csv->delimiter));
  ARROW_RETURN_NOT_OK(OneChar(table, "csv.quote-character", "\"", &csv->quote));
  *disable_quote = false;
  if (!table.Option("csv.disable-quote-character").empty()) {
    ARROW_ASSIGN_OR_RAISE(*disable_quote,
                          ParseBool(table, "csv.disable-quote-character"));
  }
  if (!*disable_quote && csv->delimiter == csv->quote) {
    return OptionError(table, "csv.quote-character",
                       "the quote character must differ from the field delimiter");
  }
  if (!table.Option("csv.escape-character").empty()) {
    ARROW_RETURN_NOT_OK(OneChar(table, "csv.escape-character", "", &csv->escape));
    if (csv->escape == csv->delimiter || (!*disable_quote && csv->escape == csv->quote)) {
      return OptionError(table, "csv.escape-character",
                         "the escape character must differ from the field delimiter "
                         "and the quote character");
    }
  }
  csv->null_literal = table.Option("csv.null-literal");
  auto st = format::CheckCsvOptions(csv->delimiter, *disable_quote ? '\0' : csv->quote,
                                    csv->escape, csv->null_literal);
  if (!st.ok()) return OptionError(table, "csv.null-literal", st.message());
  return arrow::Status::OK();
}

}  // namespace

const std::set<std::string>& CsvFormatOptions() {
  static const std::set<std::string> options = {
      "csv.field-delimiter",  "csv.quote-character",     "csv.disable-quote-character",
      "csv.escape-character", "csv.allow-comments",      "csv.array-element-delimiter",
      "csv.null-literal",     "csv.ignore-parse-errors",
  };
  return options;
}

arrow::Result<format::CsvWriteOptions> CsvWriteOptionsOf(const TableDescriptor& table) {
  format::CsvWriteOptions csv;
  ARROW_RETURN_NOT_OK(CommonOptions(table, &csv, &csv.disable_quote));
  return csv;
}

arrow::Result<format::CsvDecodeOptions> CsvDecodeOptionsOf(const TableDescriptor& table) {
  format::CsvDecodeOptions csv;
  bool disable_quote = false;
  ARROW_RETURN_NOT_OK(CommonOptions(table, &csv, &disable_quote));
  if (disable_quote) csv.quote = '\0';
  if (!table.Option("csv.allow-comments").empty()) {
    ARROW_ASSIGN_OR_RAISE(csv.allow_comments, ParseBool(table, "csv.allow-comments"));
  }
  csv.array_delimiter = table.Option("csv.array-element-delimiter", ";");
  if (csv.array_delimiter.empty()) {
    return OptionError(table, "csv.array-element-delimiter", "must not be empty");
  }
  return csv;
}

}  // namespace weir::connectors
