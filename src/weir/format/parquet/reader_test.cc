#include "weir/format/parquet/scanner.h"

#include <filesystem>
#include <fstream>

#include <arrow/array.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

namespace cp = arrow::compute;
using testing::BatchFromJson;
using testing::SequenceBatch;
using testing::TempDir;
using testing::WriteFile;

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  std::shared_ptr<arrow::Table> Scan(const std::vector<std::string>& inputs,
                                     ScanOptions options = {},
                                     ScanCounters* counters = nullptr,
                                     const DatasetOptions& ds = {}) {
    auto scanner = ScanParquet(inputs, std::move(options), ds);
    EXPECT_TRUE(scanner.ok()) << scanner.status();
    if (!scanner.ok()) return nullptr;
    auto table = (*scanner)->ToTable();
    EXPECT_TRUE(table.ok()) << table.status();
    if (counters) *counters = (*scanner)->counters();
    return table.ok() ? *table : nullptr;
  }
  TempDir dir_;
};

TEST_F(ReaderTest, ReadsWholeFileInBoundedBatches) {
  std::string path = dir_.File("a.parquet");
  WriterOptions wo;
  wo.row_group_rows = 1000;
  WriteFile(path, {SequenceBatch(5000)}, wo);
  ScanOptions opts;
  opts.batch_size = 300;
  auto scanner = ScanParquet({path}, opts);
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  int64_t rows = 0, expected_id = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> b;
    ASSERT_TRUE((*scanner)->ReadNext(&b).ok());
    if (!b) break;
    EXPECT_LE(b->num_rows(), 300);
    auto ids = std::static_pointer_cast<arrow::Int64Array>(b->column(0));
    for (int64_t i = 0; i < ids->length(); ++i) EXPECT_EQ(ids->Value(i), expected_id++);
    rows += b->num_rows();
  }
  EXPECT_EQ(rows, 5000);
  EXPECT_EQ((*scanner)->counters().row_groups_read, 5);
}

TEST_F(ReaderTest, MatchesArrowReaderExactly) {
  std::string path = dir_.File("a.parquet");
  WriteFile(path, {SequenceBatch(3000)});
  auto ours = Scan({path});
  auto theirs = testing::ReadWithArrow(path);
  ASSERT_TRUE(ours && theirs);
  EXPECT_TRUE(ours->Equals(*theirs)) << ours->ToString();
}

TEST_F(ReaderTest, ProjectsInRequestOrder) {
  std::string path = dir_.File("a.parquet");
  WriteFile(path, {SequenceBatch(10)});
  ScanOptions opts;
  opts.columns = {"s", "id"};
  auto t = Scan({path}, opts);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->num_columns(), 2);
  EXPECT_EQ(t->schema()->field(0)->name(), "s");
  EXPECT_EQ(t->schema()->field(1)->name(), "id");
}

TEST_F(ReaderTest, ProjectsNestedFieldPaths) {
  auto inner = arrow::struct_(
      {arrow::field("x", arrow::int32()), arrow::field("y", arrow::utf8())});
  auto schema =
      arrow::schema({arrow::field("id", arrow::int64()),
                     arrow::field("st", arrow::struct_({arrow::field("a", arrow::int64()),
                                                        arrow::field("in", inner)}))});
  auto batch = BatchFromJson(
      schema,
      {"[1, 2, 3]",
       R"([{"a": 10, "in": {"x": 1, "y": "p"}}, null, {"a": 30, "in": {"x": 3, "y": "r"}}])"});
  std::string path = dir_.File("n.parquet");
  WriteFile(path, {batch});
  ScanOptions opts;
  opts.columns = {"st.in.y", "id"};
  auto t = Scan({path}, opts);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->schema()->field(0)->type()->ToString(), "struct<in: struct<y: string>>");
  auto expected =
      BatchFromJson(arrow::schema({arrow::field("st", t->schema()->field(0)->type())}),
                    {R"([{"in": {"y": "p"}}, null, {"in": {"y": "r"}}])"});
  EXPECT_TRUE(t->column(0)->chunk(0)->Equals(*expected->column(0)))
      << t->column(0)->ToString();

  // Filtering on a nested field while projecting another one.
  opts.columns = {"st.a"};
  opts.filter =
      cp::equal(cp::field_ref(arrow::FieldRef("st", "in", "x")), cp::literal(3));
  t = Scan({path}, opts);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->num_rows(), 1);
  EXPECT_EQ(t->column(0)->chunk(0)->ToString().find("30") != std::string::npos, true);
}

TEST_F(ReaderTest, UnknownColumnIsAUserError) {
  std::string path = dir_.File("a.parquet");
  WriteFile(path, {SequenceBatch(10)});
  ScanOptions opts;
  opts.columns = {"nope"};
  auto scanner = ScanParquet({path}, opts);
  ASSERT_FALSE(scanner.ok());
  EXPECT_TRUE(scanner.status().IsInvalid());
  EXPECT_NE(scanner.status().message().find("nope"), std::string::npos);
  opts.columns = {"id.x"};
  EXPECT_FALSE(ScanParquet({path}, opts).ok());
}

TEST_F(ReaderTest, DirectoriesIgnoreHiddenFilesAndReadHivePartitions) {
  WriteFile(dir_.File("t/day=2024-01-01/chan=web/p0.parquet"), {SequenceBatch(10, 0)});
  WriteFile(dir_.File("t/day=2024-01-02/chan=app/p1.parquet"), {SequenceBatch(10, 10)});
  WriteFile(dir_.File("t/day=2024-01-02/chan=web/.p2.parquet.inprogress"),
            {SequenceBatch(5)});
  std::ofstream(dir_.File("t/_SUCCESS")) << "";
  std::ofstream(dir_.File("t/day=2024-01-02/chan=app/_tmp")) << "garbage";
  std::string root = (dir_.path() / "t").string();
  auto t = Scan({root});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 20);
  EXPECT_EQ(t->schema()->GetFieldByName("day")->type()->id(), arrow::Type::DATE32);
  EXPECT_EQ(t->schema()->GetFieldByName("chan")->type()->id(), arrow::Type::STRING);

  // Partition filter prunes the file before it is opened.
  ScanOptions opts;
  opts.filter = cp::equal(cp::field_ref("chan"), cp::literal("app"));
  ScanCounters c;
  t = Scan({root}, opts, &c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 10);
  EXPECT_EQ(c.files_pruned, 1);

  // A given partition schema overrides inference.
  DatasetOptions ds;
  ds.partition_schema = arrow::schema({arrow::field("day", arrow::utf8())});
  t = Scan({root}, {}, nullptr, ds);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->schema()->GetFieldByName("day")->type()->id(), arrow::Type::STRING);
}

TEST_F(ReaderTest, GlobsAndListsOfFiles) {
  WriteFile(dir_.File("g/a.parquet"), {SequenceBatch(3)});
  WriteFile(dir_.File("g/b.parquet"), {SequenceBatch(4)});
  WriteFile(dir_.File("g/c.other"), {SequenceBatch(5)});
  auto t = Scan({(dir_.path() / "g/*.parquet").string()});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 7);
  t = Scan({dir_.File("g/a.parquet"), dir_.File("g/c.other")});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 8);
  EXPECT_FALSE(ScanParquet({(dir_.path() / "g/*.nothing").string()}, {}).ok());
  auto missing = ScanParquet({dir_.File("missing.parquet")}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.parquet"), std::string::npos);
}

TEST_F(ReaderTest, GlobOverPartitionDirectoriesKeepsPartitionColumns) {
  WriteFile(dir_.File("h/day=1/a.parquet"), {SequenceBatch(3)});
  WriteFile(dir_.File("h/day=2/b.parquet"), {SequenceBatch(4)});
  auto t = Scan({(dir_.path() / "h/day=*").string()});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 7);
  ASSERT_NE(t->schema()->GetFieldByName("day"), nullptr);
  EXPECT_EQ(t->GetColumnByName("day")->null_count(), 0);
}

TEST_F(ReaderTest, GlobMatchingOnlyHiddenFilesIsAUserError) {
  WriteFile(dir_.File("hid/.a.parquet"), {SequenceBatch(3)});
  std::filesystem::create_directories(dir_.path() / "hid/empty");
  for (const char* pattern : {"hid/.a*", "hid/empt*"}) {
    auto scanner = ScanParquet({(dir_.path() / pattern).string()}, {});
    ASSERT_FALSE(scanner.ok()) << pattern;
    EXPECT_NE(scanner.status().message().find("glob"), std::string::npos)
        << scanner.status();
  }
}

TEST_F(ReaderTest, DuplicateColumnNamesAreAUserError) {
  auto dup = arrow::schema(
      {arrow::field("a", arrow::int64()), arrow::field("a", arrow::int64())});
  WriteFile(dir_.File("d/0.parquet"), {BatchFromJson(dup, {"[1]", "[2]"})});
  auto scanner = ScanParquet({dir_.File("d/0.parquet")}, {});
  ASSERT_FALSE(scanner.ok());
  EXPECT_NE(scanner.status().message().find("more than once"), std::string::npos)
      << scanner.status();
  // A later file with duplicate names must not crash the scan either.
  WriteFile(dir_.File("d2/0.parquet"), {SequenceBatch(2)});
  auto dup2 = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("id", arrow::int64())});
  WriteFile(dir_.File("d2/1.parquet"), {BatchFromJson(dup2, {"[1]", "[2]"})});
  auto second = ScanParquet({(dir_.path() / "d2").string()}, {});
  if (second.ok()) {
    auto t = (*second)->ToTable();
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find("1.parquet"), std::string::npos) << t.status();
    }
  }
}

TEST_F(ReaderTest, FilesWithMissingColumnsGetNulls) {
  WriteFile(dir_.File("e/a.parquet"), {SequenceBatch(3)});
  auto narrow = arrow::schema({arrow::field("id", arrow::int64())});
  WriteFile(dir_.File("e/b.parquet"), {BatchFromJson(narrow, {"[100, 101]"})});
  auto t = Scan({(dir_.path() / "e").string()});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 5);
  EXPECT_EQ(t->GetColumnByName("s")->null_count(), 2);
}

TEST_F(ReaderTest, CorruptFileGivesErrorNamingTheFile) {
  std::string path = dir_.File("bad.parquet");
  std::ofstream(path) << "PAR1 this is not parquet at all PAR1";
  auto scanner = ScanParquet({path}, {});
  ASSERT_FALSE(scanner.ok());
  EXPECT_NE(scanner.status().message().find("bad.parquet"), std::string::npos)
      << scanner.status();
}

TEST_F(ReaderTest, ParallelScanKeepsOrder) {
  for (int f = 0; f < 6; ++f) {
    WriterOptions wo;
    wo.row_group_rows = 700;
    WriteFile(dir_.File("p/f" + std::to_string(f) + ".parquet"),
              {SequenceBatch(2000, f * 2000)}, wo);
  }
  ScanOptions opts;
  opts.parallelism = 4;
  opts.readahead = 3;
  auto t = Scan({(dir_.path() / "p").string()}, opts);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->num_rows(), 12000);
  auto combined = t->CombineChunks();
  auto ids =
      std::static_pointer_cast<arrow::Int64Array>((*combined)->column(0)->chunk(0));
  for (int64_t i = 0; i < ids->length(); ++i) ASSERT_EQ(ids->Value(i), i);
}

}  // namespace
}  // namespace weir::format
