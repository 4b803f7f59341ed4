#pragma once
// The Nexmark event generator (Person, Auction and Bid events), as the Nexmark
// benchmark's own generator for Flink (github.com/nexmark/nexmark, nexmark-flink's
// generator package) makes them: the same proportions, id relations, hot
// sellers/auctions/bidders, prices, strings, sizes and event-time model. Where that
// generator draws from an unseeded SplittableRandom, this one draws from Java's
// SplittableRandom algorithm with a seed, so a seed gives the same events every run.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/builder.h>
#include <arrow/result.h>
#include <arrow/type.h>

namespace weir::connectors::nexmark {

/// Java's java.util.SplittableRandom (SplitMix64 with the golden gamma): the same
/// sequence of values for the same seed, and its nextInt(bound)/nextDouble rules.
class SplittableRandom {
 public:
  /// Starts the sequence of `seed`.
  explicit SplittableRandom(uint64_t seed) : seed_(seed) {}
  /// Returns a uniform 32-bit integer.
  int32_t NextInt();
  /// Returns a uniform integer in [0, bound), bound > 0.
  int32_t NextInt(int32_t bound);
  /// Returns a uniform 64-bit integer.
  int64_t NextLong();
  /// Returns a uniform double in [0, 1).
  double NextDouble();
  /// Returns the state (to checkpoint); SplittableRandom(state) continues from here.
  uint64_t state() const { return seed_; }

 private:
  uint64_t NextSeed() { return seed_ += 0x9e3779b97f4a7c15ULL; }
  uint64_t seed_;
};

/// The options of the `nexmark` connector that shape the events (Flink's nexmark
/// connector's names in comments).
struct NexmarkConfig {
  int first_event_rate = 10000;  ///< first-event.rate: events per second, all subtasks
  int person_proportion = 1;     ///< person.proportion
  int auction_proportion = 3;    ///< auction.proportion
  int bid_proportion = 46;       ///< bid.proportion
  int avg_person_size = 200;     ///< person.avg-size (bytes)
  int avg_auction_size = 500;    ///< auction.avg-size
  int avg_bid_size = 100;        ///< bid.avg-size
  int hot_auction_ratio = 2;     ///< bid.hot-ratio.auctions
  int hot_bidders_ratio = 4;     ///< bid.hot-ratio.bidders
  int hot_sellers_ratio = 4;     ///< auction.hot-ratio.sellers
  int num_in_flight_auctions = 100;
  int num_active_people = 1000;
  /// Seed of every random draw (weir's option `seed`).
  uint64_t seed = 0;
  /// The event time of event 0, epoch milliseconds (Flink: the job's start time;
  /// weir's option `base-time` fixes it).
  int64_t base_time_ms = 0;

  /// Returns the sum of the proportions.
  int total_proportion() const {
    return person_proportion + auction_proportion + bid_proportion;
  }
};

/// The part of the event stream one source subtask generates (Flink's
/// GeneratorConfig after split(n)): the events with ids first_event_id + 1 …
/// first_event_id + max_events, each `inter_event_delay_us` after the previous one in
/// event time (the rate divided among the `n` splits).
struct NexmarkSplit {
  int64_t first_event_id = 1;
  int64_t max_events = 0;
  /// How many of them were generated.
  int64_t events_so_far = 0;
  /// The random state after them.
  uint64_t random_state = 0;
  double inter_event_delay_us = 100;

  /// Returns the splits of `total_events` events (0: unbounded) over `n` subtasks.
  static std::vector<NexmarkSplit> Split(const NexmarkConfig& config,
                                         int64_t total_events, int n);
  /// Returns whether every event was generated.
  bool done() const { return events_so_far >= max_events; }
  /// Returns the event time of event number `number` (1-based), epoch ms.
  int64_t TimestampFor(const NexmarkConfig& config, int64_t number) const {
    return config.base_time_ms +
           static_cast<int64_t>(static_cast<double>(number) * inter_event_delay_us) /
               1000;
  }
};

/// Appends generated events to the four columns of the nexmark table: event_type
/// INT, person ROW<id, name, emailAddress, creditCard, city, state, dateTime, extra>,
/// auction ROW<id, itemName, description, initialBid, reserve, dateTime, expires,
/// seller, category, extra>, bid ROW<auction, bidder, price, channel, url, dateTime,
/// extra> (timestamps in milliseconds); the rows of the two other types are NULL.
class NexmarkGenerator {
 public:
  /// Prepares the shared tables (hot URLs, channel cache, the reusable extra string)
  /// from the config's seed.
  explicit NexmarkGenerator(NexmarkConfig config);

  /// Returns the schema of the four columns.
  static std::shared_ptr<arrow::Schema> Schema();

  /// Generates up to `n` more events of `split` into a batch of Schema(); returns
  /// nullptr when the split is done.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Next(NexmarkSplit* split, int64_t n);

  /// Returns the event time (epoch ms) the next event of `split` will have.
  int64_t NextTimestamp(const NexmarkSplit& split) const {
    return split.TimestampFor(config_, split.events_so_far + 1);
  }

  /// Returns the config.
  const NexmarkConfig& config() const { return config_; }

 private:
  struct Builders;
  std::string NextString(SplittableRandom* random, int max_length, char special) const;
  std::string NextExactString(SplittableRandom* random, int length) const;
  std::string NextExtra(SplittableRandom* random, int current_size, int average) const;
  int64_t LastBase0PersonId(int64_t event_id) const;
  int64_t LastBase0AuctionId(int64_t event_id) const;
  int64_t NextBase0PersonId(int64_t event_id, SplittableRandom* random) const;
  int64_t NextBase0AuctionId(int64_t event_id, SplittableRandom* random) const;
  arrow::Status AppendPerson(Builders* b, int64_t event_id, SplittableRandom* random,
                             int64_t timestamp) const;
  arrow::Status AppendAuction(Builders* b, const NexmarkSplit& split, int64_t event_id,
                              SplittableRandom* random, int64_t timestamp) const;
  arrow::Status AppendBid(Builders* b, int64_t event_id, SplittableRandom* random,
                          int64_t timestamp) const;

  NexmarkConfig config_;
  std::string reusable_extra_;  // 1 MiB of letters
  std::vector<std::string> hot_urls_;
  std::vector<std::string> channel_urls_;
};

}  // namespace weir::connectors::nexmark
