#include "weir/cli/batch_printer.h"

#include <cstdio>
#include <string>

#include <arrow/json/from_string.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

namespace weir::cli {
namespace {

std::string Render(OutputFormat fmt, const std::shared_ptr<arrow::RecordBatch>& batch) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  BatchPrinter p(mem, fmt);
  EXPECT_TRUE(p.Print(*batch).ok());
  EXPECT_TRUE(p.Finish(*batch->schema(), batch->num_rows()).ok());
  std::fclose(mem);
  std::string out(buf, len);
  free(buf);
  return out;
}

std::shared_ptr<arrow::RecordBatch> Sample() {
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()),
       arrow::field("tags", arrow::list(arrow::utf8())),
       arrow::field("st", arrow::struct_({arrow::field("x", arrow::float64())})),
       arrow::field("price", arrow::decimal128(10, 2))});
  std::vector<std::string> json = {"[1, 2]", R"(["a,b", null])", R"([["x", "y"], null])",
                                   R"([{"x": 1.5}, null])", R"(["12.30", "-0.05"])"};
  arrow::ArrayVector arrays;
  for (int i = 0; i < schema->num_fields(); ++i) {
    arrays.push_back(
        *arrow::json::ArrayFromJSONString(schema->field(i)->type(), json[i]));
  }
  return arrow::RecordBatch::Make(schema, 2, arrays);
}

TEST(BatchPrinterTest, Json) {
  EXPECT_EQ(
      Render(OutputFormat::kJson, Sample()),
      "{\"id\": 1, \"name\": \"a,b\", \"tags\": [\"x\", \"y\"], \"st\": {\"x\": 1.5}, "
      "\"price\": 12.30}\n"
      "{\"id\": 2, \"name\": null, \"tags\": null, \"st\": null, \"price\": -0.05}\n");
}

TEST(BatchPrinterTest, CsvQuotesAndEmptyNulls) {
  EXPECT_EQ(
      Render(OutputFormat::kCsv, Sample()),
      "id,name,tags,st,price\n1,\"a,b\",\"[\"\"x\"\", \"\"y\"\"]\",\"{\"\"x\"\": 1.5}\","
      "12.30\n2,,,,-0.05\n");
}

TEST(BatchPrinterTest, TableAlignsAndCountsRows) {
  std::string t = Render(OutputFormat::kTable, Sample());
  EXPECT_NE(t.find("| id | name | tags"), std::string::npos) << t;
  EXPECT_NE(t.find("| 2  | NULL |"), std::string::npos) << t;
  EXPECT_NE(t.find("2 rows"), std::string::npos);
}

TEST(BatchPrinterTest, RejectsUnknownFormat) {
  EXPECT_TRUE(ParseOutputFormat("xml").status().IsInvalid());
}

}  // namespace
}  // namespace weir::cli
