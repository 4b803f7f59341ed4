#include "weir/format/parquet/test_files.h"

#include <atomic>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/io/file.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <unistd.h>

#include "weir/format/parquet/writer.h"

namespace weir::format::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("weir-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::File(const std::string& name) const {
  auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  return p.string();
}

std::shared_ptr<arrow::RecordBatch> BatchFromJson(
    const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::string>& columns) {
  arrow::ArrayVector arrays;
  for (int i = 0; i < schema->num_fields(); ++i) {
    auto arr = arrow::json::ArrayFromJSONString(schema->field(i)->type(), columns[i]);
    EXPECT_TRUE(arr.ok()) << arr.status();
    arrays.push_back(*arr);
  }
  return arrow::RecordBatch::Make(schema, arrays[0]->length(), arrays);
}

std::shared_ptr<arrow::RecordBatch> SequenceBatch(int64_t n, int64_t start) {
  arrow::Int64Builder id;
  arrow::DoubleBuilder v;
  arrow::StringBuilder s;
  arrow::Int32Builder grp;
  for (int64_t i = start; i < start + n; ++i) {
    EXPECT_TRUE(id.Append(i).ok());
    EXPECT_TRUE(v.Append(static_cast<double>(i) / 2).ok());
    EXPECT_TRUE(s.Append("s" + std::to_string(i % 100)).ok());
    EXPECT_TRUE(grp.Append(static_cast<int32_t>(i % 7)).ok());
  }
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("v", arrow::float64()),
       arrow::field("s", arrow::utf8()), arrow::field("grp", arrow::int32())});
  return arrow::RecordBatch::Make(
      schema, n, {*id.Finish(), *v.Finish(), *s.Finish(), *grp.Finish()});
}

void WriteFile(const std::string& path,
               const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
               const WriterOptions& options) {
  auto writer = ParquetFileWriter::Open(path, batches.at(0)->schema(), options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const auto& b : batches) ASSERT_TRUE((*writer)->Write(*b).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

std::shared_ptr<arrow::Table> ReadWithArrow(const std::string& path) {
  auto file = arrow::io::ReadableFile::Open(path);
  EXPECT_TRUE(file.ok()) << file.status();
  auto reader = parquet::arrow::OpenFile(*file, arrow::default_memory_pool());
  EXPECT_TRUE(reader.ok()) << reader.status();
  auto table = (*reader)->ReadTable();
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : nullptr;
}

}  // namespace weir::format::testing
