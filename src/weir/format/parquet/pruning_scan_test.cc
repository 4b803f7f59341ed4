// Predicate pushdown end to end: the scanner must skip what statistics, bloom
// filters and the page index exclude, and still return exactly the matching rows.
#include <arrow/compute/api_scalar.h>
#include <arrow/json/from_string.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

namespace cp = arrow::compute;
using testing::SequenceBatch;
using testing::TempDir;
using testing::WriteFile;

class PruningScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitializeRuntime().ok());
    WriterOptions o;
    o.row_group_rows = 10000;
    o.page_size = 4096;  // many small pages per row group
    o.dictionary = false;
    o.bloom_filters["s"] = BloomFilterSpec{200, 0.01};
    path_ = dir_.File("sorted.parquet");
    WriteFile(path_, {SequenceBatch(100000)}, o);
  }

  int64_t CountWith(cp::Expression filter, ScanCounters* c, bool prune = true) {
    ScanOptions opts;
    opts.filter = filter;
    opts.use_statistics = opts.use_page_index = opts.use_bloom_filters = prune;
    auto scanner = ScanParquet({path_}, opts);
    EXPECT_TRUE(scanner.ok()) << scanner.status();
    auto t = (*scanner)->ToTable();
    EXPECT_TRUE(t.ok()) << t.status();
    *c = (*scanner)->counters();
    return (*t)->num_rows();
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(PruningScanTest, StatisticsPruneRowGroupsOnSortedColumn) {
  ScanCounters c;
  auto f = cp::and_(cp::greater_equal(cp::field_ref("id"), cp::literal(int64_t{25000})),
                    cp::less(cp::field_ref("id"), cp::literal(int64_t{26000})));
  EXPECT_EQ(CountWith(f, &c), 1000);
  EXPECT_EQ(c.row_groups_total, 10);
  EXPECT_EQ(c.row_groups_pruned_by_statistics, 9);
  EXPECT_EQ(c.row_groups_read, 1);
  // The page index narrows the one row group further.
  EXPECT_GT(c.pages_pruned, 0);
  EXPECT_LT(c.rows_read - c.rows_skipped_by_page_index, 10000);
  ScanCounters unpruned;
  EXPECT_EQ(CountWith(f, &unpruned, false), 1000);
  EXPECT_EQ(unpruned.row_groups_read, 10);
}

TEST_F(PruningScanTest, ConnectivesInAndNullChecks) {
  ScanCounters c;
  auto in = cp::call("is_in", {cp::field_ref("id")},
                     cp::SetLookupOptions(*arrow::json::ArrayFromJSONString(
                         arrow::int64(), "[5, 55555, 99999]")));
  EXPECT_EQ(CountWith(in, &c), 3);
  EXPECT_EQ(c.row_groups_read, 3);
  EXPECT_EQ(
      CountWith(cp::or_(cp::less(cp::field_ref("id"), cp::literal(int64_t{10})),
                        cp::greater(cp::field_ref("id"), cp::literal(int64_t{99989}))),
                &c),
      20);
  EXPECT_EQ(c.row_groups_read, 2);
  EXPECT_EQ(
      CountWith(cp::not_(cp::less(cp::field_ref("id"), cp::literal(int64_t{90000}))), &c),
      10000);
  EXPECT_EQ(c.row_groups_read, 1);
  EXPECT_EQ(CountWith(cp::is_null(cp::field_ref("id")), &c), 0);
  EXPECT_EQ(c.row_groups_read, 0);
  EXPECT_EQ(CountWith(cp::not_(cp::is_null(cp::field_ref("id"))), &c), 100000);
}

TEST_F(PruningScanTest, BloomFilterPrunesEqualityOnUnsortedColumn) {
  ScanCounters c;
  // "s" cycles through s0..s99, so min/max cannot exclude "zzz" ... but "s5x" lies
  // inside [s0, s99] and exists nowhere: only the bloom filter can prune it.
  EXPECT_EQ(CountWith(cp::equal(cp::field_ref("s"), cp::literal("s5x")), &c), 0);
  EXPECT_EQ(c.row_groups_pruned_by_statistics, 0);
  EXPECT_GE(c.row_groups_pruned_by_bloom_filter, 9);  // fpp 1%: allow one false positive
  EXPECT_EQ(CountWith(cp::equal(cp::field_ref("s"), cp::literal("s42")), &c), 1000);
  EXPECT_EQ(c.row_groups_pruned_by_bloom_filter, 0);
}

TEST_F(PruningScanTest, ResultsEqualUnprunedScanForManyFilters) {
  std::vector<cp::Expression> filters = {
      cp::equal(cp::field_ref("grp"), cp::literal(3)),
      cp::and_(cp::equal(cp::field_ref("grp"), cp::literal(3)),
               cp::less(cp::field_ref("id"), cp::literal(int64_t{5000}))),
      cp::greater(cp::field_ref("v"), cp::literal(49000.0)),
      cp::not_equal(cp::field_ref("s"), cp::literal("s1")),
      cp::or_(cp::equal(cp::field_ref("id"), cp::literal(int64_t{1})),
              cp::equal(cp::field_ref("s"), cp::literal("s7"))),
  };
  for (const auto& f : filters) {
    ScanCounters a, b;
    EXPECT_EQ(CountWith(f, &a, true), CountWith(f, &b, false)) << f.ToString();
  }
}

}  // namespace
}  // namespace weir::format
