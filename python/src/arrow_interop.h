#pragma once

// Moves Arrow data between the engine and Python through the Arrow C Data and C
// Stream interfaces, as PyCapsules (the `__arrow_c_*__` protocol): no copies, and
// no dependency on pyarrow's C++ API. Call with the GIL held.

#include <memory>

#include <arrow/type_fwd.h>
#include <nanobind/nanobind.h>

namespace weir::python {

/// Returns a pyarrow.Array viewing `array`'s buffers.
nanobind::object ToPyArrow(const std::shared_ptr<arrow::Array>& array);

/// Returns a pyarrow.RecordBatch viewing `batch`'s buffers.
nanobind::object ToPyArrow(const std::shared_ptr<arrow::RecordBatch>& batch);

/// Returns the batch of an object with `__arrow_c_array__` (a pyarrow.RecordBatch).
std::shared_ptr<arrow::RecordBatch> RecordBatchFrom(const nanobind::handle& object);

/// Returns a pyarrow.Schema equal to `schema`.
nanobind::object ToPyArrow(const std::shared_ptr<arrow::Schema>& schema);

/// Returns an "arrow_array_stream" PyCapsule reading `table`'s batches (the
/// buffers are shared, not copied).
nanobind::object StreamCapsule(std::shared_ptr<arrow::Table> table);

/// Returns the array of an object with `__arrow_c_array__` (a pyarrow.Array).
std::shared_ptr<arrow::Array> ArrayFrom(const nanobind::handle& object);

/// Returns the schema of an object with `__arrow_c_schema__` (a pyarrow.Schema).
std::shared_ptr<arrow::Schema> SchemaFrom(const nanobind::handle& object);

/// Returns the type of an object with `__arrow_c_schema__` (a pyarrow.DataType).
std::shared_ptr<arrow::DataType> TypeFrom(const nanobind::handle& object);

/// Returns all batches of an object with `__arrow_c_stream__` (pyarrow Table or
/// RecordBatchReader, polars, DuckDB relation…) as a table sharing their buffers.
std::shared_ptr<arrow::Table> TableFrom(const nanobind::handle& object);

}  // namespace weir::python
