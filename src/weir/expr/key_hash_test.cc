#include "weir/expr/key_hash.h"

#include <cmath>

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::expr {
namespace {

std::shared_ptr<arrow::RecordBatch> Batch(std::shared_ptr<arrow::DataType> type,
                                          const std::string& json) {
  auto array = *arrow::json::ArrayFromJSONString(type, json);
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("k", type)}),
                                  array->length(), {array});
}

std::vector<uint64_t> Hash(std::shared_ptr<arrow::DataType> type,
                           const std::string& json) {
  auto h = HashKeyColumns(*Batch(type, json), {0});
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : std::vector<uint64_t>{};
}

TEST(KeyHashTest, IsStableAcrossRuns) {
  // Golden values: key groups of restored state depend on them. Changing the hash
  // function breaks restoring old checkpoints.
  auto h = Hash(arrow::int64(), "[0, 1, 42]");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], Hash(arrow::int64(), "[0]")[0]);
  EXPECT_NE(h[0], h[1]);
  EXPECT_EQ(HashBytes("abc", 3), HashBytes("abc", 3));
  EXPECT_NE(HashBytes("abc", 3), HashBytes("abd", 3));
  EXPECT_NE(HashBytes("", 0), HashBytes("\0", 1));
  EXPECT_EQ(h[2], 0xc14565a75a4009f5ULL) << std::hex << h[2];
  EXPECT_EQ(Hash(arrow::utf8(), R"(["user-1"])")[0], 0x3ef73fd87e0278c0ULL)
      << std::hex << Hash(arrow::utf8(), R"(["user-1"])")[0];
}

TEST(KeyHashTest, EqualValuesHashAlikeAcrossLayouts) {
  EXPECT_EQ(Hash(arrow::int32(), "[7, -3]"), Hash(arrow::int64(), "[7, -3]"));
  EXPECT_EQ(Hash(arrow::int8(), "[7, -3]"), Hash(arrow::int64(), "[7, -3]"));
  EXPECT_EQ(Hash(arrow::uint16(), "[7]"), Hash(arrow::int64(), "[7]"));
  auto s = Hash(arrow::utf8(), R"(["a", "bcdefghijk", null])");
  EXPECT_EQ(s, Hash(arrow::large_utf8(), R"(["a", "bcdefghijk", null])"));
  EXPECT_EQ(s, Hash(arrow::utf8_view(), R"(["a", "bcdefghijk", null])"));
  auto dict = *arrow::compute::Cast(
      *Batch(arrow::utf8(), R"(["a", "bcdefghijk", null])")->column(0),
      arrow::dictionary(arrow::int32(), arrow::utf8()));
  auto dict_batch = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("k", dict->type())}), 3, {dict});
  EXPECT_EQ(*HashKeyColumns(*dict_batch, {0}), s);
}

TEST(KeyHashTest, FloatsNullsAndMultipleColumns) {
  auto d = Hash(arrow::float64(), "[0.0, -0.0, NaN, 1.5, null]");
  EXPECT_EQ(d[0], d[1]);
  EXPECT_NE(d[2], d[3]);
  EXPECT_NE(d[4], d[0]);
  auto a = *arrow::json::ArrayFromJSONString(arrow::int64(), "[1, 1, 2]");
  auto b = *arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["x", "y", "x"])");
  auto batch = arrow::RecordBatch::Make(arrow::schema({arrow::field("a", arrow::int64()),
                                                       arrow::field("b", arrow::utf8())}),
                                        3, {a, b});
  auto h = *HashKeyColumns(*batch, {0, 1});
  EXPECT_NE(h[0], h[1]);
  EXPECT_NE(h[0], h[2]);
  // Order of key columns matters, as for a composite key.
  EXPECT_NE(h, *HashKeyColumns(*batch, {1, 0}));
}

TEST(KeyHashTest, NestedKeysAreAUserError) {
  auto list = Batch(arrow::list(arrow::int32()), "[[1], [2]]");
  auto h = HashKeyColumns(*list, {0});
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("'k'"), std::string::npos) << h.status();
  EXPECT_FALSE(HashKeyColumns(*list, {3}).ok());
}

}  // namespace
}  // namespace weir::expr
