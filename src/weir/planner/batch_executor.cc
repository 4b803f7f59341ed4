#include "weir/planner/batch_executor.h"

// GCC 12 reports a false maybe-uninitialized inside std::variant when Acero
// declarations (variant<ExecNode*, Declaration> inputs) are moved.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <thread>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <arrow/util/thread_pool.h>
#include <fmt/format.h>

#include "weir/connectors/collect/sink.h"
#include "weir/planner/over_plan.h"
#include "weir/planner/runtime_filter.h"
#include "weir/planner/stall_watchdog.h"
#include "weir/planner/stream_translator.h"
#include "weir/planner/table_connectors.h"
#include "weir/runtime/job.h"
#include "weir/runtime/job_graph.h"
#include "weir/runtime/operators/conform_operator.h"
#include "weir/runtime/operators/correlate_operator.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/project_operator.h"
#include "weir/sql/plan/planner.h"

namespace weir::planner {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

// Gives the scanner's batches the plan's internal column names and the table's
// declared types.
class ScanReader : public arrow::RecordBatchReader {
 public:
  ScanReader(std::shared_ptr<arrow::RecordBatchReader> input,
             std::shared_ptr<arrow::Schema> schema, std::string table,
             const std::atomic<bool>* cancel, std::shared_ptr<QueryProgress> progress)
      : input_(std::move(input)),
        schema_(std::move(schema)),
        table_(std::move(table)),
        cancel_(cancel),
        progress_(std::move(progress)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    if (progress_->abandoned.load()) {
      return arrow::Status::Cancelled("query abandoned: it made no progress");
    }
    if (cancel_ != nullptr && cancel_->load()) {
      return arrow::Status::Cancelled("query cancelled");
    }
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
    progress_->batches.fetch_add(1);
    if (batch == nullptr) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*out, runtime::ConformToSchema(batch, schema_, table_));
    return arrow::Status::OK();
  }
  arrow::Status Close() override { return input_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> schema_;
  std::string table_;
  const std::atomic<bool>* cancel_;
  std::shared_ptr<QueryProgress> progress_;
};

arrow::Result<std::shared_ptr<arrow::Table>> Rename(
    std::shared_ptr<arrow::Table> table, const std::shared_ptr<arrow::Schema>& schema) {
  arrow::ChunkedArrayVector columns;
  for (int i = 0; i < schema->num_fields(); ++i) {
    // By name when the names match (Acero orders aggregate outputs its own way).
    std::shared_ptr<arrow::ChunkedArray> column =
        table->GetColumnByName(schema->field(i)->name());
    if (column == nullptr) column = table->column(i);
    if (!column->type()->Equals(*schema->field(i)->type())) {
      ARROW_ASSIGN_OR_RAISE(auto cast, cp::Cast(column, schema->field(i)->type()));
      column = cast.chunked_array();
    }
    columns.push_back(column);
  }
  return arrow::Table::Make(schema, columns, table->num_rows());
}

// Nodes that hold their whole input before producing a row.
bool Materialised(const sql::PlanNode& node) {
  return node.kind == sql::PlanKind::kSort || node.kind == sql::PlanKind::kLimit ||
         node.kind == sql::PlanKind::kOver || node.kind == sql::PlanKind::kRank;
}

class Translator {
 public:
  Translator(int parallelism, const std::atomic<bool>* cancel,
             std::shared_ptr<QueryProgress> progress)
      : parallelism_(parallelism), cancel_(cancel), progress_(std::move(progress)) {}

  arrow::Result<ac::Declaration> Translate(const sql::PlanNode& node) {
    // Window table functions and window aggregations run on weir's runtime (batch
    // mode: the final watermark fires every window); their rows feed the rest.
    if (node.HasKind(sql::PlanKind::kWindowTvf) &&
        FirstUnsupportedInStreaming(node).empty()) {
      sql::PlanPtr subplan(sql::PlanPtr(), &node);  // not owned: lives during the call
      ARROW_ASSIGN_OR_RAISE(ChangelogModes modes, ChangelogModes::Infer(subplan));
      if (modes.Of(node).insert_only()) return RunOnRuntime(subplan, modes);
    }
    switch (node.kind) {
      case sql::PlanKind::kWindowTvf:
        return arrow::Status::NotImplemented(
            "a window function over a join, ORDER BY or LIMIT is not supported yet");
      case sql::PlanKind::kScan:
        return Scan(node);
      case sql::PlanKind::kValues:
        return ac::Declaration("table_source", ac::TableSourceNodeOptions(node.values));
      case sql::PlanKind::kFilter: {
        ARROW_ASSIGN_OR_RAISE(auto input, Translate(*node.inputs[0]));
        return ac::Declaration::Sequence(
            {std::move(input),
             {"filter", ac::FilterNodeOptions(sql::UnbindExpression(node.predicate))}});
      }
      case sql::PlanKind::kProject: {
        ARROW_ASSIGN_OR_RAISE(auto input, Translate(*node.inputs[0]));
        std::vector<cp::Expression> exprs;
        std::vector<std::string> names;
        for (size_t i = 0; i < node.exprs.size(); ++i) {
          exprs.push_back(sql::UnbindExpression(node.exprs[i]));
          names.push_back(node.schema->field(static_cast<int>(i))->name());
        }
        return ac::Declaration::Sequence(
            {std::move(input), {"project", ac::ProjectNodeOptions(exprs, names)}});
      }
      case sql::PlanKind::kAggregate: {
        ARROW_ASSIGN_OR_RAISE(auto input, Translate(*node.inputs[0]));
        std::vector<cp::Aggregate> aggregates;
        bool grouped = !node.group_keys.empty();
        // LISTAGG: Arrow's hash_list, then the strings joined (below). It needs a
        // key: a global one gets a constant key.
        const bool listagg = std::any_of(
            node.aggregates.begin(), node.aggregates.end(),
            [](const sql::AggregateCall& c) { return c.function == "listagg"; });
        const bool user = std::any_of(
            node.aggregates.begin(), node.aggregates.end(),
            [](const sql::AggregateCall& c) { return c.user_function != nullptr; });
        if ((listagg && !grouped) || user) {
          // A global LISTAGG: Acero has no ungrouped list aggregate, and a constant
          // key would give no row for an empty input. Registered aggregate functions
          // have no Acero kernel. The runtime's accumulators compute both.
          ARROW_ASSIGN_OR_RAISE(auto table,
                                grouped ? GroupedAggregate(node) : GlobalAggregate(node));
          return ac::Declaration("table_source", ac::TableSourceNodeOptions(table));
        }
        for (const sql::AggregateCall& call : node.aggregates) {
          std::string function = (grouped ? "hash_" : "") + call.function;
          if (call.function == "listagg") function = "hash_list";
          if (call.function == "first" || call.function == "last" ||
              call.function == "listagg") {
            ordered_ = true;
          }
          if (call.input.empty()) {
            aggregates.emplace_back(function, call.options,
                                    std::vector<arrow::FieldRef>{}, call.output);
          } else {
            aggregates.emplace_back(function, call.options, arrow::FieldRef(call.input),
                                    call.output);
          }
        }
        std::vector<arrow::FieldRef> keys;
        for (const std::string& key : node.group_keys) keys.emplace_back(key);
        ac::Declaration aggregate = ac::Declaration::Sequence(
            {std::move(input),
             {"aggregate", ac::AggregateNodeOptions(std::move(aggregates), keys)}});
        if (!listagg) return aggregate;
        std::vector<cp::Expression> exprs;
        std::vector<std::string> names;
        for (const auto& f : node.schema->fields()) {
          cp::Expression e = cp::field_ref(f->name());
          for (const sql::AggregateCall& call : node.aggregates) {
            if (call.function == "listagg" && call.output == f->name()) {
              e = cp::call("weir_list_join", {e, cp::literal(call.separator)});
            }
          }
          exprs.push_back(e);
          names.push_back(f->name());
        }
        return ac::Declaration::Sequence(
            {std::move(aggregate), {"project", ac::ProjectNodeOptions(exprs, names)}});
      }
      case sql::PlanKind::kJoin: {
        // Acero builds its hash table on the right input: swap when the optimizer
        // chose the left one (inner and outer joins; semi/anti keep their sides).
        bool swap = node.build_left && node.join_type != sql::PlanJoinType::kSemi &&
                    node.join_type != sql::PlanJoinType::kAnti;
        const sql::PlanNode& left_node = *node.inputs[swap ? 1 : 0];
        const sql::PlanNode& right_node = *node.inputs[swap ? 0 : 1];
        ARROW_ASSIGN_OR_RAISE(
            std::optional<ac::Declaration> built,
            BuildWithRuntimeFilters(node, left_node, right_node,
                                    swap ? node.right_keys : node.left_keys,
                                    swap ? node.left_keys : node.right_keys));
        // The probe side is translated after the build side ran: its scans then
        // carry the runtime filters.
        ARROW_ASSIGN_OR_RAISE(auto left, Translate(left_node));
        ac::Declaration right;
        if (built) {
          right = std::move(*built);
        } else {
          ARROW_ASSIGN_OR_RAISE(right, Translate(right_node));
        }
        ac::JoinType type = ac::JoinType::INNER;
        switch (node.join_type) {
          case sql::PlanJoinType::kInner:
            break;
          case sql::PlanJoinType::kLeft:
            type = ac::JoinType::LEFT_OUTER;
            break;
          case sql::PlanJoinType::kRight:
            type = ac::JoinType::RIGHT_OUTER;
            break;
          case sql::PlanJoinType::kFull:
            type = ac::JoinType::FULL_OUTER;
            break;
          case sql::PlanJoinType::kSemi:
            type = ac::JoinType::LEFT_SEMI;
            break;
          case sql::PlanJoinType::kAnti:
            type = ac::JoinType::LEFT_ANTI;
            break;
        }
        if (swap && type == ac::JoinType::LEFT_OUTER) {
          type = ac::JoinType::RIGHT_OUTER;
        } else if (swap && type == ac::JoinType::RIGHT_OUTER) {
          type = ac::JoinType::LEFT_OUTER;
        }
        std::vector<arrow::FieldRef> lk, rk;
        for (const std::string& k : swap ? node.right_keys : node.left_keys)
          lk.emplace_back(k);
        for (const std::string& k : swap ? node.left_keys : node.right_keys)
          rk.emplace_back(k);
        if (lk.empty()) {
          // A join without equal keys (a cross join, other conditions only): Acero's
          // hash join on a constant key on both sides.
          left = WithConstantKey(std::move(left), *left_node.schema, "$left_key");
          right = WithConstantKey(std::move(right), *right_node.schema, "$right_key");
          lk.emplace_back("$left_key");
          rk.emplace_back("$right_key");
        }
        ac::HashJoinNodeOptions options(type, lk, rk,
                                        sql::UnbindExpression(node.residual), "", "");
        if (node.null_equal_keys) {
          options.key_cmp.assign(lk.size(), ac::JoinKeyCmp::IS);
        }
        ac::Declaration join("hashjoin", {std::move(left), std::move(right)},
                             std::move(options));
        // Keep exactly the planned columns (in their order).
        return Select(std::move(join), *node.schema);
      }
      case sql::PlanKind::kUnion: {
        std::vector<ac::Declaration::Input> inputs;
        for (const sql::PlanPtr& input : node.inputs) {
          ARROW_ASSIGN_OR_RAISE(auto declaration, Translate(*input));
          inputs.push_back(std::move(declaration));
        }
        return ac::Declaration("union", std::move(inputs), ac::ExecNodeOptions{});
      }
      case sql::PlanKind::kSort:
      case sql::PlanKind::kLimit:
      case sql::PlanKind::kOver:
      case sql::PlanKind::kRank:
      case sql::PlanKind::kCorrelate: {
        // Materialised: sort with Arrow's kernels, slice for OFFSET/LIMIT, window
        // functions over partitions in order.
        ARROW_ASSIGN_OR_RAISE(auto table, RunToTable(node));
        return ac::Declaration("table_source", ac::TableSourceNodeOptions(table));
      }
    }
    return arrow::Status::Invalid("unknown plan node");
  }

  // An aggregation without keys over the whole input, with the streaming runtime's
  // accumulators (one group): one row, also for an empty input.
  arrow::Result<std::shared_ptr<arrow::Table>> GlobalAggregate(
      const sql::PlanNode& node) {
    ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
    ARROW_ASSIGN_OR_RAISE(auto batch, input->CombineChunksToBatch());
    const std::vector<uint32_t> groups(static_cast<size_t>(batch->num_rows()), 0);
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector columns,
                          AggregateGroups(node, *batch, groups, 1));
    arrow::FieldVector fields;
    for (size_t i = 0; i < columns.size(); ++i) {
      fields.push_back(arrow::field(node.aggregates[i].output, columns[i]->type()));
    }
    return arrow::Table::Make(arrow::schema(fields), columns, 1);
  }

  // The results of `node`'s aggregates over `batch`, whose rows belong to groups
  // `groups` (0 … num_groups-1), with the runtime's accumulators.
  arrow::Result<arrow::ArrayVector> AggregateGroups(const sql::PlanNode& node,
                                                    const arrow::RecordBatch& batch,
                                                    const std::vector<uint32_t>& groups,
                                                    uint32_t num_groups) {
    arrow::ArrayVector columns;
    std::vector<uint32_t> all(num_groups);
    for (uint32_t g = 0; g < num_groups; ++g) all[g] = g;
    for (const sql::AggregateCall& call : node.aggregates) {
      runtime::GroupAggregateCall c{call.function, call.input, call.output};
      c.separator = call.separator;
      c.user_function = call.user_function;
      if (auto* variance = dynamic_cast<const cp::VarianceOptions*>(call.options.get())) {
        c.ddof = variance->ddof;
      }
      std::shared_ptr<arrow::Array> in =
          call.input.empty() ? nullptr : batch.GetColumnByName(call.input);
      ARROW_ASSIGN_OR_RAISE(auto acc, runtime::GroupAccumulators::Make(
                                          c, in ? in->type() : nullptr, false));
      acc->Resize(num_groups);
      ARROW_RETURN_NOT_OK(
          acc->Update(in.get(), groups.data(), nullptr, batch.num_rows()));
      ARROW_ASSIGN_OR_RAISE(auto result, acc->Results(all));
      columns.push_back(std::move(result));
    }
    return columns;
  }

  // A grouped aggregation with the runtime's accumulators (registered aggregate
  // functions): Arrow's Grouper assigns the group ids.
  arrow::Result<std::shared_ptr<arrow::Table>> GroupedAggregate(
      const sql::PlanNode& node) {
    ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
    ARROW_ASSIGN_OR_RAISE(auto batch, input->CombineChunksToBatch());
    std::vector<arrow::TypeHolder> key_types;
    std::vector<arrow::Datum> keys;
    for (const std::string& key : node.group_keys) {
      auto column = batch->GetColumnByName(key);
      key_types.emplace_back(column->type());
      keys.emplace_back(column);
    }
    ARROW_ASSIGN_OR_RAISE(auto grouper, cp::Grouper::Make(key_types));
    ARROW_ASSIGN_OR_RAISE(
        arrow::Datum ids,
        grouper->Consume(cp::ExecSpan(cp::ExecBatch(keys, batch->num_rows()))));
    const auto& id_array = static_cast<const arrow::UInt32Array&>(*ids.make_array());
    std::vector<uint32_t> groups(id_array.raw_values(),
                                 id_array.raw_values() + id_array.length());
    const auto num_groups = static_cast<uint32_t>(grouper->num_groups());
    ARROW_ASSIGN_OR_RAISE(cp::ExecBatch uniques, grouper->GetUniques());
    arrow::ArrayVector columns;
    for (const arrow::Datum& key : uniques.values) columns.push_back(key.make_array());
    ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector results,
                          AggregateGroups(node, *batch, groups, num_groups));
    columns.insert(columns.end(), results.begin(), results.end());
    arrow::FieldVector fields;
    for (size_t i = 0; i < columns.size(); ++i) {
      fields.push_back(arrow::field(node.schema->field(static_cast<int>(i))->name(),
                                    columns[i]->type()));
    }
    return arrow::Table::Make(arrow::schema(fields), columns, num_groups);
  }

  arrow::Result<std::shared_ptr<arrow::Table>> RunToTable(const sql::PlanNode& node) {
    if (node.kind == sql::PlanKind::kCorrelate) {
      // The streaming operator, batch by batch over the materialised input.
      ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
      std::vector<cp::Expression> args;
      for (const auto& arg : node.exprs) args.push_back(sql::UnbindExpression(arg));
      runtime::CorrelateOperator correlate(node.table_function, std::move(args),
                                           sql::CorrelateColumnNames(node),
                                           node.join_type == sql::PlanJoinType::kLeft);
      arrow::TableBatchReader reader(*input);
      std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
      std::shared_ptr<arrow::RecordBatch> batch;
      while (true) {
        ARROW_RETURN_NOT_OK(reader.ReadNext(&batch));
        if (batch == nullptr) break;
        if (cancel_ != nullptr && cancel_->load()) {
          return arrow::Status::Cancelled("query cancelled");
        }
        ARROW_ASSIGN_OR_RAISE(auto rows, correlate.Apply(batch));
        batches.push_back(std::move(rows));
      }
      auto schema = arrow::schema(node.schema->fields());
      for (auto& b : batches) {
        ARROW_ASSIGN_OR_RAISE(b, runtime::ConformToSchema(b, schema, "Correlate"));
      }
      return arrow::Table::FromRecordBatches(schema, batches);
    }
    if (node.kind == sql::PlanKind::kOver || node.kind == sql::PlanKind::kRank) {
      ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
      return EvaluateOverNode(node, input);
    }
    if (node.kind == sql::PlanKind::kSort) {
      ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
      std::vector<cp::SortKey> keys;
      for (const sql::SortField& f : node.sort_fields) {
        keys.emplace_back(
            arrow::FieldRef(f.field),
            f.descending ? cp::SortOrder::Descending : cp::SortOrder::Ascending,
            f.nulls_first ? cp::NullPlacement::AtStart : cp::NullPlacement::AtEnd);
      }
      if (input->num_rows() == 0) return input;
      ARROW_ASSIGN_OR_RAISE(auto indices,
                            cp::SortIndices(arrow::Datum(input), cp::SortOptions(keys)));
      ARROW_ASSIGN_OR_RAISE(auto sorted,
                            cp::Take(arrow::Datum(input), arrow::Datum(indices)));
      return sorted.table();
    }
    if (node.kind == sql::PlanKind::kLimit) {
      ARROW_ASSIGN_OR_RAISE(auto input, Run(*node.inputs[0]));
      int64_t offset = std::min(node.offset, input->num_rows());
      int64_t length = input->num_rows() - offset;
      if (node.limit) length = std::min(length, *node.limit);
      return input->Slice(offset, length);
    }
    return Run(node);
  }

  arrow::Result<std::shared_ptr<arrow::Table>> Run(const sql::PlanNode& node) {
    if (Materialised(node)) {
      return RunToTable(node);
    }
    ARROW_ASSIGN_OR_RAISE(auto declaration, Translate(node));
    ARROW_ASSIGN_OR_RAISE(auto table, ac::DeclarationToTable(std::move(declaration),
                                                             /*use_threads=*/!ordered_));
    // Acero may return columns under the names it was given; keep the planned schema.
    if (table->num_columns() != node.schema->num_fields()) {
      return arrow::Status::Invalid(fmt::format(
          "internal error: the executed plan returned {} columns, the plan has {}",
          table->num_columns(), node.schema->num_fields()));
    }
    return Rename(table, node.schema);
  }

  // Runs `node` and returns its rows as they are produced (a Sort or LIMIT at the
  // top still materialises, as it must); the batches carry the planned schema.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Stream(
      const sql::PlanNode& node) {
    if (Materialised(node)) {
      ARROW_ASSIGN_OR_RAISE(auto table, RunToTable(node));
      return std::make_shared<arrow::TableBatchReader>(table);
    }
    ARROW_ASSIGN_OR_RAISE(auto declaration, Translate(node));
    ARROW_ASSIGN_OR_RAISE(auto reader,
                          ac::DeclarationToReader(std::move(declaration),
                                                  /*use_threads=*/!ordered_));
    return reader;
  }

 private:
  // A reader source blocks its thread in ReadNext until the scan's own pool has
  // decoded a batch, and that decoding may queue reads on Arrow's I/O pool. On the
  // shared I/O pool, a plan with as many scans as I/O threads deadlocked (every I/O
  // thread waiting for a read queued behind it). Each source therefore gets a thread
  // of its own, alive as long as the translator: no pool thread ever waits for work
  // queued on its own pool.
  arrow::Result<ac::Declaration> ReaderSource(
      std::shared_ptr<arrow::RecordBatchReader> reader) {
    ARROW_ASSIGN_OR_RAISE(auto thread, arrow::internal::ThreadPool::Make(1));
    reader_threads_.push_back(thread);
    return ac::Declaration(
        "record_batch_reader_source",
        ac::RecordBatchReaderSourceNodeOptions(std::move(reader), thread.get()));
  }

  // `input` with a column `name` that is true in every row appended.
  static ac::Declaration WithConstantKey(ac::Declaration input,
                                         const arrow::Schema& schema,
                                         const std::string& name) {
    std::vector<cp::Expression> exprs;
    std::vector<std::string> names;
    for (const auto& field : schema.fields()) {
      exprs.push_back(cp::field_ref(field->name()));
      names.push_back(field->name());
    }
    exprs.push_back(cp::literal(true));
    names.push_back(name);
    return ac::Declaration::Sequence(
        {std::move(input), {"project", ac::ProjectNodeOptions(exprs, names)}});
  }

  // Runtime filters: for a join the optimizer marked whose probe keys come unchanged
  // from a Parquet scan, runs the build side first and adds a filter on its keys (range,
  // and IN list when few) to that scan, which then prunes row groups, pages and
  // rows. Returns the build side's rows as a source, or nullopt when no probe key
  // reaches a scan (the build side is then translated as usual).
  arrow::Result<std::optional<ac::Declaration>> BuildWithRuntimeFilters(
      const sql::PlanNode& join, const sql::PlanNode& probe, const sql::PlanNode& build,
      const std::vector<std::string>& probe_keys,
      const std::vector<std::string>& build_keys) {
    if (!join.runtime_filter) return std::nullopt;
    std::vector<std::pair<size_t, ProbeScanColumn>> targets;
    for (size_t i = 0; i < probe_keys.size(); ++i) {
      if (auto target = FindProbeScanColumn(probe, probe_keys[i]))
        targets.emplace_back(i, *target);
    }
    if (targets.empty()) return std::nullopt;
    ARROW_ASSIGN_OR_RAISE(auto rows, Run(build));
    for (const auto& [i, target] : targets) {
      auto keys = rows->GetColumnByName(build_keys[i]);
      if (keys == nullptr) continue;
      ARROW_ASSIGN_OR_RAISE(auto filter,
                            RuntimeFilterFor(keys, target.column, [scan = target.scan] {
                              return ScanStatistics(*scan);
                            }));
      if (filter) runtime_filters_[target.scan].push_back(*filter);
    }
    return ac::Declaration("table_source", ac::TableSourceNodeOptions(rows));
  }

  arrow::Result<ac::Declaration> Select(ac::Declaration input,
                                        const arrow::Schema& schema) {
    std::vector<cp::Expression> exprs;
    std::vector<std::string> names;
    for (const auto& field : schema.fields()) {
      exprs.push_back(cp::field_ref(field->name()));
      names.push_back(field->name());
    }
    return ac::Declaration::Sequence(
        {std::move(input), {"project", ac::ProjectNodeOptions(exprs, names)}});
  }

  arrow::Result<ac::Declaration> Scan(const sql::PlanNode& node) {
    const sql::CatalogTable& table = *node.table;
    ARROW_ASSIGN_OR_RAISE(const connectors::TableFactory* factory, table.Factory());
    connectors::TableDescriptor described = table.Descriptor();
    connectors::ScanRequest request = ScanRequestOf(node, /*streaming=*/false);
    auto runtime = runtime_filters_.find(&node);
    if (runtime != runtime_filters_.end()) {
      std::vector<cp::Expression> terms = runtime->second;
      if (node.scan_filter) terms.push_back(*node.scan_filter);
      request.filter = cp::and_(terms);
    }
    // Connectors that read directly (the Parquet and text file readers) feed Acero.
    ARROW_ASSIGN_OR_RAISE(auto reader, factory->OpenBatchReader(described, request));
    if (reader != nullptr) {
      return ReaderSource(std::make_shared<ScanReader>(reader, node.schema, table.name,
                                                       cancel_, progress_));
    }
    ARROW_ASSIGN_OR_RAISE(runtime::SourceFactory source,
                          factory->MakeSource(described, request));
    if (!factory->IsBounded(described)) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}' is unbounded (connector '{}'); a batch query needs a bounded "
          "source (for datagen set 'number-of-rows'), or SET 'execution.runtime-mode' = "
          "'streaming'",
          table.name, table.connector()));
    }
    // Other bounded sources run as a weir job whose rows feed the plan.
    int parallelism =
        parallelism_ > 0
            ? parallelism_
            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    auto collected = std::make_shared<connectors::CollectedBatches>();
    std::vector<runtime::NamedExpression> columns;
    for (int i = 0; i < node.schema->num_fields(); ++i) {
      columns.push_back(
          {node.schema->field(i)->name(), cp::field_ref(node.scan_columns[i])});
    }
    runtime::JobGraph graph;
    int from = graph.AddSource(table.name, parallelism, std::move(source));
    int rename =
        graph.AddOperator("Rename", parallelism,
                          [columns](const runtime::SubtaskInfo&)
                              -> arrow::Result<std::unique_ptr<runtime::Operator>> {
                            return std::make_unique<runtime::ProjectOperator>(columns);
                          });
    int sink =
        graph.AddOperator("Collect", parallelism, connectors::MakeCollectSink(collected));
    ARROW_RETURN_NOT_OK(graph.Connect(from, rename, runtime::Partitioning::Forward()));
    ARROW_RETURN_NOT_OK(graph.Connect(rename, sink, runtime::Partitioning::Forward()));
    ARROW_ASSIGN_OR_RAISE(
        auto client,
        runtime::ExecuteAsync(graph, runtime::RuntimeOptions{}, "scan " + table.name));
    ARROW_RETURN_NOT_OK(WaitForJob(client, collected));
    ARROW_ASSIGN_OR_RAISE(auto rows, collected->ToTable(node.schema));
    ARROW_ASSIGN_OR_RAISE(rows, Rename(rows, node.schema));
    return ac::Declaration("table_source", ac::TableSourceNodeOptions(rows));
  }

  // Runs an insert-only plan as a bounded job on weir's runtime and collects its rows.
  arrow::Result<ac::Declaration> RunOnRuntime(const sql::PlanPtr& plan,
                                              const ChangelogModes& modes) {
    StreamTranslateOptions options;
    options.streaming = false;
    options.parallelism =
        parallelism_ > 0
            ? parallelism_
            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    runtime::JobGraph graph;
    ARROW_ASSIGN_OR_RAISE(StreamOutput output,
                          TranslateToStream(plan, modes, options, &graph));
    auto collected = std::make_shared<connectors::CollectedBatches>();
    const int sink = graph.AddOperator("Collect", options.parallelism,
                                       connectors::MakeCollectSink(collected));
    ARROW_RETURN_NOT_OK(
        graph.Connect(output.vertex, sink, runtime::Partitioning::Forward()));
    ARROW_ASSIGN_OR_RAISE(
        auto client, runtime::ExecuteAsync(graph, runtime::RuntimeOptions{}, "window"));
    ARROW_RETURN_NOT_OK(WaitForJob(client, collected));
    ARROW_ASSIGN_OR_RAISE(auto rows, collected->ToTable(plan->schema));
    return ac::Declaration("table_source", ac::TableSourceNodeOptions(rows));
  }

  // Waits for a job, cancelling it when the query is, and reports progress to the
  // stall watchdog.
  arrow::Status WaitForJob(
      const std::shared_ptr<runtime::JobClient>& client,
      const std::shared_ptr<connectors::CollectedBatches>& collected) {
    int64_t rows_seen = 0;
    while (!client->WaitFor(std::chrono::milliseconds(100))) {
      if ((cancel_ != nullptr && cancel_->load()) || progress_->abandoned.load())
        client->Cancel();
      if (collected->num_rows() != rows_seen) {
        rows_seen = collected->num_rows();
        progress_->batches.fetch_add(1);
      }
    }
    return client->Wait().status();
  }

  int parallelism_;
  const std::atomic<bool>* cancel_;
  std::shared_ptr<QueryProgress> progress_;
  bool ordered_ = false;
  // Filters from the build sides of joins, by the probe-side scan they prune.
  std::map<const sql::PlanNode*, std::vector<cp::Expression>> runtime_filters_;
  // The reader sources' threads; every plan that used them has finished before the
  // translator is destroyed.
  std::vector<std::shared_ptr<arrow::internal::ThreadPool>> reader_threads_;
};

}  // namespace

namespace {

// The rows of a running plan under the planned schema. Owns the translator, whose
// reader threads and runtime filters the plan uses until it ends.
class PlanReader : public arrow::RecordBatchReader {
 public:
  PlanReader(std::unique_ptr<Translator> translator,
             std::shared_ptr<arrow::RecordBatchReader> input,
             std::shared_ptr<arrow::Schema> schema)
      : translator_(std::move(translator)),
        input_(std::move(input)),
        schema_(std::move(schema)) {}
  ~PlanReader() override { (void)input_->Close(); }
  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
    if (batch == nullptr) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    if (batch->num_columns() != schema_->num_fields()) {
      return arrow::Status::Invalid(fmt::format(
          "internal error: the executed plan returned {} columns, the plan has {}",
          batch->num_columns(), schema_->num_fields()));
    }
    *out = arrow::RecordBatch::Make(schema_, batch->num_rows(), batch->columns());
    return arrow::Status::OK();
  }
  arrow::Status Close() override { return input_->Close(); }

 private:
  std::unique_ptr<Translator> translator_;
  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> StreamBatchPlan(
    const sql::PlanPtr& plan, const BatchOptions& options) {
  auto translator = std::make_unique<Translator>(options.parallelism, options.cancel,
                                                 std::make_shared<QueryProgress>());
  ARROW_ASSIGN_OR_RAISE(auto reader, translator->Stream(*plan));
  return std::make_shared<PlanReader>(std::move(translator), std::move(reader),
                                      plan->schema);
}

arrow::Result<std::shared_ptr<arrow::Table>> ExecuteBatchPlan(
    const sql::PlanPtr& plan, const BatchOptions& options) {
  auto progress = std::make_shared<QueryProgress>();
  // The work owns what it uses: an abandoned query's thread may outlive this call.
  return RunWithStallWatchdog(
      [plan, options, progress]() {
        Translator translator(options.parallelism, options.cancel, progress);
        return translator.Run(*plan);
      },
      progress, options.stall_timeout);
}

}  // namespace weir::planner
