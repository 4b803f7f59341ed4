#pragma once

#include <memory>

#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/runtime/operator.h"

namespace weir::connectors {

/// Makes the exactly-once Kafka sink's operator for one subtask (docs/design/kafka.md):
/// one Kafka transaction per checkpoint, committed with a marker when the checkpoint
/// completes; the records of transactions not yet committed are kept in the
/// checkpoint, so a restored job commits them again if the crash came first.
std::unique_ptr<runtime::Operator> MakeTransactionalKafkaSink(KafkaSinkOptions options);

}  // namespace weir::connectors
