#include "weir/connectors/print/java_text.h"

#include <arrow/json/from_string.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

namespace weir::connectors {
namespace {

std::string Texts(const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  auto array = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status();
  std::string out;
  for (int64_t i = 0; i < (*array)->length(); ++i) {
    if (i > 0) out += " | ";
    AppendJavaText(**array, i, &out);
  }
  return out;
}

TEST(JavaTextTest, DoublesAndFloatsAsJavaPrintsThem) {
  EXPECT_EQ(Texts(arrow::float64(),
                  "[0, 1, 0.5, -2.25, 0.001, 0.0001, 1234567.5, 10000000, 1e21, 110.1]"),
            "0.0 | 1.0 | 0.5 | -2.25 | 0.001 | 1.0E-4 | 1234567.5 | 1.0E7 | 1.0E21 | "
            "110.1");
  EXPECT_EQ(Texts(arrow::float32(), "[46.300003, 86.4, 3]"), "46.300003 | 86.4 | 3.0");
}

TEST(JavaTextTest, TimestampsAsLocalDateTimeAndInstant) {
  EXPECT_EQ(
      Texts(arrow::timestamp(arrow::TimeUnit::MILLI),
            R"(["2024-01-31 12:00:00", "2024-01-31 12:00:05", "1969-12-31 23:59:59.5",
                      "2024-02-29 00:00:00.000"])"),
      "2024-01-31T12:00 | 2024-01-31T12:00:05 | 1969-12-31T23:59:59.500 | "
      "2024-02-29T00:00");
  EXPECT_EQ(Texts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                  R"(["1970-01-01 00:00:03", "1970-01-01 00:00:00.000123"])"),
            "1970-01-01T00:00:03Z | 1970-01-01T00:00:00.000123Z");
}

TEST(JavaTextTest, NestedValues) {
  EXPECT_EQ(Texts(arrow::list(arrow::float64()), "[[1, null, 2.5], []]"),
            "[1.0, null, 2.5] | []");
  EXPECT_EQ(
      Texts(arrow::map(arrow::utf8(), arrow::int32()), R"([[["a", 1], ["b", null]]])"),
      "{a=1, b=null}");
  EXPECT_EQ(Texts(arrow::struct_({arrow::field("x", arrow::int32()),
                                  arrow::field("y", arrow::utf8())}),
                  R"([{"x": 1, "y": "z"}])"),
            "+I[1, z]");
}

}  // namespace
}  // namespace weir::connectors
