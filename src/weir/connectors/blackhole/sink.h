#pragma once

#include <atomic>
#include <memory>

#include "weir/runtime/job_graph.h"

namespace weir::connectors {

/// Returns a sink factory that discards everything (Flink's blackhole connector);
/// `rows`, when given, counts what it discarded.
runtime::OperatorFactory MakeBlackholeSink(
    std::shared_ptr<std::atomic<int64_t>> rows = nullptr);

}  // namespace weir::connectors
