#include "weir/common/suggest.h"

#include <gtest/gtest.h>

namespace weir::common {
namespace {

TEST(SuggestTest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("price", "pricee"), 1u);
  EXPECT_EQ(EditDistance("price", "prise"), 1u);
  EXPECT_EQ(EditDistance("price", "pirce"), 1u);  // transposition
  EXPECT_EQ(EditDistance("Price", "pRICE"), 0u);  // case-insensitive
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(SuggestTest, ClosestMatchPrefersTheNearestAndTheFirst) {
  std::vector<std::string> names = {"id", "price", "prices", "name"};
  EXPECT_EQ(ClosestMatch("pricee", names), "price");
  EXPECT_EQ(ClosestMatch("nme", names), "name");
  EXPECT_EQ(ClosestMatch("ID", names), "id");
  EXPECT_EQ(ClosestMatch("completely_different", names), std::nullopt);
  EXPECT_EQ(ClosestMatch("", names), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", {}), std::nullopt);
  EXPECT_EQ(ClosestMatch(std::string(1000, 'a'), names), std::nullopt);
}

TEST(SuggestTest, DidYouMean) {
  EXPECT_EQ(DidYouMean("UPPPER", {"UPPER", "LOWER"}), "; did you mean 'UPPER'?");
  EXPECT_EQ(DidYouMean("zzz", {"UPPER", "LOWER"}), "");
}

}  // namespace
}  // namespace weir::common
