#pragma once

#include <memory>

#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'memory'` tables: rows a program holds in
/// memory (TableDescriptor::data), as the Python API's from_arrow, from_pandas and
/// from_elements register them. Bounded, read in batch and streaming jobs; such
/// tables cannot be made with CREATE TABLE (they would have no rows).
std::unique_ptr<TableFactory> MakeMemoryTableFactory();

}  // namespace weir::connectors
