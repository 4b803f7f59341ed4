// Operator tests: direct calls with a capturing output, and whole jobs compared with
// brute-force references at several parallelisms.
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/job.h"
#include "weir/runtime/operators/aggregate_function.h"
#include "weir/runtime/operators/filter_operator.h"
#include "weir/runtime/operators/project_operator.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/runtime/operators/window_aggregate.h"
#include "weir/state/key_group.h"

namespace weir::runtime {
namespace {

namespace cp = arrow::compute;
using std::chrono::milliseconds;

struct CaptureOutput : Output {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  std::vector<EventTime> watermarks;
  arrow::Status Emit(std::shared_ptr<arrow::RecordBatch> b) override {
    batches.push_back(std::move(b));
    return arrow::Status::OK();
  }
  arrow::Status EmitWatermark(EventTime w) override {
    watermarks.push_back(w);
    return arrow::Status::OK();
  }
  int64_t rows() const {
    int64_t n = 0;
    for (auto& b : batches) n += b->num_rows();
    return n;
  }
};

struct FakeContext : OperatorContext {
  SubtaskInfo info;
  EventTime now = 1'000'000;
  std::optional<EventTime> callback;
  const SubtaskInfo& subtask() const override { return info; }
  EventTime current_watermark() const override { return kMinWatermark; }
  EventTime ProcessingTime() const override { return now; }
  void RequestProcessingTimeCallback(EventTime t) override { callback = t; }
  std::shared_ptr<WakeHandle> MakeWakeHandle() override { return nullptr; }
};

auto kEvents =
    arrow::schema({arrow::field("key", arrow::utf8()),
                   arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI)),
                   arrow::field("value", arrow::int64())});

std::shared_ptr<arrow::RecordBatch> Events(const std::string& keys, const std::string& ts,
                                           const std::string& values) {
  auto k = *arrow::json::ArrayFromJSONString(arrow::utf8(), keys);
  auto t =
      *arrow::json::ArrayFromJSONString(arrow::timestamp(arrow::TimeUnit::MILLI), ts);
  auto v = *arrow::json::ArrayFromJSONString(arrow::int64(), values);
  return arrow::RecordBatch::Make(kEvents, k->length(), {k, t, v});
}

std::shared_ptr<arrow::Array> Json(std::shared_ptr<arrow::DataType> type,
                                   const std::string& json) {
  return *arrow::json::ArrayFromJSONString(type, json);
}

class OperatorsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(OperatorsTest, FilterKeepsTrueRowsAndRejectsNonBoolean) {
  FilterOperator f(cp::greater(cp::field_ref("value"), cp::literal(int64_t{2})));
  CaptureOutput out;
  auto b = Events(R"(["a","b","c","d"])", "[1,2,3,4]", "[1,5,null,3]");
  ASSERT_TRUE(f.ProcessBatch(0, b, &out).ok());
  ASSERT_EQ(out.rows(), 2);
  FilterOperator bad(cp::field_ref("value"));
  auto st = bad.ProcessBatch(0, b, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not boolean"), std::string::npos) << st;
  FilterOperator unknown(cp::equal(cp::field_ref("nope"), cp::literal(1)));
  st = unknown.ProcessBatch(0, b, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nope"), std::string::npos) << st;
}

TEST_F(OperatorsTest, ProjectComputesNamedColumns) {
  ProjectOperator p({{"key", cp::field_ref("key")},
                     {"double_value", cp::call("multiply", {cp::field_ref("value"),
                                                            cp::literal(int64_t{2})})},
                     {"one", cp::literal(int64_t{1})}});
  CaptureOutput out;
  ASSERT_TRUE(p.ProcessBatch(0, Events(R"(["a","b"])", "[1,2]", "[3,4]"), &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  auto b = out.batches[0];
  EXPECT_EQ(b->schema()->field_names(),
            (std::vector<std::string>{"key", "double_value", "one"}));
  EXPECT_EQ(b->column(1)->ToString(), Json(arrow::int64(), "[6, 8]")->ToString());
  EXPECT_EQ(b->column(2)->length(), 2);
}

TEST_F(OperatorsTest, WatermarkAssignerTrailsMaxTimestampByOutOfOrderness) {
  auto strategy = WatermarkStrategy::ForBoundedOutOfOrderness(milliseconds(5))
                      .WithTimestampColumn("ts")
                      .WithEmitInterval(std::chrono::microseconds(0));
  WatermarkAssigner a(strategy);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(a.Open(&ctx).ok());
  ASSERT_TRUE(a.ProcessBatch(0, Events(R"(["a","b"])", "[100, 90]", "[1,1]"), &out).ok());
  ASSERT_EQ(out.watermarks.size(), 1u);
  EXPECT_EQ(out.watermarks[0], 100'000 - 5'000 - 1);
  // Older data does not move it back; upstream watermarks are ignored but the final.
  ASSERT_TRUE(a.ProcessBatch(0, Events(R"(["a"])", "[50]", "[1]"), &out).ok());
  ASSERT_TRUE(a.ProcessWatermark(10, &out).ok());
  EXPECT_EQ(out.watermarks.size(), 1u);
  ASSERT_TRUE(a.ProcessWatermark(kMaxWatermark, &out).ok());
  EXPECT_EQ(out.watermarks.back(), kMaxWatermark);
}

TEST_F(OperatorsTest, WatermarkAssignerEmitsPeriodicallyAndMarksIdle) {
  auto strategy = WatermarkStrategy::ForMonotonousTimestamps()
                      .WithTimestampColumn("ts")
                      .WithIdleness(milliseconds(100))
                      .WithEmitInterval(milliseconds(10));
  WatermarkAssigner a(strategy);
  FakeContext ctx;
  struct IdleCapture : CaptureOutput {
    int idle = 0;
    arrow::Status MarkIdle() override {
      ++idle;
      return arrow::Status::OK();
    }
  } out;
  ASSERT_TRUE(a.Open(&ctx).ok());
  ASSERT_TRUE(a.ProcessBatch(0, Events(R"(["a"])", "[10]", "[1]"), &out).ok());
  EXPECT_EQ(out.watermarks.size(), 1u);  // first emission is immediate
  ctx.now += 1000;
  ASSERT_TRUE(a.ProcessBatch(0, Events(R"(["a"])", "[20]", "[1]"), &out).ok());
  EXPECT_EQ(out.watermarks.size(), 1u);  // within the interval: deferred
  ASSERT_TRUE(ctx.callback.has_value());
  ctx.now = *ctx.callback;
  ASSERT_TRUE(a.OnProcessingTime(ctx.now, &out).ok());
  ASSERT_EQ(out.watermarks.size(), 2u);
  EXPECT_EQ(out.watermarks[1], 20'000 - 1);
  ctx.now += 200'000;
  ASSERT_TRUE(a.OnProcessingTime(ctx.now, &out).ok());
  EXPECT_EQ(out.idle, 1);
}

TEST_F(OperatorsTest, TumblingWindowCountsAndSumsPerKey) {
  WindowAggregateOptions o;
  o.keys = {"key"};
  o.time_column = "ts";
  o.window = WindowSpec::Tumbling(milliseconds(10));
  o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"},
                  {AggregateSpec::Kind::kSum, "value", "sum_value"},
                  {AggregateSpec::Kind::kMax, "value", "max_value"},
                  {AggregateSpec::Kind::kAvg, "value", "avg_value"}};
  WindowAggregateOperator w(o);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(w.Open(&ctx).ok());
  ASSERT_TRUE(w.ProcessBatch(0,
                             Events(R"(["a","b","a","a","b"])", "[1, 2, 9, 10, 25]",
                                    "[1, 2, 3, 4, null]"),
                             &out)
                  .ok());
  EXPECT_TRUE(out.batches.empty());
  ASSERT_TRUE(w.ProcessWatermark(9'999, &out).ok());  // window [0,10ms) complete
  ASSERT_EQ(out.batches.size(), 1u);
  auto t = out.batches[0];
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->schema()->field_names(),
            (std::vector<std::string>{"key", "window_start", "window_end", "cnt",
                                      "sum_value", "max_value", "avg_value"}));
  EXPECT_EQ(t->GetColumnByName("key")->ToString(),
            Json(arrow::utf8(), R"(["a","b"])")->ToString());
  EXPECT_EQ(t->GetColumnByName("cnt")->ToString(),
            Json(arrow::int64(), "[2, 1]")->ToString());
  EXPECT_EQ(t->GetColumnByName("sum_value")->ToString(),
            Json(arrow::int64(), "[4, 2]")->ToString());
  EXPECT_EQ(t->GetColumnByName("avg_value")->ToString(),
            Json(arrow::float64(), "[2, 2]")->ToString());
  ASSERT_TRUE(w.ProcessWatermark(kMaxWatermark, &out).ok());
  // Windows fired by one watermark come out as one batch: [10,20) and [20,30).
  ASSERT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(out.batches[1]->num_rows(), 2);
  // b's only value in [20,30) is null: count(*) 1, sum null.
  EXPECT_EQ(out.batches[1]->GetColumnByName("sum_value")->null_count(), 1);
  EXPECT_EQ(out.watermarks.back(), kMaxWatermark);
}

TEST_F(OperatorsTest, LateRowsUpdateWithinAllowedLatenessAndAreDroppedAfter) {
  WindowAggregateOptions o;
  o.keys = {"key"};
  o.time_column = "ts";
  o.window = WindowSpec::Tumbling(milliseconds(10));
  o.allowed_lateness = milliseconds(5);
  o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"}};
  WindowAggregateOperator w(o);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(w.Open(&ctx).ok());
  ASSERT_TRUE(w.ProcessBatch(0, Events(R"(["a"])", "[1]", "[1]"), &out).ok());
  ASSERT_TRUE(w.ProcessWatermark(10'000, &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  ASSERT_TRUE(
      w.ProcessBatch(0, Events(R"(["a"])", "[2]", "[1]"), &out).ok());  // late, ok
  ASSERT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(out.batches[1]->GetColumnByName("cnt")->ToString(),
            Json(arrow::int64(), "[2]")->ToString());
  ASSERT_TRUE(w.ProcessWatermark(14'999, &out).ok());  // lateness over
  ASSERT_TRUE(w.ProcessBatch(0, Events(R"(["a"])", "[3]", "[1]"), &out).ok());
  EXPECT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(w.late_rows(), 1);
}

TEST_F(OperatorsTest, SlidingWindowsCoverEachRowSizeOverSlideTimes) {
  WindowAggregateOptions o;
  o.time_column = "ts";
  o.window = WindowSpec::Sliding(milliseconds(30), milliseconds(10));
  o.aggregates = {{AggregateSpec::Kind::kSum, "value", "s"}};
  WindowAggregateOperator w(o);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(w.Open(&ctx).ok());
  ASSERT_TRUE(w.ProcessBatch(0, Events(R"(["a","a"])", "[5, 25]", "[1, 10]"), &out).ok());
  ASSERT_TRUE(w.ProcessWatermark(kMaxWatermark, &out).ok());
  std::map<int64_t, int64_t> sums;  // window start (ms) → sum
  for (auto& b : out.batches) {
    auto starts = std::static_pointer_cast<arrow::TimestampArray>(
        b->GetColumnByName("window_start"));
    auto s = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("s"));
    for (int64_t i = 0; i < b->num_rows(); ++i)
      sums[starts->Value(i) / 1000] = s->Value(i);
  }
  EXPECT_EQ(sums, (std::map<int64_t, int64_t>{
                      {-20, 1}, {-10, 1}, {0, 11}, {10, 10}, {20, 10}}));
}

TEST_F(OperatorsTest, SessionWindowsMergeWhenAnEventBridgesThem) {
  WindowAggregateOptions o;
  o.keys = {"key"};
  o.time_column = "ts";
  o.window = WindowSpec::Session(milliseconds(5));
  o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"},
                  {AggregateSpec::Kind::kSum, "value", "total"}};
  auto op = MakeWindowOperator(o);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(op->Open(&ctx).ok());
  // a: 1 and 10 are separate sessions until 5 arrives and bridges them ([1,6) and
  // [5,10) and [10,15) touch/overlap → [1,15)); b: one session at 30.
  ASSERT_TRUE(
      op->ProcessBatch(0, Events(R"(["a","a","b"])", "[1, 10, 30]", "[1, 2, 3]"), &out)
          .ok());
  ASSERT_TRUE(op->ProcessBatch(0, Events(R"(["a"])", "[5]", "[4]"), &out).ok());
  ASSERT_TRUE(op->ProcessWatermark(14'998, &out).ok());
  EXPECT_TRUE(out.batches.empty());  // [1,15) ends at 14.999 ms
  ASSERT_TRUE(op->ProcessWatermark(14'999, &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  auto b = out.batches[0];
  EXPECT_EQ(b->GetColumnByName("cnt")->ToString(),
            Json(arrow::int64(), "[3]")->ToString());
  EXPECT_EQ(b->GetColumnByName("total")->ToString(),
            Json(arrow::int64(), "[7]")->ToString());
  auto start =
      std::static_pointer_cast<arrow::TimestampArray>(b->GetColumnByName("window_start"));
  auto end =
      std::static_pointer_cast<arrow::TimestampArray>(b->GetColumnByName("window_end"));
  EXPECT_EQ(start->Value(0), 1'000);
  EXPECT_EQ(end->Value(0), 15'000);
  // A late event for a fired session goes to the side output (none here: no tag).
  ASSERT_TRUE(op->ProcessBatch(0, Events(R"(["a"])", "[2]", "[9]"), &out).ok());
  ASSERT_TRUE(op->ProcessWatermark(kMaxWatermark, &out).ok());
  ASSERT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(out.batches[1]->GetColumnByName("key")->ToString(),
            Json(arrow::utf8(), R"(["b"])")->ToString());
}

TEST_F(OperatorsTest, ProcessingTimeWindowsFireOnTheClock) {
  WindowAggregateOptions o;
  o.keys = {"key"};
  o.window = WindowSpec::Tumbling(milliseconds(10));
  o.processing_time = true;
  o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"}};
  auto op = MakeWindowOperator(o);
  FakeContext ctx;
  ctx.now = 1'000'000;  // 1 s: the window [1000 ms, 1010 ms)
  CaptureOutput out;
  ASSERT_TRUE(op->Open(&ctx).ok());
  ASSERT_TRUE(
      op->ProcessBatch(0, Events(R"(["a","a","b"])", "[0, 0, 0]", "[1,1,1]"), &out).ok());
  ASSERT_TRUE(ctx.callback.has_value());
  EXPECT_EQ(*ctx.callback, 1'009'999);
  ASSERT_TRUE(op->ProcessWatermark(5'000'000'000, &out).ok());  // event time is ignored
  EXPECT_TRUE(out.batches.empty());
  ctx.now = *ctx.callback;
  ASSERT_TRUE(op->OnProcessingTime(ctx.now, &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0]->GetColumnByName("cnt")->ToString(),
            Json(arrow::int64(), "[2, 1]")->ToString());
  // Rows arriving later land in a later window, flushed at the end of input.
  ctx.now = 1'050'000;
  ASSERT_TRUE(op->ProcessBatch(0, Events(R"(["a"])", "[0]", "[1]"), &out).ok());
  ASSERT_TRUE(op->ProcessWatermark(kMaxWatermark, &out).ok());
  ASSERT_EQ(out.batches.size(), 2u);
  auto start = std::static_pointer_cast<arrow::TimestampArray>(
      out.batches[1]->GetColumnByName("window_start"));
  EXPECT_EQ(start->Value(0), 1'050'000);
}

TEST_F(OperatorsTest, GlobalWindowsWithCountTriggerAndAtEnd) {
  WindowAggregateOptions o;
  o.keys = {"key"};
  o.window = WindowSpec::Global();
  o.count_trigger = 2;
  o.aggregates = {{AggregateSpec::Kind::kSum, "value", "total"}};
  auto op = MakeWindowOperator(o);
  FakeContext ctx;
  CaptureOutput out;
  ASSERT_TRUE(op->Open(&ctx).ok());
  ASSERT_TRUE(
      op->ProcessBatch(
            0, Events(R"(["a","b","a","a","a"])", "[1,2,3,4,5]", "[1,10,2,3,4]"), &out)
          .ok());
  ASSERT_EQ(out.batches.size(), 1u);  // a fired twice (1+2, 3+4); b waits
  EXPECT_EQ(out.batches[0]->GetColumnByName("total")->ToString(),
            Json(arrow::int64(), "[3, 7]")->ToString());
  EXPECT_EQ(out.batches[0]->schema()->field_names(),
            (std::vector<std::string>{"key", "total"}));
  ASSERT_TRUE(op->ProcessWatermark(kMaxWatermark, &out).ok());
  ASSERT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(out.batches[1]->GetColumnByName("key")->ToString(),
            Json(arrow::utf8(), R"(["b"])")->ToString());
  o.count_trigger = -1;
  EXPECT_FALSE(MakeWindowOperator(o)->Open(&ctx).ok());
}

// Sum of squares of `value`, as a user-defined aggregate with a typed accumulator.
class SumOfSquares : public TypedAggregateFunction<double> {
 public:
  std::shared_ptr<arrow::DataType> result_type() const override {
    return arrow::float64();
  }
  double Create() const override { return 0; }
  arrow::Status AddRow(const RowView& row, double* acc) const override {
    ARROW_ASSIGN_OR_RAISE(bool null, row.IsNull("value"));
    if (null) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(double v, row.GetDouble("value"));
    *acc += v * v;
    return arrow::Status::OK();
  }
  double MergeAccumulators(const double& a, const double& b) const override {
    return a + b;
  }
  arrow::Result<RowValue> Result(const double& acc) const override { return acc; }
};

TEST_F(OperatorsTest, UserDefinedAggregatesInWindowsAndMergingSessions) {
  auto squares = std::make_shared<SumOfSquares>();
  for (auto spec :
       {WindowSpec::Tumbling(milliseconds(100)), WindowSpec::Session(milliseconds(5))}) {
    WindowAggregateOptions o;
    o.keys = {"key"};
    o.time_column = "ts";
    o.window = spec;
    o.aggregates = {AggregateSpec::User("squares", squares),
                    {AggregateSpec::Kind::kCount, "", "cnt"}};
    auto op = MakeWindowOperator(o);
    FakeContext ctx;
    CaptureOutput out;
    ASSERT_TRUE(op->Open(&ctx).ok());
    // Session: 1 and 10 are apart until 5 bridges them; both shapes see one window.
    ASSERT_TRUE(
        op->ProcessBatch(0, Events(R"(["a","a"])", "[1, 10]", "[2, 3]"), &out).ok());
    ASSERT_TRUE(
        op->ProcessBatch(0, Events(R"(["a","a"])", "[5, 6]", "[4, null]"), &out).ok());
    ASSERT_TRUE(op->ProcessWatermark(kMaxWatermark, &out).ok());
    ASSERT_EQ(out.batches.size(), 1u);
    EXPECT_EQ(out.batches[0]->GetColumnByName("squares")->ToString(),
              Json(arrow::float64(), "[29]")->ToString());
    EXPECT_EQ(out.batches[0]->GetColumnByName("cnt")->ToString(),
              Json(arrow::int64(), "[4]")->ToString());
  }
}

// Collects window output rows as (key text, window start, cnt, total).
std::multiset<std::tuple<std::string, int64_t, int64_t, int64_t>> WindowRows(
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  std::multiset<std::tuple<std::string, int64_t, int64_t, int64_t>> rows;
  for (const auto& b : batches) {
    auto start = std::static_pointer_cast<arrow::TimestampArray>(
        b->GetColumnByName("window_start"));
    auto cnt = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("cnt"));
    auto total = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("total"));
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      rows.emplace((*b->column(0)->GetScalar(i))->ToString(), start ? start->Value(i) : 0,
                   cnt->Value(i), total->Value(i));
    }
  }
  return rows;
}

// Window state snapshotted at parallelism 1 and restored at parallelism 2 (each
// subtask restoring its key groups) gives the same result as one uninterrupted run.
TEST_F(OperatorsTest, WindowStateSurvivesSnapshotAndRescaledRestore) {
  const std::vector<std::pair<bool, WindowSpec>> cases = {
      {false, WindowSpec::Sliding(milliseconds(20), milliseconds(10))},
      {true, WindowSpec::Sliding(milliseconds(20), milliseconds(10))},
      {false, WindowSpec::Session(milliseconds(2))},
      {true, WindowSpec::Global()}};
  for (const auto& [int_keys, spec] : cases) {
    WindowAggregateOptions o;
    o.keys = {"key"};
    o.time_column = "ts";
    o.window = spec;
    o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"},
                    {AggregateSpec::Kind::kSum, "value", "total"}};
    std::mt19937 rng(3);
    auto make = [&](int rows, int64_t t0) {
      arrow::Int64Builder ts, value, ikey;
      arrow::StringBuilder skey;
      for (int i = 0; i < rows; ++i) {
        const int k = static_cast<int>(rng() % 40);
        EXPECT_TRUE(skey.Append("k" + std::to_string(k)).ok());
        EXPECT_TRUE(ikey.Append(k).ok());
        EXPECT_TRUE(ts.Append(t0 + static_cast<int64_t>(rng() % 50)).ok());
        EXPECT_TRUE(value.Append(static_cast<int64_t>(rng() % 10)).ok());
      }
      auto key_array = int_keys ? *ikey.Finish() : *skey.Finish();
      auto schema = arrow::schema({arrow::field("key", key_array->type()),
                                   arrow::field("ts", arrow::int64()),
                                   arrow::field("value", arrow::int64())});
      return arrow::RecordBatch::Make(schema, rows,
                                      {key_array, *ts.Finish(), *value.Finish()});
    };
    auto first = make(500, 0), second = make(500, 30);

    FakeContext ctx;
    CaptureOutput reference;
    auto whole = MakeWindowOperator(o);
    ASSERT_TRUE(whole->Open(&ctx).ok());
    ASSERT_TRUE(whole->ProcessBatch(0, first, &reference).ok());
    ASSERT_TRUE(whole->ProcessBatch(0, second, &reference).ok());
    ASSERT_TRUE(whole->ProcessWatermark(kMaxWatermark, &reference).ok());

    CaptureOutput before;
    auto op = MakeWindowOperator(o);
    ASSERT_TRUE(op->Open(&ctx).ok());
    ASSERT_TRUE(op->ProcessBatch(0, first, &before).ok());
    auto backend = state::MakeInMemoryStateBackend();
    ASSERT_TRUE(op->SnapshotState(backend.get()).ok());
    auto sink = *arrow::io::BufferOutputStream::Create();
    ASSERT_TRUE(backend->Snapshot(sink.get()).ok());
    auto snapshot = *sink->Finish();

    {
      // Restored state fires with no new batch: the input schema travels with it.
      auto full = state::MakeInMemoryStateBackend();
      arrow::io::BufferReader in(snapshot);
      ASSERT_TRUE(full->Restore(&in, state::KeyGroupRange{0, 127}).ok());
      auto restored = MakeWindowOperator(o);
      ASSERT_TRUE(restored->Open(&ctx).ok());
      ASSERT_TRUE(restored->RestoreState(full.get()).ok());
      CaptureOutput fired, expected;
      ASSERT_TRUE(restored->ProcessWatermark(kMaxWatermark, &fired).ok());
      auto direct = MakeWindowOperator(o);
      ASSERT_TRUE(direct->Open(&ctx).ok());
      ASSERT_TRUE(direct->ProcessBatch(0, first, &expected).ok());
      ASSERT_TRUE(direct->ProcessWatermark(kMaxWatermark, &expected).ok());
      EXPECT_EQ(WindowRows(fired.batches), WindowRows(expected.batches));
      EXPECT_FALSE(fired.batches.empty());
    }
    // Route the second batch as a 2-way hash exchange would.
    auto hashes = *expr::HashKeyColumns(*second, {0});
    std::vector<std::vector<int64_t>> rows_of(2);
    for (int64_t r = 0; r < second->num_rows(); ++r) {
      const int g = state::KeyGroupForHash(hashes[r], 128);
      rows_of[state::SubtaskForKeyGroup(g, 2, 128)].push_back(r);
    }
    CaptureOutput after;
    for (int s = 0; s < 2; ++s) {
      auto part = state::MakeInMemoryStateBackend();
      arrow::io::BufferReader in(snapshot);
      ASSERT_TRUE(part->Restore(&in, state::KeyGroupRangeFor(s, 2, 128)).ok());
      FakeContext sub;
      sub.info.index = s;
      sub.info.parallelism = 2;
      auto restored = MakeWindowOperator(o);
      ASSERT_TRUE(restored->Open(&sub).ok());
      ASSERT_TRUE(restored->RestoreState(part.get()).ok());
      arrow::Int64Builder idx;
      ASSERT_TRUE(idx.AppendValues(rows_of[s]).ok());
      auto taken =
          (*cp::Take(arrow::Datum(second), arrow::Datum(*idx.Finish()))).record_batch();
      ASSERT_TRUE(restored->ProcessBatch(0, taken, &after).ok());
      ASSERT_TRUE(restored->ProcessWatermark(kMaxWatermark, &after).ok());
    }
    EXPECT_TRUE(before.batches.empty());
    EXPECT_EQ(WindowRows(after.batches), WindowRows(reference.batches))
        << "int keys " << int_keys << ", kind " << static_cast<int>(spec.kind);
    EXPECT_GE(WindowRows(reference.batches).size(), 40u);
  }
}

struct SideCapture : CaptureOutput {
  std::map<std::string, int64_t> side_rows;
  arrow::Status EmitSide(const std::string& tag,
                         std::shared_ptr<arrow::RecordBatch> b) override {
    side_rows[tag] += b->num_rows();
    return arrow::Status::OK();
  }
};

TEST_F(OperatorsTest, LateRowsGoToTheSideOutput) {
  for (auto kind : {WindowSpec::Kind::kTumbling, WindowSpec::Kind::kSession}) {
    WindowAggregateOptions o;
    o.keys = {"key"};
    o.time_column = "ts";
    o.window = kind == WindowSpec::Kind::kTumbling
                   ? WindowSpec::Tumbling(milliseconds(10))
                   : WindowSpec::Session(milliseconds(10));
    o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"}};
    o.late_data_tag = "late";
    auto op = MakeWindowOperator(o);
    FakeContext ctx;
    SideCapture out;
    ASSERT_TRUE(op->Open(&ctx).ok());
    ASSERT_TRUE(op->ProcessBatch(0, Events(R"(["a"])", "[1]", "[1]"), &out).ok());
    ASSERT_TRUE(op->ProcessWatermark(50'000, &out).ok());
    ASSERT_TRUE(
        op->ProcessBatch(0, Events(R"(["a","a"])", "[3, 60]", "[1,1]"), &out).ok());
    EXPECT_EQ(out.side_rows["late"], 1);
  }
}

// A whole job: events out of order within a bound, from several source subtasks,
// keyed windows at several parallelisms, checked against a brute-force count.
class EventSource : public SourceReader {
 public:
  EventSource(const SubtaskInfo& info, int batches, int rows, uint32_t seed)
      : info_(info), batches_(batches), rows_(rows), rng_(seed + info.index) {}
  arrow::Result<PollResult> Poll(Output* out) override {
    if (done_ >= batches_) return PollResult::End();
    arrow::StringBuilder k;
    arrow::TimestampBuilder t(arrow::timestamp(arrow::TimeUnit::MILLI),
                              arrow::default_memory_pool());
    arrow::Int64Builder v;
    for (int i = 0; i < rows_; ++i) {
      const int64_t base = int64_t{done_} * rows_ + i;
      ARROW_RETURN_NOT_OK(k.Append("k" + std::to_string(rng_() % 5)));
      ARROW_RETURN_NOT_OK(
          t.Append(base - static_cast<int64_t>(rng_() % 20)));  // ≤ 20ms late
      ARROW_RETURN_NOT_OK(v.Append(static_cast<int64_t>(rng_() % 100)));
    }
    ++done_;
    return out->Emit(arrow::RecordBatch::Make(kEvents, rows_,
                                              {*k.Finish(), *t.Finish(), *v.Finish()}))
                   .ok()
               ? PollResult::More()
               : PollResult::End();
  }

 private:
  SubtaskInfo info_;
  int batches_, rows_, done_ = 0;
  std::mt19937 rng_;
};

struct Sink {
  std::mutex mu;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
};

class SinkOperator : public Operator {
 public:
  explicit SinkOperator(Sink* s) : s_(s) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& b,
                             Output*) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->batches.push_back(b);
    return arrow::Status::OK();
  }

 private:
  Sink* s_;
};

using Counts = std::map<std::tuple<std::string, int64_t>, std::pair<int64_t, int64_t>>;

// Re-slices batches at random points and sleeps at random: batch boundaries and
// arrival times change, results must not (Acero's jitter node, in spirit).
class JitterOperator : public Operator {
 public:
  explicit JitterOperator(uint32_t seed) : rng_(seed) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& b,
                             Output* out) override {
    int64_t offset = 0;
    while (offset < b->num_rows()) {
      const int64_t len = std::min<int64_t>(1 + rng_() % 200, b->num_rows() - offset);
      if (rng_() % 8 == 0)
        std::this_thread::sleep_for(std::chrono::microseconds(rng_() % 300));
      ARROW_RETURN_NOT_OK(out->Emit(b->Slice(offset, len)));
      offset += len;
    }
    return arrow::Status::OK();
  }

 private:
  std::mt19937 rng_;
};

Counts RunWindowJob(int source_parallelism, int window_parallelism, int threads,
                    bool jitter = false) {
  JobGraph g;
  Sink sink;
  int src = g.AddSource("events", source_parallelism, [](const SubtaskInfo& info) {
    return std::unique_ptr<SourceReader>(
        std::make_unique<EventSource>(info, 20, 500, 42));
  });
  int wm = g.AddOperator("watermarks", source_parallelism, [](const SubtaskInfo&) {
    return std::unique_ptr<Operator>(std::make_unique<WatermarkAssigner>(
        WatermarkStrategy::ForBoundedOutOfOrderness(milliseconds(20))
            .WithTimestampColumn("ts")
            .WithEmitInterval(std::chrono::microseconds(0))));
  });
  int jitter_vertex = -1;
  if (jitter) {
    jitter_vertex =
        g.AddOperator("jitter", source_parallelism, [](const SubtaskInfo& info) {
          return std::unique_ptr<Operator>(
              std::make_unique<JitterOperator>(7 + info.index));
        });
  }
  int win = g.AddOperator("window", window_parallelism, [](const SubtaskInfo&) {
    WindowAggregateOptions o;
    o.keys = {"key"};
    o.time_column = "ts";
    o.window = WindowSpec::Tumbling(milliseconds(100));
    o.aggregates = {{AggregateSpec::Kind::kCount, "", "cnt"},
                    {AggregateSpec::Kind::kSum, "value", "sum_value"}};
    return std::unique_ptr<Operator>(std::make_unique<WindowAggregateOperator>(o));
  });
  int out = g.AddOperator("sink", window_parallelism, [&sink](const SubtaskInfo&) {
    return std::unique_ptr<Operator>(std::make_unique<SinkOperator>(&sink));
  });
  EXPECT_TRUE(g.Connect(src, wm, Partitioning::Forward()).ok());
  if (jitter) {
    EXPECT_TRUE(g.Connect(wm, jitter_vertex, Partitioning::Rebalance()).ok());
    wm = jitter_vertex;
  }
  EXPECT_TRUE(g.Connect(wm, win, Partitioning::Hash({"key"})).ok());
  EXPECT_TRUE(g.Connect(win, out, Partitioning::Forward()).ok());
  RuntimeOptions options;
  options.threads = threads;
  auto result = Execute(g, options, "windows");
  EXPECT_TRUE(result.ok()) << result.status();
  Counts counts;
  for (auto& b : sink.batches) {
    auto k = std::static_pointer_cast<arrow::StringArray>(b->GetColumnByName("key"));
    auto s = std::static_pointer_cast<arrow::TimestampArray>(
        b->GetColumnByName("window_start"));
    auto c = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("cnt"));
    auto v = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("sum_value"));
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      auto [it, inserted] =
          counts.try_emplace({k->GetString(i), s->Value(i)}, c->Value(i), v->Value(i));
      EXPECT_TRUE(inserted) << "window emitted twice";
    }
  }
  return counts;
}

Counts BruteForce(int source_parallelism) {
  Counts counts;
  for (int p = 0; p < source_parallelism; ++p) {
    std::mt19937 rng(42 + p);
    for (int b = 0; b < 20; ++b) {
      for (int i = 0; i < 500; ++i) {
        const int64_t base = int64_t{b} * 500 + i;
        std::string key = "k" + std::to_string(rng() % 5);
        const int64_t ts = base - static_cast<int64_t>(rng() % 20);
        const int64_t value = static_cast<int64_t>(rng() % 100);
        const int64_t start = (ts >= 0 ? ts / 100 : (ts - 99) / 100) * 100 * 1000;
        auto& c = counts[{key, start}];
        ++c.first;
        c.second += value;
      }
    }
  }
  return counts;
}

TEST_F(OperatorsTest, KeyedWindowJobMatchesBruteForceAtAnyParallelism) {
  // Events are at most 20ms out of order and the watermark allows 20ms: nothing is
  // late, so every event is counted exactly once.
  for (auto [sp, wp, threads] : {std::tuple{1, 1, 1}, {2, 3, 2}, {3, 2, 4}}) {
    EXPECT_EQ(RunWindowJob(sp, wp, threads), BruteForce(sp))
        << sp << " sources, " << wp << " windows, " << threads << " threads";
  }
}

TEST_F(OperatorsTest, KeyedWindowJobIsUnaffectedByJitteredBatchArrival) {
  // Random re-slicing and delays, and a rebalance that interleaves source subtasks:
  // the per-channel watermarks keep every window complete and exact.
  for (auto [sp, wp, threads] : {std::tuple{2, 2, 2}, {3, 1, 3}}) {
    EXPECT_EQ(RunWindowJob(sp, wp, threads, /*jitter=*/true), BruteForce(sp))
        << sp << " sources, " << wp << " windows, " << threads << " threads";
  }
}

}  // namespace
}  // namespace weir::runtime
