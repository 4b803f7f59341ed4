#include "weir/format/parquet/segmented_file.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <arrow/array.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>

#include "weir/common/runtime_init.h"
#include "weir/format/parquet/test_files.h"

namespace weir::format {
namespace {

using testing::SequenceBatch;
using testing::TempDir;

class SegmentedFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
  TempDir dir_;
};

// Reads a whole file with the Parquet library and returns its first column.
std::shared_ptr<arrow::Table> ReadAll(const std::string& path) {
  auto fr = parquet::arrow::FileReader::Make(arrow::default_memory_pool(),
                                             parquet::ParquetFileReader::OpenFile(path));
  EXPECT_TRUE(fr.ok());
  auto table = (*fr)->ReadTable();
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

int64_t Sum(const arrow::Table& t, int column) {
  int64_t s = 0;
  for (const auto& chunk : t.column(column)->chunks()) {
    auto a = std::static_pointer_cast<arrow::Int64Array>(chunk);
    for (int64_t i = 0; i < a->length(); ++i) s += a->Value(i);
  }
  return s;
}

TEST_F(SegmentedFileTest, CheckpointedSegmentsFinishIntoOneValidFile) {
  const std::string path = dir_.File("seg.parquet");
  auto batch = SequenceBatch(1000);
  auto file = SegmentedParquetFile::Create(path, batch->schema(), WriterOptions{});
  ASSERT_TRUE(file.ok()) << file.status();
  int64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    auto w = (*file)->Write(*SequenceBatch(1000, i * 1000));
    ASSERT_TRUE(w.ok()) << w;
    auto len = (*file)->Checkpoint();
    ASSERT_TRUE(len.ok()) << len.status();
    EXPECT_GT(*len, last);
    last = *len;
  }
  auto unchanged = (*file)->Checkpoint();  // nothing new: same length
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, last);
  ASSERT_TRUE((*file)->Write(*SequenceBatch(500, 3000)).ok());
  ASSERT_TRUE((*file)->Finish().ok());
  auto md = parquet::ParquetFileReader::OpenFile(path)->metadata();
  EXPECT_EQ(md->num_rows(), 3500);
  EXPECT_EQ(md->num_row_groups(), 4);
  auto table = ReadAll(path);
  ASSERT_EQ(table->num_rows(), 3500);
  EXPECT_EQ(Sum(*table, 0), 3499LL * 3500 / 2);
}

TEST_F(SegmentedFileTest, RecoverKeepsExactlyTheCheckpointedRows) {
  const std::string path = dir_.File("crash.parquet");
  int64_t valid = 0;
  {
    auto file =
        SegmentedParquetFile::Create(path, SequenceBatch(1)->schema(), WriterOptions{});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Write(*SequenceBatch(700)).ok());
    ASSERT_TRUE((*file)->Checkpoint().ok());
    ASSERT_TRUE((*file)->Write(*SequenceBatch(300, 700)).ok());
    auto len = (*file)->Checkpoint();
    ASSERT_TRUE(len.ok());
    valid = *len;
    // Rows after the checkpoint, partly flushed, then a "crash".
    ASSERT_TRUE((*file)->Write(*SequenceBatch(5000, 1000)).ok());
  }
  {
    std::ofstream junk(path, std::ios::app | std::ios::binary);
    junk << "garbage after the checkpoint";
  }
  for (int attempt = 0; attempt < 2; ++attempt) {  // idempotent
    auto st = SegmentedParquetFile::Recover(path, valid);
    ASSERT_TRUE(st.ok()) << st;
    auto table = ReadAll(path);
    ASSERT_EQ(table->num_rows(), 1000);
    EXPECT_EQ(Sum(*table, 0), 999LL * 1000 / 2);
  }
}

TEST_F(SegmentedFileTest, RecoverRejectsAShortOrForeignFile) {
  const std::string path = dir_.File("short.parquet");
  {
    std::ofstream f(path, std::ios::binary);
    f << "not a parquet file at all";
  }
  auto st = SegmentedParquetFile::Recover(path, 1000);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("less than"), std::string::npos) << st;
  st = SegmentedParquetFile::Recover(path, 20);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("footer"), std::string::npos) << st;
  st = SegmentedParquetFile::Recover(dir_.File("missing.parquet"), 20);
  ASSERT_FALSE(st.ok());
}

TEST_F(SegmentedFileTest, RecoverNeverCrashesOnDamagedSegments) {
  // Bit flips anywhere in a checkpointed file: Recover either succeeds or says what is
  // wrong; it never crashes (this test also runs under AddressSanitizer).
  const std::string path = dir_.File("flip.parquet");
  int64_t valid = 0;
  {
    auto file =
        SegmentedParquetFile::Create(path, SequenceBatch(1)->schema(), WriterOptions{});
    ASSERT_TRUE(file.ok());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*file)->Write(*SequenceBatch(200, i * 200)).ok());
      auto len = (*file)->Checkpoint();
      ASSERT_TRUE(len.ok());
      valid = *len;
    }
  }
  std::string original;
  {
    std::ifstream in(path, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::mt19937 rng(7);
  int failures = 0;
  for (int round = 0; round < 300; ++round) {
    std::string damaged = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k)
      damaged[rng() % damaged.size()] ^= static_cast<char>(1 << (rng() % 8));
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << damaged;
    }
    failures += !SegmentedParquetFile::Recover(path, valid).ok();
  }
  EXPECT_GT(failures, 0);  // damage to footers and magics is noticed
}

}  // namespace
}  // namespace weir::format
