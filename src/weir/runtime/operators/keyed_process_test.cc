// KeyedProcessFunction with state and timers, run as a job at several parallelisms
// and compared with a brute-force reference.
#include <map>
#include <mutex>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/io/memory.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/job.h"
#include "weir/runtime/operators/keyed_process.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/state/key_group.h"
#include "weir/state/typed_state.h"

namespace weir::runtime {
namespace {

auto kInput = arrow::schema({arrow::field("user", arrow::utf8()),
                             arrow::field("ts", arrow::int64()),  // epoch ms
                             arrow::field("amount", arrow::int64())});

// Flink's CountWithTimeout: per user, count events and sum amounts; 10 ms after the
// last event of a user (event time), emit (user, count, total, last_ts) and clear.
class CountWithTimeout : public KeyedProcessFunction {
 public:
  std::shared_ptr<arrow::Schema> output_schema() const override {
    return arrow::schema(
        {arrow::field("user", arrow::utf8()), arrow::field("count", arrow::int64()),
         arrow::field("total", arrow::int64()), arrow::field("last_ts", arrow::int64())});
  }
  arrow::Status Open(KeyedContext& ctx) override {
    ARROW_ASSIGN_OR_RAISE(count_, state::GetValueState<int64_t>(ctx.state(), "count"));
    ARROW_ASSIGN_OR_RAISE(total_,
                          state::GetReducingState<int64_t>(
                              ctx.state(), "total",
                              [](const int64_t& a, const int64_t& b) { return a + b; }));
    ARROW_ASSIGN_OR_RAISE(last_, state::GetValueState<int64_t>(ctx.state(), "last"));
    return arrow::Status::OK();
  }
  arrow::Status ProcessElement(const RowView& row, KeyedContext& ctx,
                               RowCollector&) override {
    ARROW_ASSIGN_OR_RAISE(int64_t amount, row.GetInt64("amount"));
    count_->Update(count_->Value().value_or(0) + 1);
    total_->Add(amount);
    const EventTime t = *ctx.timestamp();
    auto last = last_->Value();
    if (last && *last + 10'000 != t + 10'000) ctx.DeleteEventTimeTimer(*last + 10'000);
    const int64_t newest = last ? std::max(*last, t) : t;
    last_->Update(newest);
    ctx.RegisterEventTimeTimer(newest + 10'000);
    return arrow::Status::OK();
  }
  arrow::Status OnTimer(EventTime time, TimeDomain, KeyedContext& ctx,
                        RowCollector& out) override {
    auto last = last_->Value();
    if (!last || *last + 10'000 != time) return arrow::Status::OK();  // superseded
    ARROW_ASSIGN_OR_RAISE(auto key, ctx.key());
    ARROW_RETURN_NOT_OK(
        out.Collect({key[0], *count_->Value(), *total_->Get(), *last / 1000}));
    count_->Clear();
    total_->Clear();
    last_->Clear();
    return arrow::Status::OK();
  }

 private:
  std::optional<state::ValueState<int64_t>> count_;
  std::optional<state::ReducingState<int64_t>> total_;
  std::optional<state::ValueState<int64_t>> last_;
};

// Users 0..9; user u has events every (u+1) ms from 0 to 200 ms, with gaps of 50 ms
// after every 20th event, so several sessions per user.
std::vector<std::shared_ptr<arrow::RecordBatch>> Events() {
  std::vector<std::shared_ptr<arrow::RecordBatch>> out;
  arrow::StringBuilder u;
  arrow::Int64Builder t, a;
  int64_t n = 0;
  for (int user = 0; user < 10; ++user) {
    int64_t ts = 0;
    for (int i = 0; i < 60; ++i) {
      ts += (i % 20 == 19) ? 50 : user + 1;
      EXPECT_TRUE(u.Append("u" + std::to_string(user)).ok());
      EXPECT_TRUE(t.Append(ts).ok());
      EXPECT_TRUE(a.Append(i).ok());
      ++n;
    }
  }
  auto batch =
      arrow::RecordBatch::Make(kInput, n, {*u.Finish(), *t.Finish(), *a.Finish()});
  // Sorted by time so that watermarks are exact, in small batches.
  auto sorted = batch;  // events per user are already ascending; interleave users
  std::vector<std::pair<int64_t, int64_t>> order;
  auto ts = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
  for (int64_t i = 0; i < n; ++i) order.emplace_back(ts->Value(i), i);
  std::sort(order.begin(), order.end());
  arrow::Int64Builder idx;
  for (auto& [time, i] : order) EXPECT_TRUE(idx.Append(i).ok());
  auto indices = *idx.Finish();
  for (int64_t off = 0; off < n; off += 37) {
    const int64_t len = std::min<int64_t>(37, n - off);
    arrow::ArrayVector cols;
    for (int c = 0; c < 3; ++c) {
      auto col = batch->column(c);
      arrow::ArrayVector parts;
      std::unique_ptr<arrow::ArrayBuilder> b;
      EXPECT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), col->type(), &b).ok());
      for (int64_t k = off; k < off + len; ++k) {
        auto i = std::static_pointer_cast<arrow::Int64Array>(indices)->Value(k);
        EXPECT_TRUE(b->AppendScalar(**col->GetScalar(i)).ok());
      }
      std::shared_ptr<arrow::Array> arr;
      EXPECT_TRUE(b->Finish(&arr).ok());
      cols.push_back(arr);
    }
    out.push_back(arrow::RecordBatch::Make(kInput, len, cols));
  }
  return out;
}

class Source : public SourceReader {
 public:
  Source(std::vector<std::shared_ptr<arrow::RecordBatch>> b, int index, int p)
      : batches_(std::move(b)), next_(index), step_(p) {}
  arrow::Result<PollResult> Poll(Output* out) override {
    if (next_ >= batches_.size()) return PollResult::End();
    ARROW_RETURN_NOT_OK(out->Emit(batches_[next_]));
    next_ += step_;
    return PollResult::More();
  }

 private:
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches_;
  size_t next_, step_;
};

struct Sink : Operator {
  std::mutex* mu;
  std::vector<std::shared_ptr<arrow::RecordBatch>>* out;
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& b,
                             Output*) override {
    std::lock_guard<std::mutex> lock(*mu);
    out->push_back(b);
    return arrow::Status::OK();
  }
};

using Sessions = std::multiset<std::tuple<std::string, int64_t, int64_t, int64_t>>;

Sessions Collect(const std::vector<std::shared_ptr<arrow::RecordBatch>>& out) {
  Sessions sessions;
  for (auto& b : out) {
    auto u = std::static_pointer_cast<arrow::StringArray>(b->column(0));
    auto c = std::static_pointer_cast<arrow::Int64Array>(b->column(1));
    auto t = std::static_pointer_cast<arrow::Int64Array>(b->column(2));
    auto l = std::static_pointer_cast<arrow::Int64Array>(b->column(3));
    for (int64_t i = 0; i < b->num_rows(); ++i)
      sessions.emplace(u->GetString(i), c->Value(i), t->Value(i), l->Value(i));
  }
  return sessions;
}

Sessions RunJob(int parallelism) {
  auto events = Events();
  std::mutex mu;
  std::vector<std::shared_ptr<arrow::RecordBatch>> out;
  JobGraph g;
  int src = g.AddSource("events", 1, [&](const SubtaskInfo& info) {
    return std::unique_ptr<SourceReader>(
        std::make_unique<Source>(events, info.index, info.parallelism));
  });
  int wm = g.AddOperator("wm", 1, [](const SubtaskInfo&) {
    return std::unique_ptr<Operator>(std::make_unique<WatermarkAssigner>(
        WatermarkStrategy::ForMonotonousTimestamps()
            .WithTimestampColumn("ts")
            .WithEmitInterval(std::chrono::microseconds(0))));
  });
  int proc = g.AddOperator("count-with-timeout", parallelism, [](const SubtaskInfo&) {
    return std::unique_ptr<Operator>(std::make_unique<KeyedProcessOperator>(
        std::make_unique<CountWithTimeout>(), std::vector<std::string>{"user"}, "ts"));
  });
  int sink = g.AddOperator("sink", 1, [&](const SubtaskInfo&) {
    auto s = std::make_unique<Sink>();
    s->mu = &mu;
    s->out = &out;
    return std::unique_ptr<Operator>(std::move(s));
  });
  EXPECT_TRUE(g.Connect(src, wm, Partitioning::Forward()).ok());
  EXPECT_TRUE(g.Connect(wm, proc, Partitioning::Hash({"user"})).ok());
  EXPECT_TRUE(g.Connect(proc, sink, Partitioning::Rebalance()).ok());
  auto result = Execute(g, {}, "keyed-process");
  EXPECT_TRUE(result.ok()) << result.status();
  return Collect(out);
}

// Simulates the job's semantics exactly: each batch is processed, then the watermark
// (max ts of the batch - 1µs) fires the timers it passed; the end fires the rest.
Sessions Reference() {
  struct UserState {
    int64_t count = 0, total = 0, last = -1;
  };
  std::map<std::string, UserState> users;
  Sessions out;
  auto fire_until = [&](int64_t watermark_micros) {
    for (auto& [user, st] : users) {
      if (st.last >= 0 && (st.last + 10) * 1000 <= watermark_micros) {
        out.emplace(user, st.count, st.total, st.last);
        st = UserState{};
      }
    }
  };
  for (const auto& batch : Events()) {
    auto u = std::static_pointer_cast<arrow::StringArray>(batch->column(0));
    auto t = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
    auto a = std::static_pointer_cast<arrow::Int64Array>(batch->column(2));
    int64_t max_ts = INT64_MIN;
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      UserState& st = users[u->GetString(i)];
      ++st.count;
      st.total += a->Value(i);
      st.last = std::max(st.last, t->Value(i));
      max_ts = std::max(max_ts, t->Value(i));
    }
    fire_until(max_ts * 1000 - 1);
  }
  fire_until(INT64_MAX);
  return out;
}

struct Capture : Output {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  arrow::Status Emit(std::shared_ptr<arrow::RecordBatch> b) override {
    batches.push_back(std::move(b));
    return arrow::Status::OK();
  }
  arrow::Status EmitWatermark(EventTime) override { return arrow::Status::OK(); }
};

struct Ctx : OperatorContext {
  SubtaskInfo info;
  const SubtaskInfo& subtask() const override { return info; }
  EventTime current_watermark() const override { return kMinWatermark; }
  EventTime ProcessingTime() const override { return 0; }
  void RequestProcessingTimeCallback(EventTime) override {}
  std::shared_ptr<WakeHandle> MakeWakeHandle() override { return nullptr; }
};

// State and pending timers snapshotted at parallelism 1 and restored into two
// subtasks (by key group) continue exactly where the single subtask left off.
TEST(KeyedProcessTest, StateAndTimersSurviveSnapshotAndRescaledRestore) {
  ASSERT_TRUE(InitializeRuntime().ok());
  auto events = Events();
  const size_t half = events.size() / 2;
  auto make = [] {
    return std::make_unique<KeyedProcessOperator>(std::make_unique<CountWithTimeout>(),
                                                  std::vector<std::string>{"user"}, "ts");
  };
  auto watermark_after = [](const arrow::RecordBatch& b) {
    auto t = std::static_pointer_cast<arrow::Int64Array>(b.column(1));
    int64_t m = INT64_MIN;
    for (int64_t i = 0; i < t->length(); ++i) m = std::max(m, t->Value(i));
    return m * 1000 - 1;
  };
  Ctx ctx;
  Capture whole_out;
  auto whole = make();
  ASSERT_TRUE(whole->Open(&ctx).ok());
  for (auto& b : events) {
    ASSERT_TRUE(whole->ProcessBatch(0, b, &whole_out).ok());
    ASSERT_TRUE(whole->ProcessWatermark(watermark_after(*b), &whole_out).ok());
  }
  ASSERT_TRUE(whole->ProcessWatermark(kMaxWatermark, &whole_out).ok());

  Capture out;
  auto first = make();
  ASSERT_TRUE(first->Open(&ctx).ok());
  for (size_t i = 0; i < half; ++i) {
    ASSERT_TRUE(first->ProcessBatch(0, events[i], &out).ok());
    ASSERT_TRUE(first->ProcessWatermark(watermark_after(*events[i]), &out).ok());
  }
  auto saved = state::MakeInMemoryStateBackend();
  ASSERT_TRUE(first->SnapshotState(saved.get()).ok());
  auto sink = *arrow::io::BufferOutputStream::Create();
  ASSERT_TRUE(saved->Snapshot(sink.get()).ok());
  auto snapshot = *sink->Finish();

  std::vector<std::unique_ptr<KeyedProcessOperator>> parts;
  std::vector<Ctx> contexts(2);
  for (int s = 0; s < 2; ++s) {
    contexts[s].info.index = s;
    contexts[s].info.parallelism = 2;
    auto restored = state::MakeInMemoryStateBackend();
    arrow::io::BufferReader in(snapshot);
    ASSERT_TRUE(restored->Restore(&in, state::KeyGroupRangeFor(s, 2, 128)).ok());
    parts.push_back(make());
    ASSERT_TRUE(parts.back()->Open(&contexts[s]).ok());
    ASSERT_TRUE(parts.back()->RestoreState(restored.get()).ok());
  }
  for (size_t i = half; i < events.size(); ++i) {
    auto hashes = *expr::HashKeyColumns(*events[i], {0});
    std::vector<std::vector<int64_t>> rows(2);
    for (int64_t r = 0; r < events[i]->num_rows(); ++r)
      rows[state::SubtaskForKeyGroup(state::KeyGroupForHash(hashes[r], 128), 2, 128)]
          .push_back(r);
    for (int s = 0; s < 2; ++s) {
      arrow::Int64Builder idx;
      ASSERT_TRUE(idx.AppendValues(rows[s]).ok());
      auto part =
          (*arrow::compute::Take(arrow::Datum(events[i]), arrow::Datum(*idx.Finish())))
              .record_batch();
      if (part->num_rows() > 0) {
        ASSERT_TRUE(parts[s]->ProcessBatch(0, part, &out).ok());
      }
      ASSERT_TRUE(parts[s]->ProcessWatermark(watermark_after(*events[i]), &out).ok());
    }
  }
  for (auto& p : parts) ASSERT_TRUE(p->ProcessWatermark(kMaxWatermark, &out).ok());
  EXPECT_EQ(Collect(out.batches), Collect(whole_out.batches));
  EXPECT_GT(Collect(whole_out.batches).size(), 10u);
}

// Re-arms a timer every 10 ms forever (a heartbeat): at the end of input it must fire
// the timers that were due, not loop.
class Heartbeat : public KeyedProcessFunction {
 public:
  std::shared_ptr<arrow::Schema> output_schema() const override {
    return arrow::schema({arrow::field("time", arrow::int64())});
  }
  arrow::Status ProcessElement(const RowView&, KeyedContext& ctx,
                               RowCollector&) override {
    ctx.RegisterEventTimeTimer(*ctx.timestamp() + 10'000);
    return arrow::Status::OK();
  }
  arrow::Status OnTimer(EventTime time, TimeDomain, KeyedContext& ctx,
                        RowCollector& out) override {
    ctx.RegisterEventTimeTimer(time + 10'000);
    return out.Collect({time});
  }
};

TEST(KeyedProcessTest, SelfRearmingTimersStopAtTheEndOfInput) {
  ASSERT_TRUE(InitializeRuntime().ok());
  KeyedProcessOperator op(std::make_unique<Heartbeat>(), {"user"}, "ts");
  Ctx ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  auto events = Events();
  ASSERT_TRUE(op.ProcessBatch(0, events[0], &out).ok());
  ASSERT_TRUE(op.ProcessWatermark(kMaxWatermark, &out).ok());
  int64_t fired = 0;
  for (auto& b : out.batches) fired += b->num_rows();
  EXPECT_GT(fired, 0);
  EXPECT_LT(fired, 1000);
}

TEST(KeyedProcessTest, StateAndEventTimeTimersMatchReferenceAtAnyParallelism) {
  ASSERT_TRUE(InitializeRuntime().ok());
  const Sessions expected = Reference();
  EXPECT_GT(expected.size(), 10u);
  for (int p : {1, 2, 3}) EXPECT_EQ(RunJob(p), expected) << "parallelism " << p;
}

}  // namespace
}  // namespace weir::runtime
