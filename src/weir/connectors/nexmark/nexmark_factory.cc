#include "weir/connectors/nexmark/nexmark_factory.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <set>

#include <arrow/compute/cast.h>
#include <arrow/record_batch.h>
#include <arrow/scalar.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/suggest.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/connectors/table_options.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {
namespace {

using nexmark::NexmarkConfig;
using nexmark::NexmarkGenerator;
using nexmark::NexmarkSplit;

// Flink's nexmark connector's options, and weir's seed and base-time.
const std::set<std::string>& KnownOptions() {
  static const std::set<std::string> known = {"connector",
                                              "rate.shape",
                                              "rate.period",
                                              "rate.limited",
                                              "first-event.rate",
                                              "next-event.rate",
                                              "person.avg-size",
                                              "auction.avg-size",
                                              "bid.avg-size",
                                              "person.proportion",
                                              "auction.proportion",
                                              "bid.proportion",
                                              "bid.hot-ratio.auctions",
                                              "bid.hot-ratio.bidders",
                                              "auction.hot-ratio.sellers",
                                              "events.num",
                                              "keep-alive",
                                              "stop-at",
                                              "max-emit-speed",
                                              "seed",
                                              "base-time"};
  return known;
}

struct NexmarkOptions {
  NexmarkConfig config;
  int64_t events = 0;    // events.num (0: unbounded)
  int64_t stop_at = -1;  // stop-at (-1: none)
  bool keep_alive = false;
  bool max_emit_speed = true;
  bool seeded = false;
  bool base_time_set = false;
  std::shared_ptr<arrow::Schema> schema;  // the table's physical columns
};

// "200b", "1kb", "2 mb", "300": bytes.
arrow::Result<int> ParseSize(const TableDescriptor& table, const std::string& key) {
  std::string text = common::ToLowerAscii(table.Option(key));
  int64_t unit = 1;
  for (const auto& [suffix, factor] :
       std::vector<std::pair<std::string, int64_t>>{{"kb", 1024},
                                                    {"mb", 1 << 20},
                                                    {"k", 1024},
                                                    {"m", 1 << 20},
                                                    {"bytes", 1},
                                                    {"b", 1}}) {
    if (text.size() > suffix.size() &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      text.resize(text.size() - suffix.size());
      unit = factor;
      break;
    }
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0 || value * unit > (1 << 30)) {
    return OptionError(
        table, key,
        fmt::format("expected a size such as '200b' but got '{}'", table.Option(key)));
  }
  return static_cast<int>(value * unit);
}

arrow::Result<int> ParsePositive(const TableDescriptor& table, const std::string& key,
                                 int fallback) {
  if (table.Option(key).empty()) return fallback;
  ARROW_ASSIGN_OR_RAISE(int64_t v, ParseInteger(table, key));
  if (v <= 0 || v > (int64_t{1} << 30)) {
    return OptionError(table, key,
                       fmt::format("expected a positive number but got {}", v));
  }
  return static_cast<int>(v);
}

// The table's physical columns must be (a subset of) the connector's four, of their
// types or types they cast to.
arrow::Status CheckColumns(const TableDescriptor& table,
                           const std::shared_ptr<arrow::Schema>& declared) {
  const auto produced = NexmarkGenerator::Schema();
  for (const auto& field : declared->fields()) {
    auto ours = produced->GetFieldByName(field->name());
    if (!ours) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': the nexmark connector produces the columns event_type, person, "
          "auction and bid; '{}' is not one of them",
          table.name, field->name()));
    }
    if (!arrow::compute::CanCast(*ours->type(), *field->type())) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': column '{}' is {} in the nexmark connector and cannot become {}",
          table.name, field->name(), ours->type()->ToString(),
          field->type()->ToString()));
    }
  }
  return arrow::Status::OK();
}

arrow::Result<NexmarkOptions> OptionsOf(const TableDescriptor& table) {
  for (const std::string& key : table.option_order) {
    if (KnownOptions().count(key) == 0) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': unknown option '{}' for connector 'nexmark' (first-event.rate, "
          "events.num, person|auction|bid.proportion, person|auction|bid.avg-size, "
          "bid.hot-ratio.auctions|bidders, auction.hot-ratio.sellers, max-emit-speed, "
          "keep-alive, stop-at, rate.*, seed, base-time)",
          table.name, key));
    }
  }
  NexmarkOptions o;
  NexmarkConfig& c = o.config;
  ARROW_ASSIGN_OR_RAISE(c.first_event_rate,
                        ParsePositive(table, "first-event.rate", 10000));
  ARROW_ASSIGN_OR_RAISE(c.person_proportion,
                        ParsePositive(table, "person.proportion", 1));
  ARROW_ASSIGN_OR_RAISE(c.auction_proportion,
                        ParsePositive(table, "auction.proportion", 3));
  ARROW_ASSIGN_OR_RAISE(c.bid_proportion, ParsePositive(table, "bid.proportion", 46));
  ARROW_ASSIGN_OR_RAISE(c.hot_auction_ratio,
                        ParsePositive(table, "bid.hot-ratio.auctions", 2));
  ARROW_ASSIGN_OR_RAISE(c.hot_bidders_ratio,
                        ParsePositive(table, "bid.hot-ratio.bidders", 4));
  ARROW_ASSIGN_OR_RAISE(c.hot_sellers_ratio,
                        ParsePositive(table, "auction.hot-ratio.sellers", 4));
  for (auto [key, target] : {std::pair{"person.avg-size", &c.avg_person_size},
                             std::pair{"auction.avg-size", &c.avg_auction_size},
                             std::pair{"bid.avg-size", &c.avg_bid_size}}) {
    if (!table.Option(key).empty()) {
      ARROW_ASSIGN_OR_RAISE(*target, ParseSize(table, key));
    }
  }
  if (!table.Option("next-event.rate").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t next, ParseInteger(table, "next-event.rate"));
    if (next != c.first_event_rate) {
      return OptionError(table, "next-event.rate",
                         "a rate that changes over time (rate.shape) is not supported "
                         "yet; set next-event.rate equal to first-event.rate");
    }
  }
  if (!table.Option("events.num").empty()) {
    ARROW_ASSIGN_OR_RAISE(o.events, ParseInteger(table, "events.num"));
    if (o.events < 0) return OptionError(table, "events.num", "must not be negative");
  }
  if (!table.Option("stop-at").empty()) {
    ARROW_ASSIGN_OR_RAISE(o.stop_at, ParseInteger(table, "stop-at"));
  }
  if (!table.Option("keep-alive").empty()) {
    ARROW_ASSIGN_OR_RAISE(o.keep_alive, ParseBool(table, "keep-alive"));
  }
  if (!table.Option("max-emit-speed").empty()) {
    ARROW_ASSIGN_OR_RAISE(o.max_emit_speed, ParseBool(table, "max-emit-speed"));
  }
  if (!table.Option("rate.limited").empty()) {
    ARROW_RETURN_NOT_OK(ParseBool(table, "rate.limited").status());
  }
  if (!table.Option("rate.period").empty()) {
    ARROW_RETURN_NOT_OK(ParseDurationOption(table.Option("rate.period")).status());
  }
  const std::string shape = common::ToLowerAscii(table.Option("rate.shape", "square"));
  if (shape != "square" && shape != "sine") {
    return OptionError(
        table, "rate.shape",
        fmt::format("expected SQUARE or SINE but got '{}'", table.Option("rate.shape")));
  }
  if (!table.Option("seed").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t seed, ParseInteger(table, "seed"));
    c.seed = static_cast<uint64_t>(seed);
    o.seeded = true;
  }
  if (!table.Option("base-time").empty()) {
    const std::string text = table.Option("base-time");
    char* end = nullptr;
    const long long millis = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0') {
      c.base_time_ms = millis;
    } else {
      auto parsed =
          arrow::compute::Cast(arrow::Datum(std::make_shared<arrow::StringScalar>(text)),
                               arrow::timestamp(arrow::TimeUnit::MILLI));
      if (!parsed.ok()) {
        return OptionError(table, "base-time",
                           fmt::format("expected epoch milliseconds or a timestamp "
                                       "'2024-01-01 00:00:00' but got '{}'",
                                       text));
      }
      c.base_time_ms =
          static_cast<const arrow::TimestampScalar&>(*parsed->scalar()).value;
    }
    o.base_time_set = true;
  }
  o.schema = table.PhysicalSchema();
  ARROW_RETURN_NOT_OK(CheckColumns(table, o.schema));
  return o;
}

// One subtask's reader: its splits, generated one after the other, cast to the
// table's columns.
class NexmarkSource : public runtime::SourceReader {
 public:
  NexmarkSource(NexmarkOptions options, std::vector<NexmarkSplit> splits)
      : options_(std::move(options)),
        generator_(options_.config),
        splits_(std::move(splits)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    context_ = context;
    return arrow::Status::OK();
  }

  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override {
    while (current_ < splits_.size() && Done(splits_[current_])) ++current_;
    if (current_ >= splits_.size()) {
      if (!options_.keep_alive) return runtime::PollResult::End();
      return runtime::PollResult::WaitUntil(context_->ProcessingTime() + 1'000'000);
    }
    NexmarkSplit& split = splits_[current_];
    int64_t n = kBatch;
    if (!options_.max_emit_speed) {
      // Each event at its time in wall-clock time, from when the split started.
      const int64_t now = context_->ProcessingTime();
      if (wallclock_base_ < 0) wallclock_base_ = now;
      const int64_t due_ms =
          generator_.NextTimestamp(split) - options_.config.base_time_ms;
      const int64_t due = wallclock_base_ + due_ms * 1000;
      if (due > now) return runtime::PollResult::WaitUntil(due);
      n = std::max<int64_t>(
          1, static_cast<int64_t>((now - due) / split.inter_event_delay_us) + 1);
      n = std::min<int64_t>(n, kBatch);
    }
    n = std::min(n, Limit(split) - split.events_so_far);
    ARROW_ASSIGN_OR_RAISE(auto batch, generator_.Next(&split, n));
    if (batch == nullptr) return runtime::PollResult::More();
    ARROW_ASSIGN_OR_RAISE(batch, Conform(batch));
    ARROW_RETURN_NOT_OK(out->Emit(std::move(batch)));
    return runtime::PollResult::More();
  }

  arrow::Status SnapshotOperatorState(runtime::CheckpointId,
                                      std::vector<std::string>* entries) override {
    for (const NexmarkSplit& s : splits_) {
      char delay[40];
      std::snprintf(delay, sizeof(delay), "%.17g", s.inter_event_delay_us);
      entries->push_back(runtime::StateEntry("nexmark/split")
                             .Add("first", s.first_event_id)
                             .Add("max", s.max_events)
                             .Add("done", s.events_so_far)
                             .Add("random", static_cast<int64_t>(s.random_state))
                             .Add("delay-us", std::string(delay))
                             .Add("base-time", options_.config.base_time_ms)
                             .Encode());
    }
    return arrow::Status::OK();
  }

  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override {
    splits_.clear();
    current_ = 0;
    for (const std::string& bytes : entries) {
      ARROW_ASSIGN_OR_RAISE(auto entry, runtime::StateEntry::Decode(bytes, "nexmark"));
      if (entry.kind() != "nexmark/split") {
        return UserError("nexmark: unreadable checkpoint entry of kind '{}'",
                         entry.kind());
      }
      NexmarkSplit s;
      ARROW_ASSIGN_OR_RAISE(s.first_event_id, entry.Int("first"));
      ARROW_ASSIGN_OR_RAISE(s.max_events, entry.Int("max"));
      ARROW_ASSIGN_OR_RAISE(s.events_so_far, entry.Int("done"));
      ARROW_ASSIGN_OR_RAISE(int64_t random, entry.Int("random"));
      s.random_state = static_cast<uint64_t>(random);
      ARROW_ASSIGN_OR_RAISE(std::string delay, entry.String("delay-us"));
      s.inter_event_delay_us = std::strtod(delay.c_str(), nullptr);
      // The events' times continue from the checkpointed job's base time.
      ARROW_ASSIGN_OR_RAISE(options_.config.base_time_ms, entry.Int("base-time"));
      splits_.push_back(s);
    }
    generator_ = NexmarkGenerator(options_.config);
    return arrow::Status::OK();
  }

 private:
  static constexpr int64_t kBatch = 2048;

  // stop-at: a split stops at its share of the events.
  int64_t Limit(const NexmarkSplit& split) const { return split.max_events; }
  bool Done(const NexmarkSplit& split) const {
    return split.events_so_far >= Limit(split);
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Conform(
      const std::shared_ptr<arrow::RecordBatch>& batch) const {
    arrow::ArrayVector columns;
    for (const auto& field : options_.schema->fields()) {
      auto column = batch->GetColumnByName(field->name());
      if (!column->type()->Equals(*field->type())) {
        ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, field->type()));
      }
      columns.push_back(std::move(column));
    }
    return arrow::RecordBatch::Make(options_.schema, batch->num_rows(),
                                    std::move(columns));
  }

  NexmarkOptions options_;
  NexmarkGenerator generator_;
  std::vector<NexmarkSplit> splits_;
  size_t current_ = 0;
  runtime::OperatorContext* context_ = nullptr;
  int64_t wallclock_base_ = -1;
};

class NexmarkTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "nexmark"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    return OptionsOf(*table).status();
  }
  bool IsBounded(const TableDescriptor& table) const override {
    return !table.Option("events.num").empty() && table.Option("events.num") != "0" &&
           table.Option("keep-alive") != "true";
  }
  arrow::Result<runtime::SourceFactory> MakeSource(const TableDescriptor& table,
                                                   const ScanRequest&) const override {
    ARROW_ASSIGN_OR_RAISE(NexmarkOptions options, OptionsOf(table));
    // Flink's connector takes the job's start as the time of the first event and an
    // unseeded random: so does weir unless `base-time` and `seed` are set.
    if (!options.base_time_set) {
      options.config.base_time_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
    }
    if (!options.seeded) options.config.seed = std::random_device{}();
    return runtime::SourceFactory(
        [options](const runtime::SubtaskInfo& info)
            -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
          auto splits =
              NexmarkSplit::Split(options.config, options.events, info.parallelism);
          NexmarkSplit split = splits[static_cast<size_t>(info.index)];
          if (options.stop_at >= 0) {
            // GeneratorConfig.split: each split stops at its share of stop-at.
            const int64_t share = options.stop_at / info.parallelism;
            const int64_t mine = info.index == info.parallelism - 1
                                     ? options.stop_at - share * (info.parallelism - 1)
                                     : share;
            split.max_events = std::min(split.max_events, mine);
          }
          return std::make_unique<NexmarkSource>(options,
                                                 std::vector<NexmarkSplit>{split});
        });
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakeNexmarkTableFactory() {
  return std::make_unique<NexmarkTableFactory>();
}

}  // namespace weir::connectors
