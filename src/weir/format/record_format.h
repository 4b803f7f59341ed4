#pragma once
// One interface for the formats that serialize rows as records — a Kafka message's
// key or value, a line of a file: json, csv and raw. A connector looks a format up
// by its name (Flink's `format`, `value.format`, `key.format`) and gets decoders,
// encoders and file readers from it; no connector knows a format by name. Parquet
// is a bulk file format (row groups, not records) and stays with the filesystem
// connector's Parquet reader and writer, as Flink keeps BulkFormat apart from
// DeserializationSchema.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>

namespace weir::format {

/// A table's options for its format, Flink's keys with the format's prefix
/// (`csv.field-delimiter`). Errors name the key; connectors add the table's name.
class FormatOptions {
 public:
  FormatOptions() = default;
  /// Wraps the table's options (all of them; a format reads its own keys).
  explicit FormatOptions(std::map<std::string, std::string> options)
      : options_(std::move(options)) {}

  /// Returns the value of `key`, or `fallback` when the key is not set.
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  /// Returns true when `key` is set.
  bool Has(const std::string& key) const { return options_.count(key) > 0; }
  /// Sets `key`.
  void Set(const std::string& key, std::string value) {
    options_[key] = std::move(value);
  }
  /// Returns `key` as a boolean (true/false, any case), `fallback` when unset or
  /// empty.
  arrow::Result<bool> GetBool(const std::string& key, bool fallback) const;
  /// Returns `key` as one character other than a line break, `fallback` when unset.
  arrow::Result<char> GetChar(const std::string& key, char fallback) const;

  /// Returns "option '<key>': <message>" as an Invalid status.
  static arrow::Status Error(const std::string& key, std::string_view message);

 private:
  std::map<std::string, std::string> options_;
};

/// What a record holds, for errors and the few rules that differ: comments are
/// recognised in values and lines, never in keys.
enum class RecordPart { kValue, kKey, kLine };

/// Returns "value", "key" or "line".
std::string_view RecordPartName(RecordPart part);

/// Decodes records, one at a time, into rows of a schema, and hands them over as
/// batches.
class RecordDecoder {
 public:
  virtual ~RecordDecoder() = default;
  /// Decodes `record` and adds it as a row. Returns false, adding nothing, for a
  /// record that holds no row (a csv comment).
  virtual arrow::Result<bool> Append(std::string_view record) = 0;
  /// Adds a row for an absent record (a Kafka message without key or value): all
  /// NULL.
  virtual arrow::Status AppendAbsent() = 0;
  /// Removes the row the last successful Append added.
  virtual arrow::Status DropLastRow() = 0;
  /// Returns the rows added since the last Finish, and starts afresh.
  virtual arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish() = 0;
};

/// Encodes rows as records, one at a time, or batches as lines of a file.
class RecordEncoder {
 public:
  virtual ~RecordEncoder() = default;
  /// Starts encoding the rows of `batch`, whose columns are the encoder's schema's.
  virtual arrow::Status Reset(const arrow::RecordBatch& batch) = 0;
  /// Sets `out` to the record of row `row` of the batch given to Reset. Returns
  /// false for a row that is no record (a NULL raw value: the message has no
  /// value).
  virtual arrow::Result<bool> Encode(int64_t row, std::string* out) = 0;
  /// Appends the rows of `batch` to `out` as lines ending in '\n' (files).
  virtual arrow::Status AppendLines(const arrow::RecordBatch& batch, std::string* out);
};

/// A record format: its options, decoders, encoders and readers of files of its
/// records.
class RecordFormat {
 public:
  virtual ~RecordFormat() = default;
  /// The format's name, as tables spell it (`json`).
  virtual std::string_view name() const = 0;
  /// The option keys it takes, with its prefix (`csv.field-delimiter`).
  virtual const std::set<std::string>& option_keys() const = 0;
  /// Checks the format's options, naming the first bad one.
  virtual arrow::Status Validate(const FormatOptions& options) const = 0;
  /// Makes a decoder of records into rows of `schema`. Fails for a schema the
  /// format cannot hold, naming the column.
  virtual arrow::Result<std::unique_ptr<RecordDecoder>> MakeDecoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions& options,
      RecordPart part) const = 0;
  /// Makes an encoder of rows of `schema` into records.
  virtual arrow::Result<std::unique_ptr<RecordEncoder>> MakeEncoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions& options,
      RecordPart part) const = 0;
  /// Opens a file of records as batches of `schema` (columns in file order).
  /// Formats that cannot be files (raw) return NotImplemented.
  virtual arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenFile(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      const FormatOptions& options) const;
  /// The suffix of files written in this format (".csv"); empty when it cannot be
  /// a file format.
  virtual std::string_view file_suffix() const { return ""; }
};

/// Returns the format named `name` (case-sensitive, as Flink), or null.
const RecordFormat* FindRecordFormat(std::string_view name);

/// Returns the registered formats' names, sorted.
std::vector<std::string> RecordFormatNames();

/// Registers a format under its name (one from outside the tree, say); fails when
/// the name is taken.
arrow::Status RegisterRecordFormat(std::shared_ptr<const RecordFormat> format);

/// Returns the format named `name`, or an error listing the formats there are
/// ("<what> format 'x' is not supported (csv, json, raw)").
arrow::Result<const RecordFormat*> RecordFormatOf(std::string_view name,
                                                  std::string_view what);

}  // namespace weir::format
