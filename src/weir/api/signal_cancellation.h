#pragma once

#include <memory>
#include <string>

#include "weir/runtime/job.h"

namespace weir::api {

/// Waits for a job like JobClient::Wait(), but cancels it on SIGINT (Ctrl-C) or
/// SIGTERM: the job stops within a second and the result is a Cancelled status. The
/// previous signal handlers are restored before returning.
arrow::Result<runtime::JobResult> WaitCancellingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client);

/// Waits like WaitCancellingOnSignal, but SIGTERM stops the job with a savepoint
/// into `savepoint_dir` (Flink's `stop --savepointPath`): the job takes a final
/// snapshot, commits what it covers and ends FINISHED; starting it again from that
/// savepoint (or from its checkpoint directory) continues. SIGINT still cancels.
arrow::Result<runtime::JobResult> WaitStoppingOnSignal(
    const std::shared_ptr<runtime::JobClient>& client, const std::string& savepoint_dir);

}  // namespace weir::api
