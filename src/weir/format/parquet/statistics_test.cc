#include "weir/format/parquet/statistics.h"

#include <fstream>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

using testing::BatchFromJson;
using testing::SequenceBatch;
using testing::TempDir;
using testing::WriteFile;

TEST(DatasetStatisticsTest, SumsRowGroupsOfEveryFile) {
  ASSERT_TRUE(InitializeRuntime().ok());
  TempDir dir;
  WriterOptions options;
  options.row_group_rows = 1000;
  WriteFile(dir.File("t/a.parquet"), {SequenceBatch(2500)}, options);
  WriteFile(dir.File("t/b.parquet"), {SequenceBatch(500, 10000)}, options);
  auto dataset = ParquetDataset::Open({(dir.path() / "t").string()});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  auto stats = ReadDatasetStatistics(**dataset, {"id", "s", "missing"});
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->row_count, 3000);
  EXPECT_TRUE(stats->exact);
  ASSERT_EQ(stats->columns.count("id"), 1u);
  EXPECT_EQ(stats->columns["id"].min, 0);
  EXPECT_EQ(stats->columns["id"].max, 10499);
  EXPECT_EQ(stats->columns["id"].null_count, 0);
  // Strings have no place on a number line; unknown columns are left out.
  EXPECT_FALSE(stats->columns["s"].min.has_value());
  EXPECT_EQ(stats->columns.count("missing"), 0u);
}

TEST(DatasetStatisticsTest, SampledFilesExtrapolateRows) {
  ASSERT_TRUE(InitializeRuntime().ok());
  TempDir dir;
  for (int i = 0; i < 4; ++i) {
    WriteFile(dir.File("t/f" + std::to_string(i) + ".parquet"), {SequenceBatch(100)});
  }
  auto dataset = ParquetDataset::Open({(dir.path() / "t").string()});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  auto stats = ReadDatasetStatistics(**dataset, {"id"}, /*max_files=*/2);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_FALSE(stats->exact);
  EXPECT_EQ(stats->row_count, 400);
}

TEST(DatasetStatisticsTest, PartitionColumnsCountTheirValues) {
  ASSERT_TRUE(InitializeRuntime().ok());
  TempDir dir;
  auto schema = arrow::schema({arrow::field("v", arrow::int64())});
  for (const char* day : {"day=1", "day=2", "day=5"}) {
    WriteFile(dir.File(std::string("t/") + day + "/part.parquet"),
              {BatchFromJson(schema, {"[1, null, 3]"})});
  }
  auto dataset = ParquetDataset::Open({(dir.path() / "t").string()});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  auto stats = ReadDatasetStatistics(**dataset, {"v", "day"});
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->row_count, 9);
  EXPECT_EQ(stats->columns["v"].null_count, 3);
  EXPECT_EQ(stats->columns["day"].distinct_count, 3);
  EXPECT_EQ(stats->columns["day"].min, 1);
  EXPECT_EQ(stats->columns["day"].max, 5);
}

TEST(DatasetStatisticsTest, CorruptFooterIsAnErrorNamingTheFile) {
  ASSERT_TRUE(InitializeRuntime().ok());
  TempDir dir;
  WriteFile(dir.File("t/good.parquet"), {SequenceBatch(10)});
  auto dataset = ParquetDataset::Open({(dir.path() / "t").string()});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  // Damage the file after the dataset was opened.
  std::string path = dir.File("t/good.parquet");
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << "PAR1 not really parquet PAR1";
  }
  auto stats = ReadDatasetStatistics(**dataset, {"id"});
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("good.parquet"), std::string::npos)
      << stats.status();
}

}  // namespace
}  // namespace weir::format
