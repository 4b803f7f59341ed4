// ChangeTableView: the view the changes build (updates keep their row's place,
// deletes remove one equal row) and what it draws.
#include "weir/cli/change_table_view.h"

#include <cstdio>
#include <string>

#include <arrow/array.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <gtest/gtest.h>

namespace weir::cli {
namespace {

std::shared_ptr<arrow::RecordBatch> Changes(const char* ops, const char* keys,
                                            const char* counts) {
  auto schema =
      arrow::schema({arrow::field("op", arrow::utf8()), arrow::field("k", arrow::utf8()),
                     arrow::field("n", arrow::int64())});
  auto op = arrow::json::ArrayFromJSONString(arrow::utf8(), ops).ValueOrDie();
  auto k = arrow::json::ArrayFromJSONString(arrow::utf8(), keys).ValueOrDie();
  auto n = arrow::json::ArrayFromJSONString(arrow::int64(), counts).ValueOrDie();
  return arrow::RecordBatch::Make(schema, op->length(), {op, k, n});
}

std::string Drawn(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  return text;
}

TEST(ChangeTableViewTest, AppliesChangesAndKeepsUpdatedRowsInPlace) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ChangeTableView view(file, std::chrono::hours(1));  // draws once, then at Finish
  ASSERT_TRUE(
      view.Apply(*Changes(R"(["+I","+I","+I"])", R"(["a","b","c"])", "[1,1,1]")).ok());
  ASSERT_TRUE(
      view.Apply(*Changes(R"(["-U","+U","-D"])", R"(["a","a","c"])", "[1,2,1]")).ok());
  EXPECT_EQ(view.size(), 2u);
  view.Finish();
  const std::string text = Drawn(file);
  const size_t final_at = text.find("Final result");
  ASSERT_NE(final_at, std::string::npos);
  const std::string final_view = text.substr(final_at);
  // a's new row stays first; c is gone; the footer counts rows and changes.
  EXPECT_NE(final_view.find("| a | 2 |\n| b | 1 |\n"), std::string::npos) << final_view;
  EXPECT_EQ(final_view.find("| c |"), std::string::npos);
  EXPECT_NE(final_view.find("2 rows, 6 changes"), std::string::npos) << final_view;
  std::fclose(file);
}

TEST(ChangeTableViewTest, RejectsBatchesWithoutTheOpColumn) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ChangeTableView view(file, std::chrono::hours(1));
  auto batch = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("k", arrow::utf8())}), 1,
      {arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["a"])").ValueOrDie()});
  EXPECT_FALSE(view.Apply(*batch).ok());
  std::fclose(file);
}

}  // namespace
}  // namespace weir::cli
