// RankOperator: the changelog of Top-N and deduplication (checked against changes
// written out by hand), state trimming, retractions, and restore at another
// parallelism.
#include "weir/runtime/operators/rank_operator.h"

#include <set>

#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

using testing::Batch;
using testing::Capture;
using testing::Context;

auto Key() { return arrow::field("k", arrow::utf8()); }
auto Value() { return arrow::field("v", arrow::int64()); }
auto Kinds() { return arrow::field(std::string(kRowKindColumn), arrow::int8(), false); }

// ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) <= 2.
RankOptions TopTwo(bool output_rank = true) {
  RankOptions o;
  o.partition_keys = {"k"};
  o.order = {{"v", /*descending=*/true, /*nulls_first=*/false}};
  o.end = 2;
  o.rank_column = "rn";
  o.output_rank = output_rank;
  return o;
}

class RankOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  std::vector<std::string> Run(RankOptions options,
                               const std::vector<std::shared_ptr<arrow::RecordBatch>>& in,
                               RankOperator** keep = nullptr) {
    op_ = std::make_unique<RankOperator>(std::move(options));
    Capture out;
    EXPECT_TRUE(op_->Open(&ctx_).ok());
    for (const auto& batch : in) {
      auto status = op_->ProcessBatch(0, batch, &out);
      EXPECT_TRUE(status.ok()) << status.ToString();
    }
    if (keep != nullptr) *keep = op_.get();
    return out.Rows();
  }

  Context ctx_;
  std::unique_ptr<RankOperator> op_;
};

TEST_F(RankOperatorTest, RankNumberOutputUpdatesRanksWhoseRowChanged) {
  auto rows = Run(TopTwo(), {Batch({{Key(), R"(["a","a","b"])"}, {Value(), "[5,3,1]"}}),
                             Batch({{Key(), R"(["a"])"}, {Value(), "[4]"}}),
                             Batch({{Key(), R"(["a"])"}, {Value(), "[9]"}}),
                             Batch({{Key(), R"(["a"])"}, {Value(), "[2]"}})});
  std::vector<std::string> expected = {
      "+I[a, 5, 1]", "+I[a, 3, 2]", "+I[b, 1, 1]",                  // first batch
      "-U[a, 3, 2]", "+U[a, 4, 2]",                                 // 4 takes rank 2
      "-U[a, 5, 1]", "+U[a, 9, 1]", "-U[a, 4, 2]", "+U[a, 5, 2]"};  // 9 on top
  EXPECT_EQ(rows, expected);  // 2 is out of range: nothing
}

TEST_F(RankOperatorTest, WithoutRankNumberRowsEnterAndLeave) {
  RankOperator* op = nullptr;
  auto rows = Run(TopTwo(false),
                  {Batch({{Key(), R"(["a","a"])"}, {Value(), "[5,3]"}}),
                   Batch({{Key(), R"(["a","a","a"])"}, {Value(), "[4,1,0]"}})},
                  &op);
  std::vector<std::string> expected = {"+I[a, 5]", "+I[a, 3]", "-D[a, 3]", "+I[a, 4]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op->num_rows_held(), 2u);  // insert-only input keeps only the top rows
}

TEST_F(RankOperatorTest, DeduplicationReplacesTheRowWithAnUpdate) {
  RankOptions o;
  o.partition_keys = {"k"};
  o.order = {{"v", false, false}};  // keep the first (smallest) row
  o.rank_column = "rn";
  o.output_rank = false;
  o.deduplicate = true;
  auto rows = Run(o, {Batch({{Key(), R"(["a","b"])"}, {Value(), "[7,1]"}}),
                      Batch({{Key(), R"(["a","a"])"}, {Value(), "[8,6]"}})});
  std::vector<std::string> expected = {"+I[a, 7]", "+I[b, 1]", "-U[a, 7]", "+U[a, 6]"};
  EXPECT_EQ(rows, expected);
}

// table.exec.state.ttl: a partition not written for the TTL is dropped without
// output; its key then starts afresh (Flink's deduplication with state TTL emits its
// next row as a first row again). Rows that do not change the partition do not keep
// it alive.
TEST_F(RankOperatorTest, StateTtlDropsIdlePartitions) {
  RankOptions o;
  o.partition_keys = {"k"};
  o.order = {{"v", false, false}};
  o.rank_column = "rn";
  o.output_rank = false;
  o.deduplicate = true;
  o.state_ttl = std::chrono::milliseconds(1000);
  RankOperator op(o);
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ctx_.now = 0;
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a","b"])"}, {Value(), "[5,1]"}}), &out)
          .ok());
  ctx_.now = 800'000;  // b keeps its row (9 > 1 ranks second): no write
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a","b"])"}, {Value(), "[4,9]"}}), &out)
          .ok());
  ctx_.now = 1'500'000;  // b idle for 1.5 s, a for 0.7 s
  ASSERT_TRUE(op.OnProcessingTime(ctx_.now, &out).ok());
  EXPECT_EQ(op.num_rows_held(), 1u);
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["b"])"}, {Value(), "[3]"}}), &out).ok());
  std::vector<std::string> expected = {"+I[a, 5]", "+I[b, 1]", "-U[a, 5]", "+U[a, 4]",
                                       "+I[b, 3]"};
  EXPECT_EQ(out.Rows(), expected);
}

TEST_F(RankOperatorTest, RetractedRowsMakeRoomForTheNext) {
  RankOptions o = TopTwo();
  o.retractions = true;
  auto rows = Run(
      o,
      {Batch({{Key(), R"(["a","a","a"])"}, {Value(), "[5,3,1]"}, {Kinds(), "[0,0,0]"}}),
       Batch({{Key(), R"(["a","a"])"}, {Value(), "[5,7]"}, {Kinds(), "[3,1]"}})});
  // -U[a,7] retracts a row that was never there: ignored.
  std::vector<std::string> expected = {"+I[a, 5, 1]", "+I[a, 3, 2]", "-U[a, 5, 1]",
                                       "+U[a, 3, 1]", "-U[a, 3, 2]", "+U[a, 1, 2]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(RankOperatorTest, RankAndDenseRankKeepTies) {
  RankOptions rank = TopTwo();
  rank.type = RankOptions::Type::kRank;
  auto rows = Run(rank, {Batch({{Key(), R"(["a","a","a"])"}, {Value(), "[5,5,3]"}})});
  std::vector<std::string> expected = {"+I[a, 5, 1]", "+I[a, 5, 1]"};  // 3 ranks 3rd
  EXPECT_EQ(rows, expected);
  RankOptions dense = TopTwo();
  dense.type = RankOptions::Type::kDenseRank;
  rows = Run(dense, {Batch({{Key(), R"(["a","a","a","a"])"}, {Value(), "[5,5,3,1]"}})});
  expected = {"+I[a, 5, 1]", "+I[a, 5, 1]", "+I[a, 3, 2]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(RankOperatorTest, NullsOrderAsDeclared) {
  RankOptions o = TopTwo();
  o.order = {{"v", false, /*nulls_first=*/true}};
  o.end = 1;
  auto rows = Run(o, {Batch({{Key(), R"(["a","a"])"}, {Value(), "[1,null]"}})});
  std::vector<std::string> expected = {"+I[a, NULL, 1]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(RankOperatorTest, MissingOrderColumnIsAUserError) {
  RankOptions o = TopTwo();
  o.order = {{"nope", false, false}};
  RankOperator op(o);
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  auto status = op.ProcessBatch(0, Batch({{Key(), R"(["a"])"}, {Value(), "[1]"}}), &out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("'nope'"), std::string::npos) << status.ToString();
}

// Window Top-N: rows wait per window; each window's top rows come out once, +I and
// without a row-kind column, when the watermark passes its end; late rows drop;
// windows still open survive a snapshot.
TEST_F(RankOperatorTest, WindowTopNRanksEachWindowOnceAtItsEnd) {
  RankOptions o = TopTwo();
  o.partition_keys = {"we", "k"};
  o.window_end_column = "we";
  auto end = arrow::field("we", arrow::timestamp(arrow::TimeUnit::MILLI));
  RankOperator op(o);
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{end, "[10,10,10,20,20]"},
                                     {Key(), R"(["a","a","a","a","b"])"},
                                     {Value(), "[1,3,2,7,8]"}}),
                              &out)
                  .ok());
  EXPECT_TRUE(out.batches.empty());
  EXPECT_EQ(op.num_rows_held(), 4u);  // window 10 keeps its top two of "a"
  ASSERT_TRUE(op.ProcessWatermark(9 * 1000 - 1, &out).ok());  // µs: before 10 ms - 1
  EXPECT_TRUE(out.batches.empty());
  ASSERT_TRUE(op.ProcessWatermark(10 * 1000 - 1, &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0]->schema()->GetFieldIndex(std::string(kRowKindColumn)), -1);
  std::vector<std::string> expected = {"+I[1970-01-01 00:00:00.010, a, 3, 1]",
                                       "+I[1970-01-01 00:00:00.010, a, 2, 2]"};
  EXPECT_EQ(out.Rows(), expected);
  out.batches.clear();
  // A row of the fired window is late; window 20 is still open.
  ASSERT_TRUE(
      op.ProcessBatch(
            0, Batch({{end, "[10,20]"}, {Key(), R"(["a","a"])"}, {Value(), "[9,9]"}}),
            &out)
          .ok());
  EXPECT_EQ(op.late_rows(), 1);
  auto bytes = testing::SnapshotBytes(&op);
  ASSERT_NE(bytes, nullptr);
  RankOperator restored(o);
  Context one;
  auto share = testing::RestoreShare(
      bytes, &one, &restored,
      Batch({{end, "[20]"}, {Key(), R"(["b"])"}, {Value(), "[1]"}}), {0, 1});
  ASSERT_TRUE(share.ok()) << share.status().ToString();
  ASSERT_TRUE(restored.ProcessBatch(0, *share, &out).ok());
  ASSERT_TRUE(restored.ProcessWatermark(kMaxWatermark, &out).ok());
  std::multiset<std::string> rows;
  for (const auto& row : out.Rows()) rows.insert(row);
  std::multiset<std::string> want = {
      "+I[1970-01-01 00:00:00.020, a, 9, 1]", "+I[1970-01-01 00:00:00.020, a, 7, 2]",
      "+I[1970-01-01 00:00:00.020, b, 8, 1]", "+I[1970-01-01 00:00:00.020, b, 1, 2]"};
  EXPECT_EQ(rows, want);
}

// Snapshots after the first batch, restores into two subtasks that split the key
// groups, feeds each its share of the second batch, and expects the changes of one
// operator that never stopped.
TEST_F(RankOperatorTest, RestoresAtAnotherParallelism) {
  auto first = Batch(
      {{Key(), R"(["a","b","c","d","e","f","a","b"])"}, {Value(), "[1,2,3,4,5,6,7,8]"}});
  auto second =
      Batch({{Key(), R"(["a","b","c","d","e","f"])"}, {Value(), "[9,0,9,0,9,0]"}});
  RankOperator reference(TopTwo());
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx_).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  auto bytes = testing::SnapshotBytes(&reference);
  ASSERT_NE(bytes, nullptr);
  ref_out.batches.clear();
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());

  size_t held = 0;
  auto restored_rows = testing::RunRestoredShares<RankOperator>(
      bytes, 2, [] { return std::make_unique<RankOperator>(TopTwo()); }, second, {0},
      [](const RankOperator& op) { return op.num_rows_held(); }, &held);
  ASSERT_TRUE(restored_rows.ok()) << restored_rows.status().ToString();
  EXPECT_EQ(held, 8u);
  std::multiset<std::string> expected;
  for (const auto& row : ref_out.Rows()) expected.insert(row);
  EXPECT_EQ(*restored_rows, expected);
}

}  // namespace
}  // namespace weir::runtime
