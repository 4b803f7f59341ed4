// WindowTvfOperator and WindowGroupAggregateOperator: window assignment, firing at
// the watermark, late rows, and snapshot/restore.
#include "weir/runtime/operators/window_group_aggregate.h"

#include <algorithm>

#include <arrow/builder.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/window_tvf.h"

namespace weir::runtime {
namespace {

constexpr int64_t kMinute = 60'000'000;

struct Capture : Output {
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
  std::vector<std::string> Rows() const {
    std::vector<std::string> rows;
    for (const auto& b : batches) {
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        std::string row;
        for (int c = 0; c < b->num_columns(); ++c) {
          row += (c ? "|" : "") + (*b->column(c)->GetScalar(r))->ToString();
        }
        rows.push_back(row);
      }
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }
};

struct Context : OperatorContext {
  SubtaskInfo info;
  const SubtaskInfo& subtask() const override { return info; }
  EventTime current_watermark() const override { return kMinWatermark; }
  EventTime ProcessingTime() const override { return 0; }
  void RequestProcessingTimeCallback(EventTime) override {}
  std::shared_ptr<WakeHandle> MakeWakeHandle() override { return nullptr; }
};

// Rows (minute of the hour, key, value) at 2020-04-15 08:mm.
std::shared_ptr<arrow::RecordBatch> Events(const std::vector<int>& minutes,
                                           const std::string& keys,
                                           const std::string& values) {
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MILLI),
                             arrow::default_memory_pool());
  const int64_t base = 1586937600000;  // 2020-04-15 08:00 UTC, ms
  for (int m : minutes) EXPECT_TRUE(ts.Append(base + m * 60'000).ok());
  auto t = *ts.Finish();
  auto k = *arrow::json::ArrayFromJSONString(arrow::utf8(), keys);
  auto v = *arrow::json::ArrayFromJSONString(arrow::int64(), values);
  auto schema =
      arrow::schema({arrow::field("ts", t->type()), arrow::field("k", k->type()),
                     arrow::field("v", v->type())});
  return arrow::RecordBatch::Make(schema, t->length(), {t, k, v});
}

EventTime At(int minute) { return 1586937600000LL * 1000 + minute * kMinute; }

std::shared_ptr<arrow::RecordBatch> Windowed(
    WindowTvfOptions::Kind kind, int64_t size, int64_t slide,
    const std::shared_ptr<arrow::RecordBatch>& in) {
  WindowTvfOptions o;
  o.kind = kind;
  o.time_column = "ts";
  o.size = size;
  o.slide = slide;
  WindowTvfOperator op(o);
  Capture out;
  EXPECT_TRUE(op.ProcessBatch(0, in, &out).ok());
  return out.batches.empty() ? nullptr : out.batches[0];
}

WindowGroupAggregateOptions SumByKey() {
  WindowGroupAggregateOptions o;
  o.keys = {"window_start", "window_end", "k"};
  o.end_column = "window_end";
  o.aggregates = {{"sum", "v", "total"}, {"count_all", "", "n"}};
  return o;
}

class WindowOperatorsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(WindowOperatorsTest, AssignsTumbleHopAndCumulateWindows) {
  auto events = Events({5, 11}, R"(["a","a"])", "[1,2]");
  EXPECT_EQ(
      Windowed(WindowTvfOptions::Kind::kTumble, 10 * kMinute, 0, events)->num_rows(), 2);
  // HOP 10 min every 5: each row in two windows.
  auto hop = Windowed(WindowTvfOptions::Kind::kHop, 10 * kMinute, 5 * kMinute, events);
  EXPECT_EQ(hop->num_rows(), 4);
  // CUMULATE up to 10 min by 2: 08:05 is in [00,06) [00,08) [00,10); 08:11 in
  // [10,12) … [10,20): 3 + 5 windows.
  auto cumulate =
      Windowed(WindowTvfOptions::Kind::kCumulate, 10 * kMinute, 2 * kMinute, events);
  EXPECT_EQ(cumulate->num_rows(), 8);
  EXPECT_EQ(cumulate->schema()->field(5)->name(), "window_time");
}

TEST_F(WindowOperatorsTest, FiresAtTheWatermarkAndDropsLateRows) {
  WindowGroupAggregateOperator op(SumByKey());
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  auto windowed = Windowed(WindowTvfOptions::Kind::kTumble, 10 * kMinute, 0,
                           Events({5, 7, 11}, R"(["a","b","a"])", "[1,2,3]"));
  ASSERT_TRUE(op.ProcessBatch(0, windowed, &out).ok());
  EXPECT_TRUE(out.batches.empty());
  // 08:09:59.999999 is the first window's last instant: it fires, the second not.
  ASSERT_TRUE(op.ProcessWatermark(At(10) - 1, &out).ok());
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0]->num_rows(), 2);
  EXPECT_EQ(out.watermarks.back(), At(10) - 1);
  EXPECT_EQ(op.num_groups(), 1u);
  // A row for the fired window is late; the open window still takes rows.
  auto more = Windowed(WindowTvfOptions::Kind::kTumble, 10 * kMinute, 0,
                       Events({8, 12}, R"(["a","a"])", "[100,4]"));
  ASSERT_TRUE(op.ProcessBatch(0, more, &out).ok());
  EXPECT_EQ(op.late_rows(), 1);
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  auto rows = out.Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[2].find("|a|7|2"), std::string::npos) << rows[2];
  EXPECT_EQ(op.num_groups(), 0u);
}

TEST_F(WindowOperatorsTest, RestoresOpenWindows) {
  auto first = Windowed(WindowTvfOptions::Kind::kTumble, 10 * kMinute, 0,
                        Events({1, 2, 13}, R"(["a","b","a"])", "[1,2,3]"));
  auto second = Windowed(WindowTvfOptions::Kind::kTumble, 10 * kMinute, 0,
                         Events({3, 14}, R"(["a","b"])", "[10,20]"));
  Context ctx;
  WindowGroupAggregateOperator reference(SumByKey());
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());
  ASSERT_TRUE(reference.ProcessWatermark(kMaxWatermark, &ref_out).ok());

  WindowGroupAggregateOperator before(SumByKey());
  Capture ignored;
  ASSERT_TRUE(before.Open(&ctx).ok());
  ASSERT_TRUE(before.ProcessBatch(0, first, &ignored).ok());
  auto backend = state::MakeInMemoryStateBackend();
  ASSERT_TRUE(before.SnapshotState(backend.get()).ok());
  WindowGroupAggregateOperator after(SumByKey());
  Capture out;
  ASSERT_TRUE(after.Open(&ctx).ok());
  ASSERT_TRUE(after.RestoreState(backend.get()).ok());
  EXPECT_EQ(after.num_groups(), 3u);
  ASSERT_TRUE(after.ProcessBatch(0, second, &out).ok());
  ASSERT_TRUE(after.ProcessWatermark(kMaxWatermark, &out).ok());
  EXPECT_EQ(out.Rows(), ref_out.Rows());
}

// Feeds `first`, a watermark at 08:12, a snapshot restored into a new operator, then
// `second` and the final watermark: to the operator on slices of `slide` and to the
// copying reference (rows assigned to whole windows by `kind`); their rows must be
// equal.
void ExpectSlicesEqualWindows(WindowTvfOptions::Kind kind, int64_t size, int64_t slide,
                              const std::shared_ptr<arrow::RecordBatch>& first,
                              const std::shared_ptr<arrow::RecordBatch>& second) {
  Context ctx;
  WindowGroupAggregateOperator reference(SumByKey());
  Capture want;
  ASSERT_TRUE(reference.Open(&ctx).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, Windowed(kind, size, slide, first), &want).ok());
  ASSERT_TRUE(reference.ProcessWatermark(At(12) - 1, &want).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, Windowed(kind, size, slide, second), &want).ok());
  ASSERT_TRUE(reference.ProcessWatermark(kMaxWatermark, &want).ok());

  WindowGroupAggregateOptions sliced = SumByKey();
  sliced.start_column = "window_start";
  sliced.slice_size = slide;
  sliced.window_size = size;
  sliced.cumulate = kind == WindowTvfOptions::Kind::kCumulate;
  auto slices = [&](const std::shared_ptr<arrow::RecordBatch>& in) {
    return Windowed(WindowTvfOptions::Kind::kTumble, slide, 0, in);
  };
  WindowGroupAggregateOperator before(sliced);
  Capture got;
  ASSERT_TRUE(before.Open(&ctx).ok());
  ASSERT_TRUE(before.ProcessBatch(0, slices(first), &got).ok());
  ASSERT_TRUE(before.ProcessWatermark(At(12) - 1, &got).ok());
  auto backend = state::MakeInMemoryStateBackend();
  ASSERT_TRUE(before.SnapshotState(backend.get()).ok());
  WindowGroupAggregateOperator after(sliced);
  ASSERT_TRUE(after.Open(&ctx).ok());
  ASSERT_TRUE(after.RestoreState(backend.get()).ok());
  ASSERT_TRUE(after.ProcessBatch(0, slices(second), &got).ok());
  ASSERT_TRUE(after.ProcessWatermark(kMaxWatermark, &got).ok());
  EXPECT_EQ(got.Rows(), want.Rows());
  EXPECT_EQ(after.num_groups(), 0u);
  EXPECT_GT(want.Rows().size(), 10u);
}

// Sliding windows by slices: the same rows as the HOP-assigned reference (every row
// copied into each of its windows), also across a snapshot restored mid-stream;
// a row whose slice ended before the watermark is late, as in Flink.
TEST_F(WindowOperatorsTest, SlicedHopWindowsEqualHopWindows) {
  ExpectSlicesEqualWindows(
      WindowTvfOptions::Kind::kHop, 10 * kMinute, 2 * kMinute,
      Events({0, 1, 3, 3, 7, 9, 12}, R"(["a","b","a","c","a","b","a"])",
             "[1,2,3,4,5,6,7]"),
      Events({13, 15, 21, 22, 33}, R"(["b","a","c","a","b"])", "[10,20,30,40,50]"));

  // 08:05 is in the slice [04, 06), which ended before the watermark 08:07.
  WindowGroupAggregateOptions sliced = SumByKey();
  sliced.start_column = "window_start";
  sliced.slice_size = 2 * kMinute;
  sliced.window_size = 10 * kMinute;
  auto slices = [&](const std::shared_ptr<arrow::RecordBatch>& in) {
    return Windowed(WindowTvfOptions::Kind::kTumble, 2 * kMinute, 0, in);
  };
  Context ctx;
  WindowGroupAggregateOperator late(sliced);
  Capture ignored;
  ASSERT_TRUE(late.Open(&ctx).ok());
  ASSERT_TRUE(
      late.ProcessBatch(0, slices(Events({6}, R"(["a"])", "[1]")), &ignored).ok());
  ASSERT_TRUE(late.ProcessWatermark(At(7), &ignored).ok());
  ASSERT_TRUE(
      late.ProcessBatch(0, slices(Events({5}, R"(["a"])", "[1]")), &ignored).ok());
  EXPECT_EQ(late.late_rows(), 1);
}

// CUMULATE by slices: windows [P, P + k * step) of each period P merge the period's
// slices; the same rows as the copying path, across a mid-stream restore.
TEST_F(WindowOperatorsTest, SlicedCumulateWindowsEqualCumulateWindows) {
  ExpectSlicesEqualWindows(WindowTvfOptions::Kind::kCumulate, 10 * kMinute, 2 * kMinute,
                           Events({0, 1, 3, 3, 7, 9, 12},
                                  R"(["a","b","a","c","a","b","a"])", "[1,2,3,4,5,6,7]"),
                           Events({13, 15, 19, 21, 22, 33},
                                  R"(["b","a","c","c","a","b"])", "[10,20,25,30,40,50]"));
}

// LISTAGG over slices merges in Flink's order: a HOP table function's newest slice
// first, CUMULATE (and legacy HOP) oldest first; arrival order within a slice.
TEST_F(WindowOperatorsTest, SlicedListAggMergesInFlinksOrder) {
  for (const bool newest_first : {true, false}) {
    WindowGroupAggregateOptions o;
    o.keys = {"window_start", "window_end", "k"};
    o.end_column = "window_end";
    GroupAggregateCall listagg{"listagg", "v", "g"};
    listagg.separator = "|";
    o.aggregates = {listagg};
    o.start_column = "window_start";
    o.slice_size = 2 * kMinute;
    o.window_size = 4 * kMinute;
    o.newest_slice_first = newest_first;
    Context ctx;
    WindowGroupAggregateOperator op(o);
    Capture out;
    ASSERT_TRUE(op.Open(&ctx).ok());
    auto events = Events({3, 0, 2, 1}, R"(["a","a","a","a"])", "[1,2,3,4]");
    auto rows = *events->SetColumn(
        2, arrow::field("v", arrow::utf8()),
        *arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["1","2","3","4"])"));
    auto status = op.ProcessBatch(
        0, Windowed(WindowTvfOptions::Kind::kTumble, 2 * kMinute, 0, rows), &out);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(op.ProcessWatermark(At(4) - 1, &out).ok());
    // The window [08:00, 08:04): slice [00, 02) holds 2, 4; slice [02, 04) 1, 3.
    bool found = false;
    for (const auto& row : out.Rows()) {
      if (row.find("08:00:00.000|2020-04-15 08:04") == std::string::npos) continue;
      found = true;
      EXPECT_NE(row.find(newest_first ? "|1|3|2|4" : "|2|4|1|3"), std::string::npos)
          << row;
    }
    EXPECT_TRUE(found) << ::testing::PrintToString(out.Rows());
  }
}

}  // namespace
}  // namespace weir::runtime
