#pragma once

// Python functions of the DataStream API as a runtime operator.

#include <memory>
#include <string>

#include <arrow/type_fwd.h>
#include <nanobind/nanobind.h>

#include "weir/runtime/job_graph.h"

namespace weir::python {

/// Returns an operator factory whose operators call Python once per batch. Each
/// subtask's operator calls `make(subtask_index, parallelism)` at Open for its own
/// callable `process(batch: pyarrow.RecordBatch) -> pyarrow.RecordBatch | None`,
/// whose result must have `output_schema`; a callable with a `finish()` method has
/// it called at the end of bounded input, one with `on_watermark(micros)` at every
/// watermark, before it is forwarded (their results are emitted too). `description`
/// names the function in errors. Call with the GIL held.
runtime::OperatorFactory MakePythonOperator(nanobind::object make,
                                            std::shared_ptr<arrow::Schema> output_schema,
                                            std::string description);

}  // namespace weir::python
