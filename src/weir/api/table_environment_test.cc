#include "weir/api/table_environment.h"

#include <arrow/array.h>
#include <arrow/array/util.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/exec.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <gtest/gtest.h>

#include "weir/api/stream_execution_environment.h"
#include "weir/common/runtime_init.h"
#include "weir/connectors/collect/sink.h"
#include "weir/connectors/collection/source.h"
#include "weir/connectors/datagen/source.h"
#include "weir/connectors/table_factory.h"
#include "weir/connectors/table_options.h"

namespace weir::api {
namespace {

namespace cp = arrow::compute;

class TableEnvironmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(InitializeRuntime().ok()); }

  // A bounded datagen table: id 1..1000, v = id % 7 computed, name random.
  void SetUp() override {
    env_ = TableEnvironment::Create(EnvironmentSettings::InBatchMode());
    auto st = env_->ExecuteSql(
        "CREATE TABLE t (id BIGINT, name STRING, v AS MOD(id, 7)) WITH ("
        "'connector' = 'datagen', 'fields.id.kind' = 'sequence', "
        "'fields.id.start' = '1', 'fields.id.end' = '1000', 'fields.name.length' = '4')");
    ASSERT_TRUE(st.ok()) << st.status().ToString();
  }

  std::shared_ptr<arrow::Table> Rows(const arrow::Result<TableResult>& result) {
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return nullptr;
    auto table = result->Collect();
    EXPECT_TRUE(table.ok());
    return *table;
  }

  int64_t Int(const std::shared_ptr<arrow::Table>& table, int column, int64_t row) {
    auto scalar = *table->column(column)->GetScalar(row);
    return std::static_pointer_cast<arrow::Int64Scalar>(scalar)->value;
  }

  std::shared_ptr<TableEnvironment> env_;
};

TEST_F(TableEnvironmentTest, ExecuteSqlRunsQueries) {
  auto rows =
      Rows(env_->ExecuteSql("SELECT v, COUNT(*) AS n, SUM(id) AS s FROM t WHERE id <= "
                            "700 GROUP BY v ORDER BY v"));
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->num_rows(), 7);
  EXPECT_EQ(rows->schema()->field(1)->name(), "n");
  int64_t total = 0;
  for (int64_t r = 0; r < 7; ++r) {
    EXPECT_EQ(Int(rows, 0, r), r);
    EXPECT_EQ(Int(rows, 1, r), 100);
    total += Int(rows, 2, r);
  }
  EXPECT_EQ(total, 700 * 701 / 2);
}

TEST_F(TableEnvironmentTest, TableApiComposesQueries) {
  auto table = env_->FromPath("t");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto result = table->Filter("id > 990")
                    .Select({"id", "id * 2 AS twice"})
                    .OrderBy({"id DESC"})
                    .Limit(3)
                    .Execute();
  auto rows = Rows(result);
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->num_rows(), 3);
  EXPECT_EQ(rows->schema()->field(1)->name(), "twice");
  EXPECT_EQ(Int(rows, 0, 0), 1000);
  EXPECT_EQ(Int(rows, 1, 2), 2 * 998);

  auto grouped =
      Rows(table->GroupBy({"v"}).Aggregate({"COUNT(*) AS n"}).OrderBy({"v"}).Execute());
  ASSERT_NE(grouped, nullptr);
  EXPECT_EQ(grouped->num_rows(), 7);

  auto joined = env_->SqlQuery("SELECT id AS k FROM t WHERE id < 4");
  ASSERT_TRUE(joined.ok());
  auto both =
      Rows(table->Join(*joined, "l.id = r.k").Select({"k"}).OrderBy({"k"}).Execute());
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->num_rows(), 3);
}

TEST_F(TableEnvironmentTest, ErrorsAreClear) {
  auto unknown = env_->ExecuteSql("SELECT nme FROM t");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("did you mean 'name'"), std::string::npos);
  auto bad = env_->SqlQuery("SELECT FROM");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("syntax error"), std::string::npos);
  EXPECT_FALSE(env_->SetConfig("parallelism.defualt", "2").ok());
  EXPECT_FALSE(env_->SetConfig("execution.runtime-mode", "fast").ok());
  EXPECT_FALSE(env_->FromPath("nope").ok());
}

TEST_F(TableEnvironmentTest, ShowDescribeExplain) {
  auto tables = Rows(env_->ExecuteSql("SHOW TABLES"));
  ASSERT_NE(tables, nullptr);
  EXPECT_EQ(tables->num_rows(), 1);
  auto described = Rows(env_->ExecuteSql("DESCRIBE t"));
  ASSERT_NE(described, nullptr);
  EXPECT_EQ(described->num_rows(), 3);
  auto plan = env_->ExplainSql("SELECT name FROM t WHERE id > 5");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->find("Scan t [id, name]"), std::string::npos) << *plan;
}

TEST(TableStreamBridgeTest, DataStreamToTableAndBack) {
  ASSERT_TRUE(InitializeRuntime().ok());
  auto stream_env = StreamExecutionEnvironment::Create();
  stream_env->SetParallelism(2);
  auto table_env = TableEnvironment::Create(stream_env);
  connectors::DatagenOptions options;
  options.schema = arrow::schema({arrow::field("id", arrow::int64())});
  connectors::DatagenFieldOptions id;
  id.kind = connectors::DatagenFieldOptions::Kind::kSequence;
  id.start = 1;
  id.end = 5000;
  options.fields["id"] = id;
  DataStream numbers =
      stream_env->FromSource(*connectors::MakeDatagenSource(options),
                             runtime::WatermarkStrategy::NoWatermarks(), "numbers");
  auto table = table_env->FromDataStream(numbers, options.schema, "numbers");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto even = table->Filter("MOD(id, 2) = 0").Select({"id * 10 AS tens"});
  auto stream = table_env->ToDataStream(even);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto collected = std::make_shared<connectors::CollectedBatches>();
  stream->SinkTo(connectors::MakeCollectSink(collected));
  ASSERT_TRUE(stream_env->Execute("bridge").ok());
  auto rows = *collected->ToTable();
  ASSERT_EQ(rows->num_rows(), 2500);
  EXPECT_EQ(rows->schema()->field(0)->name(), "tens");
  auto sum = *cp::Sum(rows->column(0));
  EXPECT_EQ(sum.scalar_as<arrow::Int64Scalar>().value, 10 * 2 * (2500 * 2501 / 2));
}

// A connector defined outside the tree: the numbers 1..'rows' in a column `n`.
// Registering its factory is all it takes for SQL to read it.
class NumbersFactory : public connectors::TableFactory {
 public:
  std::string_view name() const override { return "test-numbers"; }
  arrow::Status Validate(connectors::TableDescriptor* table) const override {
    ARROW_RETURN_NOT_OK(
        connectors::CheckKnown(*table, {"connector", "rows"}, "test-numbers"));
    return connectors::ParseInteger(*table, "rows").status();
  }
  bool IsBounded(const connectors::TableDescriptor&) const override { return true; }
  arrow::Result<runtime::SourceFactory> MakeSource(
      const connectors::TableDescriptor& table,
      const connectors::ScanRequest& scan) const override {
    ARROW_ASSIGN_OR_RAISE(int64_t rows, connectors::ParseInteger(table, "rows"));
    arrow::Int64Builder builder;
    for (int64_t i = 1; i <= rows; ++i) ARROW_RETURN_NOT_OK(builder.Append(i));
    ARROW_ASSIGN_OR_RAISE(auto column, builder.Finish());
    arrow::FieldVector fields;
    arrow::ArrayVector columns;
    for (const std::string& name : scan.columns) {  // only `n` exists
      fields.push_back(arrow::field(name, arrow::int64()));
      columns.push_back(column);
    }
    return connectors::MakeCollectionSource(
        {arrow::RecordBatch::Make(arrow::schema(fields), rows, columns)});
  }
};

TEST(TableFactoryTest, ARegisteredConnectorWorksInSql) {
  ASSERT_TRUE(InitializeRuntime().ok());
  static bool registered = false;
  if (!registered) {
    ASSERT_TRUE(
        connectors::RegisterTableFactory(std::make_unique<NumbersFactory>()).ok());
    registered = true;
  }
  EXPECT_FALSE(connectors::RegisterTableFactory(std::make_unique<NumbersFactory>()).ok());
  auto env = TableEnvironment::Create(EnvironmentSettings::InBatchMode());
  ASSERT_TRUE(env->ExecuteSql("CREATE TABLE nums (n BIGINT) WITH ('connector' = "
                              "'test-numbers', 'rows' = '100')")
                  .ok());
  auto result =
      env->ExecuteSql("SELECT SUM(n) AS s, COUNT(*) AS c FROM nums WHERE n > 50");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto rows = *result->Collect();
  EXPECT_EQ(
      std::static_pointer_cast<arrow::Int64Scalar>(*rows->column(0)->GetScalar(0))->value,
      3775);
  // The factory checks its options; unknown connectors are named with a suggestion.
  auto bad = env->ExecuteSql(
      "CREATE TABLE bad (n BIGINT) WITH ('connector' = 'test-numbers', 'rows' = 'ten')");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("option 'rows'"), std::string::npos);
  auto typo = env->ExecuteSql(
      "CREATE TABLE typo (n BIGINT) WITH ('connector' = 'test-number', 'rows' = '1')");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean 'test-numbers'"),
            std::string::npos)
      << typo.status().message();
  // It is a source only.
  auto insert = env->ExecuteSql("INSERT INTO nums SELECT 1");
  ASSERT_FALSE(insert.ok());
  EXPECT_NE(insert.status().message().find("cannot be written to"), std::string::npos)
      << insert.status().message();
}

TEST_F(TableEnvironmentTest, FromArrowReadsTheRowsInPlaceInBothModes) {
  auto ids = *arrow::MakeArrayFromScalar(arrow::Int64Scalar(5), 3);
  auto data =
      arrow::Table::Make(arrow::schema({arrow::field("k", arrow::int64())}), {ids});
  auto table = env_->FromArrow(data, "mem");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto rows = Rows(env_->ExecuteSql("SELECT SUM(k) AS s FROM mem"));
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(Int(rows, 0, 0), 15);
  // A streaming job reads it too (an INSERT runs on the streaming runtime).
  auto stream = TableEnvironment::Create(EnvironmentSettings::InStreamingMode());
  ASSERT_TRUE(stream->FromArrow(data, "mem").ok());
  ASSERT_TRUE(
      stream->ExecuteSql("CREATE TABLE out (k BIGINT) WITH ('connector' = 'blackhole')")
          .ok());
  auto job = stream->ExecuteSql("INSERT INTO out SELECT k FROM mem");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->rows_written(), 3);
  // CREATE TABLE cannot make one: it would have no rows.
  auto created =
      env_->ExecuteSql("CREATE TABLE m2 (k BIGINT) WITH ('connector' = 'memory')");
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("from_arrow"), std::string::npos);
}

TEST_F(TableEnvironmentTest, QuerySchemaHasVisibleNamesAndTypes) {
  auto schema = env_->QuerySchema("SELECT id AS x, 0.1 + 0.2 AS d, name FROM t");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ((*schema)->num_fields(), 3);
  EXPECT_EQ((*schema)->field(0)->name(), "x");
  EXPECT_TRUE(
      (*schema)->field(1)->type()->Equals(arrow::decimal128(3, 1)));  // as Flink types it
  EXPECT_FALSE(env_->QuerySchema("INSERT INTO t SELECT 1, 'a'").ok());
}

TEST_F(TableEnvironmentTest, RegisteredFunctionsResolveAsFlinkDoes) {
  // Implemented by an Arrow function ("utf8_lower") standing in for a program's own.
  sql::CatalogFunction lower;
  lower.name = "upper";
  lower.arrow_function = "utf8_lower";
  lower.result_type = arrow::utf8();
  lower.arg_types = {arrow::utf8()};
  ASSERT_TRUE(env_->CreateTemporaryFunction(lower).ok());
  auto text = [&](const std::string& query) {
    auto rows = Rows(env_->ExecuteSql(query));
    return rows == nullptr ? std::string() : (*rows->column(0)->GetScalar(0))->ToString();
  };
  // A catalog function comes after the built-in of the same name...
  EXPECT_EQ(text("SELECT UPPER('Ab') AS u"), "AB");
  // ...a system function before it.
  lower.system = true;
  ASSERT_TRUE(env_->CreateTemporaryFunction(lower).ok());
  EXPECT_EQ(text("SELECT UPPER('Ab') AS u"), "ab");
  EXPECT_FALSE(env_->CreateTemporaryFunction(lower).ok());  // taken
  // Declared argument types: the count is checked, arguments are cast.
  auto wrong = env_->ExecuteSql("SELECT UPPER('a', 'b')");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("expects 1 argument but got 2"),
            std::string::npos);
  EXPECT_EQ(text("SELECT UPPER(12) AS u"), "12");
  ASSERT_TRUE(env_->DropTemporaryFunction("upper", true, false).ok());
  EXPECT_EQ(text("SELECT UPPER('Ab') AS u"), "AB");
  EXPECT_FALSE(env_->DropTemporaryFunction("upper", true, false).ok());
  EXPECT_TRUE(env_->DropTemporaryFunction("upper", true, true).ok());
}

}  // namespace
}  // namespace weir::api
