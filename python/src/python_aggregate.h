#pragma once

// Python aggregate functions (@udaf) as user aggregate functions of the runtime:
// the group, window and batch aggregations keep their accumulators like a
// built-in aggregate's.

#include <memory>
#include <string>

#include <arrow/type_fwd.h>
#include <nanobind/nanobind.h>

#include "weir/runtime/operators/user_aggregate.h"

namespace weir::python {

/// Makes an aggregate function whose accumulators are Python objects made by
/// `factory(input_type)` (a pyarrow type, or None without argument), one per
/// operator subtask, with methods resize(n), reset(g), update(values, groups,
/// kinds) (pyarrow arrays: the input or None, uint32 group ids, int8 row kinds or
/// None), results(groups) -> array of `result_type`, save(g) -> bytes, load(g,
/// bytes) and clone(). `retracts` says it takes -U/-D rows. Call with the GIL held.
std::shared_ptr<const runtime::UserAggregateFunction> MakePythonAggregateFunction(
    nanobind::object factory, std::shared_ptr<arrow::DataType> result_type, bool retracts,
    std::string description);

}  // namespace weir::python
