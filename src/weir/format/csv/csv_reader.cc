#include "weir/format/csv/csv_reader.h"

#include <arrow/csv/api.h>
#include <arrow/io/file.h>
#include <arrow/io/interfaces.h>

#include "weir/common/error.h"

namespace weir::format {

namespace {

/// Prefixes every error of the wrapped reader with the file name.
class NamedReader : public arrow::RecordBatchReader {
 public:
  NamedReader(std::shared_ptr<arrow::RecordBatchReader> inner, std::string path)
      : inner_(std::move(inner)), path_(std::move(path)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return inner_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    return WithContext(inner_->ReadNext(batch), path_);
  }
  arrow::Status Close() override { return inner_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> inner_;
  std::string path_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenCsvReader(
    const std::string& path, const CsvReadOptions& options) {
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return WithContext(file.status(), path);
  auto read = arrow::csv::ReadOptions::Defaults();
  read.block_size = options.block_size;
  read.autogenerate_column_names = !options.header;
  read.use_threads = false;
  auto parse = arrow::csv::ParseOptions::Defaults();
  parse.delimiter = options.delimiter;
  auto convert = arrow::csv::ConvertOptions::Defaults();
  auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), *file,
                                                  read, parse, convert);
  if (!reader.ok()) return WithContext(reader.status(), path);
  return std::make_shared<NamedReader>(*reader, path);
}

}  // namespace weir::format
