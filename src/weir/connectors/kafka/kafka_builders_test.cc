#include "weir/connectors/kafka/kafka_builders.h"

#include <arrow/type.h>
#include <gtest/gtest.h>

namespace weir::connectors {
namespace {

bool Contains(const arrow::Status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

TEST(KafkaBuildersTest, SourceSettingsLandInTheOptions) {
  auto builder = KafkaSource::Builder()
                     .SetBootstrapServers("127.0.0.1:9092")
                     .SetTopics({"a", "b"})
                     .SetGroupId("g")
                     .SetProperty("fetch.min.bytes", "1024")
                     .SetStartingOffsets(KafkaOffsets::Committed("earliest"))
                     .SetBounded(KafkaOffsets::Latest())
                     .SetValueSchema(arrow::schema({arrow::field("id", arrow::int64())}))
                     .AddMetadataColumn("p", "partition")
                     .SetIgnoreParseErrors(true);
  const KafkaSourceOptions& o = builder.options();
  EXPECT_EQ(o.topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.startup, KafkaOffsetMode::kGroupOffsets);
  EXPECT_EQ(o.reset, "earliest");
  EXPECT_EQ(o.stop, KafkaOffsetMode::kLatest);
  EXPECT_EQ(o.properties.at("fetch.min.bytes"), "1024");
  EXPECT_TRUE(o.ignore_parse_errors);
  // Building checks settings but does not connect.
  EXPECT_TRUE(builder.Build().ok());
}

TEST(KafkaBuildersTest, BadSourceSettingsAreClearErrors) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64())});
  auto no_topic =
      KafkaSource::Builder().SetBootstrapServers("x:1").SetValueSchema(schema).Build();
  EXPECT_TRUE(Contains(no_topic.status(), "either topics or a topic pattern"));
  auto bad_property = KafkaSource::Builder()
                          .SetBootstrapServers("x:1")
                          .SetTopics({"t"})
                          .SetValueSchema(schema)
                          .SetProperty("no.such.setting", "1")
                          .Build();
  EXPECT_TRUE(Contains(bad_property.status(), "no.such.setting"));
  auto raw_two_columns =
      KafkaSource::Builder()
          .SetBootstrapServers("x:1")
          .SetTopics({"t"})
          .SetValueSchema(arrow::schema({arrow::field("a", arrow::utf8()),
                                         arrow::field("b", arrow::utf8())}),
                          "raw")
          .Build();
  EXPECT_TRUE(Contains(raw_two_columns.status(), "exactly one BYTES or STRING column"));
  auto bad_metadata = KafkaSource::Builder()
                          .SetBootstrapServers("x:1")
                          .SetTopics({"t"})
                          .SetValueSchema(schema)
                          .AddMetadataColumn("x", "leader")
                          .Build();
  EXPECT_TRUE(Contains(bad_metadata.status(), "unknown Kafka metadata key 'leader'"));
}

TEST(KafkaBuildersTest, SinkNeedsATopicAndExactlyOnceAPrefix) {
  EXPECT_TRUE(Contains(KafkaSink::Builder().SetBootstrapServers("x:1").Build().status(),
                       "needs a topic"));
  auto eo = KafkaSink::Builder()
                .SetBootstrapServers("x:1")
                .SetTopic("t")
                .SetDeliveryGuarantee(KafkaDeliveryGuarantee::kExactlyOnce)
                .Build();
  EXPECT_TRUE(Contains(eo.status(), "transactional id prefix"));
  auto ok = KafkaSink::Builder()
                .SetBootstrapServers("x:1")
                .SetTopic("t")
                .SetDeliveryGuarantee(KafkaDeliveryGuarantee::kExactlyOnce)
                .SetTransactionalIdPrefix("job-1")
                .SetKeyColumns({"id"})
                .Build();
  EXPECT_TRUE(ok.ok()) << ok.status();
}

}  // namespace
}  // namespace weir::connectors
