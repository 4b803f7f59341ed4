#include "weir/types/partition_value.h"

#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::types {
namespace {

TEST(PartitionValueTest, InfersIntegerDateAndString) {
  EXPECT_TRUE(InferPartitionType({"1", "20", "-3"})->Equals(arrow::int32()));
  EXPECT_TRUE(InferPartitionType({"1", "9000000000"})->Equals(arrow::int64()));
  EXPECT_TRUE(InferPartitionType({"2024-01-02", "2023-12-31"})->Equals(arrow::date32()));
  EXPECT_TRUE(InferPartitionType({"2024-01-02", "web"})->Equals(arrow::utf8()));
  EXPECT_TRUE(InferPartitionType({"1", std::string(kHiveDefaultPartition)})
                  ->Equals(arrow::int32()));
  EXPECT_TRUE(InferPartitionType({})->Equals(arrow::utf8()));
}

TEST(PartitionValueTest, ParsesValuesAndNulls) {
  ASSERT_TRUE(InitializeRuntime().ok());
  auto v = ParsePartitionValue("42", arrow::int32());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->ToString(), "42");
  auto d = ParsePartitionValue("2024-02-29", arrow::date32());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->ToString(), "2024-02-29");
  auto n = ParsePartitionValue(kHiveDefaultPartition, arrow::int64());
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE((*n)->is_valid);
  auto bad = ParsePartitionValue("abc", arrow::int32());
  EXPECT_TRUE(bad.status().IsInvalid());
  EXPECT_NE(bad.status().message().find("abc"), std::string::npos);
}

TEST(PartitionValueTest, EscapeRoundTrips) {
  std::string raw = "a/b=c%d e:f";
  std::string esc = EscapePartitionValue(raw);
  EXPECT_EQ(esc.find('/'), std::string::npos);
  EXPECT_EQ(esc.find('='), std::string::npos);
  EXPECT_EQ(UnescapePartitionValue(esc), raw);
  EXPECT_EQ(UnescapePartitionValue("100%"), "100%");
  EXPECT_EQ(UnescapePartitionValue("%4"), "%4");
}

}  // namespace
}  // namespace weir::types
