#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::format {

/// How CSV records are read (Flink's `csv` format options).
struct CsvDecodeOptions {
  /// Field separator (`csv.field-delimiter`).
  char delimiter = ',';
  /// Encloses fields holding the delimiter, the quote or a line break; a doubled quote
  /// inside is one quote (`csv.quote-character`). '\0': no quoting
  /// (`csv.disable-quote-character`).
  char quote = '"';
  /// Makes the next character literal, inside and outside quotes
  /// (`csv.escape-character`); '\0': none.
  char escape = '\0';
  /// Records starting with '#' are comments and give no row (`csv.allow-comments`).
  bool allow_comments = false;
  /// Separates the elements of an ARRAY column (`csv.array-element-delimiter`).
  std::string array_delimiter = ";";
  /// An unquoted field spelled so (before unescaping) is NULL, for every type
  /// (`csv.null-literal`). An empty unquoted field is NULL for every other type too; for
  /// STRING columns it is an empty string unless the null literal is empty (the default).
  std::string null_literal;
};

/// Checks that the characters of a csv format can be told apart: the quote and the
/// escape differ from the delimiter (and each other), and the null literal holds none
/// of the delimiter, the quote and line breaks. ('\0': no quote or escape.)
arrow::Status CheckCsvOptions(char delimiter, char quote, char escape,
                              const std::string& null_literal);

/// Decodes CSV records (one line each, as in a Kafka record) into rows of a given
/// schema, by position: the n-th field goes to the n-th column. Values convert as in
/// the json format (numbers, booleans, exact decimals, dates, times, timestamps,
/// base64 BYTES), ARRAY columns of such values split at the array delimiter.
///
/// A record with a different number of fields, a malformed quote, or a value that does
/// not convert is rejected as a whole: Append returns an error naming the field and the
/// reason, and no row is added (the caller decides to fail or to skip it).
class CsvDecoder {
 public:
  /// Makes a decoder for rows of `schema`. Fails for a column CSV cannot hold (rows,
  /// maps, nested arrays).
  static arrow::Result<std::unique_ptr<CsvDecoder>> Make(
      std::shared_ptr<arrow::Schema> schema, CsvDecodeOptions options = {});
  ~CsvDecoder();

  /// Decodes one record (a trailing line break is allowed) and adds it as a row.
  /// Returns false, adding nothing, for a comment (with allow_comments).
  arrow::Result<bool> Append(std::string_view record);

  /// Adds a row of NULLs (for a record without this part).
  arrow::Status AppendNullRow();

  /// Returns the rows added since the last Finish.
  int64_t num_rows() const { return rows_ - static_cast<int64_t>(bad_rows_.size()); }

  /// Drops the row the last successful Append added.
  void DropLastRow() {
    if (rows_ > 0 && (bad_rows_.empty() || bad_rows_.back() != rows_ - 1))
      bad_rows_.push_back(rows_ - 1);
  }

  /// Returns the rows added since the last Finish as a batch, and starts afresh.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish();

  /// Returns the schema rows are decoded to.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }

 private:
  struct State;
  CsvDecoder() = default;
  arrow::Status Split(std::string_view record);
  arrow::Status AppendField(int column);

  std::shared_ptr<arrow::Schema> schema_;
  CsvDecodeOptions options_;
  std::unique_ptr<State> state_;
  int64_t rows_ = 0;               // rows in the builders, bad ones included
  std::vector<int64_t> bad_rows_;  // rows to drop at Finish (completed with nulls)
};

}  // namespace weir::format
