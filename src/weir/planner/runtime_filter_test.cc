#include "weir/planner/runtime_filter.h"

#include <arrow/api.h>
#include <arrow/compute/exec.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/planner/key_bloom_filter.h"

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

TEST(RuntimeFilterTest, ManyKeysFewNextToTheProbeColumnGiveABloomFilter) {
  ASSERT_TRUE(InitializeRuntime().ok());
  // 100 keys spread over 0..9900: their range keeps most of a probe column spanning
  // 0..10000, but they are 1% of its values.
  std::string json = "[";
  for (int i = 0; i < 100; ++i) json += (i ? "," : "") + std::to_string(i * 100);
  json += "]";
  sql::TableStatistics probe;
  probe.row_count = 1e6;
  probe.columns["k"] = sql::ColumnStatistics{0.0, 1e4, std::nullopt, std::nullopt};
  std::string f = Filter(Keys(arrow::int64(), json), probe);
  EXPECT_NE(f.find("weir_key_bloom_filter(k"), std::string::npos) << f;
  EXPECT_EQ(f.find("(k >= 0)"), std::string::npos) << f;
  // As many keys as the probe column has values: no filter pays off.
  probe.columns["k"] = sql::ColumnStatistics{0.0, 150.0, std::nullopt, std::nullopt};
  EXPECT_EQ(Filter(Keys(arrow::int64(), json), probe), "none");

  // The filter runs as a scan's row filter does: bound to the batch's schema.
  auto probe_rows = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("k", arrow::int32())}), 5,
      {*arrow::json::ArrayFromJSONString(arrow::int32(), "[100, 101, null, 9900, 7]")});
  auto filter = RuntimeFilterFor(Keys(arrow::int64(), json), "k", [&] {
    sql::TableStatistics stats;
    stats.row_count = 1e6;
    stats.columns["k"] = sql::ColumnStatistics{0.0, 1e4, std::nullopt, std::nullopt};
    return std::optional<sql::TableStatistics>(stats);
  });
  ASSERT_TRUE(filter.ok() && *filter) << filter.status();
  auto bound = (*filter)->Bind(*probe_rows->schema());
  ASSERT_TRUE(bound.ok()) << bound.status();
  auto kept = arrow::compute::ExecuteScalarExpression(
      *bound, arrow::compute::ExecBatch(*probe_rows));
  ASSERT_TRUE(kept.ok()) << kept.status();
  auto mask = std::static_pointer_cast<arrow::BooleanArray>(kept->make_array());
  EXPECT_TRUE(mask->Value(0));                       // a key
  EXPECT_TRUE(mask->Value(3));                       // a key
  EXPECT_FALSE(mask->IsValid(2) && mask->Value(2));  // NULL never joins
  // 101 and 7 are not keys; a 1% false-positive rate makes a false hit on both
  // very unlikely, and the hash is deterministic.
  EXPECT_FALSE(mask->Value(1) && mask->Value(4));
}

TEST(KeyBloomFilterTest, HoldsItsKeysAcrossIntegerWidthsAndStrings) {
  ASSERT_TRUE(InitializeRuntime().ok());
  auto ints = KeyBloomFilter::Make(*Keys(arrow::int64(), "[1, 2, 3, null, 1000000]"), 4);
  ASSERT_TRUE(ints.ok()) << ints.status();
  auto probe = *arrow::json::ArrayFromJSONString(arrow::int16(), "[3, 1, null, 2]");
  auto kept = (*ints)->MayContain(*probe);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ((*kept)->ToString(), "[\n  true,\n  true,\n  false,\n  true\n]");
  int64_t false_hits = 0;
  std::string many = "[";
  for (int i = 0; i < 10000; ++i) many += (i ? "," : "") + std::to_string(2000000 + i);
  many += "]";
  auto others =
      *(*ints)->MayContain(**arrow::json::ArrayFromJSONString(arrow::int64(), many));
  for (int64_t i = 0; i < others->length(); ++i) {
    false_hits += std::static_pointer_cast<arrow::BooleanArray>(others)->Value(i);
  }
  EXPECT_LT(false_hits, 300);  // about 1% expected

  auto strings = KeyBloomFilter::Make(*Keys(arrow::utf8(), R"(["FRANCE", "PERU"])"), 2);
  ASSERT_TRUE(strings.ok()) << strings.status();
  auto words =
      *arrow::json::ArrayFromJSONString(arrow::large_utf8(), R"(["PERU", null])");
  EXPECT_EQ((*(*strings)->MayContain(*words))->ToString(), "[\n  true,\n  false\n]");
  // Another family than the keys' is kept whole (but for NULL).
  EXPECT_EQ((*(*strings)->MayContain(*probe))->ToString(),
            "[\n  true,\n  true,\n  false,\n  true\n]");
  EXPECT_FALSE(KeyBloomFilter::Supports(*arrow::float64()));
}

}  // namespace
}  // namespace weir::planner
