// MaterializeChanges: a changelog applied in order gives the rows left.
#include "weir/api/changelog_result.h"

#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

namespace weir::api {
namespace {

// A table of `schema` from columns given as JSON arrays.
std::shared_ptr<arrow::Table> Table(const std::shared_ptr<arrow::Schema>& schema,
                                    const std::vector<std::string>& columns) {
  arrow::ArrayVector arrays;
  for (size_t i = 0; i < columns.size(); ++i) {
    arrays.push_back(*arrow::json::ArrayFromJSONString(
        schema->field(static_cast<int>(i))->type(), columns[i]));
  }
  return arrow::Table::Make(schema, arrays);
}

TEST(MaterializeChangesTest, AppliesInsertsUpdatesAndDeletesInOrder) {
  auto schema =
      arrow::schema({arrow::field("op", arrow::utf8()), arrow::field("k", arrow::utf8()),
                     arrow::field("v", arrow::int64())});
  auto changes =
      Table(schema, {R"(["+I","+I","-U","+U","+I","-D","-D","+I","-D"])",
                     R"(["a","b","a","a","c","b","x","c","c"])", "[1,2,1,3,4,2,9,4,4]"});
  auto rows = MaterializeChanges(*changes);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  auto want = Table(arrow::schema({arrow::field("k", arrow::utf8()),
                                   arrow::field("v", arrow::int64())}),
                    {R"(["a","c"])", "[3,4]"});
  EXPECT_TRUE((*rows)->Equals(*want)) << (*rows)->ToString();
}

TEST(MaterializeChangesTest, NoChangesNoRows) {
  auto schema = arrow::schema(
      {arrow::field("op", arrow::utf8()), arrow::field("k", arrow::utf8())});
  auto changes = Table(schema, {"[]", "[]"});
  auto rows = MaterializeChanges(*changes);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)->num_rows(), 0);
  EXPECT_EQ((*rows)->num_columns(), 1);
}

}  // namespace
}  // namespace weir::api
