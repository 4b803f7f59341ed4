// OverAggregateOperator: rows wait for the watermark, frames (ROWS, RANGE with
// peers, unbounded), late rows, and restore at another parallelism with rows still
// waiting and frames half full.
#include "weir/runtime/operators/over_aggregate.h"

#include <set>

#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

using testing::Batch;
using testing::Capture;
using testing::Context;

auto Time() { return arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI)); }
auto Key() { return arrow::field("k", arrow::utf8()); }
auto Value() { return arrow::field("v", arrow::int64()); }

// Millisecond `ms` as an event time (microseconds).
EventTime Ms(int64_t ms) { return ms * 1000; }

OverAggregateOptions Sum(bool rows, std::optional<int64_t> preceding) {
  OverAggregateOptions o;
  o.partition_keys = {"k"};
  o.time_column = "ts";
  o.rows = rows;
  o.preceding = preceding;
  o.functions = {{"sum", "v", "s"}, {"count_all", "", "n"}};
  return o;
}

// The rows without their time column: "+I[k, v, s, n]".
std::vector<std::string> WithoutTime(const Capture& out) {
  std::vector<std::string> rows;
  for (std::string row : out.Rows()) {
    const size_t comma = row.find(", ");
    rows.push_back(row.substr(0, 3) + row.substr(comma + 2));
  }
  return rows;
}

class OverAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
  Context ctx_;
};

TEST_F(OverAggregateTest, RowsWaitForTheWatermarkAndLateOnesAreDropped) {
  OverAggregateOperator op(Sum(/*rows=*/true, /*preceding=*/1));
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Time(), "[1,3,2,2]"},
                                     {Key(), R"(["a","a","a","b"])"},
                                     {Value(), "[1,2,4,5]"}}),
                              &out)
                  .ok());
  EXPECT_TRUE(out.batches.empty());
  ASSERT_TRUE(op.ProcessWatermark(Ms(2), &out).ok());
  // Partitions interleave (step by step); each one's rows come in time order.
  std::vector<std::string> expected = {"+I[a, 1, 1, 1]", "+I[b, 5, 5, 1]",
                                       "+I[a, 4, 5, 2]"};
  EXPECT_EQ(WithoutTime(out), expected);
  EXPECT_EQ(out.watermarks, std::vector<EventTime>{Ms(2)});
  out.batches.clear();
  ASSERT_TRUE(
      op.ProcessBatch(
            0, Batch({{Time(), "[2]"}, {Key(), R"(["a"])"}, {Value(), "[100]"}}), &out)
          .ok());
  EXPECT_EQ(op.late_rows(), 1);
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  expected = {"+I[a, 2, 6, 2]"};  // the frame: the row before (4) and this one
  EXPECT_EQ(WithoutTime(out), expected);
}

TEST_F(OverAggregateTest, RangeFramesIncludePeersAndDropOldRows) {
  OverAggregateOperator op(Sum(/*rows=*/false, /*preceding=*/Ms(1)));
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Time(), "[1,2,2,4]"},
                                     {Key(), R"(["a","a","a","a"])"},
                                     {Value(), "[1,2,3,4]"}}),
                              &out)
                  .ok());
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  std::vector<std::string> expected = {"+I[a, 1, 1, 1]", "+I[a, 2, 6, 3]",
                                       "+I[a, 3, 6, 3]", "+I[a, 4, 4, 1]"};
  EXPECT_EQ(WithoutTime(out), expected);
}

TEST_F(OverAggregateTest, UnboundedFramesRunOn) {
  OverAggregateOperator op(Sum(/*rows=*/true, std::nullopt));
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(
      op.ProcessBatch(
            0, Batch({{Time(), "[1,2]"}, {Key(), R"(["a","a"])"}, {Value(), "[1,2]"}}),
            &out)
          .ok());
  ASSERT_TRUE(op.ProcessWatermark(Ms(5), &out).ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Time(), "[7]"}, {Key(), R"(["a"])"}, {Value(), "[10]"}}),
                      &out)
          .ok());
  ASSERT_TRUE(op.ProcessWatermark(Ms(9), &out).ok());
  std::vector<std::string> expected = {"+I[a, 1, 1, 1]", "+I[a, 2, 3, 2]",
                                       "+I[a, 10, 13, 3]"};
  EXPECT_EQ(WithoutTime(out), expected);
}

TEST_F(OverAggregateTest, UpdatingInputIsAUserError) {
  OverAggregateOperator op(Sum(true, 1));
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  auto status = op.ProcessBatch(
      0,
      Batch({{Time(), "[1]"},
             {Key(), R"(["a"])"},
             {Value(), "[1]"},
             {arrow::field(std::string(kRowKindColumn), arrow::int8()), "[0]"}}),
      &out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("insert-only"), std::string::npos);
}

// Rows of the first batch partly fired (frames half full), partly waiting; the
// state moves to two subtasks, which must emit what one operator would have.
TEST_F(OverAggregateTest, RestoresAtAnotherParallelism) {
  auto first = Batch({{Time(), "[1,2,3,1,2,9,9]"},
                      {Key(), R"(["a","a","a","b","b","c","d"])"},
                      {Value(), "[1,2,3,4,5,6,7]"}});
  auto second = Batch({{Time(), "[10,10,10,10]"},
                       {Key(), R"(["a","b","c","d"])"},
                       {Value(), "[10,20,30,40]"}});
  OverAggregateOperator reference(Sum(true, 2));
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx_).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  ASSERT_TRUE(reference.ProcessWatermark(Ms(2), &ref_out).ok());
  auto bytes = testing::SnapshotBytes(&reference);
  ASSERT_NE(bytes, nullptr);
  ref_out.batches.clear();
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());
  ASSERT_TRUE(reference.ProcessWatermark(kMaxWatermark, &ref_out).ok());

  std::multiset<std::string> restored_rows;
  for (int index = 0; index < 2; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = 2;
    OverAggregateOperator op(Sum(true, 2));
    auto share = testing::RestoreShare(bytes, &sub, &op, second, {1});
    ASSERT_TRUE(share.ok()) << share.status().ToString();
    Capture out;
    ASSERT_TRUE(op.ProcessBatch(0, *share, &out).ok());
    ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
    for (const auto& row : WithoutTime(out)) restored_rows.insert(row);
  }
  std::multiset<std::string> expected;
  for (const auto& row : WithoutTime(ref_out)) expected.insert(row);
  EXPECT_EQ(restored_rows, expected);
  EXPECT_EQ(expected.size(), 7u);  // a@3, c, d waiting + the four new rows
}

TEST_F(OverAggregateTest, StateTtlDropsIdlePartitionsButNotWaitingRows) {
  OverAggregateOptions options = Sum(/*rows=*/false, /*preceding=*/std::nullopt);
  options.functions.push_back({"lag", "v", "prev"});
  options.state_ttl = std::chrono::milliseconds(10'000);
  OverAggregateOperator op(options);
  Capture out;
  ctx_.now = 0;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(
      op.ProcessBatch(
            0, Batch({{Time(), "[1,2]"}, {Key(), R"(["a","b"])"}, {Value(), "[1,2]"}}),
            &out)
          .ok());
  ASSERT_TRUE(op.ProcessWatermark(Ms(2), &out).ok());
  // b gets a row that waits for the watermark; a gets nothing for 20 s.
  ctx_.now = 5'000'000;
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Time(), "[9]"}, {Key(), R"(["b"])"}, {Value(), "[3]"}}),
                      &out)
          .ok());
  ctx_.now = 20'000'000;
  ASSERT_TRUE(op.OnProcessingTime(ctx_.now, &out).ok());
  EXPECT_EQ(op.num_partitions(), 1u);  // a expired; b has a waiting row
  out.batches.clear();
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Time(), "[10]"}, {Key(), R"(["a"])"}, {Value(), "[7]"}}),
                      &out)
          .ok());
  ASSERT_TRUE(op.ProcessWatermark(Ms(10), &out).ok());
  // a starts afresh (sum 7, count 1, no previous value); b keeps its state.
  std::vector<std::string> expected = {"+I[b, 3, 5, 2, 2]", "+I[a, 7, 7, 1, NULL]"};
  EXPECT_EQ(WithoutTime(out), expected);
}

}  // namespace
}  // namespace weir::runtime
