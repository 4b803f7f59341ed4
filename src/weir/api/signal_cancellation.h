#pragma once

#include <memory>

#include "weir/runtime/job.h"

namespace weir::api {

/// Waits for a job like JobClient::Wait(), but cancels it on SIGINT (Ctrl-C) or
/// SIGTERM: the job stops within a second and the result is a Cancelled status. The
/// previous signal handlers are restored before returning.
arrow::Result<runtime::JobResult> WaitCancellingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client);

}  // namespace weir::api
