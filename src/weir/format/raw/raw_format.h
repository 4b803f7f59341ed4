#pragma once
// Flink's `raw` format as a RecordFormat: a Kafka key or value as one BYTES or
// STRING column, unchanged.

#include <memory>

#include "weir/format/record_format.h"

namespace weir::format {

/// Returns the raw record format.
std::shared_ptr<const RecordFormat> MakeRawRecordFormat();

}  // namespace weir::format
