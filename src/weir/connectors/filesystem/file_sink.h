#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "weir/connectors/filesystem/bucket_assigner.h"
#include "weir/connectors/filesystem/part_file.h"
#include "weir/format/parquet/writer_options.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// When a part file is closed and a new one started (Flink's rolling policy).
struct RollingPolicy {
  /// Roll when the file reaches this size.
  int64_t file_size = 128LL << 20;
  /// Roll a file open longer than this; zero disables.
  std::chrono::milliseconds rollover_interval{std::chrono::minutes(30)};
  /// Roll a file that received no row for this long (and free its memory); zero
  /// disables.
  std::chrono::milliseconds inactivity_interval{std::chrono::minutes(1)};
  /// Roll every file at every checkpoint (Flink's only choice for bulk formats).
  /// Off by default: checkpoints make in-progress files durable without closing
  /// them, so files grow to `file_size` however often checkpoints run.
  bool on_checkpoint = false;
};

/// A committed partition, as given to commit policies.
struct PartitionCommitContext {
  /// The sink's root directory.
  std::string root;
  /// The partition directory relative to the root (e.g. `dt=2024-01-01/hour=03`).
  std::string partition;
  /// Its absolute path.
  std::string path;
};

/// What to do when a partition is complete (Flink's sink.partition-commit.*).
struct PartitionCommitOptions {
  /// What decides that a partition is complete: kNone never commits partitions;
  /// kProcessTime when processing time passes the partition's creation plus `delay`;
  /// kPartitionTime when the watermark passes the partition's time plus `delay`.
  enum class Trigger { kNone, kProcessTime, kPartitionTime };
  Trigger trigger = Trigger::kNone;
  std::chrono::milliseconds delay{0};
  /// Write an empty success file into the partition.
  bool success_file = true;
  std::string success_file_name = "_SUCCESS";
  /// A custom policy, run after the success file; an error fails the job.
  std::function<arrow::Status(const PartitionCommitContext&)> custom;
};

/// Options of the exactly-once file sink.
struct FileSinkOptions {
  /// Root directory of the table (created if missing).
  std::string path;
  /// Parquet writer settings (compression, row groups, bloom filters, …).
  format::WriterOptions writer;
  /// How rows map to buckets (directories); default one bucket, the root.
  BucketAssignerFactory buckets = SingleBucket();
  RollingPolicy rolling;
  PartitionCommitOptions commit;
  /// When set, part files are in a row format (CSV, JSON lines) this encodes instead
  /// of Parquet: checkpoints flush and fsync them, and recovery cuts them back to
  /// their checkpointed length. `writer` and `adaptive_dictionary` do not apply.
  RowEncoder row_encoder;
  /// Part file names: `<prefix>-<uuid>-<subtask>-<counter><suffix>`.
  std::string prefix = "part";
  std::string suffix = ".parquet";
  /// Memory for the sink's open files, shared equally by its subtasks (at least 1 MB
  /// each): gathered rows plus what each open Parquet writer holds (its buffered
  /// pages, page buffers, dictionaries and their hash tables, counted by a memory
  /// pool of its own). When a subtask exceeds its share, its largest files release
  /// their writers (ending their segments, so their row groups end there), so
  /// thousands of open partitions fit.
  int64_t memory_budget = 64LL << 20;
  /// Writes columns whose first batch is more than half distinct values without
  /// dictionary encoding (as DuckDB does): a dictionary of unique values costs time
  /// and memory and saves nothing. Columns in `writer.plain_columns` are always plain.
  bool adaptive_dictionary = true;
  /// How often to check the rollover and inactivity intervals.
  std::chrono::milliseconds check_interval{std::chrono::seconds(1)};
};

/// Checks options (and buckets against `schema` when given) and returns the factory
/// of the exactly-once Parquet file sink (docs/design/file-sink.md).
///
/// Rows go to part files per bucket, written under hidden names
/// (`.<name>.inprogress`). A checkpoint makes every in-progress file durable up to a
/// recorded length without closing it, and stages rolled files; files become
/// visible by rename only when the checkpoint that covers them completes. On restore
/// staged files are committed, in-progress files are cut back to their checkpointed
/// length and committed, and leftovers of failed attempts are deleted. With no
/// checkpointing the job's output becomes visible at its end, and a failed job
/// leaves none.
arrow::Result<runtime::OperatorFactory> MakeFileSink(
    FileSinkOptions options, std::shared_ptr<arrow::Schema> schema = nullptr);

}  // namespace weir::connectors
