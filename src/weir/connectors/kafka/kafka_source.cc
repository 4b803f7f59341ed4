#include "weir/connectors/kafka/kafka_source.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/connectors/kafka/kafka_record_decoder.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {

namespace {

constexpr int kMetadataTimeoutMs = 10000;
// How long Poll waits for records when there are none before looking again (the
// queue's event callback wakes it earlier).
constexpr int64_t kIdleRecheckMicros = 200 * 1000;
// Value and key bytes in one batch at most (besides KafkaSourceOptions::batch_rows),
// so large records cannot overflow a builder.
constexpr int64_t kMaxBatchBytes = 64LL << 20;

// Fails on the first partition whose lookup failed (a failed lookup must not read
// as "no offset").
arrow::Status CheckElements(const rd_kafka_topic_partition_list_t& list,
                            const char* what) {
  for (int i = 0; i < list.cnt; ++i) {
    if (list.elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka: cannot {} {}-{}: {}", what, list.elems[i].topic,
                       list.elems[i].partition, KafkaErrorText(list.elems[i].err));
    }
  }
  return arrow::Status::OK();
}

void WakeTask(rd_kafka_t*, void* opaque) {
  static_cast<runtime::WakeHandle*>(opaque)->Wake();
}

}  // namespace

KafkaSourceReader::KafkaSourceReader(KafkaSourceOptions options,
                                     const runtime::SubtaskInfo& info)
    : options_(std::move(options)), info_(info) {}

KafkaSourceReader::~KafkaSourceReader() {
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
}

bool KafkaSourceReader::Owns(const TopicPartition& tp) const {
  // As Flink's KafkaSource: a topic's partitions go round-robin over the subtasks,
  // starting at a subtask chosen by the topic's name.
  const uint64_t h =
      expr::HashBytes(tp.topic.data(), static_cast<int64_t>(tp.topic.size()));
  const uint64_t start = h % static_cast<uint64_t>(info_.parallelism);
  return static_cast<int>((start + static_cast<uint64_t>(tp.partition)) %
                          static_cast<uint64_t>(info_.parallelism)) == info_.index;
}

arrow::Status KafkaSourceReader::Open(runtime::OperatorContext* context) {
  context_ = context;
  wake_ = context->MakeWakeHandle();
  std::map<std::string, std::string> settings = options_.properties;
  // librdkafka's consumer needs a group even with a manual assignment (no group
  // protocol is used); without the user's, an anonymous one never committed to.
  settings["group.id"] =
      !options_.group_id.empty()
          ? options_.group_id
          : fmt::format("weir-anonymous-{}", context->ProcessingTime());
  // Positions live in weir's checkpoints; the group only sees commits made when a
  // checkpoint completes.
  settings["enable.auto.commit"] = "false";
  settings["enable.auto.offset.store"] = "false";
  settings["enable.partition.eof"] = "true";
  // Prefetch: librdkafka fetches a partition until it has queued.min.messages records
  // waiting, or the consumer's queue (all its partitions forward into one) holds
  // queued.max.messages.kbytes; then that partition waits fetch.queue.backoff.ms
  // before it is looked at again (librdkafka's default of a second starves a consumer
  // that decodes between polls). A short wait and shallow queues keep the consumer
  // busy in a few MB. Each may be set with properties.*.
  if (!settings.count("fetch.queue.backoff.ms")) settings["fetch.queue.backoff.ms"] = "5";
  if (!settings.count("queued.min.messages")) settings["queued.min.messages"] = "5000";
  if (!settings.count("queued.max.messages.kbytes")) {
    settings["queued.max.messages.kbytes"] = "16384";
  }
  // An offset retention has deleted (after a restore, or a consumer that fell
  // behind) resumes at the oldest retained record, not silently at the end.
  settings["auto.offset.reset"] = options_.reset == "latest" ? "latest" : "earliest";
  if (!settings.count("client.id")) {
    settings["client.id"] = fmt::format("weir-source-{}", info_.index);
  }
  ARROW_ASSIGN_OR_RAISE(client_, KafkaClient::Make(RD_KAFKA_CONSUMER,
                                                   options_.bootstrap_servers, settings));
  ARROW_ASSIGN_OR_RAISE(decoder_, KafkaRecordDecoder::Make(options_));
  queue_ = rd_kafka_queue_get_consumer(client_->get());
  if (queue_ == nullptr) return UserError("Kafka: the consumer has no queue");
  rd_kafka_queue_cb_event_enable(queue_, WakeTask, wake_.get());
  return arrow::Status::OK();
}

arrow::Status KafkaSourceReader::RestoreOperatorState(
    const std::vector<std::string>& entries) {
  for (const std::string& bytes : entries) {
    ARROW_ASSIGN_OR_RAISE(auto entry, runtime::StateEntry::Decode(bytes, "Kafka source"));
    if (entry.kind() != "kafka-source/partition") {
      return UserError("Kafka source: unreadable checkpoint entry of kind '{}'",
                       entry.kind());
    }
    ARROW_ASSIGN_OR_RAISE(int64_t parallelism, entry.Int("parallelism"));
    ARROW_ASSIGN_OR_RAISE(int64_t next, entry.Int("next"));
    ARROW_ASSIGN_OR_RAISE(int64_t stop, entry.Int("stop"));
    ARROW_ASSIGN_OR_RAISE(int64_t partition, entry.Int("partition"));
    ARROW_ASSIGN_OR_RAISE(std::string topic, entry.String("topic"));
    // At another parallelism every subtask sees every partition's entry
    // (RestoresAllEntries) and keeps those it owns now.
    const TopicPartition tp{topic, static_cast<int32_t>(partition)};
    if (parallelism != info_.parallelism && !Owns(tp)) continue;
    Partition& p = partitions_[tp];
    p.next = next;
    p.stop = stop;
  }
  restored_ = true;
  return arrow::Status::OK();
}

arrow::Status KafkaSourceReader::ResolveStart(const std::vector<TopicPartition>& fresh,
                                              KafkaOffsetMode mode) {
  if (fresh.empty()) return arrow::Status::OK();
  rd_kafka_t* rk = client_->get();
  auto watermarks = [&](const TopicPartition& tp, int64_t* low,
                        int64_t* high) -> arrow::Status {
    const auto err = rd_kafka_query_watermark_offsets(rk, tp.topic.c_str(), tp.partition,
                                                      low, high, kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka: cannot read the offsets of {}-{} at '{}': {}", tp.topic,
                       tp.partition, options_.bootstrap_servers, KafkaErrorText(err));
    }
    return arrow::Status::OK();
  };
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(fresh.size())));
  for (const auto& tp : fresh) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  if (mode == KafkaOffsetMode::kGroupOffsets) {
    if (options_.group_id.empty()) {
      return UserError(
          "Kafka: scan.startup.mode 'group-offsets' needs a consumer group "
          "(properties.group.id)");
    }
    const auto err = rd_kafka_committed(rk, list.get(), kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka: cannot read the committed offsets of group '{}': {}",
                       options_.group_id, KafkaErrorText(err));
    }
    ARROW_RETURN_NOT_OK(CheckElements(*list, "read the committed offset of"));
  } else if (mode == KafkaOffsetMode::kTimestamp) {
    for (int i = 0; i < list->cnt; ++i)
      list->elems[i].offset = options_.startup_timestamp_ms;
    const auto err = rd_kafka_offsets_for_times(rk, list.get(), kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka: cannot look up offsets for timestamp {}: {}",
                       options_.startup_timestamp_ms, KafkaErrorText(err));
    }
    ARROW_RETURN_NOT_OK(CheckElements(*list, "look up the start offset of"));
  }
  for (int i = 0; i < list->cnt; ++i) {
    const TopicPartition tp{list->elems[i].topic, list->elems[i].partition};
    int64_t low = 0, high = 0;
    ARROW_RETURN_NOT_OK(watermarks(tp, &low, &high));
    int64_t start = low;
    switch (mode) {
      case KafkaOffsetMode::kLatest:
        start = high;
        break;
      case KafkaOffsetMode::kGroupOffsets: {
        const int64_t committed = list->elems[i].offset;
        if (committed >= 0) {
          start = committed;
        } else if (options_.reset == "latest") {
          start = high;
        } else if (options_.reset == "earliest") {
          start = low;
        } else {
          return UserError(
              "Kafka: group '{}' has no committed offset for {}-{}; set "
              "properties.auto.offset.reset to earliest or latest, or another "
              "scan.startup.mode",
              options_.group_id, tp.topic, tp.partition);
        }
        break;
      }
      case KafkaOffsetMode::kTimestamp:
        // No record at or after the timestamp: start at the end.
        start = list->elems[i].offset >= 0 ? list->elems[i].offset : high;
        break;
      case KafkaOffsetMode::kSpecificOffsets: {
        auto it = options_.startup_offsets.find(tp.partition);
        start = it != options_.startup_offsets.end() ? it->second : low;
        break;
      }
      default:
        break;
    }
    start = std::clamp(start, low, high);
    Partition& p = partitions_[tp];
    p.next = start;
    switch (options_.stop) {
      case KafkaOffsetMode::kLatest:
        p.stop = high;
        break;
      case KafkaOffsetMode::kSpecificOffsets: {
        auto it = options_.stop_offsets.find(tp.partition);
        p.stop = it != options_.stop_offsets.end() ? it->second : high;
        break;
      }
      default:
        break;
    }
  }
  if (options_.stop == KafkaOffsetMode::kTimestamp) {
    PartitionList stops(
        rd_kafka_topic_partition_list_new(static_cast<int>(fresh.size())));
    for (const auto& tp : fresh) {
      rd_kafka_topic_partition_list_add(stops.get(), tp.topic.c_str(), tp.partition)
          ->offset = options_.stop_timestamp_ms;
    }
    const auto err = rd_kafka_offsets_for_times(rk, stops.get(), kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka: cannot look up offsets for timestamp {}: {}",
                       options_.stop_timestamp_ms, KafkaErrorText(err));
    }
    ARROW_RETURN_NOT_OK(CheckElements(*stops, "look up the stop offset of"));
    for (int i = 0; i < stops->cnt; ++i) {
      const TopicPartition tp{stops->elems[i].topic, stops->elems[i].partition};
      int64_t low = 0, high = 0;
      ARROW_RETURN_NOT_OK(watermarks(tp, &low, &high));
      partitions_[tp].stop = stops->elems[i].offset >= 0 ? stops->elems[i].offset : high;
    }
  }
  return arrow::Status::OK();
}

arrow::Result<bool> KafkaSourceReader::Discover() {
  ARROW_ASSIGN_OR_RAISE(
      auto all, client_->ListPartitions(
                    options_.topics, options_.topic_pattern,
                    std::chrono::milliseconds(next_discovery_micros_ == 0
                                                  ? options_.broker_timeout.count()
                                                  : kMetadataTimeoutMs)));
  std::vector<TopicPartition> fresh;
  for (const auto& tp : all) {
    if (!Owns(tp)) continue;
    auto it = partitions_.find(tp);
    if (it != partitions_.end()) {
      if (!it->second.assigned) assignment_dirty_ = true;  // restored, not yet assigned
      continue;
    }
    fresh.push_back(tp);
  }
  // Partitions found after the job started (or that a restored checkpoint did not
  // hold) begin at their earliest record, as in Flink.
  const bool at_start = next_discovery_micros_ == 0 && !restored_;
  ARROW_RETURN_NOT_OK(
      ResolveStart(fresh, at_start ? options_.startup : KafkaOffsetMode::kEarliest));
  if (!fresh.empty()) {
    if (next_discovery_micros_ != 0) {
      LogInfo("Kafka source {}: {} new partition(s), e.g. {}-{}", info_.index,
              fresh.size(), fresh[0].topic, fresh[0].partition);
    }
    assignment_dirty_ = true;
  }
  const int64_t now = context_->ProcessingTime();
  next_discovery_micros_ = options_.discovery_interval.count() > 0
                               ? now + options_.discovery_interval.count() * 1000
                               : INT64_MAX;
  return !fresh.empty();
}

arrow::Status KafkaSourceReader::Assign() {
  PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size())));
  for (auto& [tp, p] : partitions_) {
    if (p.next >= p.stop) continue;  // bounded and done
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)
        ->offset = p.next;
    p.assigned = true;
  }
  const auto err = rd_kafka_assign(client_->get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return UserError("Kafka: cannot assign partitions: {}", KafkaErrorText(err));
  }
  assignment_dirty_ = false;
  return arrow::Status::OK();
}

bool KafkaSourceReader::Finished() const {
  if (options_.stop == KafkaOffsetMode::kUnbounded) return false;
  for (const auto& [tp, p] : partitions_) {
    if (p.next < p.stop) return false;
  }
  return true;
}

arrow::Result<runtime::PollResult> KafkaSourceReader::Poll(runtime::Output* out) {
  const int64_t now = context_->ProcessingTime();
  if (now >= next_discovery_micros_) {
    // The first listing waits for the brokers up to broker_timeout; later ones fail
    // the job only when they keep failing (below).
    auto found = Discover();
    if (!found.ok()) {
      if (next_discovery_micros_ == 0) return found.status();
      LogWarning("Kafka source {}: partition discovery failed: {}", info_.index,
                 found.status().message());
      next_discovery_micros_ = now + options_.discovery_interval.count() * 1000;
    }
  }
  if (assignment_dirty_) ARROW_RETURN_NOT_OK(Assign());
  if (Finished()) {
    if (decoder_->rows() > 0) ARROW_RETURN_NOT_OK(EmitBatch(out));
    return runtime::PollResult::End();
  }
  // Serves the error and log callbacks (they come on the main queue, not with the
  // records).
  rd_kafka_poll(client_->get(), 0);
  ARROW_RETURN_NOT_OK(client_->FatalError());
  const bool tracking = !options_.watermarks.timestamp_column.empty();
  constexpr int kChunk = 4096;
  rd_kafka_message_t* messages[kChunk];
  // Records come in runs from one partition: remember the last one's state rather
  // than look its topic name up for every record.
  const rd_kafka_topic_t* last_topic = nullptr;
  int32_t last_partition = -1;
  auto last = partitions_.end();
  int64_t bytes = 0;  // value and key bytes of the batch so far
  while (decoder_->rows() < options_.batch_rows && bytes < kMaxBatchBytes) {
    // Take as many records as fit the byte bound if each were as large as the largest
    // of the previous chunk (a megabyte before the first): large records come fewer
    // at a time.
    const int chunk = static_cast<int>(std::clamp<int64_t>(
        (kMaxBatchBytes - bytes) / std::max<int64_t>(largest_record_, 1), 1, kChunk));
    int64_t largest = 0;
    const ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, messages, chunk);
    if (n < 0) {
      return UserError("Kafka: consuming failed: {}",
                       KafkaErrorText(rd_kafka_last_error()));
    }
    if (n == 0) break;
    arrow::Status st;
    for (ssize_t i = 0; i < n; ++i) {
      const rd_kafka_message_t& m = *messages[i];
      if (!st.ok()) continue;  // destroy the rest below
      if (m.rkt == nullptr) {
        // A client-level error (group coordinator, authorization, …).
        if (m.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          LogWarning("Kafka: {}", rd_kafka_message_errstr(&m));
        }
        continue;
      }
      if (m.rkt != last_topic || m.partition != last_partition) {
        last = partitions_.find(TopicPartition{rd_kafka_topic_name(m.rkt), m.partition});
        last_topic = m.rkt;
        last_partition = m.partition;
      }
      auto it = last;
      if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        client_->MarkBrokersUp();
        if (it != partitions_.end())
          it->second.next = std::max(it->second.next, m.offset);
        continue;
      }
      if (m.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const std::string reason = rd_kafka_message_errstr(&m);
        if (m.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
            m.err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
            m.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
            m.err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
          st = UserError("Kafka: reading {}-{} failed: {}", rd_kafka_topic_name(m.rkt),
                         m.partition, reason);
        } else {
          LogWarning("Kafka: {}-{}: {}", rd_kafka_topic_name(m.rkt), m.partition, reason);
        }
        continue;
      }
      client_->MarkBrokersUp();
      if (it == partitions_.end() || m.offset < it->second.next) {
        continue;  // not ours, or already read
      }
      if (m.offset >= it->second.stop) {
        // Past a bounded stop (offsets may jump over it: control records,
        // compaction): the partition is done.
        it->second.next = it->second.stop;
        assignment_dirty_ = true;
        continue;
      }
      it->second.next = m.offset + 1;
      bytes += static_cast<int64_t>(m.len + m.key_len);
      largest = std::max(largest, static_cast<int64_t>(m.len + m.key_len));
      const int64_t before = decoder_->rows();
      auto decoded = decoder_->Append(m);
      if (decoded.ok() && decoder_->rows() > before && tracking) {
        row_partitions_.push_back(&it->second);
      }
      if (!decoded.ok()) {
        if (options_.ignore_parse_errors) {
          ++skipped_;
        } else {
          st =
              UserError("Kafka record {}-{} at offset {} does not decode ({} format): {}",
                        rd_kafka_topic_name(m.rkt), m.partition, m.offset,
                        options_.value_format, decoded.message());
        }
      }
    }
    for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(messages[i]);
    ARROW_RETURN_NOT_OK(st);
    largest_record_ = std::max<int64_t>(largest, 1);
  }
  if (decoder_->rows() > 0) {
    ARROW_RETURN_NOT_OK(EmitBatch(out));
    empty_polls_ = 0;
    return runtime::PollResult::More();
  }
  if (Finished()) return runtime::PollResult::End();
  // Partitions may have gone idle meanwhile.
  if (tracking) ARROW_RETURN_NOT_OK(EmitWatermark(out));
  if (client_->BrokersDownFor() > options_.broker_timeout) {
    return UserError(
        "Kafka: all brokers at '{}' have been unreachable for more than {} s",
        options_.bootstrap_servers, options_.broker_timeout.count() / 1000);
  }
  // Empty: look again soon while records were flowing (the fetcher refills the
  // queue in bursts), backing off to kIdleRecheckMicros when the topic is quiet.
  const int64_t backoff =
      std::min<int64_t>(kIdleRecheckMicros, int64_t{500} << std::min(empty_polls_, 10));
  ++empty_polls_;
  const int64_t recheck = std::min(next_discovery_micros_, now + backoff);
  return runtime::PollResult::WaitUntil(recheck);
}

arrow::Status KafkaSourceReader::EmitBatch(runtime::Output* out) {
  ARROW_ASSIGN_OR_RAISE(auto batch, decoder_->Finish());
  const std::string& column = options_.watermarks.timestamp_column;
  if (column.empty()) return out->Emit(std::move(batch));
  auto times = batch->GetColumnByName(column);
  if (times == nullptr) {
    return UserError("Kafka source: no event-time column '{}' in the records", column);
  }
  ARROW_ASSIGN_OR_RAISE(auto micros, runtime::EventTimesMicros(*times, column));
  const int64_t now = context_->ProcessingTime();
  // Rows follow records one to one, except where a record gave several rows.
  const std::vector<int64_t>& records = decoder_->record_of_row();
  for (size_t i = 0; i < micros.size(); ++i) {
    const size_t record = records.empty() ? i : static_cast<size_t>(records[i]);
    if (record >= row_partitions_.size()) break;
    Partition* p = row_partitions_[record];
    p->max_event = std::max(p->max_event, micros[i]);
    p->last_record_micros = now;
  }
  row_partitions_.clear();
  ARROW_RETURN_NOT_OK(out->Emit(std::move(batch)));
  return EmitWatermark(out);
}

arrow::Status KafkaSourceReader::EmitWatermark(runtime::Output* out) {
  const int64_t now = context_->ProcessingTime();
  const int64_t idleness = options_.watermarks.idleness.count();
  runtime::EventTime watermark = runtime::kMaxWatermark;
  bool any_active = false;
  for (auto& [tp, p] : partitions_) {
    if (p.next >= p.stop) continue;                             // bounded and done
    if (p.last_record_micros == 0) p.last_record_micros = now;  // idle from now on
    if (idleness > 0 && now - p.last_record_micros >= idleness) continue;
    any_active = true;
    const runtime::EventTime w = p.max_event == runtime::kMinWatermark
                                     ? runtime::kMinWatermark
                                     : options_.watermarks.WatermarkFor(p.max_event);
    watermark = std::min(watermark, w);
  }
  if (!any_active) {
    if (idleness > 0 && !marked_idle_) {
      marked_idle_ = true;
      return out->MarkIdle();
    }
    return arrow::Status::OK();
  }
  marked_idle_ = false;
  if (watermark == runtime::kMinWatermark || watermark <= emitted_watermark_) {
    return arrow::Status::OK();
  }
  emitted_watermark_ = watermark;
  return out->EmitWatermark(watermark);
}

arrow::Status KafkaSourceReader::SnapshotOperatorState(
    runtime::CheckpointId id, std::vector<std::string>* entries) {
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& [tp, p] : partitions_) {
    entries->push_back(runtime::StateEntry("kafka-source/partition")
                           .Add("parallelism", info_.parallelism)
                           .Add("next", p.next)
                           .Add("stop", p.stop)
                           .Add("partition", tp.partition)
                           .Add("topic", tp.topic)
                           .Encode());
    offsets[tp] = p.next;
  }
  if (!options_.group_id.empty()) to_commit_[id] = std::move(offsets);
  return arrow::Status::OK();
}

arrow::Status KafkaSourceReader::NotifyCheckpointComplete(runtime::CheckpointId id) {
  auto it = to_commit_.find(id);
  if (it == to_commit_.end()) return arrow::Status::OK();
  PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(it->second.size())));
  for (const auto& [tp, next] : it->second) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)
        ->offset = next;
  }
  to_commit_.erase(to_commit_.begin(), std::next(it));
  if (list->cnt == 0) return arrow::Status::OK();
  // For monitoring only: a failed commit is logged, never fails the job.
  const auto err = rd_kafka_commit(client_->get(), list.get(), /*async=*/1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    LogWarning("Kafka: committing offsets to group '{}' failed: {}", options_.group_id,
               KafkaErrorText(err));
  }
  return arrow::Status::OK();
}

arrow::Status KafkaSourceReader::Close() {
  if (queue_ != nullptr) {
    rd_kafka_queue_cb_event_enable(queue_, nullptr, nullptr);
    rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
  }
  client_.reset();
  return arrow::Status::OK();
}

arrow::Result<runtime::SourceFactory> MakeKafkaSource(KafkaSourceOptions options) {
  if (options.bootstrap_servers.empty()) {
    return UserError("the Kafka source needs bootstrap servers");
  }
  if (options.topics.empty() == options.topic_pattern.empty()) {
    return UserError("the Kafka source needs either topics or a topic pattern");
  }
  if (options.batch_rows <= 0) return UserError("Kafka batch rows must be positive");
  if (options.stop == KafkaOffsetMode::kEarliest ||
      options.stop == KafkaOffsetMode::kGroupOffsets) {
    return UserError(
        "a Kafka source stops at the latest offsets, a timestamp or specific offsets "
        "(or never)");
  }
  ARROW_RETURN_NOT_OK(CheckKafkaSettings(options.properties));
  ARROW_RETURN_NOT_OK(KafkaRecordDecoder::Make(options).status());
  return runtime::SourceFactory(
      [options](const runtime::SubtaskInfo& info)
          -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
        return std::make_unique<KafkaSourceReader>(options, info);
      });
}

}  // namespace weir::connectors
