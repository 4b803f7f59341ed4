#include "weir/format/json/json_reader.h"

#include <arrow/io/file.h>
#include <arrow/json/api.h>

#include "weir/common/error.h"

namespace weir::format {

namespace {

/// Adapts Arrow's streaming JSON reader and prefixes its errors with the file name.
class JsonBatchReader : public arrow::RecordBatchReader {
 public:
  JsonBatchReader(std::shared_ptr<arrow::json::StreamingReader> inner, std::string path)
      : inner_(std::move(inner)), path_(std::move(path)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return inner_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    return WithContext(inner_->ReadNext(batch), path_);
  }

 private:
  std::shared_ptr<arrow::json::StreamingReader> inner_;
  std::string path_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenJsonReader(
    const std::string& path, const JsonReadOptions& options) {
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return WithContext(file.status(), path);
  auto read = arrow::json::ReadOptions::Defaults();
  read.block_size = options.block_size;
  read.use_threads = false;
  auto parse = arrow::json::ParseOptions::Defaults();
  parse.newlines_in_values = false;
  auto reader = arrow::json::StreamingReader::Make(*file, read, parse);
  if (!reader.ok()) return WithContext(reader.status(), path);
  return std::make_shared<JsonBatchReader>(*reader, path);
}

}  // namespace weir::format
