#include <cstdio>
#include <fstream>

#include <arrow/array.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/format/record_format.h"

namespace weir::format {
namespace {

std::shared_ptr<arrow::Schema> Rows() {
  return arrow::schema({arrow::field("id", arrow::int64()),
                        arrow::field("name", arrow::utf8()),
                        arrow::field("price", arrow::decimal128(10, 2))});
}

std::shared_ptr<arrow::RecordBatch> Batch() {
  auto batch = arrow::RecordBatch::Make(
      Rows(), 3,
      {*arrow::json::ArrayFromJSONString(arrow::int64(), "[1, 2, null]"),
       *arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["a,\"b\"", null, "c"])"),
       *arrow::json::ArrayFromJSONString(arrow::decimal128(10, 2),
                                         R"(["1.50", "-2.00", null])")});
  return batch;
}

// What one format encodes, its decoder reads back unchanged.
void ExpectRoundTrip(std::string_view name, const FormatOptions& options) {
  SCOPED_TRACE(std::string(name));
  const RecordFormat* format = FindRecordFormat(name);
  ASSERT_NE(format, nullptr);
  ASSERT_TRUE(format->Validate(options).ok());
  auto encoder = format->MakeEncoder(Rows(), options, RecordPart::kValue);
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  auto decoder = format->MakeDecoder(Rows(), options, RecordPart::kValue);
  ASSERT_TRUE(decoder.ok()) << decoder.status();
  auto batch = Batch();
  ASSERT_TRUE((*encoder)->Reset(*batch).ok());
  std::string record;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    auto present = (*encoder)->Encode(r, &record);
    ASSERT_TRUE(present.ok()) << present.status();
    ASSERT_TRUE(*present);
    auto added = (*decoder)->Append(record);
    ASSERT_TRUE(added.ok()) << added.status() << " for " << record;
  }
  auto decoded = (*decoder)->Finish();
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE((*decoded)->Equals(*batch)) << (*decoded)->ToString();
}

TEST(RecordFormatTest, JsonAndCsvRoundTrip) {
  ExpectRoundTrip("json", FormatOptions());
  FormatOptions csv;
  csv.Set("csv.field-delimiter", "|");
  csv.Set("csv.null-literal", "N/A");
  ExpectRoundTrip("csv", csv);
}

TEST(RecordFormatTest, RawKeepsTheBytesAndNullIsNoRecord) {
  const RecordFormat* raw = FindRecordFormat("raw");
  ASSERT_NE(raw, nullptr);
  auto schema = arrow::schema({arrow::field("v", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(
      schema, 2, {*arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["x y", null])")});
  auto encoder = *raw->MakeEncoder(schema, {}, RecordPart::kValue);
  ASSERT_TRUE(encoder->Reset(*batch).ok());
  std::string out;
  EXPECT_TRUE(*encoder->Encode(0, &out));
  EXPECT_EQ(out, "x y");
  EXPECT_FALSE(*encoder->Encode(1, &out));

  auto decoder = *raw->MakeDecoder(schema, {}, RecordPart::kValue);
  ASSERT_TRUE(*decoder->Append("x y"));
  ASSERT_TRUE(decoder->AppendAbsent().ok());
  ASSERT_TRUE(*decoder->Append("dropped"));
  ASSERT_TRUE(decoder->DropLastRow().ok());
  auto decoded = *decoder->Finish();
  EXPECT_TRUE(decoded->Equals(*batch)) << decoded->ToString();
  // Text must be UTF-8.
  EXPECT_FALSE(decoder->Append("\xff").ok());

  auto two =
      arrow::schema({arrow::field("a", arrow::utf8()), arrow::field("b", arrow::utf8())});
  auto refused = raw->MakeDecoder(two, {}, RecordPart::kKey);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("exactly one BYTES or STRING column"),
            std::string::npos)
      << refused.status();
  // Raw files are lines (RawFilesAreOneRecordPerLine); a missing one is an error.
  auto missing = raw->OpenFile("/nonexistent", schema, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent"), std::string::npos);
}

TEST(RecordFormatTest, CsvCommentsAreSkippedInValuesButNotInKeys) {
  const RecordFormat* csv = FindRecordFormat("csv");
  FormatOptions options;
  options.Set("csv.allow-comments", "true");
  auto schema = arrow::schema({arrow::field("k", arrow::utf8())});
  auto value = *csv->MakeDecoder(schema, options, RecordPart::kValue);
  EXPECT_FALSE(*value->Append("#note"));
  auto key = *csv->MakeDecoder(schema, options, RecordPart::kKey);
  EXPECT_TRUE(*key->Append("#tag"));
}

TEST(RecordFormatTest, BadOptionsNameTheKey) {
  const RecordFormat* csv = FindRecordFormat("csv");
  FormatOptions options;
  options.Set("csv.field-delimiter", ";;");
  auto st = csv->Validate(options);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "option 'csv.field-delimiter': expected one character but got ';;'");
  FormatOptions same;
  same.Set("csv.quote-character", ",");
  EXPECT_NE(csv->Validate(same).message().find("csv.quote-character"), std::string::npos);
  FormatOptions flag;
  flag.Set("json.ignore-parse-errors", "maybe");
  EXPECT_EQ(FindRecordFormat("json")->Validate(flag).message(),
            "option 'json.ignore-parse-errors': expected true or false but got 'maybe'");
}

TEST(RecordFormatTest, UnknownFormatsListTheKnownOnes) {
  EXPECT_EQ(FindRecordFormat("avro"), nullptr);
  auto st = RecordFormatOf("avro", "Kafka value").status();
  EXPECT_EQ(st.message(), "Kafka value format 'avro' is not supported (csv, json, raw)");
  EXPECT_FALSE(RegisterRecordFormat(std::shared_ptr<const RecordFormat>(
                                        FindRecordFormat("json"), [](auto*) {}))
                   .ok());
}

TEST(RecordFormatTest, FilesReadBackWhatAppendLinesWrote) {
  for (const char* name : {"json", "csv"}) {
    SCOPED_TRACE(name);
    const RecordFormat* format = FindRecordFormat(name);
    auto encoder = *format->MakeEncoder(Rows(), {}, RecordPart::kLine);
    std::string text;
    ASSERT_TRUE(encoder->AppendLines(*Batch(), &text).ok());
    const std::string path =
        ::testing::TempDir() + "/records" + std::string(format->file_suffix());
    std::ofstream(path, std::ios::binary) << text;
    auto reader = format->OpenFile(path, Rows(), {});
    ASSERT_TRUE(reader.ok()) << reader.status();
    auto table = *(*reader)->ToTable();
    auto combined = *table->CombineChunksToBatch();
    // csv without a null literal reads an empty string field as "" (Flink's rule), so
    // compare the non-string columns there.
    EXPECT_TRUE(combined->column(0)->Equals(*Batch()->column(0)));
    EXPECT_TRUE(combined->column(2)->Equals(*Batch()->column(2)));
    if (std::string(name) == "json") {
      EXPECT_TRUE(combined->Equals(*Batch()));
    }
    std::remove(path.c_str());
  }
}

TEST(RecordFormatTest, RawFilesAreOneRecordPerLine) {
  const RecordFormat* raw = FindRecordFormat("raw");
  auto schema = arrow::schema({arrow::field("line", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(
      schema, 4,
      {*arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["a, b", null, "", "c"])")});
  auto encoder = *raw->MakeEncoder(schema, {}, RecordPart::kLine);
  std::string text;
  ASSERT_TRUE(encoder->AppendLines(*batch, &text).ok());
  EXPECT_EQ(text, "a, b\n\nc\n");  // NULL is no line
  const std::string path = ::testing::TempDir() + "/lines.txt";
  std::ofstream(path, std::ios::binary) << text << "last without newline";
  auto reader = raw->OpenFile(path, schema, {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto table = *(*reader)->ToTable();
  auto lines = *table->CombineChunksToBatch();
  EXPECT_TRUE(lines->column(0)->Equals(*arrow::json::ArrayFromJSONString(
      arrow::utf8(), R"(["a, b", "", "c", "last without newline"])")));
  std::ofstream(path, std::ios::binary) << "ok\n\xff\xfe\n";
  auto bad = *raw->OpenFile(path, schema, {});
  auto read = bad->ToTable();
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("line 2: not valid UTF-8"), std::string::npos)
      << read.status();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace weir::format
