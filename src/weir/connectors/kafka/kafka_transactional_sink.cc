#include "weir/connectors/kafka/kafka_transactional_sink.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/connectors/kafka/kafka_record_encoder.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {
namespace {

using runtime::CheckpointId;

// Transactional ids probed and fenced at start beyond those a checkpoint names: ids
// an attempt after the checkpoint may have opened.
constexpr int kSpareSlots = 4;

arrow::Status TxnError(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return arrow::Status::OK();
  auto st = UserError("Kafka sink: {} failed: {}", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  return st;
}

void PutLength(std::string* out, const std::string* bytes) {
  const int32_t n = bytes ? static_cast<int32_t>(bytes->size()) : -1;
  out->append(reinterpret_cast<const char*>(&n), sizeof(n));
  if (bytes) out->append(*bytes);
}

class TransactionalKafkaSink : public runtime::Operator {
 public:
  explicit TransactionalKafkaSink(KafkaSinkOptions options)
      : options_(std::move(options)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    context_ = context;
    subtask_ = context->subtask().index;
    parallelism_ = context->subtask().parallelism;
    ARROW_ASSIGN_OR_RAISE(auto probe,
                          KafkaClient::Make(RD_KAFKA_PRODUCER, options_.bootstrap_servers,
                                            options_.properties));
    ARROW_ASSIGN_OR_RAISE(auto partitions, probe->ListPartitions({options_.topic}, "",
                                                                 options_.flush_timeout));
    chooser_.emplace(options_.partitioner, subtask_,
                     static_cast<int32_t>(partitions.size()));
    return arrow::Status::OK();
  }

  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override {
    for (const std::string& bytes : entries) {
      ARROW_ASSIGN_OR_RAISE(auto entry, runtime::StateEntry::Decode(bytes, "Kafka sink"));
      ARROW_ASSIGN_OR_RAISE(int64_t parallelism, entry.Int("parallelism"));
      ARROW_ASSIGN_OR_RAISE(int64_t subtask, entry.Int("subtask"));
      if (parallelism != parallelism_ || subtask != subtask_) {
        return UserError(
            "the exactly-once Kafka sink was checkpointed at parallelism {}; restoring "
            "at {} is not supported yet",
            parallelism, parallelism_);
      }
      if (entry.kind() == "kafka-sink/pool") {
        ARROW_ASSIGN_OR_RAISE(int64_t used, entry.Int("used-slots"));
        used_slots_ = static_cast<decltype(used_slots_)>(used);
      } else if (entry.kind() == "kafka-sink/transaction") {
        ARROW_ASSIGN_OR_RAISE(int64_t id, entry.Int("checkpoint"));
        ARROW_ASSIGN_OR_RAISE(restored_[static_cast<CheckpointId>(id)],
                              entry.String("records"));
      } else {
        return UserError("Kafka sink: unreadable checkpoint entry of kind '{}'",
                         entry.kind());
      }
    }
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    ARROW_RETURN_NOT_OK(Initialize());
    if (!current_) {
      ARROW_ASSIGN_OR_RAISE(current_, Acquire());
      ARROW_RETURN_NOT_OK(TxnError(rd_kafka_begin_transaction(current_->client->get()),
                                   "beginning a transaction"));
    }
    Txn& txn = *current_;
    ARROW_RETURN_NOT_OK(ForEachKafkaRecord(
        *batch, options_, [&](const std::string* key, const std::string* value) {
          PutLength(&txn.staged, key);
          PutLength(&txn.staged, value);
          ++txn.records;
          return Produce(txn, key, value);
        }));
    rd_kafka_poll(txn.client->get(), 0);
    return txn.delivery.Check();
  }

  arrow::Status SnapshotOperatorState(CheckpointId id,
                                      std::vector<std::string>* entries) override {
    ARROW_RETURN_NOT_OK(Initialize());
    if (current_ && current_->records > 0) {
      ARROW_RETURN_NOT_OK(Flush(*current_));
      pending_[id] = std::move(current_);
    }
    entries->push_back(runtime::StateEntry("kafka-sink/pool")
                           .Add("parallelism", parallelism_)
                           .Add("subtask", subtask_)
                           .Add("used-slots", static_cast<int64_t>(used_slots_))
                           .Encode());
    for (const auto& [cp, txn] : pending_) {
      entries->push_back(runtime::StateEntry("kafka-sink/transaction")
                             .Add("parallelism", parallelism_)
                             .Add("subtask", subtask_)
                             .Add("checkpoint", static_cast<int64_t>(cp))
                             .Add("count", static_cast<int64_t>(txn->records))
                             .Add("records", txn->staged)
                             .Encode());
    }
    return arrow::Status::OK();
  }

  arrow::Status NotifyCheckpointComplete(CheckpointId id) override {
    while (!pending_.empty() && pending_.begin()->first <= id) {
      auto node = pending_.extract(pending_.begin());
      ARROW_RETURN_NOT_OK(Commit(*node.mapped(), node.key()));
      Release(std::move(node.mapped()));
    }
    return arrow::Status::OK();
  }

  arrow::Status Finish(runtime::Output*) override {
    // The runtime's final snapshot moves what is left into a pending transaction and
    // its completion commits it, with or without stored checkpoints; committing here
    // could commit twice if the job then failed and started again.
    return Initialize();
  }

  arrow::Status Close() override {
    // A failed attempt's transactions are aborted: what a checkpoint holds is
    // committed again from the checkpoint on restore.
    auto abort = [](Txn& txn) {
      if (auto* error = rd_kafka_abort_transaction(txn.client->get(), 5000))
        rd_kafka_error_destroy(error);
    };
    if (current_) abort(*current_);
    for (auto& [cp, txn] : pending_) abort(*txn);
    current_.reset();
    pending_.clear();
    free_.clear();
    return arrow::Status::OK();
  }

 private:
  struct Txn {
    std::unique_ptr<KafkaClient> client;
    int slot = 0;
    KafkaDelivery delivery;
    std::string staged;  // the transaction's records: [len][key][len][value]…
    int64_t records = 0;
  };

  std::string MarkerGroup() const {
    return fmt::format("{}-{}", options_.transactional_id_prefix, subtask_);
  }

  // A producer with its own transactional id, ready for transactions: the first
  // init_transactions under an id fences earlier producers with it and settles their
  // open transaction (aborted, or committed when its commit had begun).
  arrow::Result<std::unique_ptr<Txn>> MakeProducer(int slot) {
    auto settings = options_.properties;
    settings["transactional.id"] =
        fmt::format("{}-{}-{}", options_.transactional_id_prefix, subtask_, slot);
    if (!settings.count("partitioner")) settings["partitioner"] = "murmur2_random";
    if (!settings.count("transaction.timeout.ms")) {
      settings["transaction.timeout.ms"] = "900000";  // the brokers' default maximum
    }
    if (!settings.count("client.id")) {
      settings["client.id"] = fmt::format("weir-sink-{}-{}", subtask_, slot);
    }
    auto txn = std::make_unique<Txn>();
    txn->slot = slot;
    ARROW_ASSIGN_OR_RAISE(txn->client,
                          KafkaClient::Make(RD_KAFKA_PRODUCER, options_.bootstrap_servers,
                                            settings, KafkaDelivery::OnDelivery));
    ARROW_RETURN_NOT_OK(TxnError(
        rd_kafka_init_transactions(txn->client->get(),
                                   static_cast<int>(options_.flush_timeout.count())),
        fmt::format("initializing transactional id '{}'", settings["transactional.id"])));
    return txn;
  }

  arrow::Result<std::unique_ptr<Txn>> Acquire() {
    std::unique_ptr<Txn> txn;
    if (!free_.empty()) {
      // The lowest slot first, so the ids in use stay few and fencing finds them.
      auto lowest = std::min_element(
          free_.begin(), free_.end(),
          [](const auto& a, const auto& b) { return a->slot < b->slot; });
      txn = std::move(*lowest);
      free_.erase(lowest);
    } else {
      ARROW_ASSIGN_OR_RAISE(txn, MakeProducer(slots_++));
    }
    used_slots_ = std::max(used_slots_, txn->slot + 1);
    return txn;
  }

  void Release(std::unique_ptr<Txn> txn) {
    txn->staged.clear();
    txn->staged.shrink_to_fit();
    txn->records = 0;
    free_.push_back(std::move(txn));
  }

  // On first use: fences every transactional id an earlier attempt may have used,
  // then commits again the checkpointed transactions the marker says did not commit.
  arrow::Status Initialize() {
    if (initialized_) return arrow::Status::OK();
    initialized_ = true;
    // The ids the checkpoint says were used, plus spares for ids an attempt after it
    // may have opened (slots are taken lowest first, so they stay few).
    const int known = used_slots_;
    slots_ = 0;
    for (int slot = 0; slot < known + kSpareSlots; ++slot) {
      ARROW_ASSIGN_OR_RAISE(auto txn, MakeProducer(slot));
      slots_ = slot + 1;
      free_.push_back(std::move(txn));
    }
    if (restored_.empty()) {
      // A fresh start: reset the marker, which an earlier run with the same prefix
      // may have left at a higher checkpoint id (ids start again at 1).
      ARROW_ASSIGN_OR_RAISE(auto txn, Acquire());
      ARROW_RETURN_NOT_OK(TxnError(rd_kafka_begin_transaction(txn->client->get()),
                                   "beginning a transaction"));
      ARROW_RETURN_NOT_OK(Commit(*txn, 0));
      Release(std::move(txn));
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(const int64_t committed, ReadMarker());
    for (auto& [cp, staged] : restored_) {
      if (static_cast<int64_t>(cp) <= committed) continue;  // its commit went through
      ARROW_ASSIGN_OR_RAISE(auto txn, Acquire());
      ARROW_RETURN_NOT_OK(TxnError(rd_kafka_begin_transaction(txn->client->get()),
                                   "beginning a transaction"));
      size_t at = 0;
      auto next = [&](std::string* out) -> bool {
        int32_t n = 0;
        std::memcpy(&n, staged.data() + at, sizeof(n));
        at += sizeof(n);
        if (n < 0) return false;
        out->assign(staged, at, static_cast<size_t>(n));
        at += static_cast<size_t>(n);
        return true;
      };
      std::string key, value;
      int64_t records = 0;
      while (at + 2 * sizeof(int32_t) <= staged.size()) {
        const bool has_key = next(&key);
        const bool has_value = next(&value);
        ARROW_RETURN_NOT_OK(
            Produce(*txn, has_key ? &key : nullptr, has_value ? &value : nullptr));
        ++records;
      }
      ARROW_RETURN_NOT_OK(Flush(*txn));
      ARROW_RETURN_NOT_OK(Commit(*txn, cp));
      LogInfo("Kafka sink {}: committed again the {} record(s) of checkpoint {}",
              subtask_, records, cp);
      Release(std::move(txn));
    }
    restored_.clear();
    return arrow::Status::OK();
  }

  // The highest checkpoint whose transaction committed (-1 if none).
  arrow::Result<int64_t> ReadMarker() {
    // The connection settings (security, …) of the sink; producer-only ones are
    // ignored by a consumer.
    auto settings = options_.properties;
    settings["group.id"] = MarkerGroup();
    ARROW_ASSIGN_OR_RAISE(
        auto consumer,
        KafkaClient::Make(RD_KAFKA_CONSUMER, options_.bootstrap_servers, settings));
    PartitionList list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), 0);
    const auto err = rd_kafka_committed(consumer->get(), list.get(),
                                        static_cast<int>(options_.flush_timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka sink: cannot read the commit marker of group '{}': {}",
                       MarkerGroup(), KafkaErrorText(err));
    }
    if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return UserError("Kafka sink: cannot read the commit marker of group '{}': {}",
                       MarkerGroup(), KafkaErrorText(list->elems[0].err));
    }
    const int64_t offset = list->elems[0].offset;
    return offset >= 0 ? offset : -1;
  }

  arrow::Status Produce(Txn& txn, const std::string* key, const std::string* value) {
    return ProduceKafkaRecord(txn.client->get(), options_.topic, chooser_->Next(), key,
                              value, &txn.delivery);
  }

  arrow::Status Flush(Txn& txn) {
    const auto err = rd_kafka_flush(txn.client->get(),
                                    static_cast<int>(options_.flush_timeout.count()));
    ARROW_RETURN_NOT_OK(txn.client->FatalError());
    ARROW_RETURN_NOT_OK(txn.delivery.Check());
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return UserError("Kafka sink: records to '{}' were not acknowledged within {} s",
                       options_.topic, options_.flush_timeout.count() / 1000);
    }
    return arrow::Status::OK();
  }

  // Commits `txn` together with the marker "checkpoint `id` committed" (an offset of
  // the marker group, which Kafka commits atomically with the records).
  arrow::Status Commit(Txn& txn, CheckpointId id) {
    const int timeout = static_cast<int>(options_.flush_timeout.count());
    PartitionList marker(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(marker.get(), options_.topic.c_str(), 0)->offset =
        static_cast<int64_t>(id);
    rd_kafka_consumer_group_metadata_t* group =
        rd_kafka_consumer_group_metadata_new(MarkerGroup().c_str());
    rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(
        txn.client->get(), marker.get(), group, timeout);
    rd_kafka_consumer_group_metadata_destroy(group);
    ARROW_RETURN_NOT_OK(TxnError(error, "adding the commit marker to the transaction"));
    return TxnError(rd_kafka_commit_transaction(txn.client->get(), timeout),
                    fmt::format("committing the transaction of checkpoint {}", id));
  }

  KafkaSinkOptions options_;
  runtime::OperatorContext* context_ = nullptr;
  int subtask_ = 0;
  int parallelism_ = 1;
  std::optional<KafkaPartitionChooser> chooser_;
  int slots_ = 0;       // producers made: ids <prefix>-<subtask>-0 … slots_-1
  int used_slots_ = 0;  // ids that began a transaction (what restore must fence)
  bool initialized_ = false;
  std::unique_ptr<Txn> current_;
  std::map<CheckpointId, std::unique_ptr<Txn>> pending_;  // flushed, not committed
  std::vector<std::unique_ptr<Txn>> free_;
  std::map<CheckpointId, std::string> restored_;  // staged records from a checkpoint
};

}  // namespace

std::unique_ptr<runtime::Operator> MakeTransactionalKafkaSink(KafkaSinkOptions options) {
  return std::make_unique<TransactionalKafkaSink>(std::move(options));
}

}  // namespace weir::connectors
