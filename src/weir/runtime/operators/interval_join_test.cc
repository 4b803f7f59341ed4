// IntervalJoinOperator: joins within the time bounds, state dropped by the watermark,
// outer rows padded when they leave, late rows, the held-back watermark, the final
// result of random streams against a nested-loop join, and restore at another
// parallelism.
#include "weir/runtime/operators/interval_join.h"

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

namespace cp = arrow::compute;
using testing::Batch;
using testing::Capture;
using testing::Context;
using Type = IntervalJoinOptions::Type;

constexpr int64_t kMinute = 60'000'000;  // µs

auto LeftKey() { return arrow::field("lk", arrow::int64()); }
auto LeftTime() { return arrow::field("lts", arrow::timestamp(arrow::TimeUnit::MILLI)); }
auto RightKey() { return arrow::field("rk", arrow::int64()); }
auto RightTime() { return arrow::field("rts", arrow::timestamp(arrow::TimeUnit::MILLI)); }

// l.lk = r.rk AND l.lts BETWEEN r.rts - INTERVAL '10' MINUTE AND r.rts: left times
// minus right times within [-10 min, 0]; with `after`, up to r.rts + INTERVAL '10'
// MINUTE (within [-10 min, 10 min]).
IntervalJoinOptions Orders(Type type, bool after = false) {
  IntervalJoinOptions o;
  o.type = type;
  o.left_keys = {"lk"};
  o.right_keys = {"rk"};
  o.left_schema = arrow::schema({LeftKey(), LeftTime()});
  o.right_schema = arrow::schema({RightKey(), RightTime()});
  o.left_time = "lts";
  o.right_time = "rts";
  o.lower = -10 * kMinute;
  o.upper = after ? 10 * kMinute : 0;
  auto ten = cp::literal(
      std::make_shared<arrow::DurationScalar>(600'000, arrow::TimeUnit::MILLI));
  auto r_minus = cp::call("subtract", {cp::field_ref("rts"), ten});
  auto r_plus = cp::call("add", {cp::field_ref("rts"), ten});
  o.residual = cp::and_(
      cp::greater_equal(cp::field_ref("lts"), r_minus),
      cp::less_equal(cp::field_ref("lts"), after ? r_plus : cp::field_ref("rts")));
  return o;
}

// Minutes since the epoch as milliseconds, for JSON timestamp arrays.
std::string Minutes(const std::vector<int>& minutes) {
  std::string json = "[";
  for (size_t i = 0; i < minutes.size(); ++i) {
    json += (i ? ", " : "") + std::to_string(int64_t{minutes[i]} * 60'000);
  }
  return json + "]";
}

std::shared_ptr<arrow::RecordBatch> Left(const std::string& keys,
                                         const std::vector<int>& minutes) {
  return Batch({{LeftKey(), keys}, {LeftTime(), Minutes(minutes)}});
}

std::shared_ptr<arrow::RecordBatch> Right(const std::string& keys,
                                          const std::vector<int>& minutes) {
  return Batch({{RightKey(), keys}, {RightTime(), Minutes(minutes)}});
}

EventTime At(int minute) { return int64_t{minute} * kMinute; }

// An input batch (0 left, 1 right) or, with a null batch, a watermark.
struct Step {
  int input;
  std::shared_ptr<arrow::RecordBatch> batch;
  EventTime watermark = 0;
};

class IntervalJoinTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  std::vector<std::string> Run(IntervalJoinOptions options, const std::vector<Step>& in) {
    op_ = std::make_unique<IntervalJoinOperator>(std::move(options));
    out_ = Capture();
    auto opened = op_->Open(&ctx_);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    for (const Step& step : in) {
      auto status = step.batch ? op_->ProcessBatch(step.input, step.batch, &out_)
                               : op_->ProcessWatermark(step.watermark, &out_);
      EXPECT_TRUE(status.ok()) << status.ToString();
    }
    return out_.Rows();
  }

  Context ctx_;
  Capture out_;
  std::unique_ptr<IntervalJoinOperator> op_;
};

TEST_F(IntervalJoinTest, JoinsWithinTheBoundsAndDropsStateAtTheWatermark) {
  // A left row at t joins right rows in [t, t + 10] and waits for them until the
  // watermark reaches t + 10; a right row waits for nothing (left rows come first).
  auto rows =
      Run(Orders(Type::kInner), {{0, Left("[1, 1, 2]", {0, 5, 3})},
                                 {1, Right("[1, 2]", {8, 30})},  // 1@8 joins 1@0 and 1@5
                                 {0, nullptr, At(16)},  // left rows up to minute 6 leave
                                 {0, Left("[1]", {17})},
                                 {1, Right("[1]", {18})}});  // joins 1@17 only
  std::vector<std::string> expected = {
      "+I[1, 1970-01-01 00:00:00.000, 1, 1970-01-01 00:08:00.000]",
      "+I[1, 1970-01-01 00:05:00.000, 1, 1970-01-01 00:08:00.000]",
      "+I[1, 1970-01-01 00:17:00.000, 1, 1970-01-01 00:18:00.000]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op_->num_rows_held(0), 1u);  // 1@17
  EXPECT_EQ(op_->num_rows_held(1), 2u);  // 2@30, 1@18
  // The output watermark is held back by the largest bound (10 minutes).
  ASSERT_EQ(out_.watermarks.size(), 1u);
  EXPECT_EQ(out_.watermarks[0], At(16) - 10 * kMinute);
}

TEST_F(IntervalJoinTest, OuterRowsArePaddedWhenTheyLeaveUnmatched) {
  auto rows = Run(Orders(Type::kFull),
                  {{0, Left("[1, 2]", {0, 1})},
                   {1, Right("[1, 3]", {4, 50})},
                   {0, nullptr, At(20)},           // left rows leave; 2@1 never joined
                   {0, nullptr, kMaxWatermark}});  // right rows leave; 3@50 unmatched
  std::vector<std::string> expected = {
      "+I[1, 1970-01-01 00:00:00.000, 1, 1970-01-01 00:04:00.000]",
      "+I[2, 1970-01-01 00:01:00.000, NULL, NULL]",
      "+I[NULL, NULL, 3, 1970-01-01 00:50:00.000]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op_->num_rows_held(0) + op_->num_rows_held(1), 0u);
}

TEST_F(IntervalJoinTest, LateRowsJoinWhatIsHeldAndArePaddedAtOnce) {
  // Within [-10, 10] minutes: rows wait until the watermark passes t + 10.
  auto rows = Run(Orders(Type::kLeft, /*after=*/true),
                  {{1, Right("[1]", {20})},
                   {0, nullptr, At(25)},
                   {0, Left("[1, 2]", {14, 10})}});  // both too late to be kept
  std::vector<std::string> expected = {
      "+I[1, 1970-01-01 00:14:00.000, 1, 1970-01-01 00:20:00.000]",
      "+I[2, 1970-01-01 00:10:00.000, NULL, NULL]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op_->num_rows_held(0), 0u);
}

// Streams out of order by at most 5 minutes, with watermarks that never make a row
// late: the output, for every join type, is a nested-loop join of everything.
TEST_F(IntervalJoinTest, FinalResultEqualsANestedLoopJoin) {
  for (Type type : {Type::kInner, Type::kLeft, Type::kRight, Type::kFull}) {
    std::mt19937 random(7 + static_cast<int>(type));
    std::vector<std::pair<int64_t, int>> sides[2];  // (key, minute)
    std::vector<Step> steps;
    int clock = 0;
    for (int b = 0; b < 80; ++b) {
      const int side = static_cast<int>(random() % 2);
      std::string keys = "[";
      std::vector<int> minutes;
      for (int i = 0, n = 1 + static_cast<int>(random() % 3); i < n; ++i) {
        const int64_t key = static_cast<int64_t>(random() % 3);
        const int minute = clock + static_cast<int>(random() % 6);
        sides[side].emplace_back(key, minute);
        keys += (i ? ", " : "") + std::to_string(key);
        minutes.push_back(minute);
      }
      keys += "]";
      steps.push_back({side, side == 0 ? Left(keys, minutes) : Right(keys, minutes)});
      clock += static_cast<int>(random() % 2);
      steps.push_back({0, nullptr, At(clock) - 1});  // rows come at clock or later
    }
    steps.push_back({0, nullptr, kMaxWatermark});
    std::multiset<std::string> got;
    for (const auto& row : Run(Orders(type), steps)) got.insert(row);

    auto stamp = [](int minute) {
      char text[32];
      std::snprintf(text, sizeof(text), "1970-01-01 %02d:%02d:00.000", minute / 60,
                    minute % 60);
      return std::string(text);
    };
    std::multiset<std::string> want;
    auto joins = [](const std::pair<int64_t, int>& l, const std::pair<int64_t, int>& r) {
      return l.first == r.first && l.second >= r.second - 10 && l.second <= r.second;
    };
    const bool left_outer = type == Type::kLeft || type == Type::kFull;
    const bool right_outer = type == Type::kRight || type == Type::kFull;
    for (const auto& l : sides[0]) {
      bool matched = false;
      for (const auto& r : sides[1]) {
        if (!joins(l, r)) continue;
        matched = true;
        want.insert("+I[" + std::to_string(l.first) + ", " + stamp(l.second) + ", " +
                    std::to_string(r.first) + ", " + stamp(r.second) + "]");
      }
      if (!matched && left_outer) {
        want.insert("+I[" + std::to_string(l.first) + ", " + stamp(l.second) +
                    ", NULL, NULL]");
      }
    }
    for (const auto& r : sides[1]) {
      bool matched = false;
      for (const auto& l : sides[0]) matched = matched || joins(l, r);
      if (!matched && right_outer) {
        want.insert("+I[NULL, NULL, " + std::to_string(r.first) + ", " + stamp(r.second) +
                    "]");
      }
    }
    EXPECT_EQ(got, want) << "join type " << static_cast<int>(type);
    EXPECT_EQ(op_->num_rows_held(0) + op_->num_rows_held(1), 0u);
  }
}

TEST_F(IntervalJoinTest, RestoresAtAnotherParallelism) {
  Run(Orders(Type::kLeft), {{0, Left("[1, 2, 3, 4]", {0, 1, 2, 3})},
                            {1, Right("[1]", {5})},
                            {0, nullptr, At(1)}});
  auto bytes = testing::SnapshotBytes(op_.get());
  ASSERT_NE(bytes, nullptr);
  std::multiset<std::string> rows;
  size_t held = 0;
  for (int index = 0; index < 3; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = 3;
    IntervalJoinOperator op(Orders(Type::kLeft));
    auto share =
        testing::RestoreShare(bytes, &sub, &op, Right("[2, 3, 4]", {4, 6, 30}), {0});
    ASSERT_TRUE(share.ok()) << share.status().ToString();
    held += op.num_rows_held(0);
    Capture out;
    ASSERT_TRUE(op.ProcessBatch(1, *share, &out).ok());
    ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
    for (const auto& r : out.Rows()) rows.insert(r);
  }
  EXPECT_EQ(held, 4u);
  std::multiset<std::string> expected = {
      "+I[2, 1970-01-01 00:01:00.000, 2, 1970-01-01 00:04:00.000]",
      "+I[3, 1970-01-01 00:02:00.000, 3, 1970-01-01 00:06:00.000]",
      "+I[4, 1970-01-01 00:03:00.000, NULL, NULL]"};  // 4@30 is too far
  EXPECT_EQ(rows, expected);  // 1@0 had joined before the snapshot: no padding
}

}  // namespace
}  // namespace weir::runtime
