#include "weir/connectors/filesystem/parquet_sink.h"

#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/file_sync.h"

namespace weir::connectors {

namespace fs = std::filesystem;

namespace {

class ParquetSink : public runtime::Operator {
 public:
  explicit ParquetSink(ParquetSinkOptions options) : options_(std::move(options)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    subtask_ = context->subtask().index;
    std::random_device rd;
    uuid_ = fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:08x}{:04x}", rd(), rd() & 0xffff,
                        (rd() & 0x0fff) | 0x4000, (rd() & 0x3fff) | 0x8000, rd(),
                        rd() & 0xffff);
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    if (!writer_) {
      const std::string name = fmt::format("{}-{}-{}-{}{}", options_.prefix, uuid_,
                                           subtask_, counter_++, options_.suffix);
      final_path_ = (fs::path(options_.path) / name).string();
      hidden_path_ = (fs::path(options_.path) / ("." + name + ".inprogress")).string();
      ARROW_ASSIGN_OR_RAISE(writer_, format::ParquetFileWriter::Open(
                                         hidden_path_, batch->schema(), options_.writer));
    }
    ARROW_RETURN_NOT_OK(writer_->Write(*batch));
    if (writer_->estimated_file_bytes() >= options_.rolling_file_size) return Roll();
    return arrow::Status::OK();
  }

  arrow::Status Finish(runtime::Output*) override { return Roll(); }

  arrow::Status Close() override {
    if (writer_) {  // not finished: failure or cancellation
      (void)writer_->Close();
      writer_.reset();
      std::error_code ec;
      fs::remove(hidden_path_, ec);
    }
    return arrow::Status::OK();
  }

 private:
  arrow::Status Roll() {
    if (!writer_) return arrow::Status::OK();
    ARROW_RETURN_NOT_OK(writer_->Close());
    writer_.reset();
    ARROW_RETURN_NOT_OK(SyncFile(hidden_path_));
    std::error_code ec;
    fs::rename(hidden_path_, final_path_, ec);
    if (ec) {
      return arrow::Status::IOError("cannot rename '", hidden_path_, "' to '",
                                    final_path_, "': ", ec.message());
    }
    return SyncDirectory(options_.path);
  }

  ParquetSinkOptions options_;
  int subtask_ = 0;
  std::string uuid_;
  int64_t counter_ = 0;
  std::unique_ptr<format::ParquetFileWriter> writer_;
  std::string hidden_path_, final_path_;
};

}  // namespace

runtime::OperatorFactory MakeParquetSink(ParquetSinkOptions options) {
  return [options](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<ParquetSink>(options);
  };
}

arrow::Result<runtime::OperatorFactory> MakeCheckedParquetSink(
    ParquetSinkOptions options) {
  if (options.path.empty()) return UserError("the Parquet sink needs a path");
  if (options.rolling_file_size <= 0) {
    return UserError("rolling file size must be positive, got {}",
                     options.rolling_file_size);
  }
  std::error_code ec;
  fs::create_directories(options.path, ec);
  if (ec) {
    return UserError("cannot create output directory '{}': {}", options.path,
                     ec.message());
  }
  return MakeParquetSink(std::move(options));
}

}  // namespace weir::connectors
