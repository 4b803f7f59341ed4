// ChangelogNormalizeOperator: an upsert stream becomes a full changelog (checked
// against changes written out by hand, as Flink's ChangelogNormalize emits them), and
// its state restores at another parallelism.
#include "weir/runtime/operators/changelog_normalize.h"

#include <set>

#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

using testing::Batch;
using testing::Capture;
using testing::Context;

auto Key() { return arrow::field("k", arrow::utf8()); }
auto Value() { return arrow::field("v", arrow::int64()); }
auto Kinds() { return arrow::field(std::string(kRowKindColumn), arrow::int8(), false); }

// +U = 2, -D = 3, -U = 1 (Flink's byte values).
std::shared_ptr<arrow::RecordBatch> Upserts(const std::string& keys,
                                            const std::string& values,
                                            const std::string& kinds) {
  return Batch({{Key(), keys}, {Value(), values}, {Kinds(), kinds}});
}

class ChangelogNormalizeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
  Context ctx_;
};

TEST_F(ChangelogNormalizeTest, UpsertsBecomeInsertsUpdatesAndDeletes) {
  ChangelogNormalizeOperator op({"k"});
  ASSERT_TRUE(op.Open(&ctx_).ok());
  Capture out;
  // a new, b new, a updated, a unchanged (nothing), b deleted (with its whole row),
  // c deleted though never seen (nothing), b new again.
  ASSERT_TRUE(
      op.ProcessBatch(0, Upserts(R"(["a","b","a","a"])", "[1,2,3,3]", "[2,2,2,2]"), &out)
          .ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Upserts(R"(["b","c","b"])", "[null,null,7]", "[3,3,0]"), &out)
          .ok());
  EXPECT_EQ(out.Rows(), (std::vector<std::string>{"+I[a, 1]", "+I[b, 2]", "-U[a, 1]",
                                                  "+U[a, 3]", "-D[b, 2]", "+I[b, 7]"}));
  EXPECT_EQ(op.num_keys(), 2u);
}

TEST_F(ChangelogNormalizeTest, InsertOnlyInputIsTreatedAsUpserts) {
  ChangelogNormalizeOperator op({"k"});
  ASSERT_TRUE(op.Open(&ctx_).ok());
  Capture out;
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["x","x"])"}, {Value(), "[1,2]"}}), &out)
          .ok());
  EXPECT_EQ(out.Rows(), (std::vector<std::string>{"+I[x, 1]", "-U[x, 1]", "+U[x, 2]"}));
}

TEST_F(ChangelogNormalizeTest, MissingKeyColumnIsAnError) {
  ChangelogNormalizeOperator op({"id"});
  ASSERT_TRUE(op.Open(&ctx_).ok());
  Capture out;
  auto status = op.ProcessBatch(0, Upserts(R"(["a"])", "[1]", "[2]"), &out);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("primary key column 'id'"), std::string::npos);
}

// Snapshots after the first batch, restores into two subtasks that split the key
// groups, feeds each its share of the second batch, and expects the changes of one
// operator that never stopped.
TEST_F(ChangelogNormalizeTest, RestoresAtAnotherParallelism) {
  auto first = Upserts(R"(["a","b","c","d","e","f"])", "[1,2,3,4,5,6]", "[2,2,2,2,2,2]");
  auto second = Upserts(R"(["a","b","c","d","e","f","g"])", "[1,20,null,40,null,6,7]",
                        "[2,2,3,2,3,2,2]");
  ChangelogNormalizeOperator reference({"k"});
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx_).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  auto bytes = testing::SnapshotBytes(&reference);
  ASSERT_NE(bytes, nullptr);
  ref_out.batches.clear();
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());

  size_t held = 0;
  auto restored_rows = testing::RunRestoredShares<ChangelogNormalizeOperator>(
      bytes, 2,
      [] {
        return std::make_unique<ChangelogNormalizeOperator>(
            std::vector<std::string>{"k"});
      },
      second, {0}, [](const ChangelogNormalizeOperator& op) { return op.num_keys(); },
      &held);
  ASSERT_TRUE(restored_rows.ok()) << restored_rows.status().ToString();
  EXPECT_EQ(held, 6u);
  const std::vector<std::string> reference_rows = ref_out.Rows();
  std::multiset<std::string> expected(reference_rows.begin(), reference_rows.end());
  EXPECT_EQ(*restored_rows, expected);
  EXPECT_EQ(expected.size(), 7u);  // b, d: -U/+U; c, e: -D; g: +I
}

}  // namespace
}  // namespace weir::runtime
