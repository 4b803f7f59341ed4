#include "weir/format/raw/raw_format.h"

#include <arrow/builder.h>
#include <arrow/io/file.h>
#include <arrow/type.h>
#include <arrow/util/utf8.h>
#include <fmt/format.h>

namespace weir::format {
namespace {

// The one column's type id when `schema` is one BYTES or STRING column.
arrow::Result<arrow::Type::type> RawColumn(const arrow::Schema& schema, RecordPart part,
                                           std::string_view verb) {
  const auto id =
      schema.num_fields() == 1 ? schema.field(0)->type()->id() : arrow::Type::NA;
  if (id != arrow::Type::BINARY && id != arrow::Type::STRING) {
    return arrow::Status::Invalid(fmt::format(
        "the raw format {} the record {} as exactly one BYTES or STRING column, but "
        "there are {} {} columns{}",
        verb, RecordPartName(part), schema.num_fields(), RecordPartName(part),
        schema.num_fields() == 1 ? " of another type" : ""));
  }
  return id;
}

class RawRecordDecoder : public RecordDecoder {
 public:
  RawRecordDecoder(std::unique_ptr<arrow::ArrayBuilder> builder,
                   std::shared_ptr<arrow::Schema> schema, bool text)
      : builder_(std::move(builder)), schema_(std::move(schema)), text_(text) {
    arrow::util::InitializeUTF8();  // ValidateUTF8's tables
  }

  arrow::Result<bool> Append(std::string_view record) override {
    if (text_) {
      if (!arrow::util::ValidateUTF8(record)) {
        return arrow::Status::Invalid("not valid UTF-8 text");
      }
      ARROW_RETURN_NOT_OK(static_cast<arrow::StringBuilder&>(*builder_).Append(record));
    } else {
      ARROW_RETURN_NOT_OK(static_cast<arrow::BinaryBuilder&>(*builder_).Append(record));
    }
    ++rows_;
    return true;
  }
  arrow::Status AppendAbsent() override {
    ++rows_;
    return builder_->AppendNull();
  }
  arrow::Status DropLastRow() override {
    // Builders cannot shrink: rebuild without the last value.
    std::shared_ptr<arrow::Array> values;
    ARROW_RETURN_NOT_OK(builder_->Finish(&values));
    --rows_;
    return builder_->AppendArraySlice(*values->data(), 0, values->length() - 1);
  }
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish() override {
    std::shared_ptr<arrow::Array> values;
    ARROW_RETURN_NOT_OK(builder_->Finish(&values));
    const int64_t rows = rows_;
    rows_ = 0;
    return arrow::RecordBatch::Make(schema_, rows, {values});
  }

 private:
  std::unique_ptr<arrow::ArrayBuilder> builder_;
  std::shared_ptr<arrow::Schema> schema_;
  bool text_;
  int64_t rows_ = 0;
};

class RawRecordEncoder : public RecordEncoder {
 public:
  arrow::Status Reset(const arrow::RecordBatch& batch) override {
    column_ = batch.column(0);
    return arrow::Status::OK();
  }
  // A NULL value is no record: the message has no key or value.
  arrow::Result<bool> Encode(int64_t row, std::string* out) override {
    if (column_->IsNull(row)) return false;
    out->assign(static_cast<const arrow::BinaryArray&>(*column_).GetView(row));
    return true;
  }
  // In files a NULL value is no line (an empty line would read back as '').
  arrow::Status AppendLines(const arrow::RecordBatch& batch, std::string* out) override {
    ARROW_RETURN_NOT_OK(Reset(batch));
    const auto& values = static_cast<const arrow::BinaryArray&>(*column_);
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      if (values.IsNull(r)) continue;
      out->append(values.GetView(r));
      out->push_back('\n');
    }
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::Array> column_;
};

// A file read as one record per line (Flink's filesystem connector with the raw
// format): the bytes between newlines, without the newline; a last line without
// one counts, an empty file has no record.
class RawLinesReader : public arrow::RecordBatchReader {
 public:
  RawLinesReader(std::shared_ptr<arrow::io::InputStream> input,
                 std::unique_ptr<RecordDecoder> decoder,
                 std::shared_ptr<arrow::Schema> schema)
      : input_(std::move(input)),
        decoder_(std::move(decoder)),
        schema_(std::move(schema)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    constexpr int64_t kBatchRows = 64 * 1024;
    constexpr int64_t kChunk = 1 << 20;
    int64_t rows = 0;
    while (rows < kBatchRows) {
      const size_t newline = pending_.find('\n', position_);
      if (newline != std::string::npos) {
        // A line ends at \n or \r\n, as Java's readLine (Flink's text lines) ends it.
        const size_t end =
            newline > position_ && pending_[newline - 1] == '\r' ? newline - 1 : newline;
        ARROW_RETURN_NOT_OK(Append(end));
        position_ = newline + 1;
        ++rows;
        continue;
      }
      if (eof_) {
        if (position_ < pending_.size()) {
          ARROW_RETURN_NOT_OK(Append(pending_.size()));
          ++rows;
        }
        pending_.clear();
        position_ = 0;
        break;
      }
      pending_.erase(0, position_);
      position_ = 0;
      ARROW_ASSIGN_OR_RAISE(auto chunk, input_->Read(kChunk));
      if (chunk->size() == 0) eof_ = true;
      pending_.append(reinterpret_cast<const char*>(chunk->data()),
                      static_cast<size_t>(chunk->size()));
    }
    if (rows == 0) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*out, decoder_->Finish());
    return arrow::Status::OK();
  }

 private:
  arrow::Status Append(size_t end) {
    ++line_;
    auto appended =
        decoder_->Append(std::string_view(pending_).substr(position_, end - position_));
    if (!appended.ok()) {
      return arrow::Status::Invalid(
          fmt::format("line {}: {}", line_, appended.status().message()));
    }
    return arrow::Status::OK();
  }

  std::shared_ptr<arrow::io::InputStream> input_;
  std::unique_ptr<RecordDecoder> decoder_;
  std::shared_ptr<arrow::Schema> schema_;
  std::string pending_;
  size_t position_ = 0;
  bool eof_ = false;
  int64_t line_ = 0;
};

class RawRecordFormat : public RecordFormat {
 public:
  std::string_view name() const override { return "raw"; }

  const std::set<std::string>& option_keys() const override {
    static const std::set<std::string> keys;
    return keys;
  }

  arrow::Status Validate(const FormatOptions&) const override {
    return arrow::Status::OK();
  }

  arrow::Result<std::unique_ptr<RecordDecoder>> MakeDecoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions&,
      RecordPart part) const override {
    ARROW_ASSIGN_OR_RAISE(const auto id, RawColumn(*schema, part, "reads"));
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(schema->field(0)->type()));
    return std::make_unique<RawRecordDecoder>(std::move(builder), std::move(schema),
                                              id == arrow::Type::STRING);
  }

  arrow::Result<std::unique_ptr<RecordEncoder>> MakeEncoder(
      std::shared_ptr<arrow::Schema> schema, const FormatOptions&,
      RecordPart part) const override {
    ARROW_RETURN_NOT_OK(RawColumn(*schema, part, "writes").status());
    return std::make_unique<RawRecordEncoder>();
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenFile(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      const FormatOptions& options) const override {
    ARROW_ASSIGN_OR_RAISE(auto decoder, MakeDecoder(schema, options, RecordPart::kLine));
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    return std::make_shared<RawLinesReader>(std::move(file), std::move(decoder),
                                            std::move(schema));
  }

  std::string_view file_suffix() const override { return ".txt"; }
};

}  // namespace

std::shared_ptr<const RecordFormat> MakeRawRecordFormat() {
  return std::make_shared<RawRecordFormat>();
}

}  // namespace weir::format
