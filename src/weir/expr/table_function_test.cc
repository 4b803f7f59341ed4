#include "weir/expr/table_function.h"

#include <arrow/array/builder_primitive.h>
#include <arrow/json/from_string.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::expr {
namespace {

std::shared_ptr<arrow::Array> Json(const std::shared_ptr<arrow::DataType>& type,
                                   const std::string& json) {
  auto array = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status();
  return *array;
}

std::shared_ptr<arrow::RecordBatch> Ids(const std::string& json) {
  auto ids = Json(arrow::int64(), json);
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("id", arrow::int64())}),
                                  ids->length(), {ids});
}

class TableFunctionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(TableFunctionTest, UnnestArrayRepeatsTheRowPerElement) {
  auto type = arrow::list(arrow::int32());
  auto unnest = MakeUnnest(type, /*with_ordinality=*/true);
  ASSERT_TRUE(unnest.ok()) << unnest.status();
  ASSERT_EQ((*unnest)->fields().size(), 2u);
  EXPECT_EQ((*unnest)->fields()[0]->name(), "EXPR$0");
  auto input = Ids("[1, 2, 3, 4]");
  auto arrays = Json(type, "[[10, 11], null, [], [12]]");
  auto out = CorrelateBatch(input, {arrays}, **unnest, {"x", "n"}, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE((*out)->column(0)->Equals(*Json(arrow::int64(), "[1, 1, 4]")));
  EXPECT_TRUE((*out)->column(1)->Equals(*Json(arrow::int32(), "[10, 11, 12]")));
  EXPECT_TRUE((*out)->column(2)->Equals(*Json(arrow::int32(), "[1, 2, 1]")));
  EXPECT_EQ((*out)->schema()->field(1)->name(), "x");
}

TEST_F(TableFunctionTest, LeftOuterKeepsRowsWithoutOutputOnceWithNulls) {
  auto type = arrow::list(arrow::utf8());
  auto unnest = MakeUnnest(type, false);
  ASSERT_TRUE(unnest.ok());
  auto input = Ids("[1, 2, 3]");
  auto arrays = Json(type, R"([null, ["a", "b"], []])");
  auto out = CorrelateBatch(input, {arrays}, **unnest, {"s"}, true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE((*out)->column(0)->Equals(*Json(arrow::int64(), "[1, 2, 2, 3]")));
  EXPECT_TRUE(
      (*out)->column(1)->Equals(*Json(arrow::utf8(), R"([null, "a", "b", null])")));
}

TEST_F(TableFunctionTest, UnnestMapAndArrayOfRows) {
  auto map_type = arrow::map(arrow::utf8(), arrow::int64());
  auto unnest = MakeUnnest(map_type, false);
  ASSERT_TRUE(unnest.ok());
  EXPECT_EQ((*unnest)->fields()[0]->name(), "KEY");
  EXPECT_EQ((*unnest)->fields()[1]->name(), "VALUE");
  auto out = CorrelateBatch(Ids("[7]"), {Json(map_type, R"([[["a", 1], ["b", 2]]])")},
                            **unnest, {"k", "v"}, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE((*out)->column(1)->Equals(*Json(arrow::utf8(), R"(["a", "b"])")));
  EXPECT_TRUE((*out)->column(2)->Equals(*Json(arrow::int64(), "[1, 2]")));

  auto row = arrow::struct_(
      {arrow::field("name", arrow::utf8()), arrow::field("qty", arrow::int32())});
  auto rows = MakeUnnest(arrow::list(row), false);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)->fields()[1]->name(), "qty");
  auto out2 =
      CorrelateBatch(Ids("[1, 2]"), {Json(arrow::list(row), R"([[{"name": "x", "qty": 3}],
                                                          [{"name": "y", "qty": null}]])")},
                     **rows, {"name", "qty"}, false);
  ASSERT_TRUE(out2.ok()) << out2.status();
  EXPECT_TRUE((*out2)->column(2)->Equals(*Json(arrow::int32(), "[3, null]")));
}

TEST_F(TableFunctionTest, UnnestOfAScalarIsATypeError) {
  auto unnest = MakeUnnest(arrow::int32(), false);
  ASSERT_FALSE(unnest.ok());
  EXPECT_NE(unnest.status().message().find("ARRAY or a MAP"), std::string::npos);
}

// A function that returns what it was built with, to check validation.
class Fixed : public TableFunction {
 public:
  explicit Fixed(TableFunctionRows rows)
      : TableFunction("f", {arrow::field("x", arrow::int64())}), rows_(std::move(rows)) {}
  arrow::Result<TableFunctionRows> Apply(const arrow::ArrayVector&,
                                         int64_t) const override {
    return rows_;
  }

 private:
  TableFunctionRows rows_;
};

TEST_F(TableFunctionTest, BadFunctionOutputIsAnErrorNamingTheFunction) {
  auto input = Ids("[1, 2]");
  Fixed descending({Json(arrow::int64(), "[1, 0]"), {Json(arrow::int64(), "[5, 6]")}});
  auto out = CorrelateBatch(input, {}, descending, {"x"}, false);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("f returned row index 0"), std::string::npos)
      << out.status();
  Fixed out_of_range({Json(arrow::int64(), "[2]"), {Json(arrow::int64(), "[5]")}});
  EXPECT_FALSE(CorrelateBatch(input, {}, out_of_range, {"x"}, false).ok());
  Fixed wrong_type({Json(arrow::int64(), "[0]"), {Json(arrow::utf8(), R"(["a"])")}});
  auto typed = CorrelateBatch(input, {}, wrong_type, {"x"}, false);
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.status().message().find("declared int64"), std::string::npos);
  Fixed short_column({Json(arrow::int64(), "[0, 1]"), {Json(arrow::int64(), "[5]")}});
  EXPECT_FALSE(CorrelateBatch(input, {}, short_column, {"x"}, false).ok());
}

}  // namespace
}  // namespace weir::expr
