#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "weir/runtime/operators/aggregate_function.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

/// One aggregate: a function over a column, and its output name.
struct AggregateSpec {
  /// The aggregate function.
  enum class Kind { kCount, kSum, kMin, kMax, kAvg, kUser };

  AggregateSpec() = default;
  /// Makes a built-in aggregate of `column` (empty for COUNT(*)) named `name`.
  AggregateSpec(Kind kind, std::string column, std::string name,
                std::shared_ptr<const AggregateFunction> function = nullptr)
      : kind(kind),
        column(std::move(column)),
        name(std::move(name)),
        function(std::move(function)) {}

  Kind kind = Kind::kCount;
  /// Input column; empty for COUNT(*) and user functions (which read whole rows).
  std::string column;
  /// Output column name.
  std::string name;
  /// The function, for kUser.
  std::shared_ptr<const AggregateFunction> function;

  /// Returns a user-defined aggregate named `name`.
  static AggregateSpec User(std::string name,
                            std::shared_ptr<const AggregateFunction> f) {
    return {Kind::kUser, "", std::move(name), std::move(f)};
  }
};

/// The running state of one aggregate over one group. Mergeable, so groups (session
/// windows, partial aggregates) can be combined.
struct Accumulator {
  int64_t count = 0;
  int64_t isum = 0;
  double dsum = 0;
  int64_t imin = std::numeric_limits<int64_t>::max();
  int64_t imax = std::numeric_limits<int64_t>::min();
  double dmin = 0, dmax = 0;
  /// A user-defined function's accumulator (empty until its first row).
  std::string user;
};

/// Appends `n` accumulators to `out` in a stable binary form (for state snapshots).
void AppendAccumulators(const Accumulator* accs, size_t n, std::string* out);
/// Reads `n` accumulators written by AppendAccumulators; a user error-free internal
/// error when the bytes are truncated.
arrow::Status ReadAccumulators(std::string_view in, size_t n, Accumulator* accs);

/// A list of aggregates bound to an input schema: updates accumulators from rows and
/// builds the output columns. Types: COUNT → int64; SUM of integers → int64, of
/// floats → double; MIN/MAX keep int64 or double; AVG → double. Nulls are ignored;
/// an aggregate over no non-null value is null (COUNT is 0).
class AggregateSet {
 public:
  /// Resolves `specs` against `schema`; user errors name a missing or unsuitable column.
  static arrow::Result<AggregateSet> Make(const arrow::Schema& schema,
                                          std::vector<AggregateSpec> specs);

  /// Returns the number of aggregates (accumulators per group).
  size_t size() const { return specs_.size(); }
  /// Returns the output fields, one per aggregate.
  const arrow::FieldVector& output_fields() const { return fields_; }

  /// Prepares to update from `batch` (casts inputs once per batch).
  arrow::Status Bind(const arrow::RecordBatch& batch);
  /// Folds row `row` of the bound batch into `accs` (size() accumulators); fails only
  /// when a user-defined function does.
  arrow::Status Update(Accumulator* accs, int64_t row) const;
  /// Folds the accumulators `from` into `into` (size() each).
  arrow::Status Merge(Accumulator* into, const Accumulator* from) const;
  /// Builds the output columns for groups whose accumulators are `groups[i]`.
  arrow::Result<arrow::ArrayVector> Build(
      const std::vector<const Accumulator*>& groups) const;

 private:
  std::vector<AggregateSpec> specs_;
  std::vector<int> index_;      // input column per aggregate (-1: COUNT(*))
  std::vector<bool> floating_;  // input is floating point
  arrow::FieldVector fields_;
  // Bound batch.
  std::vector<std::shared_ptr<arrow::Array>> inputs_;
  std::vector<const int64_t*> ivals_;
  std::vector<const double*> dvals_;
  const arrow::RecordBatch* batch_ = nullptr;
  bool has_user_ = false;
};

/// Resolves key columns and aggregates against `schema` for a keyed aggregation whose
/// output is the key columns followed by the aggregates (rolling aggregation, global
/// windows).
arrow::Status PrepareKeyedAggregate(const std::vector<std::string>& keys,
                                    const std::vector<AggregateSpec>& specs,
                                    const std::shared_ptr<arrow::Schema>& schema,
                                    std::optional<KeyEncoder>* encoder,
                                    std::optional<AggregateSet>* aggregates,
                                    std::shared_ptr<arrow::Schema>* output_schema);

}  // namespace weir::runtime
