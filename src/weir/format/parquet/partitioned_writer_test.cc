#include "weir/format/parquet/partitioned_writer.h"

#include <filesystem>

#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

using testing::BatchFromJson;
using testing::TempDir;

TEST(PartitionedWriterTest, WritesHiveLayoutThatReadsBack) {
  ASSERT_TRUE(InitializeRuntime().ok());
  TempDir dir;
  auto schema = arrow::schema({arrow::field("id", arrow::int64()),
                               arrow::field("chan", arrow::utf8()),
                               arrow::field("day", arrow::date32())});
  auto batch =
      BatchFromJson(schema, {"[1, 2, 3, 4, 5]", R"(["web", "app", "web", null, "a/b"])",
                             "[19000, 19000, 19001, 19001, 19000]"});
  PartitionedWriteOptions o;
  o.partition_by = {"day", "chan"};
  std::string root = (dir.path() / "out").string();
  auto w = PartitionedDatasetWriter::Open(root, schema, o);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Write(*batch).ok());
  // Nothing is visible before commit.
  auto before = ScanParquet({root}, {});
  EXPECT_FALSE(before.ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ((*w)->committed_files().size(), 5u);
  EXPECT_TRUE(std::filesystem::exists(root + "/day=2022-01-08/chan=a%2Fb"));
  EXPECT_TRUE(
      std::filesystem::exists(root + "/day=2022-01-09/chan=__HIVE_DEFAULT_PARTITION__"));

  ScanOptions so;
  so.columns = {"id", "chan", "day"};
  auto scanner = ScanParquet({root}, so);
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  auto t = (*scanner)->ToTable();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->num_rows(), 5);
  EXPECT_EQ((*t)->schema()->GetFieldByName("day")->type()->id(), arrow::Type::DATE32);
  EXPECT_EQ((*t)->GetColumnByName("chan")->null_count(), 1);
}

TEST(PartitionedWriterTest, AbortLeavesNoFiles) {
  TempDir dir;
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("k", arrow::int32())});
  std::string root = (dir.path() / "out").string();
  {
    PartitionedWriteOptions o;
    o.partition_by = {"k"};
    auto w = PartitionedDatasetWriter::Open(root, schema, o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(*BatchFromJson(schema, {"[1, 2]", "[1, 2]"})).ok());
  }  // destroyed without Commit
  size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root))
    files += e.is_regular_file();
  EXPECT_EQ(files, 0u);
  PartitionedWriteOptions bad;
  bad.partition_by = {"nope"};
  EXPECT_TRUE(PartitionedDatasetWriter::Open(root, schema, bad).status().IsInvalid());
}

TEST(PartitionedWriterTest, SecondRunAddsFilesInsteadOfReplacing) {
  TempDir dir;
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("_k", arrow::int32())});
  std::string root = (dir.path() / "out").string();
  for (int run = 0; run < 2; ++run) {
    PartitionedWriteOptions o;
    o.partition_by = {"_k"};
    auto w = PartitionedDatasetWriter::Open(root, schema, o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(*BatchFromJson(schema, {"[1, 2]", "[1, 2]"})).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  // A key starting with '_' is escaped, so its directories are not hidden.
  EXPECT_TRUE(std::filesystem::exists(root + "/%5Fk=1"));
  auto scanner = ScanParquet({root}, {});
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  auto t = (*scanner)->ToTable();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->num_rows(), 4);
  EXPECT_NE((*t)->schema()->GetFieldByName("_k"), nullptr);
}

}  // namespace
}  // namespace weir::format
