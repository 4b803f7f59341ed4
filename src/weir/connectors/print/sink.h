#pragma once

#include <cstdio>
#include <string>

#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Options of the print sink.
struct PrintOptions {
  /// Printed before every row (Flink's print-identifier).
  std::string identifier;
  /// Print to stderr instead of stdout.
  bool standard_error = false;
};

/// Returns a sink factory that prints every row as Flink does: `[identifier:]
/// [subtask>] +I[v1, v2, …]`, the subtask number (1-based) only when the sink has
/// more than one subtask. Lines from different subtasks never interleave.
runtime::OperatorFactory MakePrintSink(PrintOptions options = {});

}  // namespace weir::connectors
