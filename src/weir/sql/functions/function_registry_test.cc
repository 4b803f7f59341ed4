#include <gtest/gtest.h>

#include <arrow/type.h>

#include "weir/sql/functions/aggregate_functions.h"
#include "weir/sql/functions/function_registry.h"

namespace weir::sql {
namespace {

TEST(FunctionRegistryTest, EveryFunctionHasSignatures) {
  const auto all = AllFunctions();
  ASSERT_GT(all.size(), 90u);
  for (const FunctionDefinition* function : all) {
    SCOPED_TRACE(function->name);
    EXPECT_FALSE(function->signatures.empty());
    if (function->kind == FunctionKind::kScalar) {
      EXPECT_TRUE(function->binder != nullptr || !function->arrow_function.empty());
    }
    for (size_t i = 1; i < function->signatures.size(); ++i) {
      // Signatures are picked by the number of arguments: no two may overlap.
      for (size_t j = 0; j < i; ++j) {
        const FunctionSignature& a = function->signatures[i];
        const FunctionSignature& b = function->signatures[j];
        EXPECT_FALSE(a.Takes(b.args.size()) || b.Takes(a.args.size()));
      }
    }
  }
}

TEST(FunctionRegistryTest, LooksUpCaseInsensitivelyAndKnowsAggregates) {
  const FunctionDefinition* substring = FindFunction("substring");
  ASSERT_NE(substring, nullptr);
  EXPECT_EQ(substring->SignaturesText("SUBSTR"),
            "SUBSTR(STRING, INTEGER), SUBSTR(STRING, INTEGER, INTEGER)");
  EXPECT_EQ(substring->SignatureFor(1), nullptr);
  ASSERT_NE(substring->SignatureFor(3), nullptr);
  EXPECT_EQ(substring->SignatureFor(3)->At(2), ArgType::kInteger);
  EXPECT_EQ(FindFunction("CONCAT_WS")->SignaturesText("CONCAT_WS"),
            "CONCAT_WS(STRING, STRING...)");
  EXPECT_EQ(FindFunction("PI")->SignaturesText("PI"), "PI()");
  EXPECT_TRUE(IsAggregateFunction("listagg"));
  EXPECT_FALSE(IsAggregateFunction("UPPER"));
  EXPECT_EQ(FindFunction("NO_SUCH_FUNCTION"), nullptr);
  // GET_FIELD is how `row.field` is spelled, not a function to list.
  for (const FunctionDefinition* function : AllFunctions()) {
    EXPECT_NE(function->name, "GET_FIELD");
  }
}

TEST(FunctionRegistryTest, ArgumentTypesAcceptTheirFamilies) {
  EXPECT_TRUE(ArgTypeAccepts(ArgType::kNumeric, *arrow::decimal128(10, 2)));
  EXPECT_TRUE(ArgTypeAccepts(ArgType::kString,
                             *arrow::dictionary(arrow::int32(), arrow::utf8())));
  EXPECT_TRUE(ArgTypeAccepts(ArgType::kString, *arrow::large_utf8()));
  EXPECT_TRUE(ArgTypeAccepts(ArgType::kTemporal, *arrow::date32()));
  EXPECT_TRUE(ArgTypeAccepts(ArgType::kInteger, *arrow::null()));
  EXPECT_FALSE(ArgTypeAccepts(ArgType::kInteger, *arrow::float64()));
  EXPECT_FALSE(ArgTypeAccepts(ArgType::kNumeric, *arrow::utf8()));
}

}  // namespace
}  // namespace weir::sql
