#include "weir/format/parquet/scanner.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <arrow/array/util.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/io/file.h>
#include <arrow/type.h>
#include <arrow/util/thread_pool.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include "weir/common/error.h"
#include "weir/expr/pruning.h"
#include "weir/format/parquet/parquet_error.h"
#include "weir/format/parquet/projection.h"
#include "weir/format/parquet/row_group_pruner.h"

namespace weir::format {

namespace cp = arrow::compute;
using BatchVector = std::vector<std::shared_ptr<arrow::RecordBatch>>;

/// Everything a scan decided before reading; shared read-only with worker tasks.
struct ScanPlan {
  std::shared_ptr<ParquetDataset> dataset;
  ScanOptions options;
  Projection projection;
  /// What to read of each file column (output needs plus filter columns in full).
  std::map<std::string, ColumnSelection> read;
  /// File columns to read, in dataset order, and partition columns needed.
  std::vector<std::string> read_columns;
  std::vector<int> partition_indices;  // into dataset->partition_schema()
  /// Schema of a decoded batch with partition columns appended; the filter is bound to
  /// it.
  std::shared_ptr<arrow::Schema> eval_schema;
  std::optional<cp::Expression> eval_filter;
  /// The filter bound to the dataset schema, for pruning.
  std::optional<cp::Expression> dataset_filter;
  std::shared_ptr<arrow::Schema> output_schema;

  mutable std::mutex mu;
  mutable ScanCounters counters;
};

/// One row group of one file to decode, filter and project.
struct ScanTask {
  size_t file_index;
  std::shared_ptr<parquet::FileMetaData> metadata;
  RowGroupSelection selection;
  /// Decode this row group's columns in parallel (Arrow's CPU pool): worth it when
  /// too few row groups are selected to keep every worker busy.
  bool parallel_columns = false;
};

namespace {

// The parts of rows [begin, end) that lie in `ranges` (all of it when empty), as
// offsets relative to `begin`.
std::vector<std::pair<int64_t, int64_t>> SelectedSlices(
    const std::vector<std::pair<int64_t, int64_t>>& ranges, int64_t begin, int64_t end) {
  if (ranges.empty()) return {{0, end - begin}};
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& [b, e] : ranges) {
    int64_t lo = std::max(b, begin), hi = std::min(e, end);
    if (lo < hi) out.emplace_back(lo - begin, hi - lo);
  }
  return out;
}

// Converts a decoded batch of one file to the plan's eval schema: missing columns
// become nulls, differently typed ones are cast, partition values are appended.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> Conform(
    const ScanPlan& plan, size_t file_index, const arrow::RecordBatch& batch) {
  arrow::ArrayVector columns;
  const int64_t n = batch.num_rows();
  for (int i = 0; i < plan.eval_schema->num_fields(); ++i) {
    const auto& field = plan.eval_schema->field(i);
    if (i >= static_cast<int>(plan.read_columns.size())) {
      int p = plan.partition_indices[i - plan.read_columns.size()];
      ARROW_ASSIGN_OR_RAISE(
          auto arr,
          arrow::MakeArrayFromScalar(*plan.dataset->partition_scalars(file_index)[p], n));
      columns.push_back(std::move(arr));
      continue;
    }
    auto arr = batch.GetColumnByName(field->name());
    if (!arr) {
      ARROW_ASSIGN_OR_RAISE(arr, arrow::MakeArrayOfNull(field->type(), n));
    } else if (!arr->type()->Equals(*field->type())) {
      auto cast = cp::Cast(*arr, field->type());
      if (!cast.ok()) {
        return UserError("{}: column '{}' has type {} but the dataset has {}",
                         plan.dataset->files()[file_index].path, field->name(),
                         arr->type()->ToString(), field->type()->ToString());
      }
      arr = *cast;
    }
    columns.push_back(std::move(arr));
  }
  return arrow::RecordBatch::Make(plan.eval_schema, n, std::move(columns));
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> FilterAndProject(
    const ScanPlan& plan, std::shared_ptr<arrow::RecordBatch> batch) {
  if (plan.eval_filter) {
    ARROW_ASSIGN_OR_RAISE(
        arrow::Datum mask,
        cp::ExecuteScalarExpression(*plan.eval_filter, cp::ExecBatch(*batch)));
    if (mask.is_scalar()) {
      const auto& s = mask.scalar_as<arrow::BooleanScalar>();
      if (!s.is_valid || !s.value) return batch->Slice(0, 0);
    } else {
      ARROW_ASSIGN_OR_RAISE(arrow::Datum filtered, cp::Filter(batch, mask));
      batch = filtered.record_batch();
    }
  }
  arrow::ArrayVector out;
  for (const auto& name : plan.projection.output_columns) {
    auto arr = batch->GetColumnByName(name);
    ARROW_ASSIGN_OR_RAISE(arr, PruneArray(arr, plan.projection.selections.at(name)));
    out.push_back(std::move(arr));
  }
  return arrow::RecordBatch::Make(plan.output_schema, batch->num_rows(), std::move(out));
}

arrow::Result<BatchVector> RunTask(const ScanPlan& plan, const ScanTask& task) {
  const std::string& path = plan.dataset->files()[task.file_index].path;
  return CatchParquet(path, [&]() -> arrow::Result<BatchVector> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    auto reader = parquet::ParquetFileReader::Open(
        file, parquet::default_reader_properties(), task.metadata);
    parquet::ArrowReaderProperties props;
    props.set_batch_size(plan.options.batch_size);
    props.set_use_threads(task.parallel_columns);
    ARROW_ASSIGN_OR_RAISE(auto arrow_reader,
                          parquet::arrow::FileReader::Make(arrow::default_memory_pool(),
                                                           std::move(reader), props));
    std::vector<int> leaves;
    for (const auto& field : arrow_reader->manifest().schema_fields) {
      auto it = plan.read.find(field.field->name());
      if (it != plan.read.end()) CollectLeaves(field, it->second, &leaves);
    }
    const int rg = task.selection.row_group;
    const int64_t rg_rows = task.metadata->RowGroup(rg)->num_rows();
    BatchVector out;
    int64_t rows_read = 0, rows_skipped = 0, rows_out = 0;
    auto consume = [&](std::shared_ptr<arrow::RecordBatch> raw,
                       int64_t offset) -> arrow::Status {
      // Corrupt pages can decode to columns of different lengths; never pass them on.
      ARROW_RETURN_NOT_OK(raw->Validate());
      rows_read += raw->num_rows();
      // Rows outside the page-index selection cannot match: drop them before the
      // filter is evaluated.
      int64_t kept = 0;
      for (const auto& [start, len] :
           SelectedSlices(task.selection.ranges, offset, offset + raw->num_rows())) {
        kept += len;
        auto piece = len == raw->num_rows() ? raw : raw->Slice(start, len);
        ARROW_ASSIGN_OR_RAISE(auto conformed, Conform(plan, task.file_index, *piece));
        ARROW_ASSIGN_OR_RAISE(auto result, FilterAndProject(plan, std::move(conformed)));
        rows_out += result->num_rows();
        if (result->num_rows() > 0) out.push_back(std::move(result));
      }
      rows_skipped += raw->num_rows() - kept;
      return arrow::Status::OK();
    };
    if (leaves.empty()) {
      // Only partition columns (or nothing) are needed: no column chunk to decode.
      auto empty = arrow::schema({});
      for (int64_t off = 0; off < rg_rows; off += plan.options.batch_size) {
        int64_t len = std::min(plan.options.batch_size, rg_rows - off);
        ARROW_RETURN_NOT_OK(
            consume(arrow::RecordBatch::Make(empty, len, arrow::ArrayVector{}), off));
      }
    } else {
      ARROW_ASSIGN_OR_RAISE(auto batches,
                            arrow_reader->GetRecordBatchReader({rg}, leaves));
      int64_t offset = 0;
      while (true) {
        ARROW_ASSIGN_OR_RAISE(auto raw, batches->Next());
        if (!raw) break;
        int64_t len = raw->num_rows();
        ARROW_RETURN_NOT_OK(consume(std::move(raw), offset));
        offset += len;
      }
      if (offset != rg_rows) {
        return arrow::Status::IOError(
            "invalid Parquet file: row group ", rg, " decoded to ", offset,
            " rows but its metadata says ", rg_rows, " (corrupt column chunk?)");
      }
    }
    std::lock_guard<std::mutex> lock(plan.mu);
    plan.counters.rows_read += rows_read;
    plan.counters.rows_skipped_by_page_index += rows_skipped;
    plan.counters.rows_output += rows_out;
    return out;
  });
}

}  // namespace

arrow::Result<std::shared_ptr<ParquetScanner>> ParquetScanner::Make(
    std::shared_ptr<ParquetDataset> dataset, ScanOptions options) {
  if (options.batch_size <= 0) return UserError("batch size must be positive");
  if (options.split_count < 1 || options.split_index < 0 ||
      options.split_index >= options.split_count) {
    return arrow::Status::Invalid("split ", options.split_index, " of ",
                                  options.split_count, " is out of range");
  }
  if (options.parallelism <= 0) {
    options.parallelism = std::max(1u, std::thread::hardware_concurrency());
  }
  if (options.readahead <= 0) options.readahead = 2 * options.parallelism;

  auto plan = std::make_shared<ScanPlan>();
  plan->dataset = dataset;
  const arrow::Schema& schema = *dataset->schema();
  ARROW_ASSIGN_OR_RAISE(plan->projection, ResolveProjection(options.columns, schema));

  std::set<std::string> filter_columns;
  if (options.filter) {
    cp::Expression f = expr::Unbind(*options.filter);
    auto bound = f.Bind(schema);
    if (!bound.ok())
      return UserError("cannot apply filter: {}", bound.status().message());
    if (!bound->type()->Equals(arrow::boolean())) {
      return UserError("filter must be boolean, got {}", bound->type()->ToString());
    }
    plan->dataset_filter = *bound;
    for (const auto& ref : cp::FieldsInExpression(*bound)) {
      auto path = ref.FindOne(schema);
      if (!path.ok()) return UserError("filter: {}", path.status().message());
      filter_columns.insert(schema.field((*path)[0])->name());
    }
  }

  arrow::FieldVector eval_fields;
  const auto& file_schema = *dataset->file_schema();
  for (const auto& field : file_schema.fields()) {
    const std::string& name = field->name();
    bool in_output = plan->projection.selections.count(name) > 0;
    if (!in_output && !filter_columns.count(name)) continue;
    ColumnSelection sel =
        in_output ? plan->projection.selections[name] : ColumnSelection{};
    if (filter_columns.count(name)) sel = ColumnSelection{true, {}};
    plan->read[name] = sel;
    plan->read_columns.push_back(name);
    eval_fields.push_back(field->WithType(PruneType(field->type(), sel)));
  }
  const auto& part_schema = *dataset->partition_schema();
  for (int i = 0; i < part_schema.num_fields(); ++i) {
    const std::string& name = part_schema.field(i)->name();
    if (plan->projection.selections.count(name) || filter_columns.count(name)) {
      plan->partition_indices.push_back(i);
      eval_fields.push_back(part_schema.field(i));
    }
  }
  plan->eval_schema = arrow::schema(eval_fields);
  if (plan->dataset_filter) {
    auto bound = expr::Unbind(*plan->dataset_filter).Bind(*plan->eval_schema);
    if (!bound.ok())
      return InternalError("rebinding filter: {}", bound.status().message());
    plan->eval_filter = *bound;
  }
  arrow::FieldVector out_fields;
  for (const auto& name : plan->projection.output_columns) {
    auto field = schema.GetFieldByName(name);
    out_fields.push_back(
        field->WithType(PruneType(field->type(), plan->projection.selections[name])));
  }
  plan->output_schema = arrow::schema(out_fields);
  plan->counters.files_total = static_cast<int64_t>(dataset->files().size());
  plan->options = std::move(options);

  std::shared_ptr<ParquetScanner> scanner(new ParquetScanner());
  scanner->plan_ = std::move(plan);
  ARROW_ASSIGN_OR_RAISE(scanner->pool_, arrow::internal::ThreadPool::Make(
                                            scanner->plan_->options.parallelism));
  return scanner;
}

ParquetScanner::~ParquetScanner() { (void)Close(); }

std::shared_ptr<arrow::Schema> ParquetScanner::schema() const {
  return plan_->output_schema;
}

ScanCounters ParquetScanner::counters() const {
  std::lock_guard<std::mutex> lock(plan_->mu);
  return plan_->counters;
}

arrow::Status ParquetScanner::PlanMore() {
  const auto& files = plan_->dataset->files();
  while (pending_.empty() && next_file_ < files.size()) {
    size_t i = next_file_++;
    const std::string& path = files[i].path;
    if (plan_->dataset_filter && plan_->dataset->partition_schema()->num_fields() > 0) {
      std::map<std::string, expr::ColumnRange> known;
      const auto& part_schema = *plan_->dataset->partition_schema();
      for (int p = 0; p < part_schema.num_fields(); ++p) {
        known[part_schema.field(p)->name()] =
            expr::ColumnRange::Exactly(plan_->dataset->partition_scalars(i)[p]);
      }
      bool skip =
          expr::CanSkip(*plan_->dataset_filter,
                        [&](const arrow::FieldRef& ref) -> const expr::ColumnRange* {
                          auto it = known.find(expr::FieldKey(ref));
                          return it == known.end() ? nullptr : &it->second;
                        });
      if (skip) {
        std::lock_guard<std::mutex> lock(plan_->mu);
        ++plan_->counters.files_pruned;
        continue;
      }
    }
    ScanCounters delta;
    std::vector<std::shared_ptr<ScanTask>> tasks;
    ARROW_RETURN_NOT_OK(CatchParquet(path, [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
      auto reader = parquet::ParquetFileReader::Open(file);
      auto metadata = reader->metadata();
      std::vector<RowGroupSelection> selections;
      if (plan_->dataset_filter) {
        RowGroupPruner pruner(reader.get(), *plan_->dataset_filter,
                              plan_->dataset->schema(), plan_->options);
        ARROW_ASSIGN_OR_RAISE(selections, pruner.Prune(&delta));
      } else {
        delta.row_groups_total = metadata->num_row_groups();
        delta.row_groups_read = metadata->num_row_groups();
        for (int rg = 0; rg < metadata->num_row_groups(); ++rg)
          selections.push_back({rg, {}});
      }
      for (auto& sel : selections) {
        const int64_t ordinal = split_ordinal_++;
        if (ordinal % plan_->options.split_count != plan_->options.split_index) {
          --delta.row_groups_read;  // another split reads it
          continue;
        }
        tasks.push_back(
            std::make_shared<ScanTask>(ScanTask{i, metadata, std::move(sel)}));
      }
      return arrow::Status::OK();
    }));
    {
      std::lock_guard<std::mutex> lock(plan_->mu);
      auto& c = plan_->counters;
      c.row_groups_total += delta.row_groups_total;
      c.row_groups_pruned_by_statistics += delta.row_groups_pruned_by_statistics;
      c.row_groups_pruned_by_bloom_filter += delta.row_groups_pruned_by_bloom_filter;
      c.row_groups_pruned_by_page_index += delta.row_groups_pruned_by_page_index;
      c.row_groups_read += delta.row_groups_read;
      c.pages_total += delta.pages_total;
      c.pages_pruned += delta.pages_pruned;
    }
    for (auto& t : tasks) pending_.push_back(std::move(t));
  }
  return arrow::Status::OK();
}

arrow::Status ParquetScanner::SubmitTasks() {
  while (static_cast<int>(inflight_.size()) < plan_->options.readahead) {
    if (pending_.empty()) ARROW_RETURN_NOT_OK(PlanMore());
    if (pending_.empty()) break;
    auto task = std::move(pending_.front());
    pending_.pop_front();
    auto plan = plan_;
    ARROW_ASSIGN_OR_RAISE(
        auto fut, pool_->Submit([plan, task]() { return RunTask(*plan, *task); }));
    inflight_.push_back(std::move(fut));
  }
  return arrow::Status::OK();
}

arrow::Status ParquetScanner::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  *batch = nullptr;
  if (failed_) {
    return failure_.ok() ? arrow::Status::Invalid("scan already failed") : failure_;
  }
  while (ready_pos_ >= ready_.size()) {
    auto st = SubmitTasks();
    if (!st.ok()) {
      failed_ = true;
      return st;
    }
    if (inflight_.empty()) return arrow::Status::OK();
    auto fut = std::move(inflight_.front());
    inflight_.pop_front();
    auto result = fut.result();
    if (!result.ok()) {
      failed_ = true;
      return result.status();
    }
    ready_ = std::move(*result);
    ready_pos_ = 0;
  }
  *batch = std::move(ready_[ready_pos_++]);
  return arrow::Status::OK();
}

arrow::Result<bool> ParquetScanner::IsReady(std::function<void()> on_ready) {
  // Consume finished row groups until a batch is ready: a row group the filter
  // emptied must not make ReadNext() wait on the next, unfinished one.
  while (!failed_ && ready_pos_ >= ready_.size()) {
    ARROW_RETURN_NOT_OK(SubmitTasks());
    if (inflight_.empty()) return true;  // the end
    if (!inflight_.front().is_finished()) {
      inflight_.front().AddCallback([cb = std::move(on_ready)](const auto&) { cb(); });
      return false;
    }
    auto fut = std::move(inflight_.front());
    inflight_.pop_front();
    auto result = fut.result();  // finished: does not block
    if (!result.ok()) {
      failed_ = true;
      failure_ = result.status();
      return true;
    }
    ready_ = std::move(*result);
    ready_pos_ = 0;
  }
  return true;
}

arrow::Status ParquetScanner::Close() {
  for (auto& fut : inflight_) fut.Wait();
  inflight_.clear();
  pending_.clear();
  ready_.clear();
  next_file_ = plan_ ? plan_->dataset->files().size() : 0;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Table>> ParquetScanner::ToTable() {
  BatchVector batches;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> b;
    ARROW_RETURN_NOT_OK(ReadNext(&b));
    if (!b) break;
    batches.push_back(std::move(b));
  }
  return arrow::Table::FromRecordBatches(schema(), batches);
}

arrow::Result<std::shared_ptr<ParquetScanner>> ScanParquet(
    const std::vector<std::string>& inputs, ScanOptions options,
    const DatasetOptions& dataset_options) {
  ARROW_ASSIGN_OR_RAISE(auto dataset, ParquetDataset::Open(inputs, dataset_options));
  return ParquetScanner::Make(std::move(dataset), std::move(options));
}

}  // namespace weir::format
