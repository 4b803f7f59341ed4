// KeyedProcessFunction with state and timers, run as a job at several parallelisms
// and compared with a brute-force reference.
#include <map>
#include <mutex>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/job.h"
#include "weir/runtime/operators/keyed_process.h"
#include "weir/runtime/operators/watermark_strategy.h"
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

TEST(KeyedProcessTest, StateAndEventTimeTimersMatchReferenceAtAnyParallelism) {
  ASSERT_TRUE(InitializeRuntime().ok());
  const Sessions expected = Reference();
  EXPECT_GT(expected.size(), 10u);
  for (int p : {1, 2, 3}) EXPECT_EQ(RunJob(p), expected) << "parallelism " << p;
}

}  // namespace
}  // namespace weir::runtime
