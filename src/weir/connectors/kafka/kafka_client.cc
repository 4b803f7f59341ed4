#include "weir/connectors/kafka/kafka_client.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::connectors {

struct KafkaClientState {
  std::mutex mu;
  // Steady-clock time at which all brokers went down; zero while any is up.
  std::atomic<int64_t> down_since_ms{0};
  std::string fatal;
};

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* state = static_cast<KafkaClientState*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    int64_t zero = 0;
    state->down_since_ms.compare_exchange_strong(zero, NowMs());
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char text[512];
    rd_kafka_fatal_error(rk, text, sizeof(text));
    std::lock_guard<std::mutex> lock(state->mu);
    state->fatal = text;
    return;
  }
  LogWarning("kafka: {} ({})", reason, rd_kafka_err2name(code));
}

void OnLog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // Connection failures are reported through the error callback; the log repeats
  // them at every retry.
  if (level <= 3) {
    LogWarning("kafka [{}]: {}", facility, message);
  }
}

}  // namespace

void KafkaHandleDeleter::operator()(rd_kafka_t* handle) const {
  if (rd_kafka_type(handle) == RD_KAFKA_CONSUMER) rd_kafka_consumer_close(handle);
  rd_kafka_destroy(handle);
}

std::string KafkaErrorText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

arrow::Status CheckKafkaSettings(const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  arrow::Status st;
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      st = UserError("Kafka setting '{}' = '{}': {}", key, value, err);
      break;
    }
  }
  rd_kafka_conf_destroy(conf);
  return st;
}

arrow::Result<std::unique_ptr<KafkaClient>> KafkaClient::Make(
    rd_kafka_type_t type, const std::string& bootstrap_servers,
    const std::map<std::string, std::string>& settings,
    void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  std::unique_ptr<KafkaClient> client(new KafkaClient());
  client->servers_ = bootstrap_servers;
  client->state_ = std::make_shared<KafkaClientState>();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& key, const std::string& value) -> arrow::Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      return UserError("Kafka setting '{}' = '{}': {}", key, value, err);
    }
    return arrow::Status::OK();
  };
  arrow::Status st = set("bootstrap.servers", bootstrap_servers);
  for (const auto& [key, value] : settings) {
    if (st.ok()) st = set(key, value);
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  // The client's opaque is its state (for the error callback); delivery reports
  // carry their own opaque per record.
  rd_kafka_conf_set_opaque(conf, client->state_.get());
  rd_kafka_conf_set_error_cb(conf, OnError);
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_log_cb(conf, OnLog);
  rd_kafka_t* handle = rd_kafka_new(type, conf, err, sizeof(err));
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return UserError("cannot create a Kafka client for '{}': {}", bootstrap_servers, err);
  }
  client->handle_.reset(handle);
  return client;
}

KafkaClient::~KafkaClient() = default;

std::chrono::milliseconds KafkaClient::BrokersDownFor() const {
  const int64_t since = state_->down_since_ms.load();
  if (since == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(NowMs() - since);
}

void KafkaClient::MarkBrokersUp() { state_->down_since_ms.store(0); }

arrow::Status KafkaClient::FatalError() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->fatal.empty()) return arrow::Status::OK();
  return UserError("Kafka client for '{}' failed: {}", servers_, state_->fatal);
}

arrow::Result<std::vector<TopicPartition>> KafkaClient::ListPartitions(
    const std::vector<std::string>& topics, const std::string& pattern,
    std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto err = rd_kafka_metadata(handle_.get(), /*all_topics=*/1, nullptr, &metadata,
                                     static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return UserError("cannot reach the Kafka brokers at '{}' within {} ms: {}", servers_,
                     timeout.count(), KafkaErrorText(err));
  }
  // Any answer means a broker is up.
  state_->down_since_ms.store(0);
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owned(
      metadata, rd_kafka_metadata_destroy);
  std::optional<std::regex> regex;
  if (!pattern.empty()) {
    try {
      regex.emplace(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return UserError("topic pattern '{}' is not a valid regular expression: {}",
                       pattern, e.what());
    }
  }
  std::set<std::string> wanted(topics.begin(), topics.end());
  std::set<std::string> found;
  std::vector<TopicPartition> out;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    const std::string name = topic.topic;
    const bool named = wanted.count(name) != 0;
    const bool matched =
        regex && name.rfind("__", 0) != 0 && std::regex_match(name, *regex);
    if (!named && !matched) continue;
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (named) {
        return UserError("Kafka topic '{}' at '{}': {}", name, servers_,
                         KafkaErrorText(topic.err));
      }
      continue;
    }
    found.insert(name);
    for (int p = 0; p < topic.partition_cnt; ++p) {
      out.push_back({name, topic.partitions[p].id});
    }
  }
  for (const std::string& name : wanted) {
    if (found.count(name) == 0) {
      return UserError("Kafka topic '{}' does not exist at '{}'", name, servers_);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weir::connectors
