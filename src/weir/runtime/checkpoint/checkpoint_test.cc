// Checkpoints end to end in the runtime: aligned barriers over several inputs,
// consistent snapshots, restore after cancel, restart after failure, and the storage
// rules (atomic manifest, damaged checkpoints skipped, retention).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/checkpoint/snapshot.h"
#include "weir/runtime/checkpoint/storage.h"
#include "weir/runtime/job.h"

namespace weir::runtime {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const std::string& name) {
  static std::atomic<int> n{0};
  auto p = fs::temp_directory_path() / ("weir-ckpt-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(n++) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

std::shared_ptr<arrow::RecordBatch> Ones(int rows) {
  arrow::Int64Builder b;
  for (int i = 0; i < rows; ++i) EXPECT_TRUE(b.Append(1).ok());
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("v", arrow::int64())}),
                                  rows, {*b.Finish()});
}

// Emits `batches` batches of `rows` ones, one every `pause_micros`; its position
// ("emitted <rows>") is its checkpointed state.
class PacedSource : public SourceReader {
 public:
  PacedSource(int batches, int rows, int64_t pause_micros)
      : total_(static_cast<int64_t>(batches) * rows), rows_(rows), pause_(pause_micros) {}
  arrow::Status Open(OperatorContext* context) override {
    context_ = context;
    return arrow::Status::OK();
  }
  arrow::Result<PollResult> Poll(Output* out) override {
    if (emitted_ >= total_) return PollResult::End();
    const int64_t now = context_->ProcessingTime();
    if (now < next_) return PollResult::WaitUntil(next_);
    next_ = now + pause_;
    ARROW_RETURN_NOT_OK(out->Emit(Ones(rows_)));
    emitted_ += rows_;
    return PollResult::More();
  }
  arrow::Status SnapshotOperatorState(CheckpointId,
                                      std::vector<std::string>* e) override {
    e->push_back("emitted " + std::to_string(emitted_));
    return arrow::Status::OK();
  }
  arrow::Status RestoreOperatorState(const std::vector<std::string>& e) override {
    for (const auto& s : e) emitted_ = std::stoll(s.substr(8));
    return arrow::Status::OK();
  }

 private:
  OperatorContext* context_ = nullptr;
  int64_t total_, rows_, pause_;
  int64_t emitted_ = 0;
  int64_t next_ = 0;
};

// Sums the rows it saw ("count <n>" in checkpoints); adds its final count to
// `total` at the end; fails once when its count crosses `fail_at`.
class CountingOperator : public Operator {
 public:
  CountingOperator(std::atomic<int64_t>* total, std::atomic<bool>* fail_once,
                   int64_t fail_at)
      : total_(total), fail_once_(fail_once), fail_at_(fail_at) {}
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             Output*) override {
    count_ += batch->num_rows();
    if (fail_once_ && count_ >= fail_at_ && !fail_once_->exchange(true))
      return arrow::Status::IOError("injected failure");
    return arrow::Status::OK();
  }
  arrow::Status Finish(Output*) override {
    total_->fetch_add(count_);
    return arrow::Status::OK();
  }
  arrow::Status SnapshotOperatorState(CheckpointId,
                                      std::vector<std::string>* e) override {
    e->push_back("count " + std::to_string(count_));
    return arrow::Status::OK();
  }
  arrow::Status RestoreOperatorState(const std::vector<std::string>& e) override {
    for (const auto& s : e) count_ += std::stoll(s.substr(6));
    return arrow::Status::OK();
  }

 private:
  std::atomic<int64_t>* total_;
  std::atomic<bool>* fail_once_;
  int64_t fail_at_;
  int64_t count_ = 0;
};

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  // Source "a" x2 (fast) and "b" x1 (slow) into "count" x2, so every counting
  // subtask aligns barriers from three channels.
  // `slow_pause` is the pause (µs) of source "b" between batches: it sets the job's
  // length (40 batches).
  JobGraph Graph(std::atomic<int64_t>* total, std::atomic<bool>* fail_once = nullptr,
                 int64_t fail_at = 0, int64_t slow_pause = 3000) {
    JobGraph g;
    int a = g.AddSource(
        "a", 2, [](const SubtaskInfo&) -> arrow::Result<std::unique_ptr<SourceReader>> {
          return std::make_unique<PacedSource>(60, 100, 1000);
        });
    int b = g.AddSource(
        "b", 1,
        [slow_pause](const SubtaskInfo&) -> arrow::Result<std::unique_ptr<SourceReader>> {
          return std::make_unique<PacedSource>(40, 50, slow_pause);
        });
    int c = g.AddOperator(
        "count", 2, [=](const SubtaskInfo&) -> arrow::Result<std::unique_ptr<Operator>> {
          return std::make_unique<CountingOperator>(total, fail_once, fail_at);
        });
    EXPECT_TRUE(g.Connect(a, c, Partitioning::Rebalance()).ok());
    EXPECT_TRUE(g.Connect(b, c, Partitioning::Rebalance()).ok());
    return g;
  }
  static constexpr int64_t kTotal = 2 * 60 * 100 + 40 * 50;

  // Sums the entries `prefix <n>` of operator `uid` in a checkpoint.
  static int64_t Sum(const RestoredCheckpoint& cp, const std::string& uid,
                     const std::string& prefix) {
    int64_t sum = 0;
    for (const auto& part : cp.by_uid.at(uid))
      for (const auto& e : part.entries) sum += std::stoll(e.substr(prefix.size() + 1));
    return sum;
  }
};

TEST_F(CheckpointTest, AlignedBarriersGiveConsistentSnapshotsOverSeveralInputs) {
  std::atomic<int64_t> total{0};
  RuntimeOptions options;
  options.threads = 2;
  options.checkpointing.dir = TempPath("aligned");
  options.checkpointing.interval = std::chrono::milliseconds(20);
  options.checkpointing.retain = 1000;
  auto result = Execute(Graph(&total), options, "aligned");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(total.load(), kTotal);
  int checked = 0;
  for (const auto& e : fs::directory_iterator(options.checkpointing.dir)) {
    auto cp = LoadCheckpoint(e.path().string());
    ASSERT_TRUE(cp.ok()) << cp.status();
    // What the counters had seen is exactly what the sources had emitted.
    const int64_t emitted = Sum(*cp, "0-a", "emitted") + Sum(*cp, "1-b", "emitted");
    EXPECT_EQ(Sum(*cp, "2-count", "count"), emitted) << e.path();
    if (cp->manifest.kind == CheckpointKind::kFinal) {
      EXPECT_EQ(emitted, kTotal);
    }
    ++checked;
  }
  EXPECT_GE(checked, 2);  // periodic ones (how many depends on load) and the final one
}

TEST_F(CheckpointTest, ACancelledJobStartedAgainContinuesFromItsLastCheckpoint) {
  const std::string dir = TempPath("resume");
  RuntimeOptions options;
  options.threads = 2;
  options.checkpointing.dir = dir;
  options.checkpointing.interval = std::chrono::milliseconds(20);
  {
    std::atomic<int64_t> total{0};
    // A job of about two seconds (40 slow batches of 50 ms), so a loaded machine
    // still cancels it long before it ends (after one completed checkpoint).
    auto client = ExecuteAsync(Graph(&total, nullptr, 0, 50000), options, "resume");
    ASSERT_TRUE(client.ok());
    while ((*client)->Checkpoints().empty() ||
           (*client)->Checkpoints().back().status != "COMPLETED") {
      ASSERT_EQ((*client)->status(), JobStatus::kRunning) << "the job ended too early";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    (*client)->Cancel();
    EXPECT_TRUE((*client)->Wait().status().IsCancelled());
    EXPECT_EQ(total.load(), 0);  // never finished
  }
  std::atomic<int64_t> total{0};
  auto client = ExecuteAsync(Graph(&total, nullptr, 0, 50000), options, "resume");
  ASSERT_TRUE(client.ok());
  EXPECT_NE((*client)->restored_from().find("chk-"), std::string::npos);
  ASSERT_TRUE((*client)->Wait().ok());
  EXPECT_EQ(total.load(), kTotal);  // restored counts plus the replayed rest
}

TEST_F(CheckpointTest, AFailedTaskRestartsFromTheLatestCheckpoint) {
  std::atomic<int64_t> total{0};
  std::atomic<bool> failed{false};
  RuntimeOptions options;
  options.threads = 2;
  options.checkpointing.dir = TempPath("restart");
  options.checkpointing.interval = std::chrono::milliseconds(20);
  options.restart = {RestartStrategy::Kind::kFixedDelay, 2,
                     std::chrono::milliseconds(10)};
  auto client = ExecuteAsync(Graph(&total, &failed, 3000), options, "restart");
  ASSERT_TRUE(client.ok());
  auto result = (*client)->Wait();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(failed.load());
  EXPECT_EQ((*client)->restarts(), 1);
  EXPECT_EQ(total.load(), kTotal);

  // Without a restart strategy the failure ends the job, naming the operator.
  std::atomic<bool> failed_again{false};
  options.restart = {};
  options.checkpointing.dir = TempPath("no-restart");
  auto failing = Execute(Graph(&total, &failed_again, 3000), options, "no-restart");
  ASSERT_FALSE(failing.ok());
  EXPECT_NE(failing.status().message().find("operator 'count'"), std::string::npos);
}

TEST_F(CheckpointTest, ManifestIsAtomicAndDamagedCheckpointsAreSkipped) {
  const std::string root = TempPath("storage");
  auto make = [&](CheckpointId id) {
    const std::string folder = CheckpointFolder(root, id);
    TaskSnapshot snap;
    OperatorSnapshot op;
    op.uid = "0-op";
    op.entries = {"state " + std::to_string(id)};
    snap.operators.push_back(op);
    auto file = WriteTaskState(folder, "task-0-0", EncodeTaskSnapshot(snap));
    EXPECT_TRUE(file.ok());
    CheckpointManifest m;
    m.id = id;
    m.job_name = "job with spaces";
    m.tasks = {*file};
    EXPECT_TRUE(WriteManifest(folder, m).ok());
    return folder;
  };
  make(1);
  const std::string two = make(2);
  const std::string three = make(3);
  // A checkpoint whose manifest was never renamed into place does not exist.
  fs::create_directories(CheckpointFolder(root, 4));
  std::ofstream(fs::path(CheckpointFolder(root, 4)) / "_metadata.tmp") << "half";

  auto latest = FindLatestCheckpoint(root);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(**latest, three);
  auto loaded = LoadCheckpoint(three);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->manifest.job_name, "job with spaces");
  EXPECT_EQ(loaded->by_uid.at("0-op")[0].entries[0], "state 3");

  // Flip a byte of 3's manifest: corrupt, skipped for 2.
  {
    std::fstream f(fs::path(three) / kManifestName,
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('#');
  }
  auto m = ReadManifest(three);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("corrupt"), std::string::npos) << m.status();
  latest = FindLatestCheckpoint(root);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(**latest, two);
  // Truncate 2's state file: damaged, skipped for 1.
  fs::resize_file(fs::path(two) / "task-0-0.state", 10);
  latest = FindLatestCheckpoint(root);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(**latest, CheckpointFolder(root, 1));
  // A state file with the right size but other bytes fails its checksum on load.
  {
    const auto p = fs::path(CheckpointFolder(root, 1)) / "task-0-0.state";
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(p) - 1));
    f.put('#');
  }
  EXPECT_FALSE(LoadCheckpoint(CheckpointFolder(root, 1)).ok());
  EXPECT_FALSE(DecodeTaskSnapshot("not a snapshot", "x").ok());
  EXPECT_EQ(HighestCheckpointId(root), 4);
}

TEST_F(CheckpointTest, PruningKeepsTheNewestAndSavepoints) {
  const std::string root = TempPath("prune");
  for (CheckpointId id = 1; id <= 5; ++id) {
    const std::string folder =
        id == 2 ? (fs::path(root) / "savepoint-2").string() : CheckpointFolder(root, id);
    auto file = WriteTaskState(folder, "t", EncodeTaskSnapshot({}));
    ASSERT_TRUE(file.ok());
    CheckpointManifest m;
    m.id = id;
    m.tasks = {*file};
    if (id != 3) {  // 3 was abandoned
      ASSERT_TRUE(WriteManifest(folder, m).ok());
    }
  }
  PruneCheckpoints(root, 2);
  EXPECT_FALSE(fs::exists(CheckpointFolder(root, 1)));
  EXPECT_TRUE(fs::exists(fs::path(root) / "savepoint-2"));
  EXPECT_FALSE(fs::exists(CheckpointFolder(root, 3)));
  EXPECT_TRUE(fs::exists(CheckpointFolder(root, 4)));
  EXPECT_TRUE(fs::exists(CheckpointFolder(root, 5)));
  auto resolved = ResolveRestorePath(root);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(**resolved, CheckpointFolder(root, 5));
  EXPECT_FALSE(ResolveRestorePath(root + "/missing").ok());
}

}  // namespace
}  // namespace weir::runtime
