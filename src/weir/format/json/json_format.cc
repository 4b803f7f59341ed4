#include "weir/format/json/json_format.h"

#include "weir/format/json/json_decoder.h"
#include "weir/format/json/json_writer.h"

namespace weir::format {
namespace {

class JsonRecordDecoder : public RecordDecoder {
 public:
  explicit JsonRecordDecoder(std::unique_ptr<JsonDecoder> decoder)
      : decoder_(std::move(decoder)) {}
  arrow::Result<bool> Append(std::string_view record) override {
    ARROW_RETURN_NOT_OK(decoder_->Append(record));
    return true;
  }
  // An absent record reads as an object without fields: every column NULL.
  arrow::Status AppendAbsent() override { return decoder_->Append("{}"); }
  arrow::Status DropLastRow() override {
    decoder_->DropLastRow();
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish() override {
    return decoder_->Finish();
  }

 private:
  std::unique_ptr<JsonDecoder> decoder_;
};

class JsonRecordEncoder : public RecordEncoder {
 public:
  arrow::Status Reset(const arrow::RecordBatch& batch) override {
    ARROW_ASSIGN_OR_RAISE(auto encoder, JsonRowEncoder::Make(batch));
    encoder_ = std::make_unique<JsonRowEncoder>(std::move(encoder));
    return arrow::Status::OK();
  }
  arrow::Result<bool> Encode(int64_t row, std::string* out) override {
    out->clear();
    ARROW_RETURN_NOT_OK(encoder_->Append(row, out));
    return true;
  }
  arrow::Status AppendLines(const arrow::RecordBatch& batch, std::string* out) override {
    return AppendJsonLines(batch, out);
  }

 private:
  std::unique_ptr<JsonRowEncoder> encoder_;
};

class JsonRecordFormat : public RecordFormat {
 public:
  std::string_view name() const override { return "json"; }

  const std::set<std::string>& option_keys() const override {
    static const std::set<std::string> keys = {"json.ignore-parse-errors"};
    return keys;
  }

  arrow::Status Validate(const FormatOptions& options) const override {
    return options.GetBool("json.ignore-parse-errors", false).status();
  }

  arrow::Result<std::unique_ptr<RecordDecoder>> MakeDecoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions&,
      RecordPart) const override {
    ARROW_ASSIGN_OR_RAISE(auto decoder, JsonDecoder::Make(std::move(schema)));
    return std::make_unique<JsonRecordDecoder>(std::move(decoder));
  }

  arrow::Result<std::unique_ptr<RecordEncoder>> MakeEncoder(
      std::shared_ptr<arrow::Schema>, const FormatOptions&, RecordPart) const override {
    return std::make_unique<JsonRecordEncoder>();
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenFile(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      const FormatOptions& options) const override {
    ARROW_ASSIGN_OR_RAISE(const bool skip_bad,
                          options.GetBool("json.ignore-parse-errors", false));
    return OpenJsonLinesReader(path, std::move(schema), skip_bad);
  }

  std::string_view file_suffix() const override { return ".json"; }
};

}  // namespace

std::shared_ptr<const RecordFormat> MakeJsonRecordFormat() {
  return std::make_shared<JsonRecordFormat>();
}

}  // namespace weir::format
