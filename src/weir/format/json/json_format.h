#pragma once
// Flink's `json` format as a RecordFormat: Kafka keys and values, JSON-lines files.

#include <memory>

#include "weir/format/record_format.h"

namespace weir::format {

/// Returns the json record format.
std::shared_ptr<const RecordFormat> MakeJsonRecordFormat();

}  // namespace weir::format
