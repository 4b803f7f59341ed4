// GroupAccumulators: MIN/MAX in a fixed-width type against the encoded form (same
// results for every integer and temporal type), and Clone/Save/Load.
#include "weir/runtime/operators/group_accumulators.h"

#include <arrow/array.h>
#include <arrow/json/from_string.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::runtime {
namespace {

std::shared_ptr<arrow::Array> FromJson(const std::shared_ptr<arrow::DataType>& type,
                                       const char* json) {
  return arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
}

std::unique_ptr<GroupAccumulators> Make(const char* f,
                                        const std::shared_ptr<arrow::DataType>& type,
                                        bool retractions) {
  GroupAggregateCall call{f, "v", "out"};
  return GroupAccumulators::Make(call, type, retractions).ValueOrDie();
}

class GroupAccumulatorsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeRuntime().ok()); }
};

TEST_F(GroupAccumulatorsTest, MinMaxAgreeWithTheMultisetFormOnEveryFixedType) {
  // Rows go to groups 1 and 2 (group 3 gets only nulls); the insert-only form keeps
  // one value per group, the retracting form a multiset: same results.
  const std::vector<uint32_t> groups = {1, 2, 1, 3, 2, 1};
  struct Case {
    std::shared_ptr<arrow::DataType> type;
    const char* values;
  };
  const std::vector<Case> cases = {
      {arrow::int8(), "[-128, 5, 127, null, -3, 0]"},
      {arrow::int16(), "[-7, 300, 2, null, -300, 1]"},
      {arrow::int32(), "[10, -2147483648, 2147483647, null, 4, -1]"},
      {arrow::int64(), "[-9223372036854775808, 1, 9223372036854775807, null, 2, 0]"},
      {arrow::uint8(), "[255, 0, 7, null, 3, 9]"},
      {arrow::uint32(), "[4294967295, 1, 2, null, 0, 3]"},
      {arrow::uint64(), "[18446744073709551615, 1, 9223372036854775808, null, 2, 3]"},
      {arrow::date32(), "[19000, -1, 20000, null, 5, 0]"},
      {arrow::timestamp(arrow::TimeUnit::MILLI), "[1000, 2000, -5, null, 1, 7]"},
      {arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[3, 2, 1, null, 9, 8]"},
      {arrow::time64(arrow::TimeUnit::NANO), "[3, 2, 1, null, 9, 8]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type->ToString());
    auto input = FromJson(c.type, c.values);
    for (const char* f : {"min", "max"}) {
      auto fixed = Make(f, c.type, /*retractions=*/false);
      auto multiset = Make(f, c.type, /*retractions=*/true);
      fixed->Resize(4);
      multiset->Resize(4);
      ASSERT_TRUE(fixed->Update(input.get(), groups.data(), nullptr, 6).ok());
      ASSERT_TRUE(multiset->Update(input.get(), groups.data(), nullptr, 6).ok());
      auto got = fixed->Results({1, 2, 3}).ValueOrDie();
      auto want = multiset->Results({1, 2, 3}).ValueOrDie();
      EXPECT_TRUE(got->type()->Equals(*c.type));
      EXPECT_TRUE(got->Equals(*want))
          << f << ": " << got->ToString() << " vs " << want->ToString();
      EXPECT_EQ(got->null_count(), 1);  // group 3
    }
  }
}

TEST_F(GroupAccumulatorsTest, CloneIsIndependentAndSaveLoadRoundTrips) {
  for (const char* f : {"max", "min", "sum", "count", "count_distinct", "last", "lag"}) {
    SCOPED_TRACE(f);
    for (bool retractions : {false, true}) {
      auto acc = Make(f, arrow::int64(), retractions);
      acc->Resize(3);
      const std::vector<uint32_t> groups = {1, 2, 1};
      auto a = FromJson(arrow::int64(), "[4, 9, 6]");
      ASSERT_TRUE(acc->Update(a.get(), groups.data(), nullptr, 3).ok());
      auto copy = acc->Clone();
      const auto before = copy->Results({1, 2}).ValueOrDie();
      auto b = FromJson(arrow::int64(), "[100, -100, 50]");
      ASSERT_TRUE(acc->Update(b.get(), groups.data(), nullptr, 3).ok());
      // The copy still has the state of the clone's time.
      EXPECT_TRUE(copy->Results({1, 2}).ValueOrDie()->Equals(*before));
      EXPECT_FALSE(acc->Results({1, 2}).ValueOrDie()->Equals(*before));
      // Save from the copy, load into a fresh instance: the same results.
      std::string bytes;
      copy->Save(1, &bytes);
      copy->Save(2, &bytes);
      auto loaded = Make(f, arrow::int64(), retractions);
      loaded->Resize(3);
      std::string_view in(bytes);
      ASSERT_TRUE(loaded->Load(1, &in).ok());
      ASSERT_TRUE(loaded->Load(2, &in).ok());
      EXPECT_TRUE(in.empty());
      EXPECT_TRUE(loaded->Results({1, 2}).ValueOrDie()->Equals(*before));
      // A truncated state is an error, not garbage.
      std::string_view cut(bytes.data(), 1);
      EXPECT_FALSE(loaded->Load(1, &cut).ok());
    }
  }
}

}  // namespace
}  // namespace weir::runtime
