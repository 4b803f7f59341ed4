#include "weir/planner/stream_translator.h"

#include <arrow/compute/api_aggregate.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/suggest.h"
#include "weir/connectors/collection/source.h"
#include "weir/planner/interval_join_match.h"
#include "weir/planner/table_connectors.h"
#include "weir/planner/time_attributes.h"
#include "weir/planner/window_match.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/changelog_normalize.h"
#include "weir/runtime/operators/conform_operator.h"
#include "weir/runtime/operators/correlate_operator.h"
#include "weir/runtime/operators/filter_operator.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/group_aggregate.h"
#include "weir/runtime/operators/interval_join.h"
#include "weir/runtime/operators/over_aggregate.h"
#include "weir/runtime/operators/project_operator.h"
#include "weir/runtime/operators/rank_operator.h"
#include "weir/runtime/operators/session_window_aggregate.h"
#include "weir/runtime/operators/stream_join.h"
#include "weir/runtime/operators/union_operator.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/runtime/operators/window_group_aggregate.h"
#include "weir/runtime/operators/window_tvf.h"
#include "weir/sql/bind/sql_type.h"
#include "weir/sql/plan/plan_expressions.h"
#include "weir/sql/plan/planner.h"

namespace weir::planner {

namespace cp = arrow::compute;
using runtime::Partitioning;

namespace {

// A vertex and its parallelism, as translation goes up the plan.
struct Stream {
  int vertex = -1;
  int parallelism = 1;
};

runtime::GroupAggregateCall AggregateCallOf(const sql::AggregateCall& call) {
  runtime::GroupAggregateCall c{call.function, call.input, call.output};
  c.separator = call.separator;
  c.user_function = call.user_function;
  if (auto* variance = dynamic_cast<const cp::VarianceOptions*>(call.options.get())) {
    c.ddof = variance->ddof;
  }
  return c;
}

// A Correlate's arguments, unbound.
std::vector<cp::Expression> UnboundArgs(const sql::PlanNode& node) {
  std::vector<cp::Expression> args;
  for (const cp::Expression& arg : node.exprs) args.push_back(sql::UnbindExpression(arg));
  return args;
}

template <typename Op, typename... Args>
runtime::OperatorFactory Factory(Args... args) {
  return [=](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<Op>(args...);
  };
}

class Translator {
 public:
  Translator(const ChangelogModes& modes, const StreamTranslateOptions& options,
             runtime::JobGraph* graph)
      : modes_(modes), options_(options), graph_(graph) {}

  arrow::Result<Stream> Translate(const sql::PlanNode& node) {
    switch (node.kind) {
      case sql::PlanKind::kScan:
        return Scan(node);
      case sql::PlanKind::kValues:
        return Values(node);
      case sql::PlanKind::kFilter: {
        ARROW_RETURN_NOT_OK(CheckCurrentWatermark(*node.inputs[0], node.predicate));
        ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*node.inputs[0]));
        return Append(
            input, Partitioning::Forward(), "Filter", input.parallelism,
            Factory<runtime::FilterOperator>(sql::UnbindExpression(node.predicate)));
      }
      case sql::PlanKind::kProject: {
        for (const arrow::compute::Expression& e : node.exprs) {
          ARROW_RETURN_NOT_OK(CheckCurrentWatermark(*node.inputs[0], e));
        }
        ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*node.inputs[0]));
        std::vector<runtime::NamedExpression> columns;
        for (size_t i = 0; i < node.exprs.size(); ++i) {
          columns.push_back({node.schema->field(static_cast<int>(i))->name(),
                             sql::UnbindExpression(node.exprs[i])});
        }
        AddRowKind(node, &columns, /*insert=*/false);
        Stream calc = Append(input, Partitioning::Forward(), "Calc", input.parallelism,
                             Factory<runtime::ProjectOperator>(columns));
        // PROCTIME(): processing time becomes the stream's watermark (a table with
        // a WATERMARK keeps its event time).
        if (ProctimeField(node) && options_.streaming && !ReadsEventTime(node)) {
          calc = Append(calc, Partitioning::Forward(), "ProcessingTimeWatermarks",
                        calc.parallelism, Factory<runtime::ProcessingTimeWatermarks>());
        }
        // A computed WATERMARK column: event time starts after it is computed.
        if (auto rowtime = RowtimeField(node); rowtime && options_.streaming) {
          const auto watermarks = WatermarkStrategyOf(*node.inputs[0]->table, *rowtime)
                                      .WithIdleness(options_.idle_timeout)
                                      .WithEmitInterval(options_.watermark_interval);
          calc =
              Append(calc, Partitioning::Forward(), "Watermarks(" + *rowtime + ")",
                     calc.parallelism, Factory<runtime::WatermarkAssigner>(watermarks));
        }
        return calc;
      }
      case sql::PlanKind::kCorrelate: {
        ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*node.inputs[0]));
        return Append(
            input, Partitioning::Forward(),
            "Correlate(" + node.table_function->name() + ")", input.parallelism,
            Factory<runtime::CorrelateOperator>(
                node.table_function, UnboundArgs(node), sql::CorrelateColumnNames(node),
                node.join_type == sql::PlanJoinType::kLeft));
      }
      case sql::PlanKind::kUnion:
        return Union(node);
      case sql::PlanKind::kJoin:
        return Join(node);
      case sql::PlanKind::kAggregate:
        return Aggregate(node);
      case sql::PlanKind::kWindowTvf:
        return WindowTvf(node);
      case sql::PlanKind::kRank:
        return Rank(node);
      case sql::PlanKind::kOver:
        return Over(node);
      default:
        return arrow::Status::NotImplemented(fmt::format(
            "streaming queries with {} over unbounded sources are not supported yet; "
            "they run when every source is bounded, or in batch mode",
            FirstUnsupportedInStreaming(node)));
    }
  }

 private:
  // Adds an operator after `input`; a forward edge between different
  // parallelisms becomes a rebalance (as Flink does).
  Stream Append(const Stream& input, Partitioning p, std::string name, int parallelism,
                runtime::OperatorFactory op) {
    const int v = graph_->AddOperator(std::move(name), parallelism, std::move(op));
    if (p.kind == Partitioning::Kind::kForward && input.parallelism != parallelism) {
      p = Partitioning::Rebalance();
    }
    status_ &= graph_->Connect(input.vertex, v, std::move(p));
    return {v, parallelism};
  }

  // Projections of an updating stream carry the row kinds; `insert` adds +I to an
  // insert-only stream that joins updating ones.
  void AddRowKind(const sql::PlanNode& node,
                  std::vector<runtime::NamedExpression>* columns, bool insert) {
    const std::string name(runtime::kRowKindColumn);
    if (insert) {
      columns->push_back({name, cp::literal(std::make_shared<arrow::Int8Scalar>(0))});
    } else if (!modes_.Of(node).insert_only()) {
      columns->push_back({name, cp::field_ref(name)});
    }
  }

  arrow::Result<Stream> Scan(const sql::PlanNode& node) {
    std::vector<runtime::NamedExpression> columns;
    for (int i = 0; i < node.schema->num_fields(); ++i) {
      columns.push_back(
          {node.schema->field(i)->name(), cp::field_ref(node.scan_columns[i])});
    }
    AddRowKind(node, &columns, false);
    auto registered =
        options_.table_vertices.find(common::ToLowerAscii(node.table->name));
    if (registered != options_.table_vertices.end()) {
      Stream input{
          registered->second,
          graph_->vertices()[static_cast<size_t>(registered->second)].parallelism};
      Stream from =
          Append(input, Partitioning::Forward(), "From " + node.table->name,
                 options_.parallelism, Factory<runtime::ProjectOperator>(columns));
      // A WATERMARK on one of the stream's own columns (a computed one gets its
      // assigner after the projection computing it).
      const auto watermarks = WatermarksOf(*node.table, node)
                                  .WithIdleness(options_.idle_timeout)
                                  .WithEmitInterval(options_.watermark_interval);
      if (options_.streaming && !watermarks.timestamp_column.empty()) {
        from = Append(from, Partitioning::Forward(),
                      "Watermarks(" + watermarks.timestamp_column + ")", from.parallelism,
                      Factory<runtime::WatermarkAssigner>(watermarks));
      }
      return from;
    }
    // Sources that track event time themselves (per Kafka partition) get the
    // strategy; other sources get an assigner after them.
    ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, node.table->Factory());
    const auto watermarks = WatermarksOf(*node.table, node)
                                .WithIdleness(options_.idle_timeout)
                                .WithEmitInterval(options_.watermark_interval);
    const bool in_source = factory->AppliesWatermarks();
    ARROW_ASSIGN_OR_RAISE(
        runtime::SourceFactory source,
        MakeScanSource(
            node, options_.streaming,
            in_source ? watermarks : runtime::WatermarkStrategy::NoWatermarks()));
    Stream stream{
        graph_->AddSource(node.table->name, options_.parallelism, std::move(source)),
        options_.parallelism};
    if (!in_source && options_.streaming && !watermarks.timestamp_column.empty()) {
      stream =
          Append(stream, Partitioning::Forward(),
                 "Watermarks(" + watermarks.timestamp_column + ")", stream.parallelism,
                 Factory<runtime::WatermarkAssigner>(watermarks));
    }
    // The table's declared types over the files' (a BIGINT file column read as INT).
    arrow::FieldVector declared;
    for (int i = 0; i < node.schema->num_fields(); ++i) {
      declared.push_back(node.schema->field(i)->WithName(node.scan_columns[i]));
    }
    stream = Append(stream, Partitioning::Forward(), "Conform " + node.table->name,
                    stream.parallelism,
                    Factory<runtime::ConformOperator>(arrow::schema(std::move(declared)),
                                                      node.table->name));
    // An upsert source (upsert-kafka) holds the latest row per primary key: Flink's
    // ChangelogNormalize, keyed by it, makes the full changelog downstream wants.
    if (factory->SourceChangelogMode(node.table->Descriptor()) ==
        connectors::ChangelogMode::kUpsert) {
      const std::vector<std::string>& key = node.table->primary_key;
      stream =
          Append(stream, Partitioning::Hash(key),
                 fmt::format("ChangelogNormalize(key=[{}])", fmt::join(key, ", ")),
                 options_.parallelism, Factory<runtime::ChangelogNormalizeOperator>(key));
    }
    return Append(stream, Partitioning::Forward(), "Scan " + node.table->name,
                  stream.parallelism, Factory<runtime::ProjectOperator>(columns));
  }

  arrow::Result<Stream> Values(const sql::PlanNode& node) {
    ARROW_ASSIGN_OR_RAISE(auto table,
                          node.values->RenameColumns(node.schema->field_names()));
    ARROW_ASSIGN_OR_RAISE(auto combined, table->CombineChunksToBatch());
    const int v =
        graph_->AddSource("Values", 1, connectors::MakeCollectionSource({combined}));
    return Stream{v, 1};
  }

  // Flink's regular streaming join: each input hash-partitioned on its keys (a join
  // without keys runs at parallelism 1), both kept in keyed state.
  arrow::Result<Stream> Join(const sql::PlanNode& node) {
    using Type = runtime::StreamJoinOptions::Type;
    ARROW_ASSIGN_OR_RAISE(Stream left, Translate(*node.inputs[0]));
    ARROW_ASSIGN_OR_RAISE(Stream right, Translate(*node.inputs[1]));
    if (auto interval = MatchIntervalJoin(node);
        interval && modes_.Of(*node.inputs[0]).insert_only() &&
        modes_.Of(*node.inputs[1]).insert_only()) {
      return IntervalJoin(node, *interval, left, right);
    }
    runtime::StreamJoinOptions options;
    switch (node.join_type) {
      case sql::PlanJoinType::kInner:
        options.type = Type::kInner;
        break;
      case sql::PlanJoinType::kLeft:
        options.type = Type::kLeft;
        break;
      case sql::PlanJoinType::kRight:
        options.type = Type::kRight;
        break;
      case sql::PlanJoinType::kFull:
        options.type = Type::kFull;
        break;
      case sql::PlanJoinType::kSemi:
        options.type = Type::kSemi;
        break;
      case sql::PlanJoinType::kAnti:
        options.type = Type::kAnti;
        break;
    }
    options.left_keys = node.left_keys;
    options.right_keys = node.right_keys;
    options.null_equal_keys = node.null_equal_keys;
    if (!(node.residual == cp::literal(true))) {
      options.residual = sql::UnbindExpression(node.residual);
    }
    options.left_schema = node.inputs[0]->schema;
    options.right_schema = node.inputs[1]->schema;
    options.output_row_kinds = !modes_.Of(node).insert_only();
    options.state_ttl = options_.state_ttl;
    const bool global = node.left_keys.empty();
    const int parallelism = global ? 1 : options_.parallelism;
    const int v = graph_->AddOperator(FlinkNodeName(node), parallelism,
                                      Factory<runtime::StreamJoinOperator>(options));
    status_ &= graph_->Connect(
        left.vertex, v,
        global ? Partitioning::Rebalance() : Partitioning::Hash(node.left_keys), 0);
    status_ &= graph_->Connect(
        right.vertex, v,
        global ? Partitioning::Rebalance() : Partitioning::Hash(node.right_keys), 1);
    return Stream{v, parallelism};
  }

  // Flink's event-time interval join: rows leave the state when the watermark says
  // they can no longer join; insert-only output that keeps the time attributes.
  arrow::Result<Stream> IntervalJoin(const sql::PlanNode& node,
                                     const IntervalJoinMatch& interval, Stream left,
                                     Stream right) {
    using Type = runtime::IntervalJoinOptions::Type;
    runtime::IntervalJoinOptions options;
    options.type = node.join_type == sql::PlanJoinType::kLeft    ? Type::kLeft
                   : node.join_type == sql::PlanJoinType::kRight ? Type::kRight
                   : node.join_type == sql::PlanJoinType::kFull  ? Type::kFull
                                                                 : Type::kInner;
    options.left_keys = node.left_keys;
    options.right_keys = node.right_keys;
    options.residual = sql::UnbindExpression(node.residual);
    options.left_schema = node.inputs[0]->schema;
    options.right_schema = node.inputs[1]->schema;
    options.left_time = interval.left_time;
    options.right_time = interval.right_time;
    options.lower = interval.lower;
    options.upper = interval.upper;
    const int v = graph_->AddOperator(FlinkNodeName(node), options_.parallelism,
                                      Factory<runtime::IntervalJoinOperator>(options));
    status_ &= graph_->Connect(left.vertex, v, Partitioning::Hash(node.left_keys), 0);
    status_ &= graph_->Connect(right.vertex, v, Partitioning::Hash(node.right_keys), 1);
    return Stream{v, options_.parallelism};
  }

  arrow::Result<Stream> Union(const sql::PlanNode& node) {
    const bool updating = !modes_.Of(node).insert_only();
    // Inputs first: vertices are added in topological order.
    std::vector<Stream> inputs;
    for (const sql::PlanPtr& input_node : node.inputs) {
      ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*input_node));
      if (updating && modes_.Of(*input_node).insert_only()) {
        // Same columns as the updating inputs: every row +I.
        std::vector<runtime::NamedExpression> columns;
        for (const auto& f : input_node->schema->fields()) {
          columns.push_back({f->name(), cp::field_ref(f->name())});
        }
        AddRowKind(*input_node, &columns, /*insert=*/true);
        input = Append(input, Partitioning::Forward(), "Calc", input.parallelism,
                       Factory<runtime::ProjectOperator>(columns));
      }
      inputs.push_back(input);
    }
    const int v = graph_->AddOperator("Union", options_.parallelism,
                                      Factory<runtime::UnionOperator>());
    for (size_t i = 0; i < inputs.size(); ++i) {
      status_ &= graph_->Connect(
          inputs[i].vertex, v,
          Exchange(*node.inputs[i], inputs[i].parallelism, options_.parallelism));
    }
    return Stream{v, options_.parallelism};
  }

 public:
  // How rows of `node` move to a consumer: forward between equal parallelisms. An
  // updating stream otherwise hashes on every column, so that a row and its later
  // retraction take the same path and stay in order; insert-only streams rebalance.
  Partitioning Exchange(const sql::PlanNode& node, int from, int to) const {
    if (from == to) return Partitioning::Forward();
    if (modes_.Of(node).insert_only()) return Partitioning::Rebalance();
    return Partitioning::Hash(node.schema->field_names());
  }

  // Brings the plan's output to the sink's parallelism (the job's, or
  // output_parallelism).
  Stream ToJobParallelism(const sql::PlanNode& node, const Stream& stream) {
    const int target = options_.output_parallelism > 0 ? options_.output_parallelism
                                                       : options_.parallelism;
    if (stream.parallelism == target) return stream;
    std::vector<runtime::NamedExpression> columns;
    for (const auto& f : node.schema->fields()) {
      columns.push_back({f->name(), cp::field_ref(f->name())});
    }
    AddRowKind(node, &columns, /*insert=*/false);
    return Append(stream, Exchange(node, stream.parallelism, target), "Exchange", target,
                  Factory<runtime::ProjectOperator>(columns));
  }

 private:
  // Whether a window aggregation over HOP or CUMULATE can run on slices: the window is a
  // whole number of slides, every aggregate merges, and the window's columns reach the
  // aggregation only as its window_start/window_end keys (through projections that
  // pass them on), since rows carry their slice's bounds instead.
  bool CanSlice(const sql::PlanNode& aggregate,
                const WindowAggregateMatch& window) const {
    const sql::WindowTvfSpec& w = window.tvf->window;
    const bool shape = w.kind == sql::WindowTvfSpec::Kind::kHop ||
                       w.kind == sql::WindowTvfSpec::Kind::kCumulate;
    if (!shape || w.slide <= 0 || w.size <= w.slide || w.size % w.slide != 0) {
      return false;
    }
    std::set<std::string> carried = {w.start_field, w.end_field, w.time_out_field};
    std::vector<const sql::PlanNode*> path;
    for (const sql::PlanNode* n = aggregate.inputs[0].get(); n != window.tvf;
         n = n->inputs[0].get()) {
      if (n->kind != sql::PlanKind::kProject) return false;
      path.push_back(n);
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const sql::PlanNode& project = **it;
      std::set<std::string> next;
      for (size_t i = 0; i < project.exprs.size(); ++i) {
        const auto fields = sql::FieldsOf(project.exprs[i]);
        bool reads = false;
        for (const auto& f : fields) reads |= carried.count(f) != 0;
        if (!reads) continue;
        if (project.exprs[i].field_ref() == nullptr) return false;  // computed from one
        next.insert(project.schema->field(static_cast<int>(i))->name());
      }
      carried = std::move(next);
    }
    for (const sql::AggregateCall& call : aggregate.aggregates) {
      if (!runtime::MergeableAggregate(call.function)) return false;
      if (carried.count(call.input) != 0) return false;
    }
    for (const std::string& key : aggregate.group_keys) {
      if (carried.count(key) != 0 && key != window.start_key && key != window.end_key &&
          WindowTimeKey(aggregate, window) != key) {
        return false;
      }
    }
    return true;
  }

  // The group key that is the window function's window_time (a legacy group window
  // groups by it), or "".
  static std::string WindowTimeKey(const sql::PlanNode& aggregate,
                                   const WindowAggregateMatch& window) {
    for (const std::string& key : aggregate.group_keys) {
      auto it = window.sources.find(key);
      if (it != window.sources.end() && it->second == window.tvf->window.time_out_field) {
        return key;
      }
    }
    return "";
  }

  arrow::Result<Stream> WindowTvf(const sql::PlanNode& node) {
    const bool session = node.window.kind == sql::WindowTvfSpec::Kind::kSession;
    if (session && session_aggregate_ != &node) {
      return UserError(
          "the SESSION window table function is supported in window aggregation only: "
          "GROUP BY window_start, window_end and its PARTITION BY columns");
    }
    ARROW_RETURN_NOT_OK(CheckTimeAttribute(node));
    ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*node.inputs[0]));
    const sql::WindowTvfSpec& w = node.window;
    runtime::WindowTvfOptions options;
    options.kind = w.kind == sql::WindowTvfSpec::Kind::kTumble
                       ? runtime::WindowTvfOptions::Kind::kTumble
                   : w.kind == sql::WindowTvfSpec::Kind::kHop
                       ? runtime::WindowTvfOptions::Kind::kHop
                   : session ? runtime::WindowTvfOptions::Kind::kSession
                             : runtime::WindowTvfOptions::Kind::kCumulate;
    options.time_column = w.time_field;
    options.size = w.size;
    options.slide = w.slide;
    if (&node == sliced_tvf_) {
      // Slices for a sliced window aggregation: tumbling windows of the slide.
      options.kind = runtime::WindowTvfOptions::Kind::kTumble;
      options.size = w.slide;
    }
    options.offset = w.offset;
    options.start_column = w.start_field;
    options.end_column = w.end_field;
    options.time_out_column = w.time_out_field;
    const auto& row_time = static_cast<const arrow::TimestampType&>(
        *node.schema->GetFieldByName(w.time_out_field)->type());
    options.time_zone = row_time.timezone();
    return Append(input, Partitioning::Forward(), FlinkNodeName(node), input.parallelism,
                  Factory<runtime::WindowTvfOperator>(options));
  }

  // CURRENT_WATERMARK's argument must be a rowtime attribute of the input, as in
  // Flink (in batch mode it is NULL and any timestamp will do).
  arrow::Status CheckCurrentWatermark(const sql::PlanNode& input,
                                      const arrow::compute::Expression& expr) const {
    if (!options_.streaming) return arrow::Status::OK();
    for (const std::string& field : sql::CurrentWatermarkArgs(expr)) {
      if (!field.empty() && TimeAttributeOf(input, field) == TimeAttribute::kRowtime) {
        continue;
      }
      return UserError(
          "CURRENT_WATERMARK({}): the argument must be a rowtime attribute, a column "
          "with a WATERMARK declared on its table",
          field.empty() ? std::string("…") : sql::VisibleName(field));
    }
    return arrow::Status::OK();
  }

  // In streaming mode a window's time column must carry event time (Flink's time
  // attribute): a column with a WATERMARK, passed on unchanged. Bounded inputs
  // without one end with the final watermark, which fires every window.
  arrow::Status CheckTimeAttribute(const sql::PlanNode& tvf) const {
    if (!options_.streaming || IsBoundedPlan(*tvf.inputs[0])) return arrow::Status::OK();
    if (IsTimeAttribute(*tvf.inputs[0], tvf.window.time_field)) {
      return arrow::Status::OK();
    }
    const auto& type =
        *tvf.inputs[0]->schema->GetFieldByName(tvf.window.time_field)->type();
    return arrow::Status::Invalid(fmt::format(
        "The window function requires the timecol is a time attribute type, but is {}: "
        "declare WATERMARK FOR {} AS … on the source table",
        sql::SqlTypeName(type.GetSharedPtr()), sql::VisibleName(tvf.window.time_field)));
  }

  // Event-time OVER aggregation (Flink's streaming OverAggregate): ordered by one
  // time attribute, ascending, with aggregates only.
  arrow::Result<Stream> Over(const sql::PlanNode& node) {
    const sql::OverSpec& w = node.over;
    if (w.order.size() != 1 || w.order[0].descending ||
        !IsTimeAttribute(*node.inputs[0], w.order[0].field)) {
      return UserError(
          "OVER windows' ordering in stream mode must be defined on a time attribute "
          "(ascending): ORDER BY a column with a WATERMARK or PROCTIME(){}",
          w.order.empty() ? ""
                          : fmt::format(", not {}", sql::VisibleName(w.order[0].field)));
    }
    if (w.whole_partition || w.following != 0 || (w.preceding && *w.preceding < 0)) {
      return UserError("OVER windows in stream mode must end at CURRENT ROW");
    }
    for (const sql::OverCall& call : node.over_calls) {
      if (call.function == "lead") {
        return UserError(
            "LEAD in stream mode is not supported: it reads rows that have not arrived; "
            "it runs in batch mode (SET 'execution.runtime-mode' = 'batch')");
      }
      if (call.user_function != nullptr && !call.input.empty()) {
        const auto field = node.inputs[0]->schema->GetFieldByName(call.input);
        if (field != nullptr && field->type()->id() == arrow::Type::STRUCT) {
          return UserError(
              "{} with several arguments in an OVER window is not supported in stream "
              "mode yet (the OVER operator keeps rows whose columns are scalars); call "
              "it with one argument, or run the query in batch mode",
              call.user_function->name());
        }
      }
      if (call.function == "row_number" || call.function == "rank" ||
          call.function == "dense_rank") {
        return UserError(
            "{} in stream mode is only supported as Top-N or deduplication: filter on it "
            "in an outer query, e.g. WHERE rn <= 3",
            common::ToUpperAscii(call.function));
      }
    }
    ARROW_ASSIGN_OR_RAISE(Stream input, Translate(*node.inputs[0]));
    runtime::OverAggregateOptions options;
    options.partition_keys = w.partition_keys;
    options.time_column = w.order[0].field;
    options.rows = w.rows;
    options.preceding = w.preceding;
    for (const sql::OverCall& call : node.over_calls) {
      options.functions.push_back({call.function, call.input, call.output, call.offset,
                                   call.default_value, call.user_function});
    }
    options.state_ttl = options_.state_ttl;
    const bool global = options.partition_keys.empty();
    Partitioning p =
        global ? Partitioning::Rebalance() : Partitioning::Hash(options.partition_keys);
    if (global && input.parallelism == 1) p = Partitioning::Forward();
    return Append(input, p, FlinkNodeName(node), global ? 1 : options_.parallelism,
                  Factory<runtime::OverAggregateOperator>(options));
  }

  arrow::Result<Stream> Rank(const sql::PlanNode& node) {
    const sql::PlanNode& input_node = *node.inputs[0];
    ARROW_ASSIGN_OR_RAISE(Stream input, Translate(input_node));
    runtime::RankOptions options;
    options.partition_keys = node.over.partition_keys;
    for (const sql::SortField& key : node.over.order) {
      options.order.push_back({key.field, key.descending, key.nulls_first});
    }
    options.type = node.rank.type == sql::RankSpec::Type::kRowNumber
                       ? runtime::RankOptions::Type::kRowNumber
                   : node.rank.type == sql::RankSpec::Type::kRank
                       ? runtime::RankOptions::Type::kRank
                       : runtime::RankOptions::Type::kDenseRank;
    options.start = node.rank.start;
    options.end = node.rank.end;
    options.rank_column = node.rank.field;
    options.output_rank = node.rank.output_rank;
    options.retractions = !modes_.Of(input_node).insert_only();
    options.deduplicate = IsDeduplication(node);
    options.append_only = modes_.Of(node).insert_only();
    options.state_ttl = options_.state_ttl;
    if (auto window = MatchWindowRank(node)) options.window_end_column = window->end_key;
    const bool global = options.partition_keys.empty();
    Partitioning p =
        global ? Partitioning::Rebalance() : Partitioning::Hash(options.partition_keys);
    if (global && input.parallelism == 1) p = Partitioning::Forward();
    return Append(input, p, FlinkNodeName(node), global ? 1 : options_.parallelism,
                  Factory<runtime::RankOperator>(options));
  }

  // A window aggregation over SESSION windows: rows carry their own sessions
  // (the table function in session mode), the operator merges them.
  arrow::Result<Stream> SessionAggregate(const sql::PlanNode& node,
                                         const WindowAggregateMatch& window) {
    const sql::WindowTvfSpec& spec = window.tvf->window;
    runtime::SessionWindowAggregateOptions options;
    options.keys = node.group_keys;
    options.start_column = window.start_key;
    options.end_column = window.end_key;
    for (const auto& [key, source] : window.sources) {
      if (source == spec.time_out_field) options.time_column = key;
    }
    for (const sql::AggregateCall& call : node.aggregates) {
      if (call.user_function != nullptr && !call.input.empty()) {
        const auto field = node.inputs[0]->schema->GetFieldByName(call.input);
        if (field != nullptr && field->type()->id() == arrow::Type::STRUCT) {
          return UserError(
              "{} with several arguments over SESSION windows is not supported yet (the "
              "session operator keeps rows whose columns are scalars); call it with one "
              "argument",
              call.user_function->name());
        }
      }
      options.aggregates.push_back(AggregateCallOf(call));
    }
    if (spec.sessions_per_group_key) {
      // GROUP BY SESSION(ts, gap), k: sessions per k.
      for (const std::string& key : node.group_keys) {
        if (key != window.start_key && key != window.end_key &&
            key != options.time_column) {
          options.session_keys.push_back(key);
        }
      }
    } else {
      for (const std::string& field : spec.partition_fields) {
        std::string found;
        for (const auto& [key, source] : window.sources) {
          if (source == field) found = key;
        }
        if (found.empty()) {
          return UserError(
              "a window aggregation over SESSION windows must GROUP BY the window's "
              "PARTITION BY column '{}'",
              sql::VisibleName(field));
        }
        options.session_keys.push_back(found);
      }
    }
    session_aggregate_ = window.tvf;
    auto input = Translate(*node.inputs[0]);
    session_aggregate_ = nullptr;
    ARROW_RETURN_NOT_OK(input.status());
    const bool global = options.session_keys.empty();
    Partitioning p =
        global ? Partitioning::Rebalance() : Partitioning::Hash(options.session_keys);
    if (global && input->parallelism == 1) p = Partitioning::Forward();
    return Append(*input, p, FlinkNodeName(node), global ? 1 : options_.parallelism,
                  Factory<runtime::SessionWindowAggregateOperator>(options));
  }

  arrow::Result<Stream> Aggregate(const sql::PlanNode& node) {
    const sql::PlanNode& input_node = *node.inputs[0];
    if (auto window = MatchWindowAggregate(node);
        window && window->tvf->window.kind == sql::WindowTvfSpec::Kind::kSession) {
      return SessionAggregate(node, *window);
    }
    if (auto window = MatchWindowAggregate(node)) {
      runtime::WindowGroupAggregateOptions options;
      options.keys = node.group_keys;
      options.end_column = window->end_key;
      for (const sql::AggregateCall& call : node.aggregates) {
        options.aggregates.push_back(AggregateCallOf(call));
      }
      if (!CanSlice(node, *window)) {
        ARROW_ASSIGN_OR_RAISE(Stream input, Translate(input_node));
        return Append(input, Partitioning::Hash(node.group_keys), FlinkNodeName(node),
                      options_.parallelism,
                      Factory<runtime::WindowGroupAggregateOperator>(options));
      }
      // Flink's slicing: the HOP/CUMULATE table function assigns each row to one slice of
      // `slide` (a tumbling window), and the aggregation merges a window's slices
      // when it fires; partitioned by the keys other than the window's bounds.
      const sql::WindowTvfSpec& w = window->tvf->window;
      options.start_column = window->start_key;
      options.time_column = WindowTimeKey(node, *window);
      options.slice_size = w.slide;
      options.window_size = w.size;
      options.cumulate = w.kind == sql::WindowTvfSpec::Kind::kCumulate;
      options.offset = w.offset;
      options.newest_slice_first =
          w.kind == sql::WindowTvfSpec::Kind::kHop && !w.group_window;
      sliced_tvf_ = window->tvf;
      auto input = Translate(input_node);
      sliced_tvf_ = nullptr;
      ARROW_RETURN_NOT_OK(input.status());
      std::vector<std::string> keys;
      for (const std::string& key : node.group_keys) {
        if (key != window->start_key && key != window->end_key &&
            key != options.time_column) {
          keys.push_back(key);
        }
      }
      const bool global = keys.empty();
      Partitioning p = global ? Partitioning::Rebalance() : Partitioning::Hash(keys);
      if (global && input->parallelism == 1) p = Partitioning::Forward();
      return Append(*input, p, FlinkNodeName(node), global ? 1 : options_.parallelism,
                    Factory<runtime::WindowGroupAggregateOperator>(options));
    }
    ARROW_ASSIGN_OR_RAISE(Stream input, Translate(input_node));
    runtime::GroupAggregateOptions options;
    options.keys = node.group_keys;
    options.retractions = !modes_.Of(input_node).insert_only();
    options.state_ttl = options_.state_ttl;
    for (const sql::AggregateCall& call : node.aggregates) {
      options.aggregates.push_back(AggregateCallOf(call));
    }
    const bool global = node.group_keys.empty();
    Partitioning p =
        global ? Partitioning::Rebalance() : Partitioning::Hash(node.group_keys);
    if (global && input.parallelism == 1) p = Partitioning::Forward();
    return Append(input, p, FlinkNodeName(node), global ? 1 : options_.parallelism,
                  Factory<runtime::GroupAggregateOperator>(options));
  }

  const ChangelogModes& modes_;
  const StreamTranslateOptions& options_;
  runtime::JobGraph* graph_;
  // The SESSION table function a session window aggregation is translating.
  const sql::PlanNode* session_aggregate_ = nullptr;
  // The HOP table function a sliced window aggregation is translating.
  const sql::PlanNode* sliced_tvf_ = nullptr;

 public:
  arrow::Status status_;
};

}  // namespace

std::string FirstUnsupportedInStreaming(const sql::PlanNode& node) {
  switch (node.kind) {
    case sql::PlanKind::kSort:
      return "ORDER BY";
    case sql::PlanKind::kLimit:
      return "LIMIT/OFFSET";
    case sql::PlanKind::kOver:
      // Ordered by event time, it runs on the streaming runtime; otherwise bounded
      // input runs in batch (unbounded input gets Flink's error from Over()).
      if (IsBoundedPlan(node) &&
          (node.over.order.size() != 1 || node.over.order[0].descending ||
           node.over.whole_partition ||
           !IsTimeAttribute(*node.inputs[0], node.over.order[0].field))) {
        return "an OVER window not ordered by a time attribute";
      }
      // Frames past the current row and LEAD: the batch engine, on bounded input.
      if (IsBoundedPlan(node) &&
          (node.over.following != 0 ||
           (node.over.preceding && *node.over.preceding < 0) ||
           std::any_of(
               node.over_calls.begin(), node.over_calls.end(),
               [](const sql::OverCall& call) { return call.function == "lead"; }))) {
        return "an OVER window reading rows after the current one, or LEAD";
      }
      break;
    default:
      break;
  }
  for (const sql::PlanPtr& input : node.inputs) {
    std::string found = FirstUnsupportedInStreaming(*input);
    if (!found.empty()) return found;
  }
  return "";
}

bool NeedsStreamingSemantics(const sql::PlanNode& node) {
  if (node.kind == sql::PlanKind::kOver && !node.over.rows &&
      std::any_of(node.over_calls.begin(), node.over_calls.end(),
                  [](const sql::OverCall& call) { return call.function == "lag"; })) {
    return true;
  }
  return std::any_of(
      node.inputs.begin(), node.inputs.end(),
      [](const sql::PlanPtr& input) { return NeedsStreamingSemantics(*input); });
}

arrow::Result<StreamOutput> TranslateToStream(const sql::PlanPtr& plan,
                                              const ChangelogModes& modes,
                                              const StreamTranslateOptions& options,
                                              runtime::JobGraph* graph) {
  Translator translator(modes, options, graph);
  ARROW_ASSIGN_OR_RAISE(Stream stream, translator.Translate(*plan));
  stream = translator.ToJobParallelism(*plan, stream);
  ARROW_RETURN_NOT_OK(translator.status_);
  return StreamOutput{stream.vertex, modes.Of(*plan)};
}

}  // namespace weir::planner
