#include "weir/api/data_stream.h"

#include "weir/api/stream_execution_environment.h"
#include "weir/common/error.h"
#include "weir/connectors/collect/sink.h"
#include "weir/connectors/print/sink.h"
#include "weir/runtime/operators/filter_operator.h"
#include "weir/runtime/operators/rolling_aggregate.h"
#include "weir/runtime/operators/union_operator.h"

namespace weir::api {

using runtime::OperatorFactory;
using runtime::Partitioning;

DataStream DataStream::Append(OperatorFactory op, std::string name,
                              int parallelism) const {
  auto& graph = env_->graph_;
  const int v = graph.AddOperator(std::move(name), parallelism, std::move(op));
  Partitioning p = next_;
  // Like Flink: a forward edge between different parallelisms becomes a rebalance.
  if (p.kind == Partitioning::Kind::kForward &&
      graph.vertices()[vertex_].parallelism != parallelism) {
    p = Partitioning::Rebalance();
  }
  env_->Record(graph.Connect(vertex_, v, std::move(p), 0, side_tag_));
  return DataStream(env_, v);
}

DataStream DataStream::GetSideOutput(const std::string& tag) const {
  if (tag.empty()) env_->Record(UserError("a side output needs a tag"));
  return DataStream(env_, vertex_, Partitioning::Forward(), tag);
}

DataStream DataStream::Filter(arrow::compute::Expression predicate,
                              std::string name) const {
  return Append(
      [predicate](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::FilterOperator>(predicate);
      },
      std::move(name), env_->parallelism_);
}

DataStream DataStream::Select(std::vector<runtime::NamedExpression> columns,
                              std::string name) const {
  if (columns.empty()) env_->Record(UserError("'{}' selects no column", name));
  return Append(
      [columns](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::ProjectOperator>(columns);
      },
      std::move(name), env_->parallelism_);
}

DataStream DataStream::MapRows(std::shared_ptr<arrow::Schema> output_schema,
                               runtime::RowFunction function, std::string name) const {
  if (!output_schema) env_->Record(UserError("'{}' needs an output schema", name));
  return Append(
      [output_schema, function](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::RowFunctionOperator>(output_schema, function);
      },
      std::move(name), env_->parallelism_);
}

DataStream DataStream::FilterRows(runtime::RowPredicate predicate,
                                  std::string name) const {
  return Append(
      [predicate](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::RowFilterOperator>(predicate);
      },
      std::move(name), env_->parallelism_);
}

DataStream DataStream::Connect(const DataStream& other, OperatorFactory op,
                               std::string name) const {
  if (other.env_ != env_) {
    env_->Record(UserError("cannot connect streams of different environments"));
    return *this;
  }
  auto& graph = env_->graph_;
  const int v = graph.AddOperator(std::move(name), env_->parallelism_, std::move(op));
  for (const auto* s : {this, &other}) {
    Partitioning p = s->next_;
    if (p.kind == Partitioning::Kind::kForward &&
        graph.vertices()[s->vertex_].parallelism != env_->parallelism_) {
      p = Partitioning::Rebalance();
    }
    env_->Record(
        graph.Connect(s->vertex_, v, std::move(p), s == this ? 0 : 1, s->side_tag_));
  }
  return DataStream(env_, v);
}

DataStream DataStream::Process(OperatorFactory op, std::string name) const {
  return Append(std::move(op), std::move(name), env_->parallelism_);
}

DataStream DataStream::AssignTimestampsAndWatermarks(
    runtime::WatermarkStrategy strategy) const {
  if (strategy.timestamp_column.empty()) {
    env_->Record(UserError("the watermark strategy names no timestamp column"));
    return *this;
  }
  env_->event_time_column_ = strategy.timestamp_column;
  if (env_->mode_ == RuntimeMode::kBatch) return *this;  // only the final watermark
  // Same parallelism as the producer, so the assigner chains onto it.
  return Append(
      [strategy](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::WatermarkAssigner>(strategy);
      },
      "Watermarks(" + strategy.timestamp_column + ")",
      env_->graph_.vertices()[vertex_].parallelism);
}

KeyedStream DataStream::KeyBy(std::vector<std::string> keys) const {
  if (keys.empty()) env_->Record(UserError("key_by needs at least one key column"));
  DataStream input(env_, vertex_, Partitioning::Hash(keys), side_tag_);
  return KeyedStream(std::move(input), std::move(keys));
}

DataStream DataStream::Rebalance() const {
  return DataStream(env_, vertex_, Partitioning::Rebalance(), side_tag_);
}

DataStream DataStream::Broadcast() const {
  return DataStream(env_, vertex_, Partitioning::Broadcast(), side_tag_);
}

DataStream DataStream::Union(const std::vector<DataStream>& others) const {
  // A pass-through vertex with one input edge per stream.
  auto& graph = env_->graph_;
  const int v =
      graph.AddOperator("Union", env_->parallelism_,
                        [](const runtime::SubtaskInfo&)
                            -> arrow::Result<std::unique_ptr<runtime::Operator>> {
                          return std::make_unique<runtime::UnionOperator>();
                        });
  std::vector<DataStream> all{*this};
  all.insert(all.end(), others.begin(), others.end());
  for (const auto& s : all) {
    if (s.env_ != env_) {
      env_->Record(UserError("cannot union streams of different environments"));
      continue;
    }
    Partitioning p = s.next_;
    if (p.kind == Partitioning::Kind::kForward) p = Partitioning::Rebalance();
    env_->Record(graph.Connect(s.vertex_, v, std::move(p), 0, s.side_tag_));
  }
  return DataStream(env_, v);
}

DataStream DataStream::SetParallelism(int parallelism) const {
  if (parallelism < 1) {
    env_->Record(UserError("parallelism must be at least 1, got {}", parallelism));
    return *this;
  }
  env_->graph_.SetParallelism(vertex_, parallelism);
  return *this;
}

DataStream DataStream::SinkTo(OperatorFactory sink, std::string name) const {
  return Append(std::move(sink), std::move(name), env_->parallelism_);
}

DataStream DataStream::Print(std::string identifier) const {
  connectors::PrintOptions options;
  options.identifier = std::move(identifier);
  return SinkTo(connectors::MakePrintSink(std::move(options)), "Print to Std. Out");
}

arrow::Result<std::shared_ptr<arrow::Table>> DataStream::ExecuteAndCollect(
    std::string job_name) const {
  auto target = std::make_shared<connectors::CollectedBatches>();
  SinkTo(connectors::MakeCollectSink(target), "Collect");
  ARROW_RETURN_NOT_OK(env_->Execute(std::move(job_name)).status());
  return target->ToTable();
}

WindowedStream KeyedStream::Window(runtime::WindowSpec window,
                                   std::string time_column) const {
  runtime::WindowAggregateOptions o;
  o.keys = keys_;
  o.time_column = std::move(time_column);
  o.window = window;
  return WindowedStream(input_, std::move(o));
}

WindowedStream KeyedStream::Window(const WindowAssigner& assigner) const {
  if (assigner.processing_time) return ProcessingTimeWindow(assigner.spec);
  if (assigner.spec.kind == runtime::WindowSpec::Kind::kGlobal) {
    runtime::WindowAggregateOptions o;
    o.keys = keys_;
    o.window = assigner.spec;
    return WindowedStream(input_, std::move(o));
  }
  if (input_.env_->event_time_column_.empty()) {
    input_.env_->Record(UserError(
        "an event-time window needs a watermark strategy with a timestamp column (or "
        "name the column: Window(spec, column))"));
  }
  return Window(assigner.spec, input_.env_->event_time_column_);
}

WindowedStream KeyedStream::ProcessingTimeWindow(runtime::WindowSpec window) const {
  runtime::WindowAggregateOptions o;
  o.keys = keys_;
  o.window = window;
  o.processing_time = true;
  return WindowedStream(input_, std::move(o));
}

WindowedStream KeyedStream::CountWindow(int64_t count) const {
  if (count <= 0) input_.env_->Record(UserError("count window size must be positive"));
  runtime::WindowAggregateOptions o;
  o.keys = keys_;
  o.window = runtime::WindowSpec::Global();
  o.count_trigger = count;
  return WindowedStream(input_, std::move(o));
}

DataStream KeyedStream::Aggregate(std::vector<runtime::AggregateSpec> aggregates,
                                  std::string name) const {
  auto keys = keys_;
  return input_.Append(
      [keys, aggregates](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::RollingAggregateOperator>(keys, aggregates);
      },
      std::move(name), input_.env_->parallelism_);
}

DataStream KeyedStream::Process(OperatorFactory op, std::string name) const {
  return input_.Append(std::move(op), std::move(name), input_.env_->parallelism_);
}

DataStream KeyedStream::Process(
    std::function<std::unique_ptr<runtime::KeyedProcessFunction>()> make,
    std::string name, std::string time_column) const {
  auto keys = keys_;
  return input_.Append(
      [make, keys, time_column](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return std::make_unique<runtime::KeyedProcessOperator>(make(), keys, time_column);
      },
      std::move(name), input_.env_->parallelism_);
}

WindowedStream WindowedStream::AllowedLateness(std::chrono::microseconds lateness) const {
  WindowedStream w = *this;
  w.options_.allowed_lateness = lateness;
  return w;
}

WindowedStream WindowedStream::SideOutputLateData(std::string tag) const {
  WindowedStream w = *this;
  w.options_.late_data_tag = std::move(tag);
  return w;
}

DataStream WindowedStream::Aggregate(std::vector<runtime::AggregateSpec> aggregates,
                                     std::string name) const {
  runtime::WindowAggregateOptions o = options_;
  o.aggregates = std::move(aggregates);
  return input_.Append(
      [o](const runtime::SubtaskInfo&)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        return runtime::MakeWindowOperator(o);
      },
      std::move(name), input_.env_->parallelism_);
}

}  // namespace weir::api
