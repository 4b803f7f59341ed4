#pragma once

#include <memory>

#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'blackhole'` tables: a sink that drops
/// every row (option `sink.parallelism`).
std::unique_ptr<TableFactory> MakeBlackholeTableFactory();

}  // namespace weir::connectors
