// GroupAggregateOperator: the changelog it emits for insert-only and updating input,
// Flink's result types, and snapshot/restore at another parallelism.
#include "weir/runtime/operators/group_aggregate.h"

#include <map>

#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

#include "weir/common/runtime_init.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/operator_test_harness.h"
#include "weir/state/key_group.h"

namespace weir::runtime {
namespace {

using testing::Batch;
using testing::Capture;
using testing::Context;

auto Key() { return arrow::field("k", arrow::utf8()); }
auto Value() { return arrow::field("v", arrow::int64()); }
auto Kinds() { return arrow::field(std::string(kRowKindColumn), arrow::int8(), false); }

GroupAggregateOptions CountSumMax(bool retractions = false) {
  GroupAggregateOptions o;
  o.keys = {"k"};
  o.aggregates = {{"count_all", "", "cnt"}, {"sum", "v", "total"}, {"max", "v", "top"}};
  o.retractions = retractions;
  return o;
}

class GroupAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(GroupAggregateTest, InsertOnlyInputEmitsInsertThenUpdatePairs) {
  GroupAggregateOperator op(CountSumMax());
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a","b","a"])"}, {Value(), "[1,5,2]"}}), &out)
          .ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a","c"])"}, {Value(), "[null,7]"}}), &out)
          .ok());
  std::vector<std::string> expected = {"+I[a, 2, 3, 2]", "+I[b, 1, 5, 5]",
                                       "-U[a, 2, 3, 2]", "+U[a, 3, 3, 2]",
                                       "+I[c, 1, 7, 7]"};
  EXPECT_EQ(out.Rows(), expected);
  EXPECT_EQ(op.num_groups(), 3u);
}

TEST_F(GroupAggregateTest, UnchangedResultEmitsNothing) {
  GroupAggregateOptions o;
  o.keys = {"k"};
  o.aggregates = {{"max", "v", "top"}};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a"])"}, {Value(), "[9]"}}), &out).ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a"])"}, {Value(), "[3]"}}), &out).ok());
  EXPECT_EQ(out.Rows(), std::vector<std::string>{"+I[a, 9]"});
}

TEST_F(GroupAggregateTest, RetractionsUpdateDeleteAndAreIgnoredWithoutState) {
  GroupAggregateOperator op(CountSumMax(/*retractions=*/true));
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  // +I a 1, +I a 4, +I b 2
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Key(), R"(["a","a","b"])"},
                                     {Value(), "[1,4,2]"},
                                     {Kinds(), "[0,0,0]"}}),
                              &out)
                  .ok());
  // -U a 4 (max falls back to 1), -D b 2 (b disappears), -D z 1 (no state: ignored)
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Key(), R"(["a","b","z"])"},
                                     {Value(), "[4,2,1]"},
                                     {Kinds(), "[1,3,3]"}}),
                              &out)
                  .ok());
  std::vector<std::string> expected = {"+I[a, 2, 5, 4]", "+I[b, 1, 2, 2]",
                                       "-U[a, 2, 5, 4]", "+U[a, 1, 1, 1]",
                                       "-D[b, 1, 2, 2]"};
  EXPECT_EQ(out.Rows(), expected);
  EXPECT_EQ(op.num_groups(), 1u);
  // A group that comes and goes within one batch emits nothing; b returns as +I.
  out.batches.clear();
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Key(), R"(["q","q","b"])"},
                                     {Value(), "[1,1,8]"},
                                     {Kinds(), "[0,3,0]"}}),
                              &out)
                  .ok());
  EXPECT_EQ(out.Rows(), std::vector<std::string>{"+I[b, 1, 8, 8]"});
}

TEST_F(GroupAggregateTest, ResultTypesFollowThePlan) {
  auto price = arrow::field("p", arrow::decimal128(10, 2));
  auto avg_in = arrow::field("pa", arrow::decimal128(38, 6));
  auto i = arrow::field("i", arrow::int32());
  auto s = arrow::field("s", arrow::utf8());
  GroupAggregateOptions o;
  o.keys = {"k"};
  o.aggregates = {{"sum", "p", "sum_p"},           {"mean", "pa", "avg_p"},
                  {"mean", "i", "avg_i"},          {"count_distinct", "s", "ds"},
                  {"first", "s", "first_s"},       {"last", "s", "last_s"},
                  {"min", "s", "min_s"},           {"stddev", "i", "sd", 0},
                  {"variance", "i", "var_samp", 1}};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Key(), R"(["a","a","a"])"},
                                     {price, R"(["1.25","-2.50","3.00"])"},
                                     {avg_in, R"(["-0.000001","-0.000002","0.000000"])"},
                                     {i, "[1,2,4]"},
                                     {s, R"(["x","y","x"])"}}),
                              &out)
                  .ok());
  ASSERT_EQ(out.batches.size(), 1u);
  const auto& schema = *out.batches[0]->schema();
  EXPECT_TRUE(schema.field(1)->type()->Equals(arrow::decimal128(38, 2)));
  EXPECT_TRUE(schema.field(2)->type()->Equals(arrow::decimal128(38, 6)));
  EXPECT_TRUE(schema.field(3)->type()->Equals(arrow::float64()));
  // Population stddev of 1, 2, 4; sample variance 7/3; the integer mean 7/3 (the
  // planner truncates it afterwards).
  auto sd = std::static_pointer_cast<arrow::DoubleArray>(out.batches[0]->column(8));
  EXPECT_NEAR(sd->Value(0), 1.247219128924647, 1e-12);
  auto var = std::static_pointer_cast<arrow::DoubleArray>(out.batches[0]->column(9));
  EXPECT_NEAR(var->Value(0), 7.0 / 3, 1e-12);
  auto avg_i = std::static_pointer_cast<arrow::DoubleArray>(out.batches[0]->column(3));
  EXPECT_NEAR(avg_i->Value(0), 7.0 / 3, 1e-12);
  EXPECT_EQ(out.batches[0]->column(1)->GetScalar(0).ValueOrDie()->ToString(), "1.75");
  EXPECT_EQ(out.batches[0]->column(4)->GetScalar(0).ValueOrDie()->ToString(), "2");
  EXPECT_EQ(out.batches[0]->column(2)->GetScalar(0).ValueOrDie()->ToString(),
            "-0.000001");
  for (int c : {5, 6, 7}) {
    EXPECT_EQ(out.batches[0]->column(c)->GetScalar(0).ValueOrDie()->ToString(), "x");
  }
}

TEST_F(GroupAggregateTest, DecimalAverageRoundsHalfAwayFromZero) {
  auto p = arrow::field("p", arrow::decimal128(38, 1));
  GroupAggregateOptions o;
  o.keys = {"k"};
  o.aggregates = {{"mean", "p", "avg_p"}};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  // (-0.1 + -0.2) / 2 = -0.15 → -0.2; (0.1 + 0.2) / 2 = 0.15 → 0.2
  ASSERT_TRUE(op.ProcessBatch(0,
                              Batch({{Key(), R"(["n","n","p","p"])"},
                                     {p, R"(["-0.1","-0.2","0.1","0.2"])"}}),
                              &out)
                  .ok());
  EXPECT_EQ(out.Rows(), (std::vector<std::string>{"+I[n, -0.2]", "+I[p, 0.2]"}));
}

TEST_F(GroupAggregateTest, DictionaryAndDecimalKeys) {
  auto dict = arrow::field("k", arrow::dictionary(arrow::int32(), arrow::utf8()));
  auto dec = arrow::field("d", arrow::decimal128(5, 2));
  GroupAggregateOptions o;
  o.keys = {"k", "d"};
  o.aggregates = {{"count_all", "", "n"}};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  auto keys = *arrow::DictionaryArray::FromArrays(
      dict->type(), *arrow::json::ArrayFromJSONString(arrow::int32(), "[0,1,0]"),
      *arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["x","y"])"));
  auto decimals =
      *arrow::json::ArrayFromJSONString(dec->type(), R"(["1.50","1.50","1.50"])");
  auto batch = arrow::RecordBatch::Make(arrow::schema({dict, dec}), 3, {keys, decimals});
  ASSERT_TRUE(op.ProcessBatch(0, batch, &out).ok());
  EXPECT_EQ(out.Rows(), (std::vector<std::string>{"+I[x, 1.50, 2]", "+I[y, 1.50, 1]"}));
  EXPECT_TRUE(out.batches[0]->schema()->field(0)->type()->Equals(arrow::utf8()));
}

TEST_F(GroupAggregateTest, GlobalAggregationHasOneGroup) {
  GroupAggregateOptions o;
  o.aggregates = {{"count_all", "", "n"}};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(op.ProcessBatch(0, Batch({{Value(), "[1,2]"}}), &out).ok());
  ASSERT_TRUE(op.ProcessBatch(0, Batch({{Value(), "[3]"}}), &out).ok());
  EXPECT_EQ(out.Rows(), (std::vector<std::string>{"+I[2]", "-U[2]", "+U[3]"}));
}

TEST_F(GroupAggregateTest, StateTtlDropsIdleGroupsSilently) {
  GroupAggregateOptions o;
  o.keys = {"k"};
  o.aggregates = {{"max", "v", "top"}};
  o.state_ttl = std::chrono::milliseconds(1000);
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a","b"])"}, {Value(), "[9,1]"}}), &out)
          .ok());
  // 0.6 s later b is updated with an unchanged result: emitted again (Flink does
  // so with a TTL, to keep downstream state alive).
  ctx.now = 600'000;
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["b"])"}, {Value(), "[0]"}}), &out).ok());
  // 1.2 s: a was idle for longer than the TTL and goes, without output; b stays.
  ctx.now = 1'200'000;
  ASSERT_TRUE(op.OnProcessingTime(ctx.now, &out).ok());
  EXPECT_EQ(op.num_groups(), 1u);
  ASSERT_TRUE(
      op.ProcessBatch(0, Batch({{Key(), R"(["a"])"}, {Value(), "[3]"}}), &out).ok());
  std::vector<std::string> expected = {"+I[a, 9]", "+I[b, 1]", "-U[b, 1]", "+U[b, 1]",
                                       "+I[a, 3]"};
  EXPECT_EQ(out.Rows(), expected);
}

TEST_F(GroupAggregateTest, MissingColumnIsAUserError) {
  GroupAggregateOptions o;
  o.keys = {"nope"};
  GroupAggregateOperator op(o);
  Context ctx;
  Capture out;
  ASSERT_TRUE(op.Open(&ctx).ok());
  auto status = op.ProcessBatch(0, Batch({{Value(), "[1]"}}), &out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("'nope'"), std::string::npos) << status.ToString();
}

// Snapshots after the first batch, restores into two subtasks that split the key
// groups, feeds each the second batch's rows of its keys, and expects the same
// changes as one operator that never stopped.
TEST_F(GroupAggregateTest, RestoresAtAnotherParallelism) {
  auto first = Batch({{Key(), R"(["a","b","c","d","e","f"])"},
                      {Value(), "[1,2,3,4,5,6]"},
                      {Kinds(), "[0,0,0,0,0,0]"}});
  auto second = Batch({{Key(), R"(["a","b","c","d","e","f"])"},
                       {Value(), "[1,10,3,10,5,10]"},
                       {Kinds(), "[3,0,3,0,3,0]"}});
  Context ctx;
  GroupAggregateOperator reference(CountSumMax(true));
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  ref_out.batches.clear();
  ASSERT_TRUE(reference.ProcessBatch(0, second, &ref_out).ok());

  GroupAggregateOperator before(CountSumMax(true));
  Capture ignored;
  ASSERT_TRUE(before.Open(&ctx).ok());
  ASSERT_TRUE(before.ProcessBatch(0, first, &ignored).ok());
  auto backend = state::MakeInMemoryStateBackend();
  ASSERT_TRUE(before.SnapshotState(backend.get()).ok());
  auto sink = *arrow::io::BufferOutputStream::Create();
  ASSERT_TRUE(backend->Snapshot(sink.get()).ok());
  auto bytes = *sink->Finish();

  std::multiset<std::string> restored_rows;
  size_t groups = 0;
  for (int index = 0; index < 2; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = 2;
    auto range = state::KeyGroupRangeFor(index, 2, sub.info.max_parallelism);
    auto restored_backend = state::MakeInMemoryStateBackend();
    arrow::io::BufferReader reader(bytes);
    ASSERT_TRUE(restored_backend->Restore(&reader, range).ok());
    GroupAggregateOperator op(CountSumMax(true));
    ASSERT_TRUE(op.Open(&sub).ok());
    auto restored = op.RestoreState(restored_backend.get());
    ASSERT_TRUE(restored.ok()) << restored.ToString();
    groups += op.num_groups();
    // The rows of the keys this subtask owns, as the hash exchange would send them.
    auto hashes = *expr::HashKeyColumns(*second, {0});
    arrow::BooleanBuilder mine;
    for (uint64_t h : hashes) {
      const int group = state::KeyGroupForHash(h, sub.info.max_parallelism);
      ASSERT_TRUE(mine.Append(range.Contains(group)).ok());
    }
    auto filtered =
        arrow::compute::Filter(arrow::Datum(second), arrow::Datum(*mine.Finish()))
            .ValueOrDie();
    Capture out;
    ASSERT_TRUE(op.ProcessBatch(0, filtered.record_batch(), &out).ok());
    for (const auto& row : out.Rows()) restored_rows.insert(row);
  }
  EXPECT_EQ(groups, 6u);
  std::multiset<std::string> expected;
  for (const auto& row : ref_out.Rows()) expected.insert(row);
  EXPECT_EQ(restored_rows, expected);
}

TEST_F(GroupAggregateTest, AsynchronousSnapshotKeepsTheStateOfItsTime) {
  // The copy is taken, the operator goes on with more rows, then the copy is
  // written (as the checkpoint's writer thread does): the snapshot holds the state
  // of the copy's time, and restores at another parallelism into that state.
  auto first = Batch({{Key(), R"(["a","b","c","d"])"}, {Value(), "[1,2,3,4]"}});
  auto later = Batch({{Key(), R"(["a","b","e"])"}, {Value(), "[100,200,300]"}});
  auto probe = Batch({{Key(), R"(["a","b","c","d","e"])"}, {Value(), "[0,0,0,0,0]"}});
  Context ctx;
  GroupAggregateOperator reference(CountSumMax());
  Capture ref_out;
  ASSERT_TRUE(reference.Open(&ctx).ok());
  ASSERT_TRUE(reference.ProcessBatch(0, first, &ref_out).ok());
  ref_out.batches.clear();
  ASSERT_TRUE(reference.ProcessBatch(0, probe, &ref_out).ok());

  GroupAggregateOperator op(CountSumMax());
  Capture ignored;
  ASSERT_TRUE(op.Open(&ctx).ok());
  ASSERT_TRUE(op.ProcessBatch(0, first, &ignored).ok());
  auto write = op.SnapshotStateAsync();
  ASSERT_TRUE(write.ok()) << write.status().ToString();
  ASSERT_TRUE(*write);
  ASSERT_TRUE(op.ProcessBatch(0, later, &ignored).ok());  // after the copy
  auto backend = state::MakeInMemoryStateBackend();
  ASSERT_TRUE((*write)(backend.get()).ok());
  auto pieces = backend->SnapshotAsPieces();
  ASSERT_TRUE(pieces.ok());
  std::string joined;
  for (std::string_view piece : pieces->pieces) joined.append(piece);
  EXPECT_EQ(static_cast<int64_t>(joined.size()), pieces->size);
  EXPECT_EQ(joined, *backend->SnapshotBytes());  // pieces = the one-string form
  auto bytes = arrow::Buffer::FromString(joined);

  size_t held = 0;
  auto rows = testing::RunRestoredShares<GroupAggregateOperator>(
      bytes, 2, [] { return std::make_unique<GroupAggregateOperator>(CountSumMax()); },
      probe, {0}, [](const GroupAggregateOperator& o) { return o.num_groups(); }, &held);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(held, 4u);  // a-d; e came after the copy
  std::multiset<std::string> expected;
  for (const auto& row : ref_out.Rows()) expected.insert(row);
  EXPECT_EQ(*rows, expected);
}

}  // namespace
}  // namespace weir::runtime
