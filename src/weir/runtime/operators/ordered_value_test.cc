// OrderedValueCodec: encoded bytes sort like the values, and decode back exactly.
#include "weir/runtime/operators/ordered_value.h"

#include <algorithm>
#include <numeric>

#include <arrow/json/from_string.h>
#include <arrow/scalar.h>
#include <gtest/gtest.h>

#include "weir/common/runtime_init.h"

namespace weir::runtime {
namespace {

// Values of `type` given in ascending order (no nulls): the encodings must be in
// strictly ascending order too, and decoding them must give the array back.
void ExpectOrdered(const std::shared_ptr<arrow::DataType>& type,
                   const std::string& json) {
  SCOPED_TRACE(type->ToString() + " " + json);
  auto values = *arrow::json::ArrayFromJSONString(type, json);
  auto codec = OrderedValueCodec::Make(type);
  ASSERT_TRUE(codec.ok()) << codec.status();
  std::vector<std::string> encoded(static_cast<size_t>(values->length()));
  for (int64_t i = 0; i < values->length(); ++i) {
    codec->Encode(*values, i, &encoded[static_cast<size_t>(i)]);
  }
  for (size_t i = 1; i < encoded.size(); ++i) {
    EXPECT_LT(encoded[i - 1], encoded[i]) << "at " << i;
  }
  std::vector<const std::string*> pointers;
  for (const auto& e : encoded) pointers.push_back(&e);
  pointers.push_back(nullptr);  // a null at the end
  auto decoded = codec->Decode(pointers);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE((*decoded)->Slice(0, values->length())->Equals(*values))
      << (*decoded)->ToString();
  EXPECT_TRUE((*decoded)->IsNull(values->length()));
}

TEST(OrderedValueCodecTest, SortsLikeTheValues) {
  ASSERT_TRUE(InitializeRuntime().ok());
  ExpectOrdered(arrow::int8(), "[-128, -1, 0, 1, 127]");
  ExpectOrdered(arrow::int32(), "[-2147483648, -5, 0, 7, 2147483647]");
  ExpectOrdered(arrow::int64(), "[-9223372036854775808, -1, 0, 1, 9223372036854775807]");
  ExpectOrdered(arrow::uint16(), "[0, 1, 65535]");
  ExpectOrdered(arrow::uint64(), "[0, 1, 18446744073709551615]");
  ExpectOrdered(arrow::float64(), "[-1e300, -2.5, -0.0001, 0.0, 1e-300, 3.5, 1e300]");
  ExpectOrdered(arrow::float32(), "[-3.5, -1.0, 0.0, 0.25, 8.0]");
  ExpectOrdered(arrow::boolean(), "[false, true]");
  ExpectOrdered(
      arrow::decimal128(20, 2),
      R"(["-99999999999999999.99", "-1.50", "-0.01", "0.00", "0.01", "12.34"])");
  ExpectOrdered(arrow::date32(), "[-1, 0, 19000]");
  ExpectOrdered(arrow::timestamp(arrow::TimeUnit::MILLI), "[-1000, 0, 1700000000000]");
  ExpectOrdered(arrow::utf8(), R"(["", "A", "a", "ab", "b", "é"])");
  ExpectOrdered(arrow::large_utf8(), R"(["x", "xy", "y"])");
  ExpectOrdered(arrow::utf8_view(), R"(["a long string over twelve bytes", "b"])");
  ExpectOrdered(arrow::binary(), R"(["", "AA", "AB"])");
}

TEST(OrderedValueCodecTest, NegativeZeroIsZero) {
  auto values = *arrow::json::ArrayFromJSONString(arrow::float64(), "[-0.0, 0.0]");
  auto codec = *OrderedValueCodec::Make(arrow::float64());
  std::string a, b;
  codec.Encode(*values, 0, &a);
  codec.Encode(*values, 1, &b);
  EXPECT_EQ(a, b);
}

TEST(OrderedValueCodecTest, RefusesNestedTypes) {
  auto codec = OrderedValueCodec::Make(arrow::list(arrow::int32()));
  ASSERT_FALSE(codec.ok());
  EXPECT_NE(codec.status().message().find("list"), std::string::npos);
}

}  // namespace
}  // namespace weir::runtime
