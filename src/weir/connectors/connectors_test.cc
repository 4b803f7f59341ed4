// Connector tests through real jobs: datagen, collection, collect, print, blackhole,
// and the Parquet source (bounded splits, continuous monitoring) and rolling sink.
#include <algorithm>
#include <filesystem>
#include <thread>

#include <arrow/array.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/connectors/blackhole/sink.h"
#include "weir/connectors/collect/sink.h"
#include "weir/connectors/collection/source.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/filesystem/parquet_sink.h"
#include "weir/connectors/filesystem/parquet_source.h"
#include "weir/connectors/print/sink.h"
#include "weir/format/parquet/scanner.h"
#include "weir/format/parquet/test_files.h"
#include "weir/runtime/job.h"

namespace weir::connectors {
namespace {

namespace cp = arrow::compute;
namespace fs = std::filesystem;
using format::testing::SequenceBatch;
using format::testing::TempDir;
using format::testing::WriteFile;
using runtime::JobGraph;
using runtime::Partitioning;

class ConnectorsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  // Runs source → collect with the given parallelism; returns the collected table.
  std::shared_ptr<arrow::Table> Collect(runtime::SourceFactory source, int parallelism,
                                        int threads = 2) {
    JobGraph g;
    auto target = std::make_shared<CollectedBatches>();
    int s = g.AddSource("source", parallelism, std::move(source));
    int k = g.AddOperator("collect", parallelism, MakeCollectSink(target));
    EXPECT_TRUE(g.Connect(s, k, Partitioning::Forward()).ok());
    runtime::RuntimeOptions options;
    options.threads = threads;
    auto result = runtime::Execute(g, options, "collect");
    EXPECT_TRUE(result.ok()) << result.status();
    auto table = target->ToTable();
    EXPECT_TRUE(table.ok()) << table.status();
    return table.ok() ? *table : nullptr;
  }

  static std::vector<int64_t> SortedInt64(const arrow::Table& t,
                                          const std::string& name) {
    std::vector<int64_t> out;
    for (const auto& chunk : t.GetColumnByName(name)->chunks()) {
      auto a = std::static_pointer_cast<arrow::Int64Array>(chunk);
      for (int64_t i = 0; i < a->length(); ++i) out.push_back(a->Value(i));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
};

DatagenOptions SampleDatagen() {
  DatagenOptions o;
  o.schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("score", arrow::float64()),
       arrow::field("name", arrow::utf8()), arrow::field("small", arrow::int16()),
       arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MILLI))});
  DatagenFieldOptions id;
  id.kind = DatagenFieldOptions::Kind::kSequence;
  id.start = 1;
  id.end = 10000;
  o.fields["id"] = id;
  DatagenFieldOptions score;
  score.min = 10;
  score.max = 20;
  score.null_rate = 0.1;
  o.fields["score"] = score;
  DatagenFieldOptions name;
  name.length = 8;
  o.fields["name"] = name;
  DatagenFieldOptions small;
  small.min = -5;
  small.max = 5;
  o.fields["small"] = small;
  DatagenFieldOptions ts;
  ts.min = 1'700'000'000'000'000;
  ts.max = 1'700'000'100'000'000;
  o.fields["ts"] = ts;
  o.batch_size = 777;
  o.seed = 7;
  return o;
}

TEST_F(ConnectorsTest, DatagenIsDeterministicAndIndependentOfParallelism) {
  auto factory = MakeDatagenSource(SampleDatagen());
  ASSERT_TRUE(factory.ok()) << factory.status();
  auto one = Collect(*factory, 1);
  auto three = Collect(*factory, 3);
  ASSERT_TRUE(one && three);
  ASSERT_EQ(one->num_rows(), 10000);
  std::vector<int64_t> expected(10000);
  for (int i = 0; i < 10000; ++i) expected[i] = i + 1;
  EXPECT_EQ(SortedInt64(*one, "id"), expected);
  // Same rows whatever the parallelism: sort both by id and compare.
  auto sort = [](const std::shared_ptr<arrow::Table>& t) {
    auto idx = *cp::SortIndices(arrow::Datum(t), cp::SortOptions({cp::SortKey("id")}));
    return (*cp::Take(arrow::Datum(t), arrow::Datum(idx))).table();
  };
  EXPECT_TRUE(sort(one)->Equals(*sort(three)));
  // Bounds and nulls as asked.
  auto mm = *cp::MinMax(arrow::Datum(one->GetColumnByName("small")));
  EXPECT_EQ(mm.scalar_as<arrow::StructScalar>().value[0]->ToString(), "-5");
  EXPECT_EQ(mm.scalar_as<arrow::StructScalar>().value[1]->ToString(), "5");
  const int64_t nulls = one->GetColumnByName("score")->null_count();
  EXPECT_GT(nulls, 700);
  EXPECT_LT(nulls, 1300);
  auto names = std::static_pointer_cast<arrow::StringArray>(
      one->GetColumnByName("name")->chunk(0));
  EXPECT_EQ(names->GetView(0).size(), 8u);
}

TEST_F(ConnectorsTest, DatagenRateLimitAndBadOptions) {
  DatagenOptions o;
  o.schema = arrow::schema({arrow::field("x", arrow::int32())});
  o.rows_per_second = 2000;
  o.number_of_rows = 500;
  auto factory = MakeDatagenSource(o);
  ASSERT_TRUE(factory.ok());
  auto start = std::chrono::steady_clock::now();
  auto t = Collect(*factory, 2);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 500);
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));  // 500 rows at 2000/s ≈ 250 ms

  DatagenOptions bad = o;
  bad.fields["nope"] = {};
  auto r = MakeDatagenSource(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'nope'"), std::string::npos);
  bad = o;
  bad.schema = arrow::schema({arrow::field("l", arrow::list(arrow::int32()))});
  EXPECT_FALSE(MakeDatagenSource(bad).ok());
  bad = o;
  bad.rows_per_second = 0;
  EXPECT_FALSE(MakeDatagenSource(bad).ok());
}

TEST_F(ConnectorsTest, CollectionSourcePrintAndBlackhole) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int i = 0; i < 5; ++i) batches.push_back(SequenceBatch(3, i * 3));
  auto t = Collect(MakeCollectionSource(batches), 2);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 15);

  JobGraph g;
  int s = g.AddSource("values", 1, MakeCollectionSource({SequenceBatch(2)}));
  int p = g.AddOperator("print", 1, MakePrintSink({"out", false}));
  ASSERT_TRUE(g.Connect(s, p, Partitioning::Forward()).ok());
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(runtime::Execute(g, {}, "print").ok());
  std::string printed = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(printed, "out> +I[0, 0.0, s0, 0]\nout> +I[1, 0.5, s1, 1]\n");

  JobGraph h;
  auto rows = std::make_shared<std::atomic<int64_t>>(0);
  int s2 = h.AddSource("values", 2, MakeCollectionSource(batches));
  int b = h.AddOperator("blackhole", 1, MakeBlackholeSink(rows));
  ASSERT_TRUE(h.Connect(s2, b, Partitioning::Rebalance()).ok());
  ASSERT_TRUE(runtime::Execute(h, {}, "blackhole").ok());
  EXPECT_EQ(rows->load(), 15);
}

TEST_F(ConnectorsTest, BoundedParquetSourceSplitsRowGroupsAcrossSubtasks) {
  format::WriterOptions w;
  w.row_group_rows = 1000;
  for (int f = 0; f < 3; ++f) {
    WriteFile(dir_.File("in/day=" + std::to_string(f) + "/part.parquet"),
              {SequenceBatch(5000, f * 5000)}, w);
  }
  ParquetSourceOptions o;
  o.paths = {(dir_.path() / "in").string()};
  o.scan.batch_size = 512;
  auto factory = MakeParquetSource(o);
  ASSERT_TRUE(factory.ok()) << factory.status();
  for (int p : {1, 2, 4}) {
    auto t = Collect(*factory, p);
    ASSERT_TRUE(t);
    std::vector<int64_t> expected(15000);
    for (int i = 0; i < 15000; ++i) expected[i] = i;
    EXPECT_EQ(SortedInt64(*t, "id"), expected) << "parallelism " << p;
    EXPECT_NE(t->schema()->GetFieldByName("day"), nullptr);
  }
  // Filter pushdown: only matching rows, from the one partition.
  o.scan.filter = cp::and_(cp::equal(cp::field_ref("day"), cp::literal(1)),
                           cp::less(cp::field_ref("id"), cp::literal(int64_t{5100})));
  auto filtered = MakeParquetSource(o);
  ASSERT_TRUE(filtered.ok());
  auto t = Collect(*filtered, 3);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_rows(), 100);
  // Bad inputs fail when the job is built, naming what is wrong.
  ParquetSourceOptions bad;
  bad.paths = {(dir_.path() / "missing").string()};
  auto r = MakeParquetSource(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing"), std::string::npos);
  bad = o;
  bad.scan.columns = {"nope"};
  EXPECT_FALSE(MakeParquetSource(bad).ok());
}

TEST_F(ConnectorsTest, ContinuousParquetSourceReadsEachNewFileOnce) {
  const std::string in = (dir_.path() / "watch").string();
  fs::create_directories(in);
  ParquetSourceOptions o;
  o.paths = {in};
  o.monitor_interval = std::chrono::milliseconds(20);
  auto factory = MakeParquetSource(o);
  ASSERT_TRUE(factory.ok()) << factory.status();
  JobGraph g;
  auto target = std::make_shared<CollectedBatches>();
  int s = g.AddSource("watch", 2, *factory);
  int k = g.AddOperator("collect", 1, MakeCollectSink(target));
  ASSERT_TRUE(g.Connect(s, k, Partitioning::Rebalance()).ok());
  auto client = runtime::ExecuteAsync(g, {}, "continuous");
  ASSERT_TRUE(client.ok()) << client.status();
  for (int f = 0; f < 6; ++f) {
    // Write hidden, then rename: readers never see a partial file.
    const std::string hidden = in + "/.f" + std::to_string(f) + ".inprogress";
    WriteFile(hidden, {SequenceBatch(100, f * 100)});
    fs::rename(hidden, in + "/f" + std::to_string(f) + ".parquet");
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (target->num_rows() < 600 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // nothing read twice
  EXPECT_EQ((*client)->status(), runtime::JobStatus::kRunning);
  (*client)->Cancel();
  EXPECT_TRUE((*client)->Wait().status().IsCancelled());
  auto t = target->ToTable();
  ASSERT_TRUE(t.ok());
  std::vector<int64_t> expected(600);
  for (int i = 0; i < 600; ++i) expected[i] = i;
  EXPECT_EQ(SortedInt64(**t, "id"), expected);
}

TEST_F(ConnectorsTest, ParquetSinkRollsBySizeAndLeavesOnlyCompleteFiles) {
  const std::string out = (dir_.path() / "out").string();
  ParquetSinkOptions o;
  o.path = out;
  o.rolling_file_size = 64 * 1024;
  o.writer.row_group_rows = 2000;
  auto sink = MakeCheckedParquetSink(o);
  ASSERT_TRUE(sink.ok()) << sink.status();
  DatagenOptions d;
  d.schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("payload", arrow::utf8())});
  DatagenFieldOptions id;
  id.kind = DatagenFieldOptions::Kind::kSequence;
  id.start = 0;
  id.end = 49999;
  d.fields["id"] = id;
  DatagenFieldOptions payload;
  payload.length = 20;
  d.fields["payload"] = payload;
  d.batch_size = 1000;
  JobGraph g;
  int s = g.AddSource("gen", 2, *MakeDatagenSource(d));
  int k = g.AddOperator("parquet", 2, *sink);
  ASSERT_TRUE(g.Connect(s, k, Partitioning::Forward()).ok());
  ASSERT_TRUE(runtime::Execute(g, {}, "sink").ok());
  int visible = 0, hidden = 0;
  for (auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (name[0] == '.') {
      ++hidden;
    } else {
      ++visible;
      EXPECT_EQ(name.rfind("part-", 0), 0u) << name;
    }
  }
  EXPECT_EQ(hidden, 0);
  EXPECT_GT(visible, 4);  // rolled several times
  auto scanner = format::ScanParquet({out}, {});
  ASSERT_TRUE(scanner.ok());
  auto t = (*scanner)->ToTable();
  ASSERT_TRUE(t.ok());
  std::vector<int64_t> expected(50000);
  for (int i = 0; i < 50000; ++i) expected[i] = i;
  EXPECT_EQ(SortedInt64(**t, "id"), expected);
}

TEST_F(ConnectorsTest, FailedJobLeavesNoPartialSinkFiles) {
  const std::string out = (dir_.path() / "failed").string();
  ParquetSinkOptions o;
  o.path = out;
  auto sink = MakeCheckedParquetSink(o);
  ASSERT_TRUE(sink.ok());
  // A source whose second batch has a different schema makes the sink fail.
  auto mismatched = format::testing::BatchFromJson(
      arrow::schema({arrow::field("z", arrow::utf8())}), {R"(["x"])"});
  JobGraph g;
  int s = g.AddSource("values", 1, MakeCollectionSource({SequenceBatch(10), mismatched}));
  int k = g.AddOperator("parquet", 1, *sink);
  ASSERT_TRUE(g.Connect(s, k, Partitioning::Forward()).ok());
  auto result = runtime::Execute(g, {}, "fails");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("operator 'parquet'"), std::string::npos)
      << result.status();
  EXPECT_TRUE(fs::is_empty(out));
}

}  // namespace
}  // namespace weir::connectors
