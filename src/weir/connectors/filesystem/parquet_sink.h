#pragma once

#include <memory>
#include <string>

#include "weir/format/parquet/writer.h"
#include "weir/format/parquet/writer_options.h"
#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Options of the rolling Parquet file sink.
struct ParquetSinkOptions {
  /// Output directory (created if missing).
  std::string path;
  /// Writer settings (compression, row groups, bloom filters, …).
  format::WriterOptions writer;
  /// A part file is closed and a new one started at this size.
  int64_t rolling_file_size = 128LL << 20;
  /// Part file names: `<prefix>-<uuid>-<subtask>-<counter><suffix>`.
  std::string prefix = "part";
  std::string suffix = ".parquet";
};

/// Writes a stream to Parquet part files, rolling by size.
///
/// A part file is written under a hidden name (`.<name>.inprogress`) and renamed to
/// its visible name when it is complete: when it reaches the rolling size and at the
/// end of bounded input. A failed or cancelled job deletes its in-progress files, so
/// readers see only complete files. This is the non-transactional sink: files rolled
/// before a failure stay visible. The exactly-once, partitioned sink commits on
/// checkpoints instead (see docs/design/file-sink.md).
runtime::OperatorFactory MakeParquetSink(ParquetSinkOptions options);

/// Checks options and creates the directory; returns the factory or a user error.
arrow::Result<runtime::OperatorFactory> MakeCheckedParquetSink(
    ParquetSinkOptions options);

}  // namespace weir::connectors
