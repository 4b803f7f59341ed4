#include "weir/sql/functions/json_path.h"

#include <gtest/gtest.h>

namespace weir::sql {
namespace {

TEST(JsonPathTest, KeysIndicesAndQuotedKeys) {
  auto path = ParseJsonPath("lax $.addr['the city'].tags[2].[\"a.b\"]");
  ASSERT_TRUE(path.ok()) << path.status();
  ASSERT_EQ(path->steps.size(), 5u);
  EXPECT_EQ(std::get<std::string>(path->steps[0]), "addr");
  EXPECT_EQ(std::get<std::string>(path->steps[1]), "the city");
  EXPECT_EQ(std::get<std::string>(path->steps[2]), "tags");
  EXPECT_EQ(std::get<int64_t>(path->steps[3]), 2);
  EXPECT_EQ(std::get<std::string>(path->steps[4]), "a.b");
  EXPECT_TRUE(ParseJsonPath("$")->steps.empty());
}

TEST(JsonPathTest, UnsupportedAndMalformedPathsSayWhy) {
  for (const char* bad :
       {"a.b", "$.", "$.*", "$[*]", "$[1:2]", "$[?(@.a)]", "$[0", "$x"}) {
    auto path = ParseJsonPath(bad);
    ASSERT_FALSE(path.ok()) << bad;
    EXPECT_NE(path.status().message().find("invalid JSON path"), std::string::npos)
        << path.status();
  }
}

}  // namespace
}  // namespace weir::sql
