#include <arrow/array.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/format/csv/csv_decoder.h"
#include "weir/format/csv/csv_writer.h"

namespace weir::format {
namespace {

std::shared_ptr<arrow::Array> Column(const std::shared_ptr<arrow::DataType>& type,
                                     const std::string& json) {
  auto array = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status();
  return *array;
}

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({
      arrow::field("id", arrow::int64()),
      arrow::field("name", arrow::utf8()),
      arrow::field("price", arrow::decimal128(10, 2)),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI)),
      arrow::field("d", arrow::date32()),
      arrow::field("ok", arrow::boolean()),
      arrow::field("x", arrow::float64()),
      arrow::field("bytes", arrow::binary()),
      arrow::field("tags", arrow::list(arrow::int32())),
  });
}

TEST(CsvDecoderTest, DecodesEveryTypeByPosition) {
  auto decoder = *CsvDecoder::Make(Schema());
  ASSERT_TRUE(
      *decoder->Append("1,\"a,\"\"b\"\"\",12.345,2024-01-31 "
                       "12:00:00.123,2024-01-31,true,1.5,aGk=,1;2;3\n"));
  // Empty unquoted fields are NULL (as weir's csv writer writes NULL); a quoted empty
  // string is an empty string.
  ASSERT_TRUE(*decoder->Append(" 2 ,,-0.5,,,FALSE,NaN,,"));
  ASSERT_TRUE(*decoder->Append("3,\"\",,,,,,,\r\n"));
  auto batch = *decoder->Finish();
  ASSERT_EQ(batch->num_rows(), 3);
  EXPECT_TRUE(batch->column(0)->Equals(Column(arrow::int64(), "[1, 2, 3]")));
  EXPECT_TRUE(
      batch->column(1)->Equals(Column(arrow::utf8(), R"(["a,\"b\"", null, ""])")));
  EXPECT_TRUE(batch->column(2)->Equals(
      Column(arrow::decimal128(10, 2), R"(["12.35", "-0.50", null])")));
  EXPECT_TRUE(batch->column(3)->Equals(
      Column(arrow::timestamp(arrow::TimeUnit::MILLI), "[1706702400123, null, null]")));
  EXPECT_TRUE(batch->column(4)->Equals(Column(arrow::date32(), "[19753, null, null]")));
  EXPECT_TRUE(batch->column(5)->Equals(Column(arrow::boolean(), "[true, false, null]")));
  EXPECT_EQ(batch->column(6)->null_count(), 1);
  EXPECT_TRUE(batch->column(7)->Equals(Column(arrow::binary(), R"(["hi", null, null])")));
  EXPECT_TRUE(batch->column(8)->Equals(
      Column(arrow::list(arrow::int32()), "[[1, 2, 3], null, null]")));
}

TEST(CsvDecoderTest, RejectsBadRecordsWhole) {
  auto decoder = *CsvDecoder::Make(Schema());
  ASSERT_TRUE(*decoder->Append("1,a,1,,,,,,"));
  auto st = decoder->Append("2,b,x,,,,,,").status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("field 3 ('price')"), std::string::npos) << st;
  EXPECT_NE(st.message().find("cannot read 'x'"), std::string::npos) << st;
  st = decoder->Append("3,c").status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("9 field(s) expected but the record has 2"),
            std::string::npos)
      << st;
  st = decoder->Append("4,\"open,,,,,,,").status();
  EXPECT_NE(st.message().find("not closed"), std::string::npos) << st;
  st = decoder->Append("5,\"q\"x,,,,,,,").status();
  EXPECT_NE(st.message().find("after the closing quote"), std::string::npos) << st;
  st = decoder->Append("6,a,1,,,,,,1;x").status();
  EXPECT_NE(st.message().find("field 9 ('tags'): element 2"), std::string::npos) << st;
  st = decoder->Append("6,caf\xc3,1,,,,,,").status();
  EXPECT_NE(st.message().find("not valid UTF-8"), std::string::npos) << st;
  ASSERT_TRUE(*decoder->Append("7,g,2,,,,,,"));
  decoder->DropLastRow();
  ASSERT_TRUE(*decoder->Append("8,h,3,,,,,,"));
  EXPECT_EQ(decoder->num_rows(), 2);
  auto batch = *decoder->Finish();
  EXPECT_TRUE(batch->column(0)->Equals(Column(arrow::int64(), "[1, 8]")));
  EXPECT_TRUE(batch->column(1)->Equals(Column(arrow::utf8(), R"(["a", "h"])")));
  // The decoder starts afresh after Finish.
  ASSERT_TRUE(*decoder->Append("9,i,4,,,,,,"));
  EXPECT_EQ((*decoder->Finish())->num_rows(), 1);
}

TEST(CsvDecoderTest, FollowsTheFormatOptions) {
  auto schema =
      arrow::schema({arrow::field("a", arrow::utf8()), arrow::field("b", arrow::int32()),
                     arrow::field("c", arrow::list(arrow::utf8()))});
  CsvDecodeOptions options;
  options.delimiter = '|';
  options.quote = '\'';
  options.escape = '\\';
  options.allow_comments = true;
  options.null_literal = "N/A";
  options.array_delimiter = "::";
  auto decoder = *CsvDecoder::Make(schema, options);
  EXPECT_FALSE(*decoder->Append("# a comment"));
  ASSERT_TRUE(*decoder->Append("x\\|y|1|p::N/A::q"));
  ASSERT_TRUE(*decoder->Append("N/A|N/A|N/A"));
  ASSERT_TRUE(*decoder->Append("'N/A'||"));
  auto batch = *decoder->Finish();
  ASSERT_EQ(batch->num_rows(), 3) << batch->ToString();
  EXPECT_TRUE(batch->column(0)->Equals(Column(arrow::utf8(), R"(["x|y", null, "N/A"])")));
  // An empty field is NULL for numbers whatever the null literal; for strings only
  // the literal is NULL.
  EXPECT_TRUE(batch->column(1)->Equals(Column(arrow::int32(), "[1, null, null]")))
      << batch->column(1)->ToString();
  EXPECT_TRUE(batch->column(2)->Equals(
      Column(arrow::list(arrow::utf8()), R"([["p", null, "q"], null, null])")));
}

TEST(CsvDecoderTest, ReadsWhatTheWriterWrites) {
  auto schema =
      arrow::schema({arrow::field("s", arrow::utf8()), arrow::field("n", arrow::int64()),
                     arrow::field("b", arrow::binary())});
  auto batch = arrow::RecordBatch::Make(
      schema, 7,
      {Column(arrow::utf8(),
              R"(["plain", "a,b", "say \"hi\"\nbye", "", "ends\n", "#hash", "\\N"])"),
       Column(arrow::int64(), "[1, null, -3, 4, 5, 6, 7]"),
       Column(arrow::binary(), R"(["x", null, "", "\u0000", "#", "", "y"])")});
  // Default quoting; an escape character inside quotes; no quoting, escapes only (and
  // a null literal that holds the escape character).
  for (int variant = 0; variant < 3; ++variant) {
    CsvWriteOptions write;
    CsvDecodeOptions read;
    read.allow_comments = true;
    if (variant >= 1) write.escape = read.escape = '\\';
    if (variant == 2) {
      write.disable_quote = true;
      read.quote = '\0';
      write.null_literal = read.null_literal = "\\N";
    }
    auto encoder = *CsvRowEncoder::Make(*batch, write);
    auto decoder = *CsvDecoder::Make(schema, read);
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      std::string record;
      ASSERT_TRUE(encoder.Append(r, &record).ok());
      ASSERT_TRUE(*decoder->Append(record)) << record;
    }
    auto back = *decoder->Finish();
    EXPECT_TRUE(back->Equals(*batch)) << variant << back->ToString();
  }
  // Without quotes or an escape character a delimiter cannot be written.
  CsvWriteOptions bare;
  bare.disable_quote = true;
  auto encoder = *CsvRowEncoder::Make(*batch, bare);
  std::string record;
  EXPECT_FALSE(encoder.Append(1, &record).ok());
  // Nor, without quotes, an empty string when an empty field is NULL.
  CsvWriteOptions escaped = bare;
  escaped.escape = '\\';
  auto encoder2 = *CsvRowEncoder::Make(*batch, escaped);
  EXPECT_FALSE(encoder2.Append(3, &record).ok());
}

TEST(CsvDecoderTest, RefusesTypesCsvCannotHold) {
  auto st =
      CsvDecoder::Make(
          arrow::schema({arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))}))
          .status();
  EXPECT_TRUE(st.IsNotImplemented());
  EXPECT_NE(st.message().find("column 'm'"), std::string::npos) << st;
  CsvDecodeOptions same;
  same.quote = ',';
  EXPECT_FALSE(CsvDecoder::Make(arrow::schema({}), same).ok());
}

}  // namespace
}  // namespace weir::format
