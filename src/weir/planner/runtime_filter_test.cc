#include "weir/planner/runtime_filter.h"

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::planner {
namespace {

std::shared_ptr<arrow::ChunkedArray> Keys(const std::shared_ptr<arrow::DataType>& type,
                                          const std::string& json) {
  auto array = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status();
  return std::make_shared<arrow::ChunkedArray>(*array);
}

std::string Filter(const std::shared_ptr<arrow::ChunkedArray>& keys,
                   const std::optional<sql::TableStatistics>& probe = std::nullopt) {
  bool asked = false;
  auto filter = RuntimeFilterFor(keys, "k", [&] {
    asked = true;
    return probe;
  });
  // Statistics are read only to judge a range without an IN list.
  if (filter.ok() && *filter &&
      (*filter)->ToString().find("is_in") != std::string::npos) {
    EXPECT_FALSE(asked);
  }
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() && *filter ? (*filter)->ToString() : "none";
}

TEST(RuntimeFilterTest, FewKeysGiveRangeAndInList) {
  ASSERT_TRUE(InitializeRuntime().ok());
  std::string f = Filter(Keys(arrow::int64(), "[7, 3, null, 7, 5]"));
  EXPECT_NE(f.find("(k >= 3)"), std::string::npos) << f;
  EXPECT_NE(f.find("(k <= 7)"), std::string::npos) << f;
  EXPECT_NE(f.find("is_in(k"), std::string::npos) << f;
}

TEST(RuntimeFilterTest, ManyKeysGiveOnlyTheirRange) {
  ASSERT_TRUE(InitializeRuntime().ok());
  std::string json = "[";
  for (int i = 0; i < 100; ++i) json += (i ? "," : "") + std::to_string(1000 + i);
  json += "]";
  std::string f = Filter(Keys(arrow::int64(), json));
  EXPECT_NE(f.find("(k >= 1000)"), std::string::npos) << f;
  EXPECT_EQ(f.find("is_in"), std::string::npos) << f;
  // Against a probe column spanning 0..1,000,000 the range is worth filtering; against
  // one spanning 1000..1150 it keeps most rows and is left out.
  sql::TableStatistics wide;
  wide.columns["k"] = sql::ColumnStatistics{0.0, 1e6, std::nullopt, std::nullopt};
  EXPECT_NE(Filter(Keys(arrow::int64(), json), wide), "none");
  sql::TableStatistics narrow;
  narrow.columns["k"] = sql::ColumnStatistics{1000.0, 1150.0, std::nullopt, std::nullopt};
  EXPECT_EQ(Filter(Keys(arrow::int64(), json), narrow), "none");
}

TEST(RuntimeFilterTest, NoNonNullKeyMatchesNothing) {
  ASSERT_TRUE(InitializeRuntime().ok());
  EXPECT_EQ(Filter(Keys(arrow::utf8(), "[null, null]")), "false");
  EXPECT_EQ(Filter(Keys(arrow::utf8(), "[]")), "false");
}

TEST(RuntimeFilterTest, StringKeysAndUnorderedTypes) {
  ASSERT_TRUE(InitializeRuntime().ok());
  std::string f = Filter(Keys(arrow::utf8(), R"(["b", "a"])"));
  EXPECT_NE(f.find("(k >= \"a\")"), std::string::npos) << f;
  EXPECT_EQ(Filter(Keys(arrow::list(arrow::int64()), "[[1]]")), "none");
}

}  // namespace
}  // namespace weir::planner
