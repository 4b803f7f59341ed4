#pragma once

#include <memory>

#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'print'` tables (Flink's options:
/// `print-identifier`, `standard-error`, `sink.parallelism`).
std::unique_ptr<TableFactory> MakePrintTableFactory();

}  // namespace weir::connectors
