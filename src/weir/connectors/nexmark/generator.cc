#include "weir/connectors/nexmark/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <arrow/record_batch.h>

namespace weir::connectors::nexmark {

namespace {

constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int kPersonIdLead = 10;
constexpr int kAuctionIdLead = 10;
constexpr int kHotSellerRatio = 100;
constexpr int kHotAuctionRatio = 100;
constexpr int kHotBidderRatio = 100;
constexpr int kHotChannelsRatio = 2;
constexpr int kNumCategories = 5;
constexpr int kChannels = 10000;
constexpr int kMinStringLength = 3;
constexpr int kReusableExtraLength = 1024 * 1024;

const char* const kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
const char* const kCities[] = {"Phoenix",  "Los Angeles", "San Francisco", "Boise",
                               "Portland", "Bend",        "Redmond",       "Seattle",
                               "Kent",     "Cheyenne"};
const char* const kFirstNames[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                   "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
const char* const kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                  "Walton", "Smith",  "Jones",   "Noris"};
const char* const kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};

int32_t Mix32(uint64_t z) {
  z = (z ^ (z >> 33)) * 0x62a9d9ed799705f5ULL;
  return static_cast<int32_t>(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3ULL) >> 32);
}

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Java's Integer.reverse.
int32_t ReverseBits(int32_t v) {
  uint32_t x = static_cast<uint32_t>(v), r = 0;
  for (int i = 0; i < 32; ++i) {
    r = (r << 1) | (x & 1);
    x >>= 1;
  }
  return static_cast<int32_t>(r);
}

// String.trim(): leading and trailing characters up to ' '.
std::string Trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && static_cast<unsigned char>(s[begin]) <= ' ') ++begin;
  while (end > begin && static_cast<unsigned char>(s[end - 1]) <= ' ') --end;
  return s.substr(begin, end - begin);
}

// LongGenerator.nextLong: uniform in [0, n).
int64_t NextLong(SplittableRandom* random, int64_t n) {
  if (n < std::numeric_limits<int32_t>::max()) {
    return random->NextInt(static_cast<int32_t>(n));
  }
  const int64_t v = random->NextLong() % n;
  return v < 0 ? -v : v;
}

// PriceGenerator.nextPrice.
int64_t NextPrice(SplittableRandom* random) {
  return static_cast<int64_t>(
      std::floor(std::pow(10.0, random->NextDouble() * 6.0) * 100.0 + 0.5));
}

}  // namespace

int32_t SplittableRandom::NextInt() { return Mix32(NextSeed()); }

int32_t SplittableRandom::NextInt(int32_t bound) {
  const int32_t m = bound - 1;
  int32_t r = NextInt();
  if ((bound & m) == 0) return r & m;
  // Java's rejection of over-represented values, in 32-bit arithmetic.
  for (int32_t u = static_cast<int32_t>(static_cast<uint32_t>(r) >> 1);;
       u = static_cast<int32_t>(static_cast<uint32_t>(NextInt()) >> 1)) {
    r = u % bound;
    if (static_cast<int32_t>(static_cast<uint32_t>(u) + static_cast<uint32_t>(m) -
                             static_cast<uint32_t>(r)) >= 0) {
      return r;
    }
  }
}

int64_t SplittableRandom::NextLong() { return static_cast<int64_t>(Mix64(NextSeed())); }

double SplittableRandom::NextDouble() {
  return static_cast<double>(Mix64(NextSeed()) >> 11) * 0x1.0p-53;
}

std::vector<NexmarkSplit> NexmarkSplit::Split(const NexmarkConfig& config,
                                              int64_t total_events, int n) {
  // GeneratorConfig: events number from 1; unbounded streams get Flink's huge cap.
  const int64_t max_events =
      total_events > 0 ? total_events
                       : std::numeric_limits<int64_t>::max() /
                             (config.total_proportion() *
                              std::max({config.avg_person_size, config.avg_auction_size,
                                        config.avg_bid_size}));
  const double delay_us = 1000000.0 / config.first_event_rate * n;
  std::vector<NexmarkSplit> splits;
  const int64_t each = max_events / n;
  int64_t first = 1;
  for (int i = 0; i < n; ++i) {
    NexmarkSplit s;
    s.first_event_id = first;
    s.max_events = i == n - 1 ? max_events - each * (n - 1) : each;
    s.inter_event_delay_us = delay_us;
    s.random_state = Mix64(config.seed + static_cast<uint64_t>(first));
    splits.push_back(s);
    first += each;
  }
  return splits;
}

NexmarkGenerator::NexmarkGenerator(NexmarkConfig config) : config_(std::move(config)) {
  // StringsGenerator.REUSABLE_EXTRA_STRING: letters from nextInt() in base 26 (Java's
  // signed remainder keeps some below 'a').
  SplittableRandom strings(Mix64(config_.seed ^ 0x5eed0001));
  reusable_extra_.reserve(kReusableExtraLength);
  int32_t rnd = 0;
  int left = 0;
  for (int i = 0; i < kReusableExtraLength; ++i) {
    if (left == 0) {
      rnd = strings.NextInt();
      left = 6;
    }
    reusable_extra_.push_back(static_cast<char>('a' + rnd % 26));
    rnd /= 26;
    --left;
  }
  // BidGenerator's HOT_URLS and CHANNEL_URL_CACHE, from their own random.
  SplittableRandom urls(Mix64(config_.seed ^ 0x5eed0002));
  auto base_url = [&] {
    return "https://www.nexmark.com/" + NextString(&urls, 5, '_') + '/' +
           NextString(&urls, 5, '_') + '/' + NextString(&urls, 5, '_') + '/' +
           "item.htm?query=1";
  };
  for (int i = 0; i < 4; ++i) hot_urls_.push_back(base_url());
  channel_urls_.reserve(kChannels);
  for (int i = 0; i < kChannels; ++i) {
    std::string url = base_url();
    if (urls.NextInt(10) > 0) {
      int32_t r = ReverseBits(i);
      if (r != std::numeric_limits<int32_t>::min()) r = r < 0 ? -r : r;
      url += "&channel_id=" + std::to_string(r);
    }
    channel_urls_.push_back(std::move(url));
  }
}

std::string NexmarkGenerator::NextString(SplittableRandom* random, int max_length,
                                         char special) const {
  int len = kMinStringLength + random->NextInt(max_length - kMinStringLength);
  std::string s;
  s.reserve(static_cast<size_t>(len));
  while (len-- > 0) {
    if (random->NextInt(13) == 0) {
      s.push_back(special);
    } else {
      s.push_back(static_cast<char>('a' + random->NextInt(26)));
    }
  }
  return Trim(s);
}

std::string NexmarkGenerator::NextExactString(SplittableRandom* random,
                                              int length) const {
  const int offset =
      random->NextInt(static_cast<int32_t>(reusable_extra_.size()) - length);
  return reusable_extra_.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

std::string NexmarkGenerator::NextExtra(SplittableRandom* random, int current_size,
                                        int average) const {
  if (current_size > average) return "";
  average -= current_size;
  const int delta = static_cast<int>(std::floor(average * 0.2 + 0.5));
  const int min_size = average - delta;
  const int size = min_size + (delta == 0 ? 0 : random->NextInt(2 * delta));
  return NextExactString(random, size);
}

int64_t NexmarkGenerator::LastBase0PersonId(int64_t event_id) const {
  const int64_t epoch = event_id / config_.total_proportion();
  int64_t offset = event_id % config_.total_proportion();
  if (offset >= config_.person_proportion) offset = config_.person_proportion - 1;
  return epoch * config_.person_proportion + offset;
}

int64_t NexmarkGenerator::LastBase0AuctionId(int64_t event_id) const {
  int64_t epoch = event_id / config_.total_proportion();
  int64_t offset = event_id % config_.total_proportion();
  if (offset < config_.person_proportion) {
    --epoch;
    offset = config_.auction_proportion - 1;
  } else if (offset >= config_.person_proportion + config_.auction_proportion) {
    offset = config_.auction_proportion - 1;
  } else {
    offset -= config_.person_proportion;
  }
  return epoch * config_.auction_proportion + offset;
}

int64_t NexmarkGenerator::NextBase0PersonId(int64_t event_id,
                                            SplittableRandom* random) const {
  const int64_t people = LastBase0PersonId(event_id) + 1;
  const int64_t active = std::min<int64_t>(people, config_.num_active_people);
  return people - active + NextLong(random, active + kPersonIdLead);
}

int64_t NexmarkGenerator::NextBase0AuctionId(int64_t event_id,
                                             SplittableRandom* random) const {
  const int64_t max_auction = LastBase0AuctionId(event_id);
  const int64_t min_auction =
      std::max<int64_t>(max_auction - config_.num_in_flight_auctions, 0);
  return min_auction + NextLong(random, max_auction - min_auction + 1 + kAuctionIdLead);
}

struct NexmarkGenerator::Builders {
  arrow::Int32Builder event_type;
  std::unique_ptr<arrow::StructBuilder> person, auction, bid;

  template <typename T>
  T* Field(arrow::StructBuilder* s, int i) {
    return static_cast<T*>(s->field_builder(i));
  }
};

std::shared_ptr<arrow::Schema> NexmarkGenerator::Schema() {
  const auto ts = arrow::timestamp(arrow::TimeUnit::MILLI);
  auto person = arrow::struct_(
      {arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()),
       arrow::field("emailAddress", arrow::utf8()),
       arrow::field("creditCard", arrow::utf8()), arrow::field("city", arrow::utf8()),
       arrow::field("state", arrow::utf8()), arrow::field("dateTime", ts),
       arrow::field("extra", arrow::utf8())});
  auto auction = arrow::struct_(
      {arrow::field("id", arrow::int64()), arrow::field("itemName", arrow::utf8()),
       arrow::field("description", arrow::utf8()),
       arrow::field("initialBid", arrow::int64()),
       arrow::field("reserve", arrow::int64()), arrow::field("dateTime", ts),
       arrow::field("expires", ts), arrow::field("seller", arrow::int64()),
       arrow::field("category", arrow::int64()), arrow::field("extra", arrow::utf8())});
  auto bid = arrow::struct_(
      {arrow::field("auction", arrow::int64()), arrow::field("bidder", arrow::int64()),
       arrow::field("price", arrow::int64()), arrow::field("channel", arrow::utf8()),
       arrow::field("url", arrow::utf8()), arrow::field("dateTime", ts),
       arrow::field("extra", arrow::utf8())});
  return arrow::schema({arrow::field("event_type", arrow::int32()),
                        arrow::field("person", person), arrow::field("auction", auction),
                        arrow::field("bid", bid)});
}

arrow::Status NexmarkGenerator::AppendPerson(Builders* b, int64_t event_id,
                                             SplittableRandom* random,
                                             int64_t timestamp) const {
  const int64_t id = LastBase0PersonId(event_id) + kFirstPersonId;
  std::string name = std::string(kFirstNames[random->NextInt(11)]) + " " +
                     kLastNames[random->NextInt(9)];
  std::string email =
      NextString(random, 7, ' ') + "@" + NextString(random, 5, ' ') + ".com";
  std::string card;
  for (int i = 0; i < 4; ++i) {
    char part[8];
    std::snprintf(part, sizeof(part), "%04d", random->NextInt(10000));
    if (i > 0) card += ' ';
    card += part;
  }
  std::string city = kCities[random->NextInt(10)];
  std::string state = kStates[random->NextInt(6)];
  const int size = static_cast<int>(8 + name.size() + email.size() + card.size() +
                                    city.size() + state.size());
  std::string extra = NextExtra(random, size, config_.avg_person_size);
  arrow::StructBuilder* s = b->person.get();
  ARROW_RETURN_NOT_OK(s->Append());
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 0)->Append(id));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 1)->Append(name));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 2)->Append(email));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 3)->Append(card));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 4)->Append(city));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 5)->Append(state));
  ARROW_RETURN_NOT_OK(b->Field<arrow::TimestampBuilder>(s, 6)->Append(timestamp));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 7)->Append(extra));
  ARROW_RETURN_NOT_OK(b->auction->AppendNull());
  return b->bid->AppendNull();
}

arrow::Status NexmarkGenerator::AppendAuction(Builders* b, const NexmarkSplit& split,
                                              int64_t event_id, SplittableRandom* random,
                                              int64_t timestamp) const {
  const int64_t id = LastBase0AuctionId(event_id) + kFirstAuctionId;
  int64_t seller;
  if (random->NextInt(config_.hot_sellers_ratio) > 0) {
    seller = (LastBase0PersonId(event_id) / kHotSellerRatio) * kHotSellerRatio;
  } else {
    seller = NextBase0PersonId(event_id, random);
  }
  seller += kFirstPersonId;
  const int64_t category = kFirstCategoryId + random->NextInt(kNumCategories);
  const int64_t initial_bid = NextPrice(random);
  // nextAuctionLengthMs: up to twice the time until numInFlightAuctions more auctions.
  const int64_t number = split.events_so_far + 1;
  const int64_t events_for_auctions =
      (static_cast<int64_t>(config_.num_in_flight_auctions) *
       config_.total_proportion()) /
      config_.auction_proportion;
  const int64_t horizon =
      split.TimestampFor(config_, number + events_for_auctions) - timestamp;
  const int64_t expires =
      timestamp + 1 + NextLong(random, std::max<int64_t>(horizon * 2, 1));
  std::string name = NextString(random, 20, ' ');
  std::string description = NextString(random, 100, ' ');
  const int64_t reserve = initial_bid + NextPrice(random);
  const int size = static_cast<int>(8 + name.size() + description.size() + 40);
  std::string extra = NextExtra(random, size, config_.avg_auction_size);
  ARROW_RETURN_NOT_OK(b->person->AppendNull());
  arrow::StructBuilder* s = b->auction.get();
  ARROW_RETURN_NOT_OK(s->Append());
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 0)->Append(id));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 1)->Append(name));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 2)->Append(description));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 3)->Append(initial_bid));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 4)->Append(reserve));
  ARROW_RETURN_NOT_OK(b->Field<arrow::TimestampBuilder>(s, 5)->Append(timestamp));
  ARROW_RETURN_NOT_OK(b->Field<arrow::TimestampBuilder>(s, 6)->Append(expires));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 7)->Append(seller));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 8)->Append(category));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 9)->Append(extra));
  return b->bid->AppendNull();
}

arrow::Status NexmarkGenerator::AppendBid(Builders* b, int64_t event_id,
                                          SplittableRandom* random,
                                          int64_t timestamp) const {
  int64_t auction;
  if (random->NextInt(config_.hot_auction_ratio) > 0) {
    auction = (LastBase0AuctionId(event_id) / kHotAuctionRatio) * kHotAuctionRatio;
  } else {
    auction = NextBase0AuctionId(event_id, random);
  }
  auction += kFirstAuctionId;
  int64_t bidder;
  if (random->NextInt(config_.hot_bidders_ratio) > 0) {
    bidder = (LastBase0PersonId(event_id) / kHotBidderRatio) * kHotBidderRatio + 1;
  } else {
    bidder = NextBase0PersonId(event_id, random);
  }
  bidder += kFirstPersonId;
  const int64_t price = NextPrice(random);
  const std::string* channel_url;
  std::string channel;
  if (random->NextInt(kHotChannelsRatio) > 0) {
    const int i = random->NextInt(4);
    channel = kHotChannels[i];
    channel_url = &hot_urls_[static_cast<size_t>(i)];
  } else {
    const int i = random->NextInt(kChannels);
    channel = "channel-" + std::to_string(i);
    channel_url = &channel_urls_[static_cast<size_t>(i)];
  }
  bidder += kFirstPersonId;  // a second time, as the Nexmark generator does
  std::string extra = NextExtra(random, 32, config_.avg_bid_size);
  ARROW_RETURN_NOT_OK(b->person->AppendNull());
  ARROW_RETURN_NOT_OK(b->auction->AppendNull());
  arrow::StructBuilder* s = b->bid.get();
  ARROW_RETURN_NOT_OK(s->Append());
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 0)->Append(auction));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 1)->Append(bidder));
  ARROW_RETURN_NOT_OK(b->Field<arrow::Int64Builder>(s, 2)->Append(price));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 3)->Append(channel));
  ARROW_RETURN_NOT_OK(b->Field<arrow::StringBuilder>(s, 4)->Append(*channel_url));
  ARROW_RETURN_NOT_OK(b->Field<arrow::TimestampBuilder>(s, 5)->Append(timestamp));
  return b->Field<arrow::StringBuilder>(s, 6)->Append(extra);
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> NexmarkGenerator::Next(
    NexmarkSplit* split, int64_t n) {
  n = std::min(n, split->max_events - split->events_so_far);
  if (n <= 0) return nullptr;
  static const std::shared_ptr<arrow::Schema> schema = Schema();
  Builders b;
  auto make = [&](int i) -> arrow::Result<std::unique_ptr<arrow::StructBuilder>> {
    std::unique_ptr<arrow::ArrayBuilder> builder;
    ARROW_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(),
                                           schema->field(i)->type(), &builder));
    return std::unique_ptr<arrow::StructBuilder>(
        static_cast<arrow::StructBuilder*>(builder.release()));
  };
  ARROW_ASSIGN_OR_RAISE(b.person, make(1));
  ARROW_ASSIGN_OR_RAISE(b.auction, make(2));
  ARROW_ASSIGN_OR_RAISE(b.bid, make(3));
  SplittableRandom random(split->random_state);
  const int total = config_.total_proportion();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t number = split->events_so_far + 1;  // firstEventNumber is 1
    const int64_t timestamp = split->TimestampFor(config_, number);
    const int64_t event_id = split->first_event_id + number;
    const int64_t rem = event_id % total;
    if (rem < config_.person_proportion) {
      ARROW_RETURN_NOT_OK(b.event_type.Append(0));
      ARROW_RETURN_NOT_OK(AppendPerson(&b, event_id, &random, timestamp));
    } else if (rem < config_.person_proportion + config_.auction_proportion) {
      ARROW_RETURN_NOT_OK(b.event_type.Append(1));
      ARROW_RETURN_NOT_OK(AppendAuction(&b, *split, event_id, &random, timestamp));
    } else {
      ARROW_RETURN_NOT_OK(b.event_type.Append(2));
      ARROW_RETURN_NOT_OK(AppendBid(&b, event_id, &random, timestamp));
    }
    ++split->events_so_far;
  }
  split->random_state = random.state();
  arrow::ArrayVector columns(4);
  ARROW_RETURN_NOT_OK(b.event_type.Finish(&columns[0]));
  ARROW_RETURN_NOT_OK(b.person->Finish(&columns[1]));
  ARROW_RETURN_NOT_OK(b.auction->Finish(&columns[2]));
  ARROW_RETURN_NOT_OK(b.bid->Finish(&columns[3]));
  return arrow::RecordBatch::Make(schema, n, std::move(columns));
}

}  // namespace weir::connectors::nexmark
