#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace weir::format {

/// Decodes JSON objects into rows of a given schema (Flink's `json` format), straight
/// into Arrow builders from rapidjson's SAX events (no document tree).
///
/// Fields are matched by name at every level; missing fields and JSON `null` are
/// NULL; fields the schema does not name are skipped; a key given twice keeps its
/// first value. Conversions follow Flink: numbers and booleans also from strings
/// (`"42"`, `"true"`); DECIMAL from a number or string, exactly (rounded half up to
/// the scale; a value too wide for the precision is an error); STRING from any value
/// (objects and arrays as their JSON text); DATE `yyyy-MM-dd`, TIME `HH:mm:ss[.f]`,
/// TIMESTAMP `yyyy-MM-dd[ T]HH:mm:ss[.f]` with an optional zone (`Z`, `+01:00`);
/// BYTES base64; ARRAY from arrays; ROW and MAP from objects.
///
/// A record that is not valid JSON, not an object, or holds a value that does not
/// convert is rejected as a whole: Append returns an error naming the field and the
/// reason, and no row is added (the caller decides to fail or to skip it).
class JsonDecoder {
 public:
  /// Makes a decoder for rows of `schema`. Fails for a type the format cannot hold.
  static arrow::Result<std::unique_ptr<JsonDecoder>> Make(
      std::shared_ptr<arrow::Schema> schema);
  ~JsonDecoder();

  /// Decodes one JSON object (surrounding whitespace allowed) and adds it as a row.
  arrow::Status Append(std::string_view record);

  /// Returns the rows added since the last Finish.
  int64_t num_rows() const { return rows_ - static_cast<int64_t>(bad_rows_.size()); }

  /// Drops the row the last successful Append added (when a record decodes in two
  /// parts, key and value, and the other part failed).
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
  class Handler;
  JsonDecoder() = default;

  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<State> state_;
  int64_t rows_ = 0;               // rows in the builders, bad ones included
  std::vector<int64_t> bad_rows_;  // rows to drop at Finish (completed with nulls)
};

}  // namespace weir::format

namespace weir::format {

/// Opens a file of JSON lines (one object per line, blank lines skipped) as batches
/// of `schema` decoded by JsonDecoder. A bad line fails the read with its line number
/// and the reason (the caller names the file), or, with `skip_bad_lines`, is skipped
/// and counted in `*skipped` (when given).
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenJsonLinesReader(
    const std::string& path, std::shared_ptr<arrow::Schema> schema,
    bool skip_bad_lines = false, std::shared_ptr<std::atomic<int64_t>> skipped = nullptr,
    int64_t batch_rows = 64 * 1024);

}  // namespace weir::format
