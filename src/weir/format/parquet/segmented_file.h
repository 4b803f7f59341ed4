#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <parquet/metadata.h>

#include "weir/format/parquet/writer.h"

namespace weir::format {

/// A Parquet file that can be made durable at any point without being finished,
/// so that a checkpoint does not have to roll files (docs/design/file-sink.md).
///
/// The file is written as a chain of segments. A segment is what one Parquet writer
/// produces between two checkpoints: the `PAR1` magic, its row groups, page indexes,
/// bloom filters and its own footer. Offsets in every segment are absolute file
/// offsets, so all row groups stay addressable in the concatenated file. Checkpoint()
/// ends the open segment, fsyncs and returns the valid length; Finish() appends one
/// footer that lists the row groups of every segment, which makes the whole file a
/// normal Parquet file. After a crash, Recover() truncates the file to a checkpointed
/// valid length, reads the segment footers back to front and appends the combined
/// footer. The price is a few bytes of unreferenced segment footers per checkpoint.
///
/// Not thread-safe, except that the memory budget may flush the open segment's row
/// group from another thread (as for ParquetFileWriter).
class SegmentedParquetFile {
 public:
  /// Creates (truncating) `path` for `schema`.
  static arrow::Result<std::unique_ptr<SegmentedParquetFile>> Create(
      const std::string& path, std::shared_ptr<arrow::Schema> schema,
      WriterOptions options, std::shared_ptr<WriterMemoryBudget> budget = nullptr);

  /// Drops the file without finishing it (what a crash leaves). No descriptor is
  /// held between writes, so a sink can keep thousands of these open.
  ~SegmentedParquetFile();

  /// Appends a batch to the open segment (starting one if needed).
  arrow::Status Write(const arrow::RecordBatch& batch);

  /// Ends the open segment (if it holds rows), fsyncs the file (unless `sync` is
  /// false: the caller then syncs the file system itself) and returns the valid
  /// length: the prefix that Recover() turns into a complete file.
  arrow::Result<int64_t> Checkpoint(bool sync = true);

  /// Ends the open segment without syncing, releasing the Parquet writer and all
  /// its buffers; the next Write starts a new segment. Used to bound memory when
  /// many files are open.
  arrow::Status Release();

  /// Returns whether a Parquet writer (with its buffers) is open.
  bool has_open_segment() const { return segment_ != nullptr; }

  /// Ends the open segment, appends the combined footer and fsyncs (unless `sync`
  /// is false). The file must hold at least one row.
  arrow::Status Finish(bool sync = true);

  /// Returns the rows written so far.
  int64_t rows() const { return rows_; }
  /// Returns the rows covered by the last Checkpoint().
  int64_t checkpointed_rows() const { return checkpointed_rows_; }
  /// Returns the file's size so far including the open row group's estimate.
  int64_t estimated_bytes() const;
  /// Returns the bytes buffered in memory by the open segment.
  int64_t buffered_bytes() const;
  /// Returns the memory the open segment's writer holds (ParquetFileWriter::
  /// memory_bytes); zero without an open segment.
  int64_t memory_bytes() const;
  /// Returns the path.
  const std::string& path() const { return path_; }

  /// Makes the prefix `[0, valid_length)` of an unfinished segmented file a complete
  /// Parquet file: truncates, reads the segment footers and appends their combined
  /// footer, then fsyncs. Idempotent: running it again after a crash in the middle
  /// gives the same file. Errors name the file and what is wrong with it.
  static arrow::Status Recover(const std::string& path, int64_t valid_length);

 private:
  // Reads the segment footers of `[0, valid_length)` back to front and appends one
  // footer listing all their row groups at `valid_length`.
  static arrow::Status AppendCombinedFooter(const std::string& path,
                                            int64_t valid_length);
  SegmentedParquetFile() = default;
  arrow::Status EndSegment();

  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;
  WriterOptions options_;
  std::shared_ptr<WriterMemoryBudget> budget_;
  int64_t length_ = 0;  // bytes written to the file (all ended segments)
  std::shared_ptr<arrow::io::OutputStream> segment_stream_;
  std::unique_ptr<ParquetFileWriter> segment_;
  int64_t rows_ = 0;
  int64_t checkpointed_rows_ = 0;
  bool finished_ = false;
};

}  // namespace weir::format
