#include "weir/expr/pruning.h"

#include <arrow/compute/api_scalar.h>
#include <arrow/json/from_string.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include <cmath>

#include "weir/common/runtime_init.h"

namespace weir::expr {
namespace {

namespace cp = arrow::compute;

class PruningTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }

  bool Skip(const cp::Expression& filter, const ColumnRange& x_range) {
    auto bound = filter.Bind(*schema_);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return CanSkip(*bound, [&](const arrow::FieldRef& ref) -> const ColumnRange* {
      return FieldKey(ref) == "x" ? &x_range : nullptr;
    });
  }

  ColumnRange Range(int64_t lo, int64_t hi, bool nulls = false) {
    return ColumnRange{arrow::MakeScalar(lo), arrow::MakeScalar(hi), nulls, false};
  }

  std::shared_ptr<arrow::Schema> schema_ =
      arrow::schema({arrow::field("x", arrow::int64()), arrow::field("s", arrow::utf8()),
                     arrow::field("i", arrow::int32())});
};

cp::Expression X() { return cp::field_ref("x"); }
cp::Expression Lit(int64_t v) { return cp::literal(v); }

TEST_F(PruningTest, ComparisonsOutsideRangeSkip) {
  EXPECT_TRUE(Skip(cp::greater(X(), Lit(100)), Range(0, 50)));
  EXPECT_FALSE(Skip(cp::greater(X(), Lit(10)), Range(0, 50)));
  EXPECT_TRUE(Skip(cp::equal(X(), Lit(51)), Range(0, 50)));
  EXPECT_FALSE(Skip(cp::equal(X(), Lit(50)), Range(0, 50)));
  EXPECT_TRUE(Skip(cp::less(X(), Lit(0)), Range(0, 50)));
  EXPECT_FALSE(Skip(cp::less_equal(X(), Lit(0)), Range(0, 50)));
}

TEST_F(PruningTest, BooleanConnectives) {
  EXPECT_TRUE(
      Skip(cp::and_(cp::greater(X(), Lit(10)), cp::greater(X(), Lit(60))), Range(0, 50)));
  EXPECT_FALSE(
      Skip(cp::and_(cp::greater(X(), Lit(10)), cp::less(X(), Lit(60))), Range(0, 50)));
  EXPECT_TRUE(
      Skip(cp::or_(cp::greater(X(), Lit(60)), cp::less(X(), Lit(-5))), Range(0, 50)));
  EXPECT_FALSE(
      Skip(cp::or_(cp::greater(X(), Lit(60)), cp::less(X(), Lit(5))), Range(0, 50)));
  EXPECT_TRUE(Skip(cp::not_(cp::less(X(), Lit(100))), Range(0, 50)));
}

TEST_F(PruningTest, NullsAreRespected) {
  EXPECT_TRUE(Skip(cp::is_null(X()), Range(0, 50, /*nulls=*/false)));
  EXPECT_FALSE(Skip(cp::is_null(X()), Range(0, 50, /*nulls=*/true)));
  EXPECT_TRUE(Skip(cp::greater(X(), Lit(100)), Range(0, 50, /*nulls=*/true)));
  ColumnRange all_null{nullptr, nullptr, true, true};
  EXPECT_TRUE(Skip(cp::equal(X(), Lit(3)), all_null));
  EXPECT_FALSE(Skip(cp::is_null(X()), all_null));
}

TEST_F(PruningTest, InListSkipsWhenNoValueInRange) {
  auto values = *arrow::json::ArrayFromJSONString(arrow::int64(), "[70, 80]");
  auto in = cp::call("is_in", {X()}, cp::SetLookupOptions(values));
  EXPECT_TRUE(Skip(in, Range(0, 50)));
  EXPECT_FALSE(Skip(in, Range(0, 75)));
}

TEST_F(PruningTest, NotEqualAndExactValues) {
  EXPECT_TRUE(Skip(cp::not_equal(X(), Lit(5)), Range(5, 5)));
  EXPECT_FALSE(Skip(cp::not_equal(X(), Lit(5)), Range(5, 6)));
  EXPECT_TRUE(Skip(cp::not_(cp::equal(X(), Lit(5))), Range(5, 5, /*nulls=*/true)));
  EXPECT_TRUE(
      Skip(cp::not_(cp::is_null(X())), ColumnRange{nullptr, nullptr, true, true}));
  EXPECT_FALSE(Skip(cp::not_(cp::is_null(X())), Range(1, 2, /*nulls=*/true)));
  EXPECT_TRUE(Skip(cp::is_valid(X()), ColumnRange{nullptr, nullptr, true, true}));
  EXPECT_TRUE(Skip(cp::equal(X(), cp::literal(std::make_shared<arrow::Int64Scalar>())),
                   Range(0, 9)));
}

TEST_F(PruningTest, UnknownStatisticsNeverSkip) {
  EXPECT_FALSE(Skip(cp::equal(cp::field_ref("s"), cp::literal("a")), Range(0, 1)));
  EXPECT_FALSE(Skip(cp::greater(cp::call("abs", {X()}), Lit(100)), Range(0, 50)));
  EXPECT_FALSE(Skip(cp::greater(X(), Lit(100)), ColumnRange{}));
}

TEST_F(PruningTest, RequiredEqualityValuesFromConjunction) {
  auto f =
      cp::and_(cp::equal(X(), Lit(7)), cp::equal(cp::field_ref("s"), cp::literal("a")));
  auto xs = RequiredEqualityValues(f, arrow::FieldRef("x"));
  ASSERT_TRUE(xs.has_value());
  ASSERT_EQ(xs->size(), 1u);
  EXPECT_EQ((*xs)[0]->ToString(), "7");
  EXPECT_FALSE(
      RequiredEqualityValues(cp::or_(cp::equal(X(), Lit(7)), cp::equal(X(), Lit(8))),
                             arrow::FieldRef("x"))
          .has_value());
  auto values = *arrow::json::ArrayFromJSONString(arrow::int64(), "[1, 2]");
  auto in = RequiredEqualityValues(cp::call("is_in", {X()}, cp::SetLookupOptions(values)),
                                   arrow::FieldRef("x"));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->size(), 2u);
  // With a null in the set, null rows may match: no probing.
  auto with_null = *arrow::json::ArrayFromJSONString(arrow::int64(), "[1, null]");
  EXPECT_FALSE(
      RequiredEqualityValues(
          cp::call("is_in", {X()},
                   cp::SetLookupOptions(
                       with_null, cp::SetLookupOptions::NullMatchingBehavior::MATCH)),
          arrow::FieldRef("x"))
          .has_value());
}

// Parquet statistics exclude NaN, and NaN compares false with everything, so a
// NOT over a float comparison must never prune on the strength of min/max alone.
TEST_F(PruningTest, FloatingColumnsMayHoldNaN) {
  auto schema = arrow::schema({arrow::field("d", arrow::float64())});
  ColumnRange range{arrow::MakeScalar(1.0), arrow::MakeScalar(5.0), false, false};
  auto skip = [&](const cp::Expression& f) {
    auto bound = f.Bind(*schema);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return CanSkip(*bound, [&](const arrow::FieldRef&) { return &range; });
  };
  auto d = cp::field_ref("d");
  EXPECT_TRUE(skip(cp::greater(d, cp::literal(10.0))));
  EXPECT_FALSE(skip(cp::not_(cp::less(d, cp::literal(10.0)))));
  EXPECT_FALSE(skip(cp::not_(cp::greater_equal(d, cp::literal(0.0)))));
  auto values = *arrow::json::ArrayFromJSONString(arrow::float64(), "[1, 2, 3, 4, 5]");
  EXPECT_FALSE(skip(cp::not_(cp::call("is_in", {d}, cp::SetLookupOptions(values)))));
  // Statistics that themselves hold NaN are unordered: never prune on them.
  ColumnRange nan_range{arrow::MakeScalar(std::nan("")), arrow::MakeScalar(5.0), false,
                        false};
  auto bound = cp::less(d, cp::literal(0.0)).Bind(*schema);
  ASSERT_TRUE(bound.ok());
  EXPECT_FALSE(CanSkip(*bound, [&](const arrow::FieldRef&) { return &nan_range; }));
}

TEST_F(PruningTest, MonotonicCasts) {
  EXPECT_TRUE(IsMonotonicCast(*arrow::int32(), *arrow::int64()));
  EXPECT_TRUE(IsMonotonicCast(*arrow::utf8(), *arrow::large_utf8()));
  EXPECT_FALSE(IsMonotonicCast(*arrow::uint64(), *arrow::int64()));
  EXPECT_FALSE(IsMonotonicCast(*arrow::float64(), *arrow::int32()));
  EXPECT_FALSE(IsMonotonicCast(*arrow::utf8(), *arrow::int64()));
}

TEST_F(PruningTest, UnbindAllowsRebindingToAnotherSchema) {
  auto bound = cp::greater(cp::field_ref("x"), Lit(1)).Bind(*schema_);
  ASSERT_TRUE(bound.ok());
  auto other = arrow::schema(
      {arrow::field("y", arrow::utf8()), arrow::field("x", arrow::int64())});
  auto rebound = Unbind(*bound).Bind(*other);
  EXPECT_EQ(FieldKey(arrow::FieldRef("a", "b")), "a.b");
  ASSERT_TRUE(rebound.ok()) << rebound.status();
  EXPECT_TRUE(rebound->IsBound());
}

}  // namespace
}  // namespace weir::expr
