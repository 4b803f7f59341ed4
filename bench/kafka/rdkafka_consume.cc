// The raw consume ceiling for bench/kafka: librdkafka alone reads every record of a
// topic (all partitions, from the beginning to the end offsets at start) and touches
// each value's bytes, with no decoding. Prints one JSON object: records, bytes, wall
// and CPU seconds.
//
//   build/bench/rdkafka_consume --bootstrap 127.0.0.1:9092 --topic events
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "weir/connectors/kafka/kafka_client.h"

namespace {

using weir::connectors::KafkaClient;
using weir::connectors::PartitionList;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int Run(const std::string& bootstrap, const std::string& topic, bool poll_like_weir) {
  auto client = KafkaClient::Make(RD_KAFKA_CONSUMER, bootstrap,
                                  {{"group.id", "weir-bench-raw"},
                                   {"enable.auto.commit", "false"},
                                   {"enable.partition.eof", "true"}});
  if (!client.ok()) {
    std::fprintf(stderr, "rdkafka_consume: %s\n", client.status().message().c_str());
    return 1;
  }
  auto partitions = (*client)->ListPartitions({topic}, "", std::chrono::seconds(30));
  if (!partitions.ok()) {
    std::fprintf(stderr, "rdkafka_consume: %s\n", partitions.status().message().c_str());
    return 1;
  }
  rd_kafka_t* rk = (*client)->get();
  PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  std::map<int32_t, int64_t> end;
  for (const auto& tp : *partitions) {
    int64_t low = 0, high = 0;
    rd_kafka_query_watermark_offsets(rk, tp.topic.c_str(), tp.partition, &low, &high,
                                     10000);
    end[tp.partition] = high;
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list.get());
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  int64_t records = 0, bytes = 0, checksum = 0;
  size_t done = 0;
  std::map<int32_t, bool> finished;
  rd_kafka_message_t* messages[4096];
  while (done < end.size()) {
    const ssize_t n =
        rd_kafka_consume_batch_queue(queue, poll_like_weir ? 0 : 1000, messages, 4096);
    if (n == 0 && poll_like_weir) usleep(1000);
    for (ssize_t i = 0; i < n; ++i) {
      const rd_kafka_message_t* m = messages[i];
      const bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++records;
        bytes += static_cast<int64_t>(m->len);
        if (m->len > 0)
          checksum += static_cast<const unsigned char*>(m->payload)[m->len - 1];
      }
      if ((eof || m->err == RD_KAFKA_RESP_ERR_NO_ERROR) &&
          m->offset + (eof ? 0 : 1) >= end[m->partition] && !finished[m->partition]) {
        finished[m->partition] = true;
        ++done;
      }
      rd_kafka_message_destroy(messages[i]);
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"records\": %lld, \"bytes\": %lld, \"wall_s\": %.3f, \"cpu_s\": %.3f, "
      "\"checksum\": %lld}\n",
      static_cast<long long>(records), static_cast<long long>(bytes), wall,
      CpuSeconds() - cpu_start, static_cast<long long>(checksum));
  rd_kafka_queue_destroy(queue);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"librdkafka's raw consume rate on a topic"};
  std::string bootstrap, topic;
  bool poll_like_weir = false;
  app.add_option("--bootstrap", bootstrap, "Bootstrap servers")->required();
  app.add_option("--topic", topic, "Topic")->required();
  app.add_flag("--non-blocking", poll_like_weir,
               "Poll without blocking and sleep 1 ms when empty (as weir's source)");
  CLI11_PARSE(app, argc, argv);
  return Run(bootstrap, topic, poll_like_weir);
}
