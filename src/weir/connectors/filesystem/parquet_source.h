#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/format/parquet/dataset.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/format/parquet/scan_options.h"
#include "weir/format/parquet/scanner.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Options of the Parquet file source.
struct ParquetSourceOptions {
  /// Files, directories (recursive, Hive partitions) or globs.
  std::vector<std::string> paths;
  /// Projection, filter (pushed down: partitions, row groups, pages) and batch size.
  /// The source sets the split and thread fields itself.
  format::ScanOptions scan;
  /// Partition handling.
  format::DatasetOptions dataset;
  /// When positive the source is continuous: it watches `paths` (directories) for new
  /// files at this interval and never ends. Zero means bounded.
  std::chrono::milliseconds monitor_interval{0};
  /// Continuous mode: files older (by modification time) than the newest file seen
  /// minus this are assumed read. Bounds the seen-file state to the files of this
  /// window instead of every file ever read.
  std::chrono::milliseconds lookback{std::chrono::minutes(10)};
  /// Row groups decoded ahead per subtask.
  int readahead = 2;
  /// Reads another format (CSV, JSON lines) instead of Parquet: opens a reader over
  /// whole files, in the given order. Bounded splits are then whole files (file i of
  /// the sorted listing goes to subtask i mod p); `scan` and `dataset` do not apply.
  std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
      std::vector<format::DiscoveredFile>)>
      open_files;
};

/// Reads Parquet (or, with `open_files`, another file format) into a job.
///
/// Bounded: the splits are the row groups left after pruning; subtask i of p reads
/// those whose ordinal is i modulo p, decoding one row group ahead on a background
/// thread and waking its task when a batch is ready (it never blocks a worker).
///
/// Continuous: every `monitor_interval` each subtask lists the directories, takes the
/// new files whose path hashes to it, and reads them (oldest first). Each file is read
/// exactly once per run; files appear to readers complete because writers keep them
/// hidden (`.`/`_` prefixed) until done.
class ParquetFileSource : public runtime::SourceReader {
 public:
  /// Makes the reader of subtask `info`.
  ParquetFileSource(ParquetSourceOptions options, const runtime::SubtaskInfo& info);

  arrow::Status Open(runtime::OperatorContext* context) override;
  arrow::Result<runtime::PollResult> Poll(runtime::Output* out) override;
  arrow::Status Close() override;
  /// Writes the position: rows emitted from the current scan (the split, or the
  /// files of the current listing), the files of that listing, and the seen-file set.
  arrow::Status SnapshotOperatorState(runtime::CheckpointId id,
                                      std::vector<std::string>* entries) override;
  /// Resumes at the position: re-opens the same scan and skips the rows already
  /// emitted. A bounded source restores at any parallelism: each checkpointed
  /// subtask's scan (its share of the splits and how far it got) is an entry, and a
  /// subtask finishes the entries it is dealt one after another. A continuous source
  /// needs the parallelism the checkpoint was taken at.
  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override;

  /// Returns the number of files this subtask remembers as read (continuous mode).
  size_t remembered_files() const { return seen_.size(); }

 private:
  // A bounded scan: subtask `index` of `parallelism`'s share of the splits, of
  // which `emitted` rows were already emitted.
  struct Slot {
    int index = 0;
    int parallelism = 1;
    int64_t emitted = 0;
  };
  arrow::Status OpenSlot(const Slot& slot);
  arrow::Status RestoreContinuous(const std::vector<std::string>& entries);
  arrow::Result<bool> DiscoverNewFiles();
  arrow::Status OpenScan(std::vector<format::DiscoveredFile> files);
  bool scanning() const { return scanner_ != nullptr || reader_ != nullptr; }
  arrow::Status CloseScan();

  ParquetSourceOptions options_;
  runtime::SubtaskInfo info_;
  runtime::OperatorContext* context_ = nullptr;
  std::shared_ptr<runtime::WakeHandle> wake_;
  std::shared_ptr<format::ParquetScanner> scanner_;
  std::shared_ptr<arrow::RecordBatchReader> reader_;  // with options_.open_files
  bool continuous_ = false;
  int64_t next_listing_micros_ = 0;
  // Continuous mode: files read within the lookback window, by path → mtime (µs).
  std::map<std::string, int64_t> seen_;
  int64_t newest_mtime_ = INT64_MIN;
  std::shared_ptr<arrow::Schema> partition_schema_;  // fixed by the first files seen
  std::vector<std::string> scan_files_;  // continuous: files of the current scan
  int64_t emitted_ = 0;                  // rows emitted from the current scan
  int64_t skip_rows_ = 0;                // rows to drop after a restore
  std::vector<Slot> slots_;              // bounded: scans still to finish, in order
  bool ended_ = false;
};

/// Checks `options` and returns a source factory.
arrow::Result<runtime::SourceFactory> MakeParquetSource(ParquetSourceOptions options);

}  // namespace weir::connectors
