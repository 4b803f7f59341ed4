#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_client.h"
#include "weir/connectors/kafka/kafka_options.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

class KafkaRecordDecoder;

/// Reads Kafka topics into a job (docs/design/kafka.md).
///
/// Partitions are spread over the subtasks by topic and partition number (as
/// Flink's KafkaSource does); each subtask assigns its partitions to its own
/// consumer (no group rebalancing) at concrete start offsets resolved when the job
/// starts. The next offset of every partition is the checkpointed position, so a
/// restored job reads each record exactly once into its checkpoints; when a
/// checkpoint completes, its offsets are also committed to the consumer group (for
/// monitoring only). Records are polled in batches and decoded straight into Arrow
/// builders; a record that does not decode fails the job naming its topic,
/// partition and offset, or is skipped and counted with `ignore_parse_errors`.
class KafkaSourceReader : public runtime::SourceReader {
 public:
  /// Makes the reader of subtask `info`.
  KafkaSourceReader(KafkaSourceOptions options, const runtime::SubtaskInfo& info);
  ~KafkaSourceReader() override;

  arrow::Status Open(runtime::OperatorContext* context) override;
  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override;
  /// Writes one entry per partition of this subtask: its next and stop offsets.
  arrow::Status SnapshotOperatorState(runtime::CheckpointId id,
                                      std::vector<std::string>* entries) override;
  /// Continues every restored partition at its checkpointed offset. Needs the
  /// parallelism the checkpoint was taken at.
  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override;
  bool RestoresAllEntries() const override { return true; }
  /// Commits the checkpoint's offsets to the consumer group (when one is set).
  arrow::Status NotifyCheckpointComplete(runtime::CheckpointId id) override;
  arrow::Status Close() override;

  /// Returns the records skipped as undecodable so far.
  int64_t skipped_records() const { return skipped_; }

 private:
  struct Partition {
    int64_t next = 0;          // offset of the next record to read
    int64_t stop = INT64_MAX;  // bounded: first offset not to read
    bool assigned = false;
    // Event time (with options_.watermarks): the largest seen, and when the last
    // record came (processing time, µs).
    runtime::EventTime max_event = runtime::kMinWatermark;
    int64_t last_record_micros = 0;
  };
  // Emits the decoded rows (and, with event time, the watermark they allow).
  arrow::Status EmitBatch(runtime::Output* out);
  // Emits the watermark of the partitions (or marks the source idle) if it changed.
  arrow::Status EmitWatermark(runtime::Output* out);
  arrow::Result<bool> Discover();
  // Sets the start (and, bounded, stop) offsets of newly found partitions.
  arrow::Status ResolveStart(const std::vector<TopicPartition>& fresh,
                             KafkaOffsetMode mode);
  arrow::Status Assign();
  bool Finished() const;
  bool Owns(const TopicPartition& tp) const;

  KafkaSourceOptions options_;
  runtime::SubtaskInfo info_;
  runtime::OperatorContext* context_ = nullptr;
  std::shared_ptr<runtime::WakeHandle> wake_;
  std::unique_ptr<KafkaClient> client_;
  rd_kafka_queue_t* queue_ = nullptr;
  std::unique_ptr<KafkaRecordDecoder> decoder_;
  // The largest record (value and key bytes) of the last chunk consumed; sizes the
  // next chunk so a batch stays within its byte bound.
  int64_t largest_record_ = 1 << 20;
  std::map<TopicPartition, Partition> partitions_;
  bool restored_ = false;
  bool assignment_dirty_ = false;
  int64_t next_discovery_micros_ = 0;
  std::map<runtime::CheckpointId, std::map<TopicPartition, int64_t>> to_commit_;
  int64_t skipped_ = 0;
  std::vector<Partition*> row_partitions_;  // event time: the partition of each row
  runtime::EventTime emitted_watermark_ = runtime::kMinWatermark;
  bool marked_idle_ = false;
  int empty_polls_ = 0;  // polls in a row that found no record
};

/// Checks `options` and returns a source factory.
arrow::Result<runtime::SourceFactory> MakeKafkaSource(KafkaSourceOptions options);

}  // namespace weir::connectors
