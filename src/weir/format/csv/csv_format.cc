#include "weir/format/csv/csv_format.h"

#include <arrow/csv/api.h>
#include <arrow/io/file.h>
#include <fmt/format.h>

namespace weir::format {
namespace {

// The options reading and writing share: delimiter, quoting, escape, null literal.
template <typename Options>
arrow::Status CommonOptions(const FormatOptions& o, Options* csv, bool* disable_quote) {
  ARROW_ASSIGN_OR_RAISE(csv->delimiter, o.GetChar("csv.field-delimiter", ','));
  ARROW_ASSIGN_OR_RAISE(csv->quote, o.GetChar("csv.quote-character", '"'));
  ARROW_ASSIGN_OR_RAISE(*disable_quote, o.GetBool("csv.disable-quote-character", false));
  if (!*disable_quote && csv->delimiter == csv->quote) {
    return FormatOptions::Error(
        "csv.quote-character",
        "the quote character must differ from the field delimiter");
  }
  if (!o.Get("csv.escape-character").empty()) {
    ARROW_ASSIGN_OR_RAISE(csv->escape, o.GetChar("csv.escape-character", '\0'));
    if (csv->escape == csv->delimiter || (!*disable_quote && csv->escape == csv->quote)) {
      return FormatOptions::Error("csv.escape-character",
                                  "the escape character must differ from the field "
                                  "delimiter and the quote character");
    }
  }
  csv->null_literal = o.Get("csv.null-literal");
  auto st = CheckCsvOptions(csv->delimiter, *disable_quote ? '\0' : csv->quote,
                            csv->escape, csv->null_literal);
  if (!st.ok()) return FormatOptions::Error("csv.null-literal", st.message());
  return arrow::Status::OK();
}

class CsvRecordDecoder : public RecordDecoder {
 public:
  explicit CsvRecordDecoder(std::unique_ptr<CsvDecoder> decoder)
      : decoder_(std::move(decoder)) {}
  arrow::Result<bool> Append(std::string_view record) override {
    return decoder_->Append(record);
  }
  arrow::Status AppendAbsent() override { return decoder_->AppendNullRow(); }
  arrow::Status DropLastRow() override {
    decoder_->DropLastRow();
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish() override {
    return decoder_->Finish();
  }

 private:
  std::unique_ptr<CsvDecoder> decoder_;
};

class CsvRecordEncoder : public RecordEncoder {
 public:
  explicit CsvRecordEncoder(CsvWriteOptions options) : options_(std::move(options)) {}
  arrow::Status Reset(const arrow::RecordBatch& batch) override {
    ARROW_ASSIGN_OR_RAISE(auto encoder, CsvRowEncoder::Make(batch, options_));
    encoder_ = std::make_unique<CsvRowEncoder>(std::move(encoder));
    return arrow::Status::OK();
  }
  arrow::Result<bool> Encode(int64_t row, std::string* out) override {
    out->clear();
    ARROW_RETURN_NOT_OK(encoder_->Append(row, out));
    return true;
  }
  arrow::Status AppendLines(const arrow::RecordBatch& batch, std::string* out) override {
    return AppendCsvRows(batch, options_, out);
  }

 private:
  CsvWriteOptions options_;
  std::unique_ptr<CsvRowEncoder> encoder_;
};

class CsvRecordFormat : public RecordFormat {
 public:
  std::string_view name() const override { return "csv"; }

  const std::set<std::string>& option_keys() const override {
    static const std::set<std::string> keys = {
        "csv.field-delimiter",  "csv.quote-character",     "csv.disable-quote-character",
        "csv.escape-character", "csv.allow-comments",      "csv.array-element-delimiter",
        "csv.null-literal",     "csv.ignore-parse-errors",
    };
    return keys;
  }

  arrow::Status Validate(const FormatOptions& options) const override {
    ARROW_RETURN_NOT_OK(CsvDecodeOptionsOf(options).status());
    return options.GetBool("csv.ignore-parse-errors", false).status();
  }

  arrow::Result<std::unique_ptr<RecordDecoder>> MakeDecoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions& options,
      RecordPart part) const override {
    ARROW_ASSIGN_OR_RAISE(CsvDecodeOptions csv, CsvDecodeOptionsOf(options, part));
    ARROW_ASSIGN_OR_RAISE(auto decoder, CsvDecoder::Make(std::move(schema), csv));
    return std::make_unique<CsvRecordDecoder>(std::move(decoder));
  }

  arrow::Result<std::unique_ptr<RecordEncoder>> MakeEncoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions& options,
      RecordPart) const override {
    ARROW_RETURN_NOT_OK(CheckCsvWritable(*schema));
    ARROW_ASSIGN_OR_RAISE(CsvWriteOptions csv, CsvWriteOptionsOf(options));
    return std::make_unique<CsvRecordEncoder>(std::move(csv));
  }

  // Files are read with Arrow's CSV reader: as in Flink's filesystem csv format,
  // without csv.null-literal an empty field is an empty string (and NULL for other
  // types); with it, that literal is NULL for every type.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenFile(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      const FormatOptions& options) const override {
    ARROW_ASSIGN_OR_RAISE(CsvDecodeOptions csv, CsvDecodeOptionsOf(options));
    if (csv.allow_comments) {
      return FormatOptions::Error("csv.allow-comments",
                                  "comments are recognised in Kafka records, not in "
                                  "files yet");
    }
    ARROW_ASSIGN_OR_RAISE(const bool skip_bad,
                          options.GetBool("csv.ignore-parse-errors", false));
    ARROW_ASSIGN_OR_RAISE(auto input, arrow::io::ReadableFile::Open(path));
    auto read = arrow::csv::ReadOptions::Defaults();
    auto convert = arrow::csv::ConvertOptions::Defaults();
    for (const auto& f : schema->fields()) {
      read.column_names.push_back(f->name());
      convert.column_types[f->name()] = f->type();
    }
    auto parse = arrow::csv::ParseOptions::Defaults();
    parse.delimiter = csv.delimiter;
    parse.quoting = csv.quote != '\0';
    if (parse.quoting) parse.quote_char = csv.quote;
    parse.escaping = csv.escape != '\0';
    if (parse.escaping) parse.escape_char = csv.escape;
    if (skip_bad) {
      parse.invalid_row_handler = [](const arrow::csv::InvalidRow&) {
        return arrow::csv::InvalidRowResult::Skip;
      };
    }
    convert.null_values = {csv.null_literal};
    convert.strings_can_be_null = !csv.null_literal.empty();
    convert.quoted_strings_can_be_null = false;
    ARROW_ASSIGN_OR_RAISE(
        auto reader, arrow::csv::StreamingReader::Make(arrow::io::default_io_context(),
                                                       input, read, parse, convert));
    return reader;
  }

  std::string_view file_suffix() const override { return ".csv"; }
};

}  // namespace

std::shared_ptr<const RecordFormat> MakeCsvRecordFormat() {
  return std::make_shared<CsvRecordFormat>();
}

arrow::Result<CsvWriteOptions> CsvWriteOptionsOf(const FormatOptions& options) {
  CsvWriteOptions csv;
  ARROW_RETURN_NOT_OK(CommonOptions(options, &csv, &csv.disable_quote));
  return csv;
}

arrow::Result<CsvDecodeOptions> CsvDecodeOptionsOf(const FormatOptions& options,
                                                   RecordPart part) {
  CsvDecodeOptions csv;
  bool disable_quote = false;
  ARROW_RETURN_NOT_OK(CommonOptions(options, &csv, &disable_quote));
  if (disable_quote) csv.quote = '\0';
  ARROW_ASSIGN_OR_RAISE(csv.allow_comments, options.GetBool("csv.allow-comments", false));
  // Comments are a value matter: a key starting with '#' is a key.
  if (part == RecordPart::kKey) csv.allow_comments = false;
  csv.array_delimiter = options.Get("csv.array-element-delimiter", ";");
  if (csv.array_delimiter.empty()) {
    return FormatOptions::Error("csv.array-element-delimiter", "must not be empty");
  }
  return csv;
}

}  // namespace weir::format
