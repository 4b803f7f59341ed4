#include "weir/runtime/checkpoint/state_entry.h"

#include <gtest/gtest.h>

namespace weir::runtime {
namespace {

TEST(StateEntryTest, RoundTripsAnyBytes) {
  std::string binary("a\0b\n c\n", 7);
  StateEntry entry("kafka-eo-txn");
  entry.Add("checkpoint", int64_t{42})
      .Add("records", binary)
      .Add("seen", "x y")
      .Add("seen", "");
  auto decoded = StateEntry::Decode(entry.Encode(), "Kafka sink");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->kind(), "kafka-eo-txn");
  EXPECT_EQ(*decoded->Int("checkpoint"), 42);
  EXPECT_EQ(*decoded->String("records"), binary);
  EXPECT_EQ(decoded->All("seen"), (std::vector<std::string>{"x y", ""}));
  EXPECT_FALSE(decoded->Find("missing").has_value());
}

TEST(StateEntryTest, DamageIsAnErrorNamingTheOwnerAndField) {
  StateEntry entry("file-sink/pending");
  entry.Add("file", "part-0.parquet").Add("valid-length", "12x");
  std::string encoded = entry.Encode();
  auto decoded = StateEntry::Decode(encoded, "file sink");
  ASSERT_TRUE(decoded.ok());
  auto length = decoded->Int("valid-length");
  ASSERT_FALSE(length.ok());
  EXPECT_NE(length.status().message().find("file sink"), std::string::npos);
  EXPECT_NE(length.status().message().find("valid-length"), std::string::npos);
  auto missing = decoded->String("bucket");
  EXPECT_NE(missing.status().message().find("no field 'bucket'"), std::string::npos);
  // Every truncation and the old formats are errors, never a crash.
  for (size_t cut = 0; cut + 1 < encoded.size(); ++cut) {
    auto partial = StateEntry::Decode(encoded.substr(0, cut), "file sink");
    if (partial.ok()) {
      EXPECT_FALSE(partial->Find("valid-length").has_value()) << cut;
    }
  }
  EXPECT_FALSE(StateEntry::Decode("pending\t0\t1\tb\tf\t10", "file sink").ok());
  EXPECT_FALSE(StateEntry::Decode("weir-state-entry 1 k\nkey 99\nshort\n", "x").ok());
  EXPECT_FALSE(StateEntry::Decode("weir-state-entry 1 k\nkey -1\n\n", "x").ok());
}

}  // namespace
}  // namespace weir::runtime
