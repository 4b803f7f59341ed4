#include "weir/sql/plan/join_order.h"

#include <functional>
#include <map>

#include <arrow/compute/api_scalar.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/sql/parse/statement_parser.h"
#include "weir/sql/plan/planner.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// Tables shaped like TPC-H's at scale factor 1, with footer-like statistics; the
// files are never read (plans are only built).
class JoinOrderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(InitializeRuntime().ok()); }

  void SetUp() override {
    Add("part", 200000, {{"p_partkey", 1, 200000}, {"p_name", {}, {}}});
    Add("supplier", 10000, {{"s_suppkey", 1, 10000}, {"s_nationkey", 0, 24}});
    Add("lineitem", 6000000,
        {{"l_orderkey", 1, 6000000},
         {"l_partkey", 1, 200000},
         {"l_suppkey", 1, 10000},
         {"l_quantity", 1, 50}});
    Add("partsupp", 800000,
        {{"ps_partkey", 1, 200000}, {"ps_suppkey", 1, 10000}, {"ps_cost", 1, 1000}});
    Add("orders", 1500000, {{"o_orderkey", 1, 6000000}, {"o_date", 8035, 10591}});
    Add("nation", 25, {{"n_nationkey", 0, 24}, {"n_name", {}, {}}});
  }

  struct ColumnSpec {
    std::string name;
    std::optional<double> min;
    std::optional<double> max;
  };

  void Add(const std::string& name, double rows, const std::vector<ColumnSpec>& columns) {
    auto table = std::make_shared<CatalogTable>();
    table->name = name;
    TableStatistics stats;
    stats.row_count = rows;
    for (const ColumnSpec& c : columns) {
      bool text = !c.min.has_value();
      bool date = c.name == "o_date";
      CatalogColumn column;
      column.name = c.name;
      column.type = text ? arrow::utf8() : date ? arrow::date32() : arrow::int64();
      table->columns.push_back(column);
      if (!text)
        stats.columns[c.name] = ColumnStatistics{c.min, c.max, 0.0, std::nullopt};
    }
    table->options = {{"connector", "filesystem"},
                      {"format", "parquet"},
                      {"path", "/nonexistent/" + name}};
    ASSERT_TRUE(catalog_.AddTable(table, false).ok());
    stats_[name] = stats;
  }

  PlanPtr Optimized(const std::string& sql, bool reorder = true) {
    auto statement = ParseStatement(sql);
    EXPECT_TRUE(statement.ok()) << statement.status().ToString();
    Planner planner(catalog_, (*statement)->script, nullptr);
    auto planned = planner.Plan(*(*statement)->query);
    EXPECT_TRUE(planned.ok()) << planned.status().ToString();
    OptimizerOptions options;
    options.join_reorder = reorder;
    options.statistics = [this](const PlanNode& scan) -> std::optional<TableStatistics> {
      return stats_.at(scan.table->name);
    };
    return OptimizePlan(planned->plan, options);
  }

  static void Joins(const PlanPtr& plan, std::vector<const PlanNode*>* out) {
    if (plan->kind == PlanKind::kJoin) out->push_back(plan.get());
    for (const PlanPtr& input : plan->inputs) Joins(input, out);
  }

  // The tables a subtree scans.
  static std::set<std::string> Tables(const PlanNode& node) {
    std::set<std::string> out;
    if (node.kind == PlanKind::kScan) out.insert(node.table->name);
    for (const PlanPtr& input : node.inputs) {
      for (const std::string& t : Tables(*input)) out.insert(t);
    }
    return out;
  }

  Catalog catalog_;
  std::map<std::string, TableStatistics> stats_;
};

constexpr const char* kQ9 =
    "SELECT n_name, SUM(l_quantity * ps_cost) FROM part, supplier, lineitem, "
    "partsupp, orders, nation WHERE s_suppkey = l_suppkey AND ps_suppkey = l_suppkey "
    "AND ps_partkey = l_partkey AND p_partkey = l_partkey AND o_orderkey = "
    "l_orderkey AND s_nationkey = n_nationkey AND p_name LIKE '%green%' GROUP BY "
    "n_name";

TEST_F(JoinOrderTest, NoCrossProductWhileAnEqualityJoinExists) {
  // Written order starts with part × supplier, which have no key in common.
  PlanPtr plan = Optimized(kQ9);
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  ASSERT_EQ(joins.size(), 5u);
  for (const PlanNode* join : joins) {
    EXPECT_FALSE(join->left_keys.empty()) << PlanToString(plan);
    ASSERT_TRUE(join->estimated_rows.has_value());
  }
}

TEST_F(JoinOrderTest, SmallerInputIsTheBuildSide) {
  PlanPtr plan = Optimized(kQ9);
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  CardinalityEstimator estimator([this](const PlanNode& scan) {
    return std::optional<TableStatistics>(stats_.at(scan.table->name));
  });
  for (const PlanNode* join : joins) {
    double left = estimator.Rows(*join->inputs[0]);
    double right = estimator.Rows(*join->inputs[1]);
    EXPECT_LE(right, left) << PlanToString(plan);
  }
  // No hash table holds the largest table itself.
  for (const PlanNode* join : joins) {
    EXPECT_NE(Tables(*join->inputs[1]), std::set<std::string>{"lineitem"});
  }
}

TEST_F(JoinOrderTest, FilteredDimensionsJoinBeforeTheFactTable) {
  // part (filtered) meets partsupp through the keys' transitive closure
  // (p_partkey = l_partkey = ps_partkey) before lineitem is read.
  PlanPtr plan = Optimized(kQ9);
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  bool part_with_partsupp = false;
  for (const PlanNode* join : joins) {
    auto left = Tables(*join->inputs[0]);
    auto right = Tables(*join->inputs[1]);
    bool has_part = left.count("part") || right.count("part");
    bool has_partsupp = left.count("partsupp") || right.count("partsupp");
    bool has_lineitem = left.count("lineitem") || right.count("lineitem");
    if (has_part && has_partsupp && !has_lineitem) part_with_partsupp = true;
  }
  EXPECT_TRUE(part_with_partsupp) << PlanToString(plan);
}

TEST_F(JoinOrderTest, ReorderingOffKeepsTheWrittenOrder) {
  PlanPtr plan = Optimized(kQ9, /*reorder=*/false);
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  ASSERT_EQ(joins.size(), 5u);
  // The deepest join is the written part × supplier: no keys.
  EXPECT_TRUE(joins.back()->left_keys.empty());
  EXPECT_EQ(Tables(*joins.back()), (std::set<std::string>{"part", "supplier"}));
}

TEST_F(JoinOrderTest, UnconnectedInputsAreJoinedLast) {
  // nation has no key to the others: the cross product comes last, on the
  // smaller result.
  auto plan = Optimized(
      "SELECT COUNT(*) FROM lineitem, nation, orders WHERE o_orderkey = l_orderkey "
      "AND o_date < DATE '1993-01-01'");
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_TRUE(joins[0]->left_keys.empty()) << PlanToString(plan);
  EXPECT_FALSE(joins[1]->left_keys.empty()) << PlanToString(plan);
  EXPECT_EQ(Tables(*joins[1]), (std::set<std::string>{"lineitem", "orders"}));
}

TEST_F(JoinOrderTest, EqualColumnsOfOneInputBecomeAFilterOnIt) {
  // l_partkey = ps_partkey AND l_suppkey = ps_partkey implies l_partkey = l_suppkey,
  // a condition on lineitem alone, pushed into its scan.
  auto plan = Optimized(
      "SELECT COUNT(*) FROM lineitem, partsupp WHERE l_partkey = ps_partkey AND "
      "l_suppkey = ps_partkey");
  std::vector<const PlanNode*> joins;
  Joins(plan, &joins);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0]->left_keys.size(), 1u) << PlanToString(plan);
  std::string text = PlanToString(plan);
  EXPECT_NE(text.find("pushed filter: (l_partkey == l_suppkey)"), std::string::npos)
      << text;
}

TEST(CardinalityTest, EquiJoinAssumesEveryKeyOfTheSmallerDomainMatches) {
  // lineitem (6M, 200K part keys) with part filtered to 10K rows.
  EXPECT_DOUBLE_EQ(CardinalityEstimator::EquiJoinRows(6e6, 1e4, {2e5}, {1e4}), 3e5);
  // Several keys hold at most as many distinct tuples as their side has rows.
  EXPECT_DOUBLE_EQ(CardinalityEstimator::EquiJoinRows(8e5, 6e6, {2e5, 1e4}, {2e5, 1e4}),
                   8e5);
}

TEST_F(JoinOrderTest, RangesOnOneColumnCombineIntoAnInterval) {
  // o_date spans 8035..10591 (2556 days + 1); a year is 365 of them.
  auto plan = Optimized(
      "SELECT COUNT(*) FROM orders WHERE o_date >= DATE '1994-01-01' AND o_date < "
      "DATE '1995-01-01'");
  const PlanNode* node = plan.get();
  while (node->kind != PlanKind::kScan) node = node->inputs[0].get();
  CardinalityEstimator estimator([this](const PlanNode& scan) {
    return std::optional<TableStatistics>(stats_.at(scan.table->name));
  });
  EXPECT_NEAR(estimator.Rows(*node), 1.5e6 * 366 / 2557, 1e3);
  // A string column has no known distinct count: '=' takes the 0.1 default, not
  // one row in the table's count.
  auto text = Optimized("SELECT COUNT(*) FROM part WHERE p_name = 'green'");
  node = text.get();
  while (node->kind != PlanKind::kScan) node = node->inputs[0].get();
  EXPECT_NEAR(estimator.Rows(*node), 20000, 1);
  auto in_list = Optimized("SELECT COUNT(*) FROM nation WHERE n_nationkey IN (1, 2, 3)");
  node = in_list.get();
  while (node->kind != PlanKind::kScan) node = node->inputs[0].get();
  EXPECT_NEAR(estimator.Rows(*node), 3, 1e-9);
}

}  // namespace
}  // namespace weir::sql
