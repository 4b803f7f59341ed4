#include "weir/api/stream_execution_environment.h"

#include <map>

#include <arrow/array.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/json/from_string.h>
#include <arrow/table.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/connectors/collect/sink.h"
#include "weir/connectors/datagen/source.h"

namespace weir::api {
namespace {

namespace cp = arrow::compute;
using runtime::AggregateSpec;
using runtime::WatermarkStrategy;
using runtime::WindowSpec;
using std::chrono::milliseconds;

// 20,000 events: id 0…19999, key = id % 10 as string via a projection, ts = id ms.
runtime::SourceFactory Events() {
  connectors::DatagenOptions o;
  o.schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("value", arrow::int64())});
  connectors::DatagenFieldOptions id;
  id.kind = connectors::DatagenFieldOptions::Kind::kSequence;
  id.start = 0;
  id.end = 19999;
  o.fields["id"] = id;
  connectors::DatagenFieldOptions value;
  value.min = 0;
  value.max = 9;
  o.fields["value"] = value;
  o.batch_size = 1000;
  return *connectors::MakeDatagenSource(o);
}

std::map<std::pair<int64_t, int64_t>, int64_t> WindowCounts(const arrow::Table& t) {
  std::map<std::pair<int64_t, int64_t>, int64_t> out;
  auto combined = *t.CombineChunksToBatch();
  auto k = std::static_pointer_cast<arrow::Int64Array>(combined->GetColumnByName("k"));
  auto s = std::static_pointer_cast<arrow::TimestampArray>(
      combined->GetColumnByName("window_start"));
  auto c = std::static_pointer_cast<arrow::Int64Array>(combined->GetColumnByName("cnt"));
  for (int64_t i = 0; i < combined->num_rows(); ++i) {
    EXPECT_TRUE(
        out.emplace(std::make_pair(k->Value(i), s->Value(i)), c->Value(i)).second);
  }
  return out;
}

std::shared_ptr<arrow::Table> RunPipeline(RuntimeMode mode, int parallelism) {
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(parallelism).SetRuntimeMode(mode);
  auto events = env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "events");
  auto result =
      events.Filter(cp::not_equal(cp::field_ref("value"), cp::literal(int64_t{0})))
          .Select({{"k", cp::call("divide",
                                  {cp::field_ref("id"), cp::literal(int64_t{2000})})},
                   {"ts", cp::field_ref("id")},
                   {"value", cp::field_ref("value")}})
          .AssignTimestampsAndWatermarks(
              WatermarkStrategy::ForMonotonousTimestamps()
                  .WithTimestampColumn("ts")
                  .WithEmitInterval(std::chrono::microseconds(0)))
          .KeyBy({"k"})
          .Window(TumblingEventTimeWindows::Of(milliseconds(500)))
          .Aggregate({{AggregateSpec::Kind::kCount, "", "cnt"},
                      {AggregateSpec::Kind::kSum, "value", "total"}})
          .ExecuteAndCollect();
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : nullptr;
}

class DataStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(DataStreamTest, WindowPipelineGivesTheSameAnswerInEveryModeAndParallelism) {
  auto reference = RunPipeline(RuntimeMode::kStreaming, 1);
  ASSERT_TRUE(reference);
  auto counts = WindowCounts(*reference);
  // ts = id ms in 500 ms windows, keys id / 2000: 10 keys × 4 windows each.
  EXPECT_EQ(counts.size(), 40u);
  int64_t total = 0;
  for (auto& [k, c] : counts) total += c;
  EXPECT_GT(total, 17000);  // ~90% of rows have value != 0
  EXPECT_LT(total, 19000);
  for (auto [mode, p] : {std::pair{RuntimeMode::kStreaming, 2},
                         {RuntimeMode::kBatch, 1},
                         {RuntimeMode::kBatch, 3}}) {
    auto t = RunPipeline(mode, p);
    ASSERT_TRUE(t);
    EXPECT_EQ(WindowCounts(*t), counts) << "parallelism " << p;
  }
}

// Sessions per key over generated events: key = id % 7, ts = id * 3 ms with a pause of
// 100 ms after every 50th id; gap 40 ms. Brute force: walk each key's events in time.
TEST_F(DataStreamTest, SessionWindowsMatchBruteForce) {
  std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> expected;
  {
    std::map<int64_t, std::vector<int64_t>> times;
    for (int64_t id = 0; id < 20000; ++id)
      times[id % 7].push_back(id * 3 + (id / 50) * 100);
    for (auto& [k, ts] : times) {
      int64_t start = ts[0], last = ts[0], count = 0;
      for (int64_t t : ts) {
        if (t - last >= 40) {
          expected[{k, start * 1000}] = {count, (last + 40) * 1000};
          start = t;
          count = 0;
        }
        last = t;
        ++count;
      }
      expected[{k, start * 1000}] = {count, (last + 40) * 1000};
    }
  }
  for (auto [mode, p] :
       {std::pair{RuntimeMode::kStreaming, 2}, {RuntimeMode::kBatch, 3}}) {
    auto env = StreamExecutionEnvironment::Create();
    env->SetParallelism(p).SetRuntimeMode(mode);
    auto t =
        env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "events")
            .Select(
                {{"k", cp::call("subtract",
                                {cp::field_ref("id"),
                                 cp::call("multiply",
                                          {cp::call("divide", {cp::field_ref("id"),
                                                               cp::literal(int64_t{7})}),
                                           cp::literal(int64_t{7})})})},
                 {"ts",
                  cp::call("add",
                           {cp::call("multiply",
                                     {cp::field_ref("id"), cp::literal(int64_t{3})}),
                            cp::call("multiply",
                                     {cp::call("divide", {cp::field_ref("id"),
                                                          cp::literal(int64_t{50})}),
                                      cp::literal(int64_t{100})})})}})
            .AssignTimestampsAndWatermarks(
                WatermarkStrategy::ForBoundedOutOfOrderness(milliseconds(200))
                    .WithTimestampColumn("ts"))
            .KeyBy({"k"})
            .Window(WindowSpec::Session(milliseconds(40)), "ts")
            .Aggregate({{AggregateSpec::Kind::kCount, "", "cnt"}})
            .ExecuteAndCollect();
    ASSERT_TRUE(t.ok()) << t.status();
    auto b = *(*t)->CombineChunksToBatch();
    auto k = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("k"));
    auto s = std::static_pointer_cast<arrow::TimestampArray>(
        b->GetColumnByName("window_start"));
    auto e =
        std::static_pointer_cast<arrow::TimestampArray>(b->GetColumnByName("window_end"));
    auto c = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("cnt"));
    std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> got;
    for (int64_t i = 0; i < b->num_rows(); ++i)
      got[{k->Value(i), s->Value(i)}] = {c->Value(i), e->Value(i)};
    EXPECT_EQ(got, expected) << "parallelism " << p;
  }
}

TEST_F(DataStreamTest, LateDataSideOutputAccountsForEveryRow) {
  // ts goes backwards by 500 ms every 1000 rows; with no out-of-orderness allowed
  // those rows are late and must appear in the side output instead of vanishing.
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(1);
  auto windows =
      env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "events")
          .Select({{"k", cp::literal(int64_t{1})},
                   {"ts",
                    cp::call("subtract",
                             {cp::field_ref("id"),
                              cp::call("multiply",
                                       {cp::call("divide", {cp::field_ref("id"),
                                                            cp::literal(int64_t{1000})}),
                                        cp::literal(int64_t{500})})})}})
          .AssignTimestampsAndWatermarks(
              WatermarkStrategy::ForMonotonousTimestamps()
                  .WithTimestampColumn("ts")
                  .WithEmitInterval(std::chrono::microseconds(0)))
          .KeyBy({"k"})
          .Window(WindowSpec::Tumbling(milliseconds(100)), "ts")
          .SideOutputLateData("late")
          .Aggregate({{AggregateSpec::Kind::kCount, "", "cnt"}}, "window");
  auto late_rows = std::make_shared<connectors::CollectedBatches>();
  windows.GetSideOutput("late").SinkTo(connectors::MakeCollectSink(late_rows),
                                       "late-sink");
  auto counted = windows.ExecuteAndCollect();
  ASSERT_TRUE(counted.ok()) << counted.status();
  int64_t in_windows = 0;
  auto b = *(*counted)->CombineChunksToBatch();
  auto c = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("cnt"));
  for (int64_t i = 0; i < b->num_rows(); ++i) in_windows += c->Value(i);
  EXPECT_GT(late_rows->num_rows(), 0);
  EXPECT_EQ(in_windows + late_rows->num_rows(), 20000);
}

TEST_F(DataStreamTest, RowFunctionsRollingAggregateAndConnect) {
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(2);
  auto events = env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "events");
  // FlatMap: ids divisible by 4 produce two rows, others none.
  auto out_schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("tag", arrow::utf8())});
  auto flat = events
                  .FilterRows([](const runtime::RowView& row) -> arrow::Result<bool> {
                    ARROW_ASSIGN_OR_RAISE(int64_t id, row.GetInt64("id"));
                    return id % 2 == 0;
                  })
                  .MapRows(out_schema,
                           [](const runtime::RowView& row,
                              runtime::RowCollector& out) -> arrow::Status {
                             ARROW_ASSIGN_OR_RAISE(int64_t id, row.GetInt64("id"));
                             if (id % 4 != 0) return arrow::Status::OK();
                             ARROW_RETURN_NOT_OK(out.Collect({id, std::string("a")}));
                             return out.Collect({id, std::string("b")});
                           });
  // Rolling aggregate per key (id % 3) of value: the last row per key is final.
  auto rolling =
      events
          .Select(
              {{"k", cp::call("subtract",
                              {cp::field_ref("id"),
                               cp::call("multiply",
                                        {cp::call("divide", {cp::field_ref("id"),
                                                             cp::literal(int64_t{3})}),
                                         cp::literal(int64_t{3})})})},
               {"value", cp::field_ref("value")}})
          .KeyBy({"k"})
          .Aggregate({{AggregateSpec::Kind::kCount, "", "n"},
                      {AggregateSpec::Kind::kSum, "value", "total"}});
  auto flat_rows = std::make_shared<connectors::CollectedBatches>();
  flat.SinkTo(connectors::MakeCollectSink(flat_rows), "flat-sink");
  auto rolling_rows = std::make_shared<connectors::CollectedBatches>();
  rolling.SinkTo(connectors::MakeCollectSink(rolling_rows), "rolling-sink");
  // Connect: count rows per input in a two-input operator.
  struct CountInputs : runtime::Operator {
    int64_t counts[2] = {0, 0};
    arrow::Status ProcessBatch(int input, const std::shared_ptr<arrow::RecordBatch>& b,
                               runtime::Output*) override {
      counts[input] += b->num_rows();
      return arrow::Status::OK();
    }
    arrow::Status Finish(runtime::Output* out) override {
      auto a = *arrow::json::ArrayFromJSONString(arrow::int64(),
                                                 "[" + std::to_string(counts[0]) + "]");
      auto b = *arrow::json::ArrayFromJSONString(arrow::int64(),
                                                 "[" + std::to_string(counts[1]) + "]");
      return out->Emit(
          arrow::RecordBatch::Make(arrow::schema({arrow::field("in0", arrow::int64()),
                                                  arrow::field("in1", arrow::int64())}),
                                   1, {a, b}));
    }
  };
  auto connected =
      events.Connect(flat,
                     [](const runtime::SubtaskInfo&)
                         -> arrow::Result<std::unique_ptr<runtime::Operator>> {
                       return std::make_unique<CountInputs>();
                     });
  auto counts = connected.SetParallelism(1).ExecuteAndCollect();
  ASSERT_TRUE(counts.ok()) << counts.status();
  auto c = *(*counts)->CombineChunksToBatch();
  EXPECT_EQ(c->GetColumnByName("in0")->ToString(),
            (*arrow::json::ArrayFromJSONString(arrow::int64(), "[20000]"))->ToString());
  EXPECT_EQ(c->GetColumnByName("in1")->ToString(),
            (*arrow::json::ArrayFromJSONString(arrow::int64(), "[10000]"))->ToString());
  EXPECT_EQ(flat_rows->num_rows(), 10000);  // 5000 ids × 2 rows
  // Final rolling values: the last row per key.
  std::map<int64_t, std::pair<int64_t, int64_t>> last;
  for (const auto& b : rolling_rows->batches()) {
    auto k = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("k"));
    auto n = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("n"));
    auto t = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("total"));
    for (int64_t i = 0; i < b->num_rows(); ++i)
      last[k->Value(i)] = {n->Value(i), t->Value(i)};
  }
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last[0].first + last[1].first + last[2].first, 20000);
  EXPECT_EQ(last[0].first, 6667);
}

TEST_F(DataStreamTest, UnionRebalanceAndParallelism) {
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(2);
  auto a = env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "a");
  auto b =
      env->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "b").SetParallelism(1);
  auto merged = a.Union({b.Rebalance()})
                    .Filter(cp::less(cp::field_ref("id"), cp::literal(int64_t{100})));
  auto t = merged.SetParallelism(3).ExecuteAndCollect();
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->num_rows(), 200);
}

TEST_F(DataStreamTest, BuildAndRunErrorsAreReported) {
  auto env = StreamExecutionEnvironment::Create();
  env->SetParallelism(0);
  auto r = env->FromCollection({}).ExecuteAndCollect();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("parallelism"), std::string::npos);

  auto env2 = StreamExecutionEnvironment::Create();
  auto bad = env2->FromSource(Events(), WatermarkStrategy::NoWatermarks(), "events")
                 .Filter(cp::greater(cp::field_ref("nope"), cp::literal(1)), "check")
                 .ExecuteAndCollect();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("operator 'check'"), std::string::npos)
      << bad.status();
  EXPECT_NE(bad.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace weir::api
