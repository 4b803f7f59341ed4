#pragma once

#include <memory>

#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'datagen'` tables (Flink's options:
/// `rows-per-second`, `number-of-rows`, `fields.<name>.kind` random or sequence with
/// `.min`, `.max`, `.length`, `.start`, `.end`, `.null-rate`; weir's `seed`).
std::unique_ptr<TableFactory> MakeDatagenTableFactory();

}  // namespace weir::connectors
