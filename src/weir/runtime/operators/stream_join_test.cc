// StreamJoinOperator: the changelog of inner, outer, semi and anti joins (checked
// against changes written out by hand), the final result of random changelogs
// against a nested-loop join of the final inputs, and restore at another
// parallelism.
#include "weir/runtime/operators/stream_join.h"

#include <map>
#include <random>
#include <set>

#include <arrow/compute/cast.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"
#include "weir/runtime/operators/operator_test_harness.h"

namespace weir::runtime {
namespace {

namespace cp = arrow::compute;
using testing::Batch;
using testing::Capture;
using testing::Context;
using Type = StreamJoinOptions::Type;

auto LeftKey() { return arrow::field("lk", arrow::int64()); }
auto LeftValue() { return arrow::field("lv", arrow::utf8()); }
auto RightKey() { return arrow::field("rk", arrow::int64()); }
auto RightValue() { return arrow::field("rv", arrow::int64()); }
auto Kinds() { return arrow::field(std::string(kRowKindColumn), arrow::int8(), false); }

StreamJoinOptions Join(Type type, bool kinds = true) {
  StreamJoinOptions o;
  o.type = type;
  o.left_keys = {"lk"};
  o.right_keys = {"rk"};
  o.left_schema = arrow::schema({LeftKey(), LeftValue()});
  o.right_schema = arrow::schema({RightKey(), RightValue()});
  o.output_row_kinds = kinds;
  return o;
}

std::shared_ptr<arrow::RecordBatch> Left(const std::string& keys,
                                         const std::string& values,
                                         const std::string& kinds = "") {
  if (kinds.empty()) return Batch({{LeftKey(), keys}, {LeftValue(), values}});
  return Batch({{LeftKey(), keys}, {LeftValue(), values}, {Kinds(), kinds}});
}

std::shared_ptr<arrow::RecordBatch> Right(const std::string& keys,
                                          const std::string& values,
                                          const std::string& kinds = "") {
  if (kinds.empty()) return Batch({{RightKey(), keys}, {RightValue(), values}});
  return Batch({{RightKey(), keys}, {RightValue(), values}, {Kinds(), kinds}});
}

constexpr const char* kDelete = "3";  // RowKind::kDelete
constexpr const char* kUpdateBefore = "1";
constexpr const char* kUpdateAfter = "2";

class StreamJoinTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  // Feeds (input, batch) pairs in order and returns the rows emitted.
  std::vector<std::string> Run(
      StreamJoinOptions options,
      const std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>>& in) {
    op_ = std::make_unique<StreamJoinOperator>(std::move(options));
    Capture out;
    auto opened = op_->Open(&ctx_);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    for (const auto& [input, batch] : in) {
      auto status = op_->ProcessBatch(input, batch, &out);
      EXPECT_TRUE(status.ok()) << status.ToString();
    }
    return out.Rows();
  }

  Context ctx_;
  std::unique_ptr<StreamJoinOperator> op_;
};

TEST_F(StreamJoinTest, InnerJoinOfInsertOnlyInputsIsInsertOnly) {
  auto rows = Run(Join(Type::kInner, /*kinds=*/false),
                  {{0, Left("[1, 2, 1]", R"(["a", "b", "c"])")},
                   {1, Right("[1, 3]", "[10, 30]")},
                   {0, Left("[3]", R"(["d"])")}});
  std::vector<std::string> expected = {"+I[1, a, 1, 10]", "+I[1, c, 1, 10]",
                                       "+I[3, d, 3, 30]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op_->num_rows_held(0), 4u);
  EXPECT_EQ(op_->num_rows_held(1), 2u);
}

TEST_F(StreamJoinTest, InnerJoinKeepsTheRowKindsOfChanges) {
  auto rows =
      Run(Join(Type::kInner),
          {{1, Right("[1]", "[10]")},
           {0, Left("[1, 1]", R"(["a", "b"])",
                    std::string("[") + kUpdateBefore + ", " + kUpdateAfter + "]")},
           {1, Right("[1]", "[10]", std::string("[") + kDelete + "]")}});
  // The -U of a row never seen still joins (as Flink's operator does).
  std::vector<std::string> expected = {"-U[1, a, 1, 10]", "+U[1, b, 1, 10]",
                                       "-D[1, b, 1, 10]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(StreamJoinTest, LeftJoinPadsAndRetractsThePadding) {
  auto rows = Run(Join(Type::kLeft),
                  {{0, Left("[1, 2]", R"(["a", "b"])")},
                   {1, Right("[1, 1]", "[10, 11]")},
                   {1, Right("[1]", "[10]", std::string("[") + kDelete + "]")},
                   {1, Right("[1]", "[11]", std::string("[") + kDelete + "]")},
                   {0, Left("[2]", R"(["b"])", std::string("[") + kDelete + "]")}});
  std::vector<std::string> expected = {
      "+I[1, a, NULL, NULL]", "+I[2, b, NULL, NULL]",  // no match yet
      "-D[1, a, NULL, NULL]", "+I[1, a, 1, 10]",       // first match
      "+I[1, a, 1, 11]",                               // second match
      "-D[1, a, 1, 10]",                               // one match leaves
      "-D[1, a, 1, 11]",      "+I[1, a, NULL, NULL]",  // the last one leaves
      "-D[2, b, NULL, NULL]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(StreamJoinTest, FullJoinPadsBothSidesWithDuplicates) {
  auto rows = Run(Join(Type::kFull),
                  {{1, Right("[1, 1]", "[10, 10]")},
                   {0, Left("[1]", R"(["a"])")},
                   {0, Left("[1]", R"(["a"])", std::string("[") + kDelete + "]")}});
  std::vector<std::string> expected = {
      "+I[NULL, NULL, 1, 10]", "+I[NULL, NULL, 1, 10]",  // two equal right rows
      "-D[NULL, NULL, 1, 10]", "-D[NULL, NULL, 1, 10]",  // both padded rows go
      "+I[1, a, 1, 10]",       "+I[1, a, 1, 10]",        // and join
      "-D[1, a, 1, 10]",       "-D[1, a, 1, 10]",        // the left row leaves
      "+I[NULL, NULL, 1, 10]", "+I[NULL, NULL, 1, 10]"};
  EXPECT_EQ(rows, expected);
}

TEST_F(StreamJoinTest, ResidualConditionAndNullKeys) {
  StreamJoinOptions o = Join(Type::kLeft);
  // ON lk = rk AND rv > 10
  o.residual = cp::greater(cp::field_ref("rv"), cp::literal(int64_t{10}));
  auto rows = Run(o, {{1, Right("[1, 1, null]", "[10, 20, 30]")},
                      {0, Left("[1, null]", R"(["a", "n"])")}});
  std::vector<std::string> expected = {"+I[1, a, 1, 20]", "+I[NULL, n, NULL, NULL]"};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(op_->num_rows_held(0), 1u);  // a NULL key is not kept

  StreamJoinOptions null_safe = Join(Type::kInner);
  null_safe.null_equal_keys = true;  // IS NOT DISTINCT FROM
  rows = Run(null_safe, {{1, Right("[null]", "[30]")}, {0, Left("[null]", R"(["n"])")}});
  EXPECT_EQ(rows, std::vector<std::string>{"+I[NULL, n, NULL, 30]"});
}

TEST_F(StreamJoinTest, SemiAndAntiJoinsFollowTheRightSide) {
  const std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>> input = {
      {0, Left("[1, 2]", R"(["a", "b"])")},
      {1, Right("[1, 1]", "[10, 11]")},
      {1, Right("[1]", "[10]", std::string("[") + kDelete + "]")},
      {1, Right("[1]", "[11]", std::string("[") + kDelete + "]")}};
  std::vector<std::string> semi = {"+I[1, a]", "-D[1, a]"};
  EXPECT_EQ(Run(Join(Type::kSemi), input), semi);
  std::vector<std::string> anti = {"+I[1, a]", "+I[2, b]", "-D[1, a]", "+I[1, a]"};
  EXPECT_EQ(Run(Join(Type::kAnti), input), anti);
}

TEST_F(StreamJoinTest, CrossJoinWithoutKeys) {
  StreamJoinOptions o = Join(Type::kInner, /*kinds=*/false);
  o.left_keys = {};
  o.right_keys = {};
  auto rows = Run(o, {{0, Left("[1, 2]", R"(["a", "b"])")}, {1, Right("[7]", "[70]")}});
  std::vector<std::string> expected = {"+I[1, a, 7, 70]", "+I[2, b, 7, 70]"};
  EXPECT_EQ(rows, expected);
}

// The final result of random changelogs on both sides, applied as a multiset, equals
// a nested-loop join of the final inputs, for every join type.
TEST_F(StreamJoinTest, FinalResultEqualsANestedLoopJoin) {
  for (Type type :
       {Type::kInner, Type::kLeft, Type::kRight, Type::kFull, Type::kSemi, Type::kAnti}) {
    std::mt19937 random(42 + static_cast<int>(type));
    std::multiset<std::pair<int64_t, int64_t>> sides[2];  // (key, value)
    std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>> input;
    for (int b = 0; b < 60; ++b) {
      const int side = static_cast<int>(random() % 2);
      std::string keys = "[", values = "[", kinds = "[";
      const int n = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < n; ++i) {
        int64_t key = static_cast<int64_t>(random() % 3);
        int64_t value = static_cast<int64_t>(random() % 4);
        bool retract = !sides[side].empty() && random() % 3 == 0;
        if (retract) {
          auto it = sides[side].begin();
          std::advance(it, random() % sides[side].size());
          key = it->first;
          value = it->second;
          sides[side].erase(it);
        } else {
          sides[side].insert({key, value});
        }
        const std::string sep = i ? ", " : "";
        keys += sep + std::to_string(key);
        values += sep + (side == 0 ? "\"" + std::to_string(value) + "\""
                                   : std::to_string(value));
        kinds += sep + (retract ? kDelete : "0");
      }
      keys += "]";
      values += "]";
      kinds += "]";
      input.emplace_back(
          side, side == 0 ? Left(keys, values, kinds) : Right(keys, values, kinds));
    }
    StreamJoinOptions o = Join(type);
    // ON lk = rk AND CAST(lv AS BIGINT) <= rv
    o.residual = cp::less_equal(
        cp::call("cast", {cp::field_ref("lv")}, cp::CastOptions::Safe(arrow::int64())),
        cp::field_ref("rv"));
    std::multiset<std::string> result;
    for (const std::string& row : Run(o, input)) {
      const std::string body = row.substr(2);
      if (row[0] == '+') {
        result.insert(body);
      } else {
        auto it = result.find(body);
        ASSERT_NE(it, result.end()) << "retracts a row not there: " << row;
        result.erase(it);
      }
    }
    std::multiset<std::string> want;
    auto show = [](const std::pair<int64_t, int64_t>* l,
                   const std::pair<int64_t, int64_t>* r, bool right_columns) {
      std::string s =
          "[" + (l ? std::to_string(l->first) + ", " + std::to_string(l->second)
                   : std::string("NULL, NULL"));
      if (right_columns) {
        s += ", " + (r ? std::to_string(r->first) + ", " + std::to_string(r->second)
                       : std::string("NULL, NULL"));
      }
      return s + "]";
    };
    auto joins = [](const std::pair<int64_t, int64_t>& l,
                    const std::pair<int64_t, int64_t>& r) {
      return l.first == r.first && l.second <= r.second;
    };
    const bool semi_anti = type == Type::kSemi || type == Type::kAnti;
    for (const auto& l : sides[0]) {
      int matched = 0;
      for (const auto& r : sides[1]) {
        if (!joins(l, r)) continue;
        ++matched;
        if (!semi_anti) want.insert(show(&l, &r, true));
      }
      if ((type == Type::kSemi && matched > 0) || (type == Type::kAnti && matched == 0) ||
          (matched == 0 && (type == Type::kLeft || type == Type::kFull))) {
        want.insert(show(&l, nullptr, !semi_anti));
      }
    }
    if (type == Type::kRight || type == Type::kFull) {
      for (const auto& r : sides[1]) {
        bool matched = false;
        for (const auto& l : sides[0]) matched |= joins(l, r);
        if (!matched) want.insert(show(nullptr, &r, true));
      }
    }
    EXPECT_EQ(result, want) << "join type " << static_cast<int>(type);
  }
}

// A snapshot restored at another parallelism: each subtask gets its keys' rows of
// both sides, and later changes join with them.
TEST_F(StreamJoinTest, RestoresAtAnotherParallelism) {
  Run(Join(Type::kLeft), {{0, Left("[1, 2, 3, 4]", R"(["a", "b", "c", "d"])")},
                          {1, Right("[1, 2]", "[10, 20]")}});
  auto bytes = testing::SnapshotBytes(op_.get());
  ASSERT_NE(bytes, nullptr);
  std::multiset<std::string> rows;
  size_t held = 0;
  for (int index = 0; index < 3; ++index) {
    Context sub;
    sub.info.index = index;
    sub.info.parallelism = 3;
    StreamJoinOperator op(Join(Type::kLeft));
    auto share = testing::RestoreShare(bytes, &sub, &op,
                                       Right("[1, 2, 3, 4]", "[11, 21, 31, 41]"), {0});
    ASSERT_TRUE(share.ok()) << share.status().ToString();
    held += op.num_rows_held(0);
    Capture out;
    ASSERT_TRUE(op.ProcessBatch(1, *share, &out).ok());
    for (const auto& r : out.Rows()) rows.insert(r);
  }
  EXPECT_EQ(held, 4u);
  std::multiset<std::string> expected = {"+I[1, a, 1, 11]",      "+I[2, b, 2, 21]",
                                         "-D[3, c, NULL, NULL]", "+I[3, c, 3, 31]",
                                         "-D[4, d, NULL, NULL]", "+I[4, d, 4, 41]"};
  EXPECT_EQ(rows, expected);
}

}  // namespace
}  // namespace weir::runtime
