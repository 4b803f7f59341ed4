// SessionWindowAggregateOperator: sessions merge when they overlap or touch (also a
// row bridging two sessions), fire at the watermark, late rows are dropped, other
// keys group within a session, and open sessions survive a restore at another
// parallelism.
#include "weir/runtime/operators/session_window_aggregate.h"

#include <set>

#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

using testing::Batch;
using testing::Capture;
using testing::Context;

auto Ms(const char* name) {
  return arrow::field(name, arrow::timestamp(arrow::TimeUnit::MILLI));
}
auto Key() { return arrow::field("k", arrow::utf8()); }
auto Other() { return arrow::field("o", arrow::utf8()); }
auto Value() { return arrow::field("v", arrow::int64()); }

constexpr int64_t kGap = 10;  // ms

// Rows at `times` (ms) with their own sessions [t, t + gap), as the table function
// writes them.
std::shared_ptr<arrow::RecordBatch> Rows(const std::vector<int64_t>& times,
                                         const std::string& keys,
                                         const std::string& others,
                                         const std::string& values) {
  std::string starts = "[", ends = "[";
  for (size_t i = 0; i < times.size(); ++i) {
    starts += (i ? "," : "") + std::to_string(times[i]);
    ends += (i ? "," : "") + std::to_string(times[i] + kGap);
  }
  return Batch({{Ms("ws"), starts + "]"},
                {Ms("we"), ends + "]"},
                {Key(), keys},
                {Other(), others},
                {Value(), values}});
}

SessionWindowAggregateOptions Options() {
  SessionWindowAggregateOptions o;
  o.keys = {"ws", "we", "k", "o"};
  o.start_column = "ws";
  o.end_column = "we";
  o.session_keys = {"k"};
  o.aggregates = {{"count_all", "", "n"}, {"sum", "v", "s"}};
  return o;
}

// Rows as "start-end k o n s" with times in ms.
std::multiset<std::string> Sessions(const Capture& out) {
  std::multiset<std::string> rows;
  for (const auto& b : out.batches) {
    const auto& ws = static_cast<const arrow::TimestampArray&>(*b->column(0));
    const auto& we = static_cast<const arrow::TimestampArray&>(*b->column(1));
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string row = std::to_string(ws.Value(r)) + "-" + std::to_string(we.Value(r));
      for (int c = 2; c < b->num_columns(); ++c) {
        row += " " + (*b->column(c)->GetScalar(r))->ToString();
      }
      rows.insert(row);
    }
  }
  return rows;
}

class SessionWindowAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
  Context ctx_;
};

TEST_F(SessionWindowAggregateTest, SessionsMergeAndFireAtTheWatermark) {
  SessionWindowAggregateOperator op(Options());
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  // a: [0,10), [25,35) and [12,22) are apart; [10,20) touches [0,10) and overlaps
  // [12,22) (Flink merges windows that touch), giving [0,22).
  ASSERT_TRUE(op.ProcessBatch(0,
                              Rows({0, 25, 12, 10, 100}, R"(["a","a","a","a","b"])",
                                   R"(["x","x","y","x","x"])", "[1,2,3,4,5]"),
                              &out)
                  .ok());
  EXPECT_EQ(op.num_sessions(), 3u);  // a:[0,22), a:[25,35), b:[100,110)
  ASSERT_TRUE(op.ProcessWatermark(21 * 1000, &out).ok());  // watermarks are in µs
  EXPECT_TRUE(out.batches.empty());  // [0,22) ms holds times up to 21.999 ms
  ASSERT_TRUE(op.ProcessWatermark(22 * 1000, &out).ok());
  std::multiset<std::string> expected = {"0-22 a x 2 5", "0-22 a y 1 3"};
  EXPECT_EQ(Sessions(out), expected);
  out.batches.clear();
  // 20's session [20,30) is still open at watermark 22 ms and joins [25,35); 5's
  // session [5,15) ended: late.
  ASSERT_TRUE(
      op.ProcessBatch(0, Rows({20, 5}, R"(["a","a"])", R"(["x","x"])", "[7,9]"), &out)
          .ok());
  EXPECT_EQ(op.late_rows(), 1);
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  expected = {"20-35 a x 2 9", "100-110 b x 1 5"};
  EXPECT_EQ(Sessions(out), expected);
  EXPECT_EQ(op.num_sessions(), 0u);
}

TEST_F(SessionWindowAggregateTest, ARowBridgingTwoSessionsMergesThem) {
  SessionWindowAggregateOperator op(Options());
  Capture out;
  ASSERT_TRUE(op.Open(&ctx_).ok());
  ASSERT_TRUE(
      op.ProcessBatch(
            0, Rows({0, 20, 10}, R"(["a","a","a"])", R"(["x","x","x"])", "[1,2,3]"), &out)
          .ok());
  EXPECT_EQ(op.num_sessions(), 1u);  // [10,20) touches [0,10) and [20,30)
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  std::multiset<std::string> expected = {"0-30 a x 3 6"};
  EXPECT_EQ(Sessions(out), expected);
}

TEST_F(SessionWindowAggregateTest, RestoresAtAnotherParallelism) {
  auto first = Rows({0, 5, 0, 7, 50}, R"(["a","a","b","c","d"])",
                    R"(["x","x","x","x","x"])", "[1,2,3,4,5]");
  auto second = Rows({8, 3, 9, 55}, R"(["a","b","c","d"])", R"(["x","x","x","x"])",
                     "[10,20,30,40]");
  SessionWindowAggregateOperator reference(Options());
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx_).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  auto bytes = testing::SnapshotBytes(&reference);
  ASSERT_NE(bytes, nullptr);
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());
  ASSERT_TRUE(reference.ProcessWatermark(kMaxWatermark, &ref_out).ok());

  std::multiset<std::string> restored;
  for (int index = 0; index < 2; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = 2;
    SessionWindowAggregateOperator op(Options());
    auto share = testing::RestoreShare(bytes, &sub, &op, second, {2});
    ASSERT_TRUE(share.ok()) << share.status().ToString();
    Capture out;
    ASSERT_TRUE(op.ProcessBatch(0, *share, &out).ok());
    ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
    for (const auto& row : Sessions(out)) restored.insert(row);
  }
  EXPECT_EQ(restored, Sessions(ref_out));
  EXPECT_EQ(restored.size(), 4u);
}

}  // namespace
}  // namespace weir::runtime
