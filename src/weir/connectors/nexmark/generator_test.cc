// The Nexmark generator: Java's SplittableRandom values (recorded from Java 17's
// java.util.SplittableRandom(42)), the event mix, id relations, field shapes, event
// times, splits and determinism.
#include "weir/connectors/nexmark/generator.h"

#include <regex>
#include <set>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <gtest/gtest.h>

namespace weir::connectors::nexmark {
namespace {

// Recorded with `new SplittableRandom(42)` in Java 17: nextInt(), nextInt(100),
// nextInt(13), nextInt(10000), nextLong(), nextDouble(), nextInt(1000000007).
TEST(SplittableRandomTest, SameValuesAsJava) {
  SplittableRandom r(42);
  EXPECT_EQ(r.NextInt(), -491277234);
  EXPECT_EQ(r.NextInt(100), 56);
  EXPECT_EQ(r.NextInt(13), 9);
  EXPECT_EQ(r.NextInt(10000), 3172);
  EXPECT_EQ(r.NextLong(), 701532786141963250LL);
  EXPECT_DOUBLE_EQ(r.NextDouble(), 0.8682280765465323);
  EXPECT_EQ(r.NextInt(1000000007), 95458856);
}

NexmarkConfig Config() {
  NexmarkConfig c;
  c.seed = 7;
  c.base_time_ms = 1'700'000'000'000;
  return c;
}

struct Events {
  std::shared_ptr<arrow::RecordBatch> batch;
  const arrow::Int32Array& types() const {
    return static_cast<const arrow::Int32Array&>(*batch->column(0));
  }
  const arrow::StructArray& part(int i) const {
    return static_cast<const arrow::StructArray&>(*batch->column(i));
  }
  int64_t Long(int part_index, int field, int64_t row) const {
    return static_cast<const arrow::Int64Array&>(*part(part_index).field(field))
        .Value(row);
  }
  std::string String(int part_index, int field, int64_t row) const {
    return std::string(
        static_cast<const arrow::StringArray&>(*part(part_index).field(field))
            .GetView(row));
  }
  int64_t Time(int part_index, int field, int64_t row) const {
    return static_cast<const arrow::TimestampArray&>(*part(part_index).field(field))
        .Value(row);
  }
};

Events Generate(const NexmarkConfig& config, int64_t n, NexmarkSplit* split = nullptr) {
  NexmarkSplit whole = NexmarkSplit::Split(config, n, 1)[0];
  if (split == nullptr) split = &whole;
  NexmarkGenerator generator(config);
  auto batch = generator.Next(split, n);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return {*batch};
}

TEST(NexmarkGeneratorTest, MixIdsAndFieldsAsTheNexmarkGenerator) {
  const NexmarkConfig config = Config();
  const int64_t n = 5000;
  Events e = Generate(config, n);
  ASSERT_EQ(e.batch->num_rows(), n);
  int64_t counts[3] = {0, 0, 0};
  // Event ids start at 2 (Flink's first event id and number are both 1), so the
  // first person and auction get id 1001, as in the Nexmark generator.
  int64_t last_person = 1000, last_auction = 1000;
  const std::regex card("^[0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4}$");
  const std::set<std::string> states = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  int64_t extra_bytes = 0;
  for (int64_t r = 0; r < n; ++r) {
    const int type = e.types().Value(r);
    ++counts[type];
    // Event ids start at 2 (first event id 1 + event number 1): id % 50 decides.
    const int64_t rem = (r + 2) % 50;
    EXPECT_EQ(type, rem < 1 ? 0 : rem < 4 ? 1 : 2) << r;
    // Each event's type column is set, the other two are NULL.
    for (int p = 1; p <= 3; ++p) EXPECT_EQ(e.part(p).IsNull(r), p != type + 1) << r;
    // Event time: base + number * 100 µs (10,000 events per second).
    const int64_t ts = e.Time(type + 1, type == 0 ? 6 : type == 1 ? 5 : 5, r);
    EXPECT_EQ(ts, config.base_time_ms + (r + 1) / 10);
    if (type == 0) {
      const int64_t id = e.Long(1, 0, r);
      EXPECT_EQ(id, last_person + 1);
      last_person = id;
      EXPECT_TRUE(std::regex_match(e.String(1, 3, r), card)) << e.String(1, 3, r);
      EXPECT_NE(e.String(1, 2, r).find('@'), std::string::npos);
      EXPECT_EQ(states.count(e.String(1, 5, r)), 1u);
      extra_bytes += static_cast<int64_t>(e.String(1, 7, r).size());
    } else if (type == 1) {
      const int64_t id = e.Long(2, 0, r);
      EXPECT_EQ(id, last_auction + 1);
      last_auction = id;
      EXPECT_GT(e.Time(2, 6, r), ts);               // expires after it starts
      EXPECT_GE(e.Long(2, 4, r), e.Long(2, 3, r));  // reserve >= initial bid
      EXPECT_GE(e.Long(2, 8, r), 10);               // categories 10 … 14
      EXPECT_LE(e.Long(2, 8, r), 14);
      EXPECT_LE(e.Long(2, 7, r), last_person + 10);  // a seller that exists (or soon)
    } else {
      EXPECT_LE(e.Long(3, 0, r), last_auction + 10);  // an auction that exists
      EXPECT_GE(e.Long(3, 0, r), 1000);
      EXPECT_GE(e.Long(3, 1, r), 2000);  // bidders get FIRST_PERSON_ID twice, as there
      EXPECT_GE(e.Long(3, 2, r), 100);   // price: 10^(0..6) dollars in cents
      EXPECT_LE(e.Long(3, 2, r), 100'000'000);
    }
  }
  EXPECT_EQ(counts[0], n / 50);
  EXPECT_EQ(counts[1], 3 * n / 50);
  EXPECT_EQ(counts[2], 46 * n / 50);
  // person.avg-size 200 bytes: the extra field makes up the difference on average.
  const double average_extra = static_cast<double>(extra_bytes) / counts[0];
  EXPECT_GT(average_extra, 100);
  EXPECT_LT(average_extra, 200);
}

TEST(NexmarkGeneratorTest, SeedDecidesTheEventsAndBatchesDoNot) {
  const NexmarkConfig config = Config();
  Events whole = Generate(config, 600);
  // The same events in two batches, with the random state carried in the split.
  NexmarkSplit split = NexmarkSplit::Split(config, 600, 1)[0];
  NexmarkGenerator generator(config);
  auto first = *generator.Next(&split, 250);
  auto second = *generator.Next(&split, 1000);
  EXPECT_EQ(second->num_rows(), 350);
  EXPECT_TRUE(split.done());
  EXPECT_EQ(*generator.Next(&split, 10), nullptr);
  EXPECT_TRUE(whole.batch->Slice(0, 250)->Equals(*first));
  EXPECT_TRUE(whole.batch->Slice(250)->Equals(*second));
  NexmarkConfig other = config;
  other.seed = 8;
  EXPECT_FALSE(Generate(other, 600).batch->Equals(*whole.batch));
}

TEST(NexmarkGeneratorTest, SplitsShareTheEventIdsAndTheRate) {
  NexmarkConfig config = Config();
  auto splits = NexmarkSplit::Split(config, 1001, 3);
  ASSERT_EQ(splits.size(), 3u);
  EXPECT_EQ(splits[0].first_event_id, 1);
  EXPECT_EQ(splits[1].first_event_id, 1 + 333);
  EXPECT_EQ(splits[2].first_event_id, 1 + 666);
  EXPECT_EQ(splits[0].max_events + splits[1].max_events + splits[2].max_events, 1001);
  EXPECT_EQ(splits[2].max_events, 335);
  // Each of three generators runs at a third of the rate: 300 µs apart.
  EXPECT_DOUBLE_EQ(splits[1].inter_event_delay_us, 300.0);
  // Unbounded: Flink's cap on the number of events.
  EXPECT_GT(NexmarkSplit::Split(config, 0, 1)[0].max_events, int64_t{1} << 40);
}

}  // namespace
}  // namespace weir::connectors::nexmark
