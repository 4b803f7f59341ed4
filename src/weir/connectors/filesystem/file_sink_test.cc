// The exactly-once file sink through real jobs: bucket assignment and escaping,
// rolling policies, commit on checkpoints and at the end, partition commit policies,
// and what a failed job leaves behind.
#include "weir/connectors/filesystem/file_sink.h"

#include <filesystem>
#include <set>
#include <thread>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "weir/common/runtime_init.h"
#include "weir/connectors/collection/source.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/filesystem/parquet_source.h"
#include "weir/format/parquet/test_files.h"
#include "weir/runtime/job.h"

namespace weir::connectors {
namespace {

namespace fs = std::filesystem;
using format::testing::BatchFromJson;
using format::testing::SequenceBatch;
using format::testing::TempDir;
using runtime::JobGraph;
using runtime::Partitioning;

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  // Runs source → sink and returns the job's outcome.
  arrow::Status Run(runtime::SourceFactory source, FileSinkOptions sink,
                    int parallelism = 1, runtime::RuntimeOptions options = {}) {
    auto factory = MakeFileSink(std::move(sink));
    if (!factory.ok()) return factory.status();
    JobGraph g;
    int s = g.AddSource("source", parallelism, std::move(source));
    int k = g.AddOperator("sink", parallelism, *factory);
    EXPECT_TRUE(g.Connect(s, k, Partitioning::Forward()).ok());
    options.threads = 2;
    return runtime::Execute(g, options, "file-sink-test").status();
  }

  // Visible data files under `root`, relative, sorted.
  static std::vector<std::string> Visible(const std::string& root) {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      const auto name = e.path().filename().string();
      if (e.is_regular_file() && name[0] != '.' && name[0] != '_')
        out.push_back(fs::relative(e.path(), root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static int Hidden(const std::string& root) {
    int n = 0;
    for (auto& e : fs::recursive_directory_iterator(root))
      n += e.is_regular_file() && e.path().filename().string()[0] == '.';
    return n;
  }
  static int64_t Rows(const std::string& root) {
    int64_t rows = 0;
    for (const auto& f : Visible(root))
      rows += parquet::ParquetFileReader::OpenFile((fs::path(root) / f).string())
                  ->metadata()
                  ->num_rows();
    return rows;
  }

  TempDir dir_;
};

TEST_F(FileSinkTest, PartitionColumnsAreEscapedAndLeftOutOfTheFiles) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64()),
                               arrow::field("city", arrow::utf8()),
                               arrow::field("day", arrow::utf8())});
  auto batch = BatchFromJson(
      schema, {R"([1, 2, 3, 4])", R"(["a/b c", "x", null, "x"])",
               R"(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-01"])"});
  FileSinkOptions o;
  o.path = dir_.File("t");
  o.buckets = PartitionColumns({"city", "day"});
  ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
  auto files = Visible(o.path);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].rfind("city=__HIVE_DEFAULT_PARTITION__/day=2024-01-02/part-", 0), 0u)
      << files[0];
  EXPECT_EQ(files[1].rfind("city=a%2Fb c/day=2024-01-01/part-", 0), 0u) << files[1];
  EXPECT_EQ(files[2].rfind("city=x/day=2024-01-01/part-", 0), 0u) << files[2];
  auto md = parquet::ParquetFileReader::OpenFile((fs::path(o.path) / files[2]).string())
                ->metadata();
  EXPECT_EQ(md->num_rows(), 2);
  EXPECT_EQ(md->num_columns(), 1);  // only id: partition columns live in the path
  EXPECT_EQ(Hidden(o.path), 0);
}

// A table path ending with a separator (Nexmark q10's 'path' = '…/bid/'): new
// partition folders are synced up to the table's folder, and the sink ends (the walk
// up once went on forever at the root, whose parent is itself).
TEST_F(FileSinkTest, APathWithATrailingSeparatorWritesPartitions) {
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("day", arrow::utf8())});
  auto batch = BatchFromJson(schema, {R"([1, 2])", R"(["2024-01-01", "2024-01-02"])"});
  FileSinkOptions o;
  o.path = dir_.File("t") + "/";
  o.buckets = PartitionColumns({"day"});
  ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
  EXPECT_EQ(Visible(o.path).size(), 2u);
  EXPECT_EQ(Rows(o.path), 2);
}

TEST_F(FileSinkTest, EventTimeBucketsFormatThePatternInTheTimeZone) {
  auto schema =
      arrow::schema({arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI)),
                     arrow::field("v", arrow::int64())});
  // 2024-03-10 23:30 UTC and 00:30 the next day.
  auto batch = BatchFromJson(
      schema, {R"(["2024-03-10T23:30:00", "2024-03-11T00:30:00"])", R"([1, 2])"});
  FileSinkOptions o;
  o.path = dir_.File("utc");
  o.buckets = EventTimeBuckets("ts");
  ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
  auto files = Visible(o.path);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].rfind("2024-03-10--23/", 0), 0u) << files[0];
  EXPECT_EQ(files[1].rfind("2024-03-11--00/", 0), 0u) << files[1];

  o.path = dir_.File("offset");
  o.buckets = EventTimeBuckets("ts", "yyyy/MM/dd/'h'HH", "+08:00");
  ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
  files = Visible(o.path);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].rfind("2024/03/11/h07/", 0), 0u) << files[0];
  EXPECT_EQ(files[1].rfind("2024/03/11/h08/", 0), 0u) << files[1];

  if (fs::exists("/usr/share/zoneinfo/America/New_York")) {
    o.path = dir_.File("iana");
    o.buckets = EventTimeBuckets("ts", "yyyy-MM-dd", "America/New_York");
    ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
    files = Visible(o.path);
    ASSERT_EQ(files.size(), 1u);  // 19:30 and 20:30 on the 10th, EDT
    EXPECT_EQ(files[0].rfind("2024-03-10/", 0), 0u) << files[0];
  }
}

TEST_F(FileSinkTest, BadBucketSettingsAreClearErrors) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  auto check = [&](BucketAssignerFactory buckets, const std::string& needle) {
    FileSinkOptions o;
    o.path = dir_.File("bad");
    o.buckets = std::move(buckets);
    auto f = MakeFileSink(o, schema);
    ASSERT_FALSE(f.ok()) << needle;
    EXPECT_NE(f.status().message().find(needle), std::string::npos) << f.status();
  };
  check(PartitionColumns({"nope"}), "partition column 'nope'");
  check(PartitionColumns({"id"}), "every column is a partition column");
  check(EventTimeBuckets("id", "yyyy-QQ"), "unsupported letter 'Q'");
  check(EventTimeBuckets("id", "yyyy", "Mars/Olympus"),
        "unknown time zone 'Mars/Olympus'");
  check(EventTimeBuckets("missing"), "time column 'missing'");
  FileSinkOptions o;
  o.path = dir_.File("bad2");
  o.rolling.file_size = 0;
  EXPECT_FALSE(MakeFileSink(o).ok());
  o.rolling.file_size = 1;
  o.prefix = "a/b";
  EXPECT_FALSE(MakeFileSink(o).ok());
}

TEST_F(FileSinkTest, FilesRollBySizeAndEveryRowIsCommittedOnce) {
  DatagenOptions gen;
  gen.schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("s", arrow::utf8())});
  DatagenFieldOptions id;
  id.kind = DatagenFieldOptions::Kind::kSequence;
  id.end = 99'999;
  gen.fields["id"] = id;
  gen.fields["s"].length = 20;
  gen.batch_size = 1000;
  auto source = MakeDatagenSource(gen);
  ASSERT_TRUE(source.ok());
  FileSinkOptions o;
  o.path = dir_.File("rolled");
  o.rolling.file_size = 200 * 1024;
  o.writer.row_group_rows = 5000;
  ASSERT_TRUE(Run(*source, o, 2).ok());
  const auto files = Visible(o.path);
  EXPECT_GT(files.size(), 4u);
  EXPECT_EQ(Rows(o.path), 100'000);
  EXPECT_EQ(Hidden(o.path), 0);
  for (const auto& f : files) {
    // part-<uuid>-<subtask>-<counter>.parquet
    EXPECT_EQ(f.rfind("part-", 0), 0u);
    EXPECT_EQ(f.substr(f.size() - 8), ".parquet");
  }
}

TEST_F(FileSinkTest, RolloverIntervalRollsFilesAndPeriodicCheckpointsPublishThem) {
  DatagenOptions gen;
  gen.schema = arrow::schema({arrow::field("id", arrow::int64())});
  DatagenFieldOptions id;
  id.kind = DatagenFieldOptions::Kind::kSequence;
  id.end = 2999;
  gen.fields["id"] = id;
  gen.batch_size = 100;
  gen.rows_per_second = 5000;  // 0.6 s
  auto source = MakeDatagenSource(gen);
  ASSERT_TRUE(source.ok());
  FileSinkOptions o;
  o.path = dir_.File("inactive");
  o.rolling.rollover_interval = std::chrono::milliseconds(100);
  o.check_interval = std::chrono::milliseconds(20);
  runtime::RuntimeOptions options;
  options.checkpointing.dir = dir_.File("ckpt");
  options.checkpointing.interval = std::chrono::milliseconds(50);
  ASSERT_TRUE(Run(*source, o, 1, options).ok());
  EXPECT_GE(Visible(o.path).size(), 3u);  // rolled every 100 ms, not just at the end
  EXPECT_EQ(Rows(o.path), 3000);
  EXPECT_EQ(Hidden(o.path), 0);
}

TEST_F(FileSinkTest, PartitionTimeCommitWritesSuccessFilesAndRunsTheCustomPolicy) {
  auto schema = arrow::schema(
      {arrow::field("dt", arrow::utf8()), arrow::field("v", arrow::int64())});
  auto b1 = BatchFromJson(schema, {R"(["2024-01-01", "2024-01-02"])", R"([1, 2])"});
  auto b2 = BatchFromJson(schema, {R"(["2024-01-02"])", R"([3])"});
  FileSinkOptions o;
  o.path = dir_.File("committed");
  o.buckets = PartitionColumns({"dt"});
  o.commit.trigger = PartitionCommitOptions::Trigger::kPartitionTime;
  o.commit.delay = std::chrono::hours(24);
  std::set<std::string> custom;
  std::mutex mu;
  o.commit.custom = [&](const PartitionCommitContext& ctx) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(fs::exists(fs::path(ctx.path) / "_SUCCESS"));
    custom.insert(ctx.partition);
    return arrow::Status::OK();
  };
  ASSERT_TRUE(Run(MakeCollectionSource({b1, b2}), o).ok());
  EXPECT_TRUE(fs::exists(fs::path(o.path) / "dt=2024-01-01" / "_SUCCESS"));
  EXPECT_TRUE(fs::exists(fs::path(o.path) / "dt=2024-01-02" / "_SUCCESS"));
  EXPECT_EQ(custom, (std::set<std::string>{"dt=2024-01-01", "dt=2024-01-02"}));

  // A failing custom policy fails the job, naming the partition.
  o.path = dir_.File("policy-fails");
  o.commit.custom = [](const PartitionCommitContext&) {
    return arrow::Status::IOError("metastore down");
  };
  auto st = Run(MakeCollectionSource({b1}), o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("metastore down"), std::string::npos) << st;
  EXPECT_NE(st.message().find("partition 'dt="), std::string::npos) << st;
}

TEST_F(FileSinkTest, AFailedBatchJobLeavesNoVisibleOutput) {
  FileSinkOptions o;
  o.path = dir_.File("failed");
  o.rolling.file_size = 1;  // every batch rolls a file before the failure
  auto mismatched =
      BatchFromJson(arrow::schema({arrow::field("z", arrow::utf8())}), {R"(["x"])"});
  auto st = Run(
      MakeCollectionSource({SequenceBatch(10), SequenceBatch(10, 10), mismatched}), o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("operator 'sink'"), std::string::npos) << st;
  EXPECT_TRUE(Visible(o.path).empty());
  EXPECT_EQ(Hidden(o.path), 0);
}

TEST_F(FileSinkTest, ThousandsOfOpenPartitionsFitASmallBudgetAndFewDescriptors) {
  // 3000 partitions open at once, more than the usual 1024 descriptors per process,
  // with a 16 MB budget for all their open writers (about 5 KB each).
  DatagenOptions gen;
  gen.schema = arrow::schema({arrow::field("id", arrow::int64()),
                              arrow::field("p", arrow::int64()),
                              arrow::field("s", arrow::utf8())});
  DatagenFieldOptions id;
  id.kind = DatagenFieldOptions::Kind::kSequence;
  id.end = 149'999;
  gen.fields["id"] = id;
  DatagenFieldOptions p;
  p.min = 0;
  p.max = 2999;
  gen.fields["p"] = p;
  gen.fields["s"].length = 40;
  auto source = MakeDatagenSource(gen);
  ASSERT_TRUE(source.ok());
  FileSinkOptions o;
  o.path = dir_.File("many");
  o.buckets = PartitionColumns({"p"});
  o.memory_budget = 16 << 20;
  runtime::RuntimeOptions options;
  options.checkpointing.dir = dir_.File("many-ckpt");
  options.checkpointing.interval = std::chrono::milliseconds(1000);
  auto st = Run(*source, o, 1, options);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Visible(o.path).size(), 3000u);
  EXPECT_EQ(Rows(o.path), 150'000);
  EXPECT_EQ(Hidden(o.path), 0);
}

TEST_F(FileSinkTest, NearUniqueColumnsAreWrittenWithoutDictionary) {
  arrow::Int64Builder unique, few;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(unique.Append(i * 7919).ok());
    ASSERT_TRUE(few.Append(i % 10).ok());
  }
  auto schema = arrow::schema(
      {arrow::field("u", arrow::int64()), arrow::field("f", arrow::int64())});
  auto batch = arrow::RecordBatch::Make(schema, 5000, {*unique.Finish(), *few.Finish()});
  FileSinkOptions o;
  o.path = dir_.File("dict");
  ASSERT_TRUE(Run(MakeCollectionSource({batch}), o).ok());
  auto files = Visible(o.path);
  ASSERT_EQ(files.size(), 1u);
  auto md = parquet::ParquetFileReader::OpenFile((fs::path(o.path) / files[0]).string())
                ->metadata();
  auto rg = md->RowGroup(0);
  EXPECT_FALSE(rg->ColumnChunk(0)->has_dictionary_page());
  EXPECT_TRUE(rg->ColumnChunk(1)->has_dictionary_page());
}

// Forwards batches slowly, so that checkpoints fall in the middle of a scan.
class Slow : public runtime::Operator {
 public:
  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output* out) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    return out->Emit(batch);
  }
};

TEST_F(FileSinkTest, ParquetToParquetResumesMidScanExactlyOnce) {
  const std::string input = dir_.File("input.parquet");
  format::WriterOptions w;
  w.row_group_rows = 1000;
  format::testing::WriteFile(input, {SequenceBatch(60'000)}, w);
  ParquetSourceOptions src;
  src.paths = {input};
  src.scan.batch_size = 250;
  auto source = MakeParquetSource(src);
  ASSERT_TRUE(source.ok());
  FileSinkOptions o;
  o.path = dir_.File("copy");
  o.rolling.file_size = 64 * 1024;
  auto sink = MakeFileSink(o);
  ASSERT_TRUE(sink.ok());
  JobGraph g;
  int s = g.AddSource("parquet", 2, *source);
  int m = g.AddOperator("slow", 2,
                        [](const runtime::SubtaskInfo&)
                            -> arrow::Result<std::unique_ptr<runtime::Operator>> {
                          return std::make_unique<Slow>();
                        });
  int k = g.AddOperator("sink", 2, *sink);
  ASSERT_TRUE(g.Connect(s, m, Partitioning::Forward()).ok());
  ASSERT_TRUE(g.Connect(m, k, Partitioning::Forward()).ok());
  runtime::RuntimeOptions options;
  options.threads = 2;
  options.checkpointing.dir = dir_.File("ckpt");
  options.checkpointing.interval = std::chrono::milliseconds(20);
  {
    auto client = runtime::ExecuteAsync(g, options, "first");
    ASSERT_TRUE(client.ok());
    int completed = 0;
    while (completed < 2 && !(*client)->WaitFor(std::chrono::milliseconds(5))) {
      completed = 0;
      for (const auto& c : (*client)->Checkpoints()) completed += c.status == "COMPLETED";
    }
    (*client)->Cancel();
    ASSERT_TRUE((*client)->Wait().status().IsCancelled());
  }
  const int64_t partial = Rows(o.path);
  EXPECT_LT(partial, 60'000);
  auto again = runtime::Execute(g, options, "second");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Rows(o.path), 60'000);
  auto table = format::ParquetDataset::Open({o.path}, {});
  ASSERT_TRUE(table.ok());
  auto scanner = format::ParquetScanner::Make(*table, {});
  ASSERT_TRUE(scanner.ok());
  auto t = (*scanner)->ToTable();
  ASSERT_TRUE(t.ok());
  std::set<int64_t> ids;
  for (const auto& chunk : (*t)->GetColumnByName("id")->chunks()) {
    auto a = std::static_pointer_cast<arrow::Int64Array>(chunk);
    for (int64_t i = 0; i < a->length(); ++i) ids.insert(a->Value(i));
  }
  EXPECT_EQ(ids.size(), 60'000u);
  EXPECT_EQ(Hidden(o.path), 0);

  // Restored at another parallelism from the final checkpoint, every scan is
  // finished: nothing is read or written again.
  g.SetParallelism(s, 1);
  options.checkpointing.restore_path = options.checkpointing.dir;
  auto rescaled = runtime::Execute(g, options, "rescaled");
  ASSERT_TRUE(rescaled.ok()) << rescaled.status();
  EXPECT_EQ(Rows(o.path), 60'000);
}

}  // namespace
}  // namespace weir::connectors
