#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/scalar.h>

namespace weir::expr {

/// What statistics say about one column over a range of rows (a partition, a row
/// group or a page): its bounds, and whether it holds nulls or only nulls.
struct ColumnRange {
  /// Smallest non-null value, or nullptr when unknown.
  std::shared_ptr<arrow::Scalar> min;
  /// Largest non-null value, or nullptr when unknown.
  std::shared_ptr<arrow::Scalar> max;
  /// Whether the range may contain nulls (true when unknown).
  bool may_have_nulls = true;
  /// Whether every value in the range is null.
  bool all_null = false;

  /// Returns the range of a single known value (a partition value); null scalars
  /// give an all-null range.
  static ColumnRange Exactly(const std::shared_ptr<arrow::Scalar>& value);
};

/// Looks up what is known about a column referenced by a filter; nullptr means
/// nothing is known.
using RangeLookup = std::function<const ColumnRange*(const arrow::FieldRef&)>;

/// Returns true when `filter` cannot be true for any row whose columns lie in the
/// ranges `lookup` gives, so those rows can be skipped unread. The filter is
/// evaluated in three-valued logic over intervals: a comparison with a null is
/// never true; `IS NULL`, `NOT`, `AND`, `OR`, `IN` and comparisons against
/// literals are understood; anything else is assumed to possibly be true or false.
/// Never skips rows that could match.
bool CanSkip(const arrow::compute::Expression& filter, const RangeLookup& lookup);

/// Returns the values that `field` must equal for `filter` to be true, when the
/// filter is a conjunction containing `field = v` or `field IN (…)`; nullopt
/// otherwise. Used to probe bloom filters.
std::optional<std::vector<std::shared_ptr<arrow::Scalar>>> RequiredEqualityValues(
    const arrow::compute::Expression& filter, const arrow::FieldRef& field);

/// Rebuilds `expr` without binding, so it can be bound again to another schema that
/// has the same field names (e.g. a projected read schema).
arrow::compute::Expression Unbind(const arrow::compute::Expression& expr);

/// Returns true when casting `from` to `to` preserves order, so the bounds of a
/// range may be cast along with the column (int32 → int64 does; uint64 → int64 and
/// double → int32 do not).
bool IsMonotonicCast(const arrow::DataType& from, const arrow::DataType& to);

/// Returns a canonical dotted name for a field reference (`a.b`), for lookups.
std::string FieldKey(const arrow::FieldRef& ref);

}  // namespace weir::expr
