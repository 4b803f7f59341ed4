#pragma once

#include <cstdint>
#include <limits>
#include <memory>

#include <arrow/record_batch.h>

#include "weir/runtime/checkpoint/snapshot.h"

namespace weir::runtime {

/// Event time in microseconds since the Unix epoch.
using EventTime = int64_t;

/// The watermark a bounded input emits last: every event time is below it, so every
/// window and timer fires.
inline constexpr EventTime kMaxWatermark = std::numeric_limits<int64_t>::max();

/// The watermark before any was seen.
inline constexpr EventTime kMinWatermark = std::numeric_limits<int64_t>::min();

/// What flows through a channel, in order: data, watermarks, idleness, checkpoint
/// barriers, and the end.
struct StreamElement {
  /// The element's kind.
  enum class Kind { kBatch, kWatermark, kIdle, kBarrier, kEndOfInput };

  Kind kind = Kind::kBatch;
  /// The data, for kBatch.
  std::shared_ptr<arrow::RecordBatch> batch;
  /// The watermark, for kWatermark.
  EventTime watermark = kMinWatermark;
  /// Bytes the batch references, counted against channel capacity.
  int64_t bytes = 0;
  /// The checkpoint, for kBarrier.
  CheckpointId checkpoint_id = 0;

  /// Makes a data element; `bytes` is the batch's referenced buffer size.
  static StreamElement Batch(std::shared_ptr<arrow::RecordBatch> batch, int64_t bytes) {
    StreamElement e;
    e.kind = Kind::kBatch;
    e.batch = std::move(batch);
    e.bytes = bytes;
    return e;
  }
  /// Makes a watermark element.
  static StreamElement Watermark(EventTime t) {
    StreamElement e;
    e.kind = Kind::kWatermark;
    e.watermark = t;
    return e;
  }
  /// Makes a marker saying the sender is idle until its next element.
  static StreamElement Idle() {
    StreamElement e;
    e.kind = Kind::kIdle;
    return e;
  }
  /// Makes the barrier of checkpoint `id`: everything before it belongs to the
  /// checkpoint, everything after to the next.
  static StreamElement Barrier(CheckpointId id) {
    StreamElement e;
    e.kind = Kind::kBarrier;
    e.checkpoint_id = id;
    return e;
  }
  /// Makes the end-of-input marker.
  static StreamElement EndOfInput() {
    StreamElement e;
    e.kind = Kind::kEndOfInput;
    return e;
  }
};

/// Returns the bytes a batch references (shared buffers counted once).
int64_t BatchBytes(const arrow::RecordBatch& batch);

}  // namespace weir::runtime
