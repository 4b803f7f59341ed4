#include <cmath>

#include <arrow/array.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/format/json/json_decoder.h"
#include "weir/format/json/json_writer.h"

namespace weir::format {
namespace {

std::shared_ptr<arrow::Schema> NestedSchema() {
  return arrow::schema({
      arrow::field("id", arrow::int64()),
      arrow::field("name", arrow::utf8()),
      arrow::field("price", arrow::decimal128(10, 2)),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI)),
      arrow::field("d", arrow::date32()),
      arrow::field("t", arrow::time64(arrow::TimeUnit::MICRO)),
      arrow::field("ok", arrow::boolean()),
      arrow::field("x", arrow::float64()),
      arrow::field("small", arrow::int16()),
      arrow::field("bytes", arrow::binary()),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("attrs", arrow::map(arrow::utf8(), arrow::int32())),
      arrow::field("r", arrow::struct_({arrow::field("a", arrow::int32()),
                                        arrow::field("b", arrow::utf8())})),
  });
}

std::shared_ptr<arrow::Array> Column(const std::shared_ptr<arrow::DataType>& type,
                                     const std::string& json) {
  auto array = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status();
  return *array;
}

TEST(JsonDecoderTest, DecodesEveryTypeByName) {
  auto decoder = *JsonDecoder::Make(NestedSchema());
  ASSERT_TRUE(decoder
                  ->Append(R"({"r": {"b": "z", "a": 1}, "id": 1, "name": "a\"b",
                    "price": 12.345, "ts": "2024-01-31 12:00:00.123456", "d": "2024-01-31",
                    "t": "12:30:01.5", "ok": true, "x": 1.5, "small": "-7",
                    "bytes": "aGk=", "tags": ["x", null], "attrs": {"k": 1, "l": null},
                    "extra": {"ignored": [1, 2]}})")
                  .ok());
  // Missing fields are NULL; numbers and booleans may come as strings; objects
  // become JSON text in a STRING column.
  ASSERT_TRUE(decoder
                  ->Append(R"({"id": "2", "name": {"k": [1, 2]}, "ok": "FALSE",
                    "price": "-0.5", "ts": "1999-12-31T23:59:59Z", "x": "NaN"})")
                  .ok());
  auto batch = *decoder->Finish();
  ASSERT_EQ(batch->num_rows(), 2);
  EXPECT_TRUE(batch->column(0)->Equals(Column(arrow::int64(), "[1, 2]")));
  EXPECT_TRUE(
      batch->column(1)->Equals(Column(arrow::utf8(), R"(["a\"b", "{\"k\":[1,2]}"])")));
  // 12.345 rounds half up to the scale.
  EXPECT_TRUE(batch->column(2)->Equals(
      Column(arrow::decimal128(10, 2), R"(["12.35", "-0.50"])")));
  EXPECT_EQ(batch->column(3)->ToString(),
            Column(arrow::timestamp(arrow::TimeUnit::MILLI),
                   R"(["2024-01-31 12:00:00.123", "1999-12-31 23:59:59"])")
                ->ToString());
  EXPECT_TRUE(batch->column(4)->Equals(Column(arrow::date32(), "[19753, null]")));
  EXPECT_TRUE(batch->column(5)->Equals(
      Column(arrow::time64(arrow::TimeUnit::MICRO), "[45001500000, null]")));
  EXPECT_TRUE(batch->column(6)->Equals(Column(arrow::boolean(), "[true, false]")));
  EXPECT_TRUE(batch->column(8)->Equals(Column(arrow::int16(), "[-7, null]")));
  EXPECT_TRUE(
      batch->column(7)->IsNull(0) == false &&
      std::isnan(static_cast<const arrow::DoubleArray&>(*batch->column(7)).Value(1)));
  EXPECT_TRUE(batch->column(9)->Equals(Column(arrow::binary(), R"(["hi", null])")));
  EXPECT_TRUE(batch->column(10)->Equals(
      Column(arrow::list(arrow::utf8()), R"([["x", null], null])")));
  EXPECT_TRUE(batch->column(11)->Equals(Column(arrow::map(arrow::utf8(), arrow::int32()),
                                               R"([[["k", 1], ["l", null]], null])")));
  EXPECT_TRUE(batch->column(12)->Equals(
      Column(NestedSchema()->field(12)->type(), R"([{"a": 1, "b": "z"}, null])")));
}

// A record with a NUL byte inside: rapidjson must not stop there silently.
constexpr char kWithNulText[] = "{\"id\": 12}\0{\"id\": 13}";
constexpr std::string_view kWithNul(kWithNulText, sizeof(kWithNulText) - 1);

TEST(JsonDecoderTest, BadRecordsAreRejectedWhole) {
  auto decoder = *JsonDecoder::Make(NestedSchema());
  ASSERT_TRUE(decoder->Append(R"({"id": 1})").ok());
  struct Case {
    std::string_view json;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"id": 2, "small": 40000})", "field 'small': 40000 is out of range"},
           {R"({"id": 3, "r": {"a": "x"}})", "field 'r.a': cannot read 'x' as int32"},
           {R"({"id": 4, "tags": "a"})", "field 'tags': expected an array"},
           {R"({"id": 4, "r": {"a": [1]}})", "field 'r.a': expected a scalar"},
           {R"({"id": 5, "d": "2024-13-01"})", "field 'd': cannot read '2024-13-01'"},
           {R"({"id": 6, "price": 123456789.1})", "does not fit decimal128(10, 2)"},
           {R"({"id": 7, "attrs": {"k": "v"}})", "field 'attrs[k]': cannot read 'v'"},
           {R"({"id": 8, "bytes": "not base64!"})", "is not base64"},
           {R"([1, 2])", "expected a JSON object"},
           {R"({"id": 9,)", "malformed JSON"},
           {R"({"id": 10} trailing)", "malformed JSON"},
           {R"()", "malformed JSON"},
           {kWithNul, "text after the object"},
           {"{\"id\": 13, \"name\": \"caf\xc3\"}", "not valid UTF-8"},
           {"{\"id\": 14, \"name\": \"a long string then \xff\"}", "not valid UTF-8"},
       }) {
    auto st = decoder->Append(c.json);
    ASSERT_FALSE(st.ok()) << c.json;
    EXPECT_NE(st.message().find(c.message), std::string::npos)
        << c.json << " gave: " << st.message();
  }
  ASSERT_TRUE(decoder->Append(R"({"id": 11, "tags": ["ok"]})").ok());
  EXPECT_EQ(decoder->num_rows(), 2);
  auto batch = *decoder->Finish();
  ASSERT_TRUE(batch->ValidateFull().ok());
  EXPECT_TRUE(batch->column(0)->Equals(Column(arrow::int64(), "[1, 11]")));
  EXPECT_TRUE(
      batch->column(10)->Equals(Column(arrow::list(arrow::utf8()), R"([null, ["ok"]])")));
  // The decoder starts afresh after Finish.
  ASSERT_TRUE(decoder->Append(R"({"id": 12})").ok());
  EXPECT_EQ((*decoder->Finish())->num_rows(), 1);
}

// Strings of every length around the 16-byte blocks rapidjson scans with SSE2, with
// escapes and multi-byte characters at every position.
TEST(JsonDecoderTest, DecodesStringsOfEveryLengthAndEscape) {
  auto schema = arrow::schema({arrow::field("s", arrow::utf8())});
  auto decoder = *JsonDecoder::Make(schema);
  std::vector<std::string> want;
  for (int length = 0; length < 40; ++length) {
    for (const std::string& special : {std::string("\\n"), std::string("\\u00e9"),
                                       std::string("\\\""), std::string("\xc3\xa9")}) {
      for (int at = 0; at <= length; at += 7) {
        std::string text(static_cast<size_t>(length), 'x');
        std::string value = text;
        const std::string decoded = special == "\\n"       ? "\n"
                                    : special == "\\u00e9" ? "\xc3\xa9"
                                    : special == "\\\""    ? "\""
                                                           : special;
        text.insert(static_cast<size_t>(at), special);
        value.insert(static_cast<size_t>(at), decoded);
        ASSERT_TRUE(decoder->Append("{\"s\": \"" + text + "\"}").ok()) << text;
        want.push_back(value);
      }
    }
  }
  auto batch = *decoder->Finish();
  const auto& column = static_cast<const arrow::StringArray&>(*batch->column(0));
  ASSERT_EQ(column.length(), static_cast<int64_t>(want.size()));
  for (int64_t i = 0; i < column.length(); ++i) {
    ASSERT_EQ(column.GetString(i), want[static_cast<size_t>(i)]) << i;
  }
}

TEST(JsonWriterTest, WritesWhatTheDecoderReadsBack) {
  auto decoder = *JsonDecoder::Make(NestedSchema());
  ASSERT_TRUE(decoder
                  ->Append(R"({"id": 1, "name": "line\nbreak \"q\" \\", "price": -0.5,
                    "ts": "2024-01-31 12:00:00.123", "d": "1970-01-01", "t": "00:00:01",
                    "ok": false, "x": 1e300, "small": 3, "bytes": "AAEC",
                    "tags": [], "attrs": {"a": 2}, "r": {"a": null, "b": "é"}})")
                  .ok());
  ASSERT_TRUE(decoder->Append(R"({"id": 2, "x": "-Infinity"})").ok());
  auto original = *decoder->Finish();
  std::string text;
  ASSERT_TRUE(AppendJsonLines(*original, &text).ok());
  EXPECT_NE(text.find(R"("price":-0.50)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("ts":"2024-01-31 12:00:00.123")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("x":"-Infinity")"), std::string::npos) << text;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    ASSERT_TRUE(decoder->Append(std::string_view(text).substr(start, end - start)).ok());
    start = end + 1;
  }
  auto round_trip = *decoder->Finish();
  EXPECT_TRUE(round_trip->Equals(*original)) << text << "\n"
                                             << round_trip->ToString() << "\n"
                                             << original->ToString();
}

TEST(JsonDecoderTest, RefusesTypesItCannotHold) {
  auto st = JsonDecoder::Make(
      arrow::schema({arrow::field("u", arrow::dense_union(arrow::FieldVector{}))}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("column 'u'"), std::string::npos);
}

}  // namespace
}  // namespace weir::format
