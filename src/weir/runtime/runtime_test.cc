// Tests of the dataflow runtime with small test operators: chaining, exchanges,
// watermarks, end of input, backpressure, failure and cancellation.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/job.h"

namespace weir::runtime {
namespace {

auto kSchema = arrow::schema(
    {arrow::field("key", arrow::int64()), arrow::field("ts", arrow::int64())});

std::shared_ptr<arrow::RecordBatch> MakeBatch(int64_t first, int64_t rows,
                                              int64_t keys = 7) {
  arrow::Int64Builder k, t;
  for (int64_t i = first; i < first + rows; ++i) {
    EXPECT_TRUE(k.Append(i % keys).ok());
    EXPECT_TRUE(t.Append(i).ok());
  }
  return arrow::RecordBatch::Make(kSchema, rows, {*k.Finish(), *t.Finish()});
}

// Emits `batches` batches of `rows` rows, split over subtasks round-robin; the
// watermark after each batch is its last ts. Optionally sleeps between polls.
class CountingSource : public SourceReader {
 public:
  CountingSource(const SubtaskInfo& info, int batches, int rows,
                 std::atomic<int64_t>* produced = nullptr)
      : info_(info), batches_(batches), rows_(rows), produced_(produced) {
    next_ = info.index;
  }
  arrow::Result<PollResult> Poll(Output* out) override {
    if (next_ >= batches_) return PollResult::End();
    auto batch = MakeBatch(int64_t{next_} * rows_, rows_);
    ARROW_RETURN_NOT_OK(out->Emit(batch));
    if (produced_) produced_->fetch_add(rows_);
    ARROW_RETURN_NOT_OK(out->EmitWatermark(int64_t{next_ + 1} * rows_ - 1));
    next_ += info_.parallelism;
    return PollResult::More();
  }

 private:
  SubtaskInfo info_;
  int batches_, rows_;
  int next_;
  std::atomic<int64_t>* produced_;
};

// Never ends: waits a long time between polls (for cancellation tests).
class ForeverSource : public SourceReader {
 public:
  arrow::Result<PollResult> Poll(Output* out) override {
    ARROW_RETURN_NOT_OK(out->Emit(MakeBatch(0, 10)));
    return PollResult::WaitUntil(INT64_MAX / 2);
  }
};

// Collects everything it sees, with the subtask that saw it.
struct Collected {
  std::mutex mu;
  std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>> batches;
  std::vector<std::pair<int, EventTime>> watermarks;
  std::atomic<int> finished{0};
  std::atomic<int> closed{0};
  std::atomic<int64_t> rows{0};

  std::vector<int64_t> Column(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<int64_t> out;
    for (auto& [s, b] : batches) {
      auto a = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName(name));
      for (int64_t i = 0; i < a->length(); ++i) out.push_back(a->Value(i));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

class CollectOperator : public Operator {
 public:
  CollectOperator(Collected* c, int subtask, int sleep_micros = 0)
      : c_(c), subtask_(subtask), sleep_micros_(sleep_micros) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output*) override {
    if (sleep_micros_)
      std::this_thread::sleep_for(std::chrono::microseconds(sleep_micros_));
    std::lock_guard<std::mutex> lock(c_->mu);
    c_->batches.emplace_back(subtask_, batch);
    c_->rows += batch->num_rows();
    return arrow::Status::OK();
  }
  arrow::Status ProcessWatermark(EventTime wm, Output*) override {
    std::lock_guard<std::mutex> lock(c_->mu);
    c_->watermarks.emplace_back(subtask_, wm);
    return arrow::Status::OK();
  }
  arrow::Status Finish(Output*) override {
    ++c_->finished;
    return arrow::Status::OK();
  }
  arrow::Status Close() override {
    ++c_->closed;
    return arrow::Status::OK();
  }

 private:
  Collected* c_;
  int subtask_;
  int sleep_micros_;
};

// Passes batches on; fails on the batch containing ts == fail_at.
class PassOperator : public Operator {
 public:
  explicit PassOperator(int64_t fail_at = -1) : fail_at_(fail_at) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output* out) override {
    auto ts = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
    for (int64_t i = 0; i < ts->length(); ++i) {
      if (ts->Value(i) == fail_at_)
        return arrow::Status::Invalid("bad record ", fail_at_);
    }
    return out->Emit(batch);
  }

 private:
  int64_t fail_at_;
};

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  int AddSource(JobGraph* g, int parallelism, int batches, int rows,
                std::atomic<int64_t>* produced = nullptr) {
    return g->AddSource("source", parallelism, [=](const SubtaskInfo& info) {
      return std::unique_ptr<SourceReader>(
          std::make_unique<CountingSource>(info, batches, rows, produced));
    });
  }
  int AddCollect(JobGraph* g, const std::string& name, int parallelism, Collected* c,
                 int sleep_micros = 0) {
    return g->AddOperator(name, parallelism, [=](const SubtaskInfo& info) {
      return std::unique_ptr<Operator>(
          std::make_unique<CollectOperator>(c, info.index, sleep_micros));
    });
  }
  int AddPass(JobGraph* g, const std::string& name, int parallelism,
              int64_t fail_at = -1) {
    return g->AddOperator(name, parallelism, [=](const SubtaskInfo&) {
      return std::unique_ptr<Operator>(std::make_unique<PassOperator>(fail_at));
    });
  }
};

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST_F(RuntimeTest, ForwardChainRunsInOneTaskAndDeliversEverything) {
  JobGraph g;
  Collected c;
  int src = AddSource(&g, 2, 20, 100);
  int pass = AddPass(&g, "pass", 2);
  int sink = AddCollect(&g, "sink", 2, &c);
  ASSERT_TRUE(g.Connect(src, pass, Partitioning::Forward()).ok());
  ASSERT_TRUE(g.Connect(pass, sink, Partitioning::Forward()).ok());
  auto client = ExecuteAsync(g, {}, "chain");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->plan(), "task [source -> pass -> sink] x2\n");
  auto result = (*client)->Wait();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(c.Column("ts"), Iota(2000));
  EXPECT_EQ(c.finished, 2);
  EXPECT_EQ(c.closed, 2);
  auto totals = result->Totals("pass");
  EXPECT_EQ(totals.records_in, 2000);
  EXPECT_EQ(totals.records_out, 2000);
  EXPECT_EQ(totals.batches_in, 20);
  EXPECT_EQ(result->Totals("source").records_out, 2000);
  EXPECT_EQ(totals.watermark, kMaxWatermark);
  EXPECT_EQ((*client)->status(), JobStatus::kFinished);
}

TEST_F(RuntimeTest, HashExchangeSendsEachKeyToExactlyOneSubtask) {
  for (int threads : {1, 2, 4}) {
    JobGraph g;
    Collected c;
    int src = AddSource(&g, 3, 30, 64);
    int sink = AddCollect(&g, "sink", 4, &c);
    ASSERT_TRUE(g.Connect(src, sink, Partitioning::Hash({"key"})).ok());
    RuntimeOptions options;
    options.threads = threads;
    auto result = Execute(g, options, "hash");
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(c.Column("ts"), Iota(30 * 64));
    std::map<int64_t, std::set<int>> owners;
    for (auto& [subtask, b] : c.batches) {
      auto k = std::static_pointer_cast<arrow::Int64Array>(b->column(0));
      for (int64_t i = 0; i < k->length(); ++i) owners[k->Value(i)].insert(subtask);
    }
    EXPECT_EQ(owners.size(), 7u);
    for (auto& [key, subtasks] : owners) EXPECT_EQ(subtasks.size(), 1u) << key;
    EXPECT_EQ(c.finished, 4);
  }
}

TEST_F(RuntimeTest, RebalanceAndBroadcast) {
  JobGraph g;
  Collected spread, everywhere;
  int src = AddSource(&g, 1, 12, 10);
  int pass = AddPass(&g, "pass", 1);
  int a = AddCollect(&g, "spread", 3, &spread);
  int b = AddCollect(&g, "everywhere", 2, &everywhere);
  ASSERT_TRUE(g.Connect(src, pass, Partitioning::Forward()).ok());
  ASSERT_TRUE(g.Connect(pass, a, Partitioning::Rebalance()).ok());
  ASSERT_TRUE(g.Connect(pass, b, Partitioning::Broadcast()).ok());
  auto result = Execute(g, {}, "fanout");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(spread.Column("ts"), Iota(120));
  std::map<int, int> per_subtask;
  for (auto& [s, batch] : spread.batches) ++per_subtask[s];
  EXPECT_EQ(per_subtask, (std::map<int, int>{{0, 4}, {1, 4}, {2, 4}}));
  EXPECT_EQ(everywhere.rows, 240);
}

TEST_F(RuntimeTest, WatermarkIsTheMinimumOverInputsAndEndsAtMax) {
  JobGraph g;
  Collected c;
  // Two source subtasks progress at different speeds; the sink must never see a
  // watermark above what the slower one has reached.
  int src = AddSource(&g, 2, 40, 10);
  int sink = AddCollect(&g, "sink", 1, &c);
  ASSERT_TRUE(g.Connect(src, sink, Partitioning::Rebalance()).ok());
  auto result = Execute(g, {}, "wm");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(c.watermarks.empty());
  EXPECT_EQ(c.watermarks.back().second, kMaxWatermark);
  for (size_t i = 1; i < c.watermarks.size(); ++i)
    EXPECT_GT(c.watermarks[i].second, c.watermarks[i - 1].second);
  // Each source subtask emits watermark (b+1)*10-1 after batch b; subtask 0 has the
  // even batches, subtask 1 the odd ones. A combined watermark w is valid only when
  // both have reached it.
  for (auto& [s, wm] : c.watermarks) {
    if (wm == kMaxWatermark) continue;
    EXPECT_EQ((wm + 1) % 10, 0) << wm;
  }
}

TEST_F(RuntimeTest, SameResultAtParallelismOneAndN) {
  std::vector<int64_t> reference;
  for (int p : {1, 2, 3}) {
    JobGraph g;
    Collected c;
    int src = AddSource(&g, p, 25, 40);
    int pass = AddPass(&g, "pass", p);
    int sink = AddCollect(&g, "sink", p, &c);
    ASSERT_TRUE(g.Connect(src, pass, Partitioning::Rebalance()).ok());
    ASSERT_TRUE(g.Connect(pass, sink, Partitioning::Hash({"key"})).ok());
    ASSERT_TRUE(Execute(g, {}, "p").ok());
    if (reference.empty()) reference = c.Column("ts");
    EXPECT_EQ(c.Column("ts"), reference) << "parallelism " << p;
  }
  EXPECT_EQ(reference, Iota(1000));
}

TEST_F(RuntimeTest, SlowSinkBackpressuresTheSourceWithBoundedBuffering) {
  JobGraph g;
  Collected c;
  std::atomic<int64_t> produced{0};
  int src = AddSource(&g, 1, 400, 100, &produced);
  int sink = AddCollect(&g, "sink", 1, &c, /*sleep_micros=*/200);
  ASSERT_TRUE(g.Connect(src, sink, Partitioning::Rebalance()).ok());
  RuntimeOptions options;
  options.channel_capacity.max_batches = 4;
  auto client = ExecuteAsync(g, options, "backpressure");
  ASSERT_TRUE(client.ok());
  int64_t max_in_flight = 0;
  while (!(*client)->WaitFor(std::chrono::milliseconds(1))) {
    max_in_flight = std::max<int64_t>(max_in_flight, produced.load() - c.rows.load());
  }
  auto result = (*client)->Wait();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(c.rows, 40000);
  // Channel capacity (4 batches) + one in the sink + one in the source's outbox,
  // plus slack for the sampling race.
  EXPECT_LE(max_in_flight, 8 * 100);
  EXPECT_GT(result->Totals("source").backpressured_micros, 0);
}

TEST_F(RuntimeTest, OperatorErrorFailsTheJobWithTheOperatorName) {
  JobGraph g;
  Collected c;
  int src = AddSource(&g, 2, 1000, 10);
  int pass = AddPass(&g, "validate", 2, /*fail_at=*/555);
  int sink = AddCollect(&g, "sink", 1, &c, 100);
  ASSERT_TRUE(g.Connect(src, pass, Partitioning::Forward()).ok());
  ASSERT_TRUE(g.Connect(pass, sink, Partitioning::Rebalance()).ok());
  auto start = std::chrono::steady_clock::now();
  auto result = Execute(g, {}, "fails");
  ASSERT_FALSE(result.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(result.status().message().find("operator 'validate' (subtask"),
            std::string::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("bad record 555"), std::string::npos);
  EXPECT_TRUE(result.status().IsInvalid());
  EXPECT_EQ(c.finished, 0);  // no Finish after a failure...
  EXPECT_EQ(c.closed, 1);    // ...but Close always
}

TEST_F(RuntimeTest, CancelStopsAnUnboundedJobPromptly) {
  JobGraph g;
  Collected c;
  int src = g.AddSource("forever", 2, [](const SubtaskInfo&) {
    return std::unique_ptr<SourceReader>(std::make_unique<ForeverSource>());
  });
  int sink = AddCollect(&g, "sink", 2, &c);
  ASSERT_TRUE(g.Connect(src, sink, Partitioning::Hash({"key"})).ok());
  auto client = ExecuteAsync(g, {}, "forever");
  ASSERT_TRUE(client.ok());
  while (c.rows < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ((*client)->status(), JobStatus::kRunning);
  EXPECT_GE((*client)->Metrics().size(), 4u);
  auto start = std::chrono::steady_clock::now();
  (*client)->Cancel();
  auto result = (*client)->Wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(result.status().IsCancelled()) << result.status();
  EXPECT_EQ((*client)->status(), JobStatus::kCancelled);
  EXPECT_EQ(c.closed, 2);
}

TEST_F(RuntimeTest, InvalidGraphsAreRejected) {
  JobGraph g;
  int src = AddSource(&g, 2, 1, 1);
  int pass = AddPass(&g, "pass", 3);
  EXPECT_TRUE(g.Connect(src, pass, Partitioning::Forward()).ok());
  auto r = Execute(g, {}, "bad");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("equal parallelism"), std::string::npos);
  JobGraph orphan;
  AddPass(&orphan, "alone", 1);
  EXPECT_FALSE(Execute(orphan, {}, "bad").ok());
  JobGraph missing_key;
  Collected c;
  int s2 = AddSource(&missing_key, 1, 1, 1);
  int k2 = AddCollect(&missing_key, "sink", 2, &c);
  ASSERT_TRUE(missing_key.Connect(s2, k2, Partitioning::Hash({"nope"})).ok());
  auto m = Execute(missing_key, {}, "bad key");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("'nope'"), std::string::npos) << m.status();
}

}  // namespace
}  // namespace weir::runtime
