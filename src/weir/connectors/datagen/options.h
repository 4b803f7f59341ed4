#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <arrow/type.h>

namespace weir::connectors {

/// How one datagen field is generated (Flink's `fields.<name>.*` options).
struct DatagenFieldOptions {
  /// `random` values, or a `sequence` from start to end.
  enum class Kind { kRandom, kSequence };
  Kind kind = Kind::kRandom;
  /// Random numbers: inclusive bounds (defaults: the type's range; for floating point
  /// 0 … 1). Random timestamps: epoch microseconds.
  std::optional<double> min, max;
  /// Random strings: length in characters (Flink's default is 100).
  int length = 100;
  /// Sequence: first and last value (inclusive). The source ends after `end`.
  int64_t start = 0, end = 0;
  /// Fraction of nulls, 0 … 1.
  double null_rate = 0.0;
};

/// Options of the datagen source.
struct DatagenOptions {
  /// Columns to generate: integers, floating point, boolean, string, timestamp, date.
  std::shared_ptr<arrow::Schema> schema;
  /// Per-field settings by column name; unlisted fields are random with defaults.
  std::map<std::string, DatagenFieldOptions> fields;
  /// Total rows per second over all subtasks; unset means unthrottled.
  std::optional<int64_t> rows_per_second;
  /// Total rows to generate; unset means unbounded (unless a sequence ends first).
  std::optional<int64_t> number_of_rows;
  /// Rows per emitted batch.
  int64_t batch_size = 8192;
  /// Seed of the random fields: equal seeds and parallelism give equal data.
  uint64_t seed = 0;
};

}  // namespace weir::connectors
