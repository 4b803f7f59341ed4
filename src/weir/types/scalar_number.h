#pragma once

#include <optional>

#include <arrow/type_fwd.h>

namespace weir::types {

/// Returns where a scalar lies on a number line, for estimates that interpolate
/// between a column's minimum and maximum: integers, floats and decimals as their
/// value, dates as days, times and timestamps as counts of their unit. Returns
/// nullopt for a null scalar and for other types (strings, nested values).
std::optional<double> ScalarToDouble(const arrow::Scalar& scalar);

}  // namespace weir::types
