#include "weir/format/parquet/writer.h"

#include <arrow/io/file.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/metadata_inspector.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

using testing::BatchFromJson;
using testing::SequenceBatch;
using testing::TempDir;
using testing::WriteFile;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
  TempDir dir_;
};

std::shared_ptr<parquet::FileMetaData> Footer(const std::string& path) {
  return parquet::ParquetFileReader::OpenFile(path)->metadata();
}

TEST_F(WriterTest, DefaultsAreZstdWithStatisticsAndPageIndex) {
  std::string path = dir_.File("d.parquet");
  WriteFile(path, {SequenceBatch(1000)});
  auto info = InspectFile(path);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->row_groups.size(), 1u);
  for (const auto& c : info->row_groups[0].columns) {
    EXPECT_EQ(c.compression, "zstd") << c.path;
    EXPECT_TRUE(c.has_statistics);
    EXPECT_TRUE(c.has_column_index && c.has_offset_index);
    EXPECT_FALSE(c.has_bloom_filter);
  }
  EXPECT_NE(info->created_by.find("weir"), std::string::npos);
}

TEST_F(WriterTest, RoundTripsNestedDecimalTimestampAndNulls) {
  auto schema = arrow::schema({
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("ts_ns", arrow::timestamp(arrow::TimeUnit::NANO)),
      arrow::field("dec", arrow::decimal128(18, 3)),
      arrow::field("list", arrow::list(arrow::int32())),
      arrow::field("map", arrow::map(arrow::utf8(), arrow::int64())),
      arrow::field("st", arrow::struct_({arrow::field("a", arrow::float64())})),
      arrow::field("d", arrow::date32()),
      arrow::field("b", arrow::binary()),
  });
  auto batch = BatchFromJson(
      schema, {R"(["2024-01-01T00:00:00.000001", null])",
               R"(["1970-01-01T00:00:00.000000001", "2262-01-01"])",
               R"(["123456789012345.678", null])", R"([[1, null, 3], null])",
               R"([[["k", 1]], null])", R"([{"a": 1.5}, {"a": null}])",
               R"([19000, null])", R"(["AAE=", null])"});
  std::string path = dir_.File("rt.parquet");
  WriteFile(path, {batch, batch->Slice(0, 0)});
  auto t = testing::ReadWithArrow(path);
  ASSERT_TRUE(t);
  auto expected = arrow::Table::FromRecordBatches({batch});
  EXPECT_TRUE(t->Equals(**expected)) << t->ToString();
}

TEST_F(WriterTest, EmptyFileHasSchemaAndNoRows) {
  std::string path = dir_.File("empty.parquet");
  auto writer = ParquetFileWriter::Open(path, SequenceBatch(1)->schema(), {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto t = testing::ReadWithArrow(path);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 0);
  EXPECT_EQ(t->num_columns(), 4);
}

TEST_F(WriterTest, RowGroupsCloseByRowsAndBytes) {
  WriterOptions o;
  o.row_group_rows = 1000;
  std::string path = dir_.File("rows.parquet");
  WriteFile(path, {SequenceBatch(2500), SequenceBatch(600)}, o);
  auto md = Footer(path);
  ASSERT_EQ(md->num_row_groups(), 4);
  EXPECT_EQ(md->RowGroup(0)->num_rows(), 1000);
  EXPECT_EQ(md->RowGroup(3)->num_rows(), 100);

  WriterOptions b;
  b.row_group_bytes = 16 * 1024;
  std::string p2 = dir_.File("bytes.parquet");
  WriteFile(
      p2,
      {SequenceBatch(500), SequenceBatch(500), SequenceBatch(500), SequenceBatch(500)},
      b);
  EXPECT_GE(Footer(p2)->num_row_groups(), 2);
}

TEST_F(WriterTest, HonoursCodecsDictionaryBloomSortingAndMetadata) {
  for (const char* codec : {"none", "snappy", "gzip", "zstd(9)", "lz4_raw", "brotli"}) {
    WriterOptions o;
    ASSERT_TRUE(ParseCompression(codec, &o).ok()) << codec;
    o.dictionary = false;
    o.data_page_version = 2;
    o.bloom_filters["s"] = BloomFilterSpec{100, 0.05};
    o.sorting_columns = {{"id", false, false}};
    o.key_value_metadata = {{"owner", "weir-test"}};
    std::string path = dir_.File(std::string("c_") + codec + ".parquet");
    WriteFile(path, {SequenceBatch(300)}, o);
    auto t = testing::ReadWithArrow(path);
    ASSERT_TRUE(t);
    EXPECT_TRUE(
        t->Equals(*arrow::Table::FromRecordBatches({SequenceBatch(300)}).ValueOrDie()));
    auto md = Footer(path);
    auto rg = md->RowGroup(0);
    ASSERT_EQ(rg->sorting_columns().size(), 1u);
    EXPECT_EQ(rg->sorting_columns()[0].column_idx, 0);
    EXPECT_TRUE(rg->ColumnChunk(2)->bloom_filter_offset().has_value());
    EXPECT_FALSE(rg->ColumnChunk(0)->bloom_filter_offset().has_value());
    for (auto e : rg->ColumnChunk(2)->encodings()) {
      EXPECT_NE(e, parquet::Encoding::RLE_DICTIONARY);
    }
    EXPECT_EQ(md->key_value_metadata()->Get("owner").ValueOr(""), "weir-test");
  }
}

TEST_F(WriterTest, RejectsBadOptions) {
  WriterOptions o;
  EXPECT_TRUE(ParseCompression("zip", &o).IsInvalid());
  EXPECT_TRUE(ParseCompression("zstd(99)", &o).IsInvalid());
  EXPECT_TRUE(ParseCompression("snappy(2)", &o).IsInvalid());
  EXPECT_TRUE(ParseCompression("zstd(x)", &o).IsInvalid());
  EXPECT_EQ(*ParseSize("64K"), 65536);
  EXPECT_EQ(*ParseSize("128MB"), 128LL << 20);
  EXPECT_FALSE(ParseSize("12parsecs").ok());
  EXPECT_FALSE(ParseSize("").ok());
  WriterOptions bad;
  bad.sorting_columns = {{"nope", false, false}};
  auto w =
      ParquetFileWriter::Open(dir_.File("x.parquet"), SequenceBatch(1)->schema(), bad);
  EXPECT_TRUE(w.status().IsInvalid());
  WriterOptions bad_bloom;
  bad_bloom.bloom_filters["s"] = BloomFilterSpec{10, 1.5};
  EXPECT_FALSE(ParquetFileWriter::Open(dir_.File("y.parquet"), SequenceBatch(1)->schema(),
                                       bad_bloom)
                   .ok());
  auto w2 =
      ParquetFileWriter::Open(dir_.File("z.parquet"), SequenceBatch(1)->schema(), {});
  ASSERT_TRUE(w2.ok());
  auto other = arrow::schema({arrow::field("q", arrow::int8())});
  EXPECT_TRUE((*w2)->Write(*BatchFromJson(other, {"[1]"})).IsInvalid());
  EXPECT_FALSE(ParquetFileWriter::Open("/nonexistent-dir/x.parquet",
                                       SequenceBatch(1)->schema(), {})
                   .ok());
}

TEST_F(WriterTest, MemoryBudgetFlushesLargestRowGroup) {
  auto budget = std::make_shared<WriterMemoryBudget>(200 * 1024);
  std::vector<std::unique_ptr<ParquetFileWriter>> writers;
  for (int i = 0; i < 20; ++i) {
    auto w = ParquetFileWriter::Open(dir_.File("b" + std::to_string(i) + ".parquet"),
                                     SequenceBatch(1)->schema(), {}, budget);
    ASSERT_TRUE(w.ok());
    writers.push_back(std::move(*w));
  }
  for (int round = 0; round < 5; ++round) {
    for (auto& w : writers) {
      ASSERT_TRUE(w->Write(*SequenceBatch(500, round * 500)).ok());
      EXPECT_LE(budget->used(), budget->limit());
    }
  }
  EXPECT_GT(budget->forced_flushes(), 0);
  for (auto& w : writers) ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(budget->used(), 0);
  for (int i = 0; i < 20; ++i) {
    auto t = testing::ReadWithArrow(dir_.File("b" + std::to_string(i) + ".parquet"));
    EXPECT_EQ(t->num_rows(), 2500);
  }
}

}  // namespace
}  // namespace weir::format
