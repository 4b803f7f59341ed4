#include "weir/api/stream_execution_environment.h"

#include <thread>

#include "weir/common/error.h"
#include "weir/connectors/collection/source.h"

namespace weir::api {

StreamExecutionEnvironment::StreamExecutionEnvironment()
    : parallelism_(std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

std::shared_ptr<StreamExecutionEnvironment> StreamExecutionEnvironment::Create() {
  return std::shared_ptr<StreamExecutionEnvironment>(new StreamExecutionEnvironment());
}

StreamExecutionEnvironment& StreamExecutionEnvironment::SetParallelism(int parallelism) {
  if (parallelism < 1) {
    Record(UserError("parallelism must be at least 1, got {}", parallelism));
  } else {
    parallelism_ = parallelism;
  }
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::SetRuntimeMode(RuntimeMode mode) {
  mode_ = mode;
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::SetMaxParallelism(
    int max_parallelism) {
  if (max_parallelism < 1 || max_parallelism > 32768) {
    Record(
        UserError("max parallelism must be within 1 … 32768, got {}", max_parallelism));
  } else {
    options_.max_parallelism = max_parallelism;
  }
  return *this;
}

void StreamExecutionEnvironment::Record(const arrow::Status& status) {
  if (build_error_.ok() && !status.ok()) build_error_ = status;
}

DataStream StreamExecutionEnvironment::FromSource(
    runtime::SourceFactory source, const runtime::WatermarkStrategy& watermarks,
    std::string name) {
  const int v = graph_.AddSource(std::move(name), parallelism_, std::move(source));
  DataStream stream(shared_from_this(), v);
  if (watermarks.timestamp_column.empty()) return stream;
  return stream.AssignTimestampsAndWatermarks(watermarks);
}

DataStream StreamExecutionEnvironment::StreamOf(int vertex) {
  return DataStream(shared_from_this(), vertex);
}

DataStream StreamExecutionEnvironment::FromCollection(
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches, std::string name) {
  return FromSource(connectors::MakeCollectionSource(std::move(batches)),
                    runtime::WatermarkStrategy::NoWatermarks(), std::move(name));
}

StreamExecutionEnvironment& StreamExecutionEnvironment::EnableCheckpointing(
    std::chrono::milliseconds interval, std::string dir) {
  options_.checkpointing.interval = interval;
  options_.checkpointing.dir = std::move(dir);
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::SetRestartStrategy(
    runtime::RestartStrategy strategy) {
  options_.restart = strategy;
  return *this;
}

arrow::Result<std::shared_ptr<runtime::JobClient>>
StreamExecutionEnvironment::ExecuteAsync(std::string job_name) {
  ARROW_RETURN_NOT_OK(build_error_);
  if (options_.max_parallelism < parallelism_) {
    return UserError("max parallelism {} is below the parallelism {}",
                     options_.max_parallelism, parallelism_);
  }
  return runtime::ExecuteAsync(graph_, options_, std::move(job_name));
}

arrow::Result<runtime::JobResult> StreamExecutionEnvironment::Execute(
    std::string job_name) {
  ARROW_ASSIGN_OR_RAISE(auto client, ExecuteAsync(std::move(job_name)));
  if (cancel_ != nullptr) {
    while (!client->WaitFor(std::chrono::milliseconds(50))) {
      if (cancel_->load()) client->Cancel();
    }
  }
  return client->Wait();
}

}  // namespace weir::api
