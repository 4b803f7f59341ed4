#include "weir/connectors/filesystem/file_sink.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/scalar.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/file_sync.h"
#include "weir/common/log.h"
#include "weir/connectors/filesystem/part_file.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {

namespace fs = std::filesystem;
using runtime::CheckpointId;
using runtime::EventTime;

namespace {

std::string HiddenName(const std::string& name) { return "." + name + ".inprogress"; }

// Publishes a staged file: `valid_length` > 0 first cuts an in-progress file back to
// its checkpointed prefix and gives it its footer. Idempotent: a file already
// published is left alone; a file that is neither staged nor published is lost data
// and an error.
arrow::Status Publish(const fs::path& dir, const std::string& name, int64_t valid_length,
                      bool row_format, bool sync_dir = true) {
  const fs::path hidden = dir / HiddenName(name);
  const fs::path visible = dir / name;
  std::error_code ec;
  if (!fs::exists(hidden, ec)) {
    if (fs::exists(visible, ec)) return arrow::Status::OK();
    return UserError("staged file '{}' is gone: neither it nor '{}' exists",
                     hidden.string(), visible.string());
  }
  if (valid_length > 0) {
    ARROW_RETURN_NOT_OK(RecoverPartFile(hidden.string(), valid_length, row_format));
  }
  fs::rename(hidden, visible, ec);
  if (ec) {
    return UserError("cannot rename '{}' to '{}': {}", hidden.string(), visible.string(),
                     ec.message());
  }
  return sync_dir ? SyncDirectory(dir.string()) : arrow::Status::OK();
}

struct PartitionInfo {
  int64_t created_micros = 0;
  std::optional<int64_t> time;
};

}  // namespace

// Decides when partitions are complete, across the subtasks of one sink (they share
// a process). Thread-safe.
class PartitionCommitTracker {
 public:
  explicit PartitionCommitTracker(FileSinkOptions options)
      : options_(std::move(options)) {}

  // Subtask `subtask` of `parallelism` reports after committing its files: its
  // watermark, whether its input ended, the partitions it still has unpublished data
  // in, and the partitions it wrote. Returns the partitions of `written` that are
  // committed (now or before).
  arrow::Result<std::set<std::string>> Report(
      int subtask, int parallelism, EventTime watermark, bool finished,
      std::set<std::string> busy, const std::map<std::string, PartitionInfo>& written,
      int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(subtasks_.size()) != parallelism)
      subtasks_.assign(parallelism, {});
    auto& me = subtasks_[subtask];
    me.reported = true;
    me.watermark = watermark;
    me.finished = finished;
    me.busy = std::move(busy);
    for (const auto& [p, info] : written) known_.try_emplace(p, info);

    EventTime min_watermark = runtime::kMaxWatermark;
    bool all_finished = true;
    for (const auto& s : subtasks_) {
      if (!s.reported) {
        min_watermark = runtime::kMinWatermark;
        all_finished = false;
        continue;
      }
      min_watermark = std::min(min_watermark, s.watermark);
      all_finished = all_finished && s.finished;
    }
    const int64_t delay = options_.commit.delay.count() * 1000;
    for (auto it = known_.begin(); it != known_.end();) {
      const auto& [partition, info] = *it;
      bool due = all_finished;
      if (options_.commit.trigger == PartitionCommitOptions::Trigger::kProcessTime)
        due = due || now >= info.created_micros + delay;
      if (options_.commit.trigger == PartitionCommitOptions::Trigger::kPartitionTime &&
          info.time)
        due = due || (min_watermark != runtime::kMinWatermark &&
                      min_watermark >= *info.time + delay);
      bool busy_anywhere = false;
      for (const auto& s : subtasks_)
        busy_anywhere = busy_anywhere || s.busy.count(partition);
      if (!due || busy_anywhere) {
        ++it;
        continue;
      }
      ARROW_RETURN_NOT_OK(Commit(partition));
      committed_.insert(partition);
      it = known_.erase(it);
    }
    std::set<std::string> done;
    for (const auto& [p, info] : written) {
      if (committed_.count(p)) done.insert(p);
    }
    return done;
  }

 private:
  struct Subtask {
    bool reported = false;
    bool finished = false;
    EventTime watermark = runtime::kMinWatermark;
    std::set<std::string> busy;
  };

  arrow::Status Commit(const std::string& partition) {
    PartitionCommitContext ctx;
    ctx.root = options_.path;
    ctx.partition = partition;
    ctx.path = (fs::path(options_.path) / partition).string();
    if (options_.commit.success_file) {
      std::error_code ec;
      fs::create_directories(ctx.path, ec);
      const std::string file =
          (fs::path(ctx.path) / options_.commit.success_file_name).string();
      {
        std::ofstream out(file, std::ios::trunc);
        if (!out) return UserError("cannot write success file '{}'", file);
      }
      ARROW_RETURN_NOT_OK(SyncFile(file));
      ARROW_RETURN_NOT_OK(SyncDirectory(ctx.path));
    }
    if (options_.commit.custom) {
      ARROW_RETURN_NOT_OK(
          WithContext(options_.commit.custom(ctx),
                      fmt::format("committing partition '{}'", partition)));
    }
    return arrow::Status::OK();
  }

  const FileSinkOptions options_;
  std::mutex mu_;
  std::vector<Subtask> subtasks_;
  std::map<std::string, PartitionInfo> known_;
  std::set<std::string> committed_;
};

namespace {

class FileSinkOperator : public runtime::Operator {
 public:
  // More files than this changed since the last checkpoint: one syncfs instead.
  static constexpr size_t kMaxFsyncsPerCheckpoint = 16;
  // Slices smaller than this are gathered before they go to the Parquet writer.
  static constexpr int64_t kMinWriteRows = 4096;

  FileSinkOperator(FileSinkOptions options,
                   std::shared_ptr<PartitionCommitTracker> tracker)
      : options_(std::move(options)), tracker_(std::move(tracker)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    context_ = context;
    subtask_ = context->subtask().index;
    parallelism_ = context->subtask().parallelism;
    std::random_device rd;
    uuid_ = fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:08x}{:04x}", rd(), rd() & 0xffff,
                        (rd() & 0x0fff) | 0x4000, (rd() & 0x3fff) | 0x8000, rd(),
                        rd() & 0xffff);
    assigner_ = options_.buckets();
    context->RequestProcessingTimeCallback(context->ProcessingTime() + CheckMicros());
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    ARROW_RETURN_NOT_OK(Prepare(batch->schema()));
    const int64_t now = context_->ProcessingTime();
    ARROW_ASSIGN_OR_RAISE(auto assignment, assigner_->Assign(*batch, now));
    arrow::ArrayVector columns;
    for (int i : keep_) columns.push_back(batch->column(i));
    auto data = arrow::RecordBatch::Make(file_schema_, batch->num_rows(), columns);
    ARROW_RETURN_NOT_OK(ChooseDictionaryColumns(*data));
    const size_t buckets = assignment.buckets.size();
    if (buckets == 1) {
      return WriteTo(assignment.buckets[0], assignment.partition_times[0], *data, now);
    }
    // Counting sort of the rows by bucket, one Take, then a slice per bucket.
    std::vector<int64_t> offsets(buckets + 1, 0);
    for (int32_t b : assignment.row_bucket) ++offsets[b + 1];
    for (size_t b = 0; b < buckets; ++b) offsets[b + 1] += offsets[b];
    std::vector<int64_t> order(assignment.row_bucket.size());
    std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
    for (size_t r = 0; r < assignment.row_bucket.size(); ++r)
      order[fill[assignment.row_bucket[r]]++] = static_cast<int64_t>(r);
    arrow::Int64Builder ib;
    ARROW_RETURN_NOT_OK(ib.AppendValues(order));
    ARROW_ASSIGN_OR_RAISE(auto indices, ib.Finish());
    ARROW_ASSIGN_OR_RAISE(
        auto taken, arrow::compute::Take(arrow::Datum(data), arrow::Datum(indices)));
    auto sorted = taken.record_batch();
    for (size_t b = 0; b < buckets; ++b) {
      const int64_t len = offsets[b + 1] - offsets[b];
      if (len == 0) continue;
      ARROW_RETURN_NOT_OK(WriteTo(assignment.buckets[b], assignment.partition_times[b],
                                  *sorted->Slice(offsets[b], len), now));
    }
    return arrow::Status::OK();
  }

  arrow::Status ProcessWatermark(EventTime watermark, runtime::Output* out) override {
    if (options_.commit.trigger == PartitionCommitOptions::Trigger::kPartitionTime) {
      // A partition the watermark has passed receives no more rows: close its file
      // so the next checkpoint publishes it and the partition can be committed.
      const int64_t delay = options_.commit.delay.count() * 1000;
      std::vector<std::string> done;
      for (const auto& [bucket, f] : open_) {
        auto it = written_.find(bucket);
        if (it != written_.end() && it->second.time &&
            watermark >= *it->second.time + delay)
          done.push_back(bucket);
      }
      for (const auto& b : done) ARROW_RETURN_NOT_OK(Roll(b));
    }
    return out->EmitWatermark(watermark);
  }

  arrow::Status OnProcessingTime(EventTime now, runtime::Output*) override {
    std::vector<std::string> due;
    const int64_t rollover = options_.rolling.rollover_interval.count() * 1000;
    const int64_t inactivity = options_.rolling.inactivity_interval.count() * 1000;
    for (const auto& [bucket, f] : open_) {
      if ((rollover > 0 && now - f.opened_micros >= rollover) ||
          (inactivity > 0 && now - f.last_write_micros >= inactivity)) {
        due.push_back(bucket);
      }
    }
    for (const auto& b : due) ARROW_RETURN_NOT_OK(Roll(b));
    context_->RequestProcessingTimeCallback(now + CheckMicros());
    return arrow::Status::OK();
  }

  arrow::Status Finish(runtime::Output*) override {
    finished_ = true;
    return RollAll();
  }

  arrow::Status SnapshotOperatorState(CheckpointId id,
                                      std::vector<std::string>* entries) override {
    ARROW_RETURN_NOT_OK(CleanUpOnce());
    // On a stop-with-savepoint the job ends: roll everything so that the savepoint's
    // completion publishes all rows, not only the rolled files.
    if (options_.rolling.on_checkpoint || context_->IsStopSavepoint(id))
      ARROW_RETURN_NOT_OK(RollAll());
    auto& staged = pending_[id];
    for (auto& f : rolled_) staged.push_back(std::move(f));
    rolled_.clear();
    for (const auto& [cp, files] : pending_) {
      for (const auto& f : files)
        entries->push_back(Entry("pending", f.bucket, f.name, 0));
    }
    // Make every in-progress file durable up to its current length: one fsync per
    // file, or one syncfs for the whole file system when many files changed.
    // Files are flushed and checkpointed one after the other, so that at most one
    // Parquet writer is open for gathered rows at any time.
    auto dirty = [](const OpenPart& f) {
      return !f.pending.empty() || f.file->rows() > f.file->checkpointed_rows();
    };
    size_t dirty_files = 0;
    for (auto& [bucket, f] : open_) dirty_files += dirty(f);
    const bool sync_each = dirty_files <= kMaxFsyncsPerCheckpoint;
    for (auto& [bucket, f] : open_) {
      if (!dirty(f)) continue;
      ARROW_RETURN_NOT_OK(FlushPending(f));
      ARROW_ASSIGN_OR_RAISE(f.valid_length, f.file->Checkpoint(sync_each));
      Account(f);
    }
    if (!sync_each || dirs_to_sync_.size() > kMaxFsyncsPerCheckpoint) {
      ARROW_RETURN_NOT_OK(SyncFileSystem(options_.path));
    } else {
      for (const auto& d : dirs_to_sync_) ARROW_RETURN_NOT_OK(SyncDirectory(d));
    }
    dirs_to_sync_.clear();
    for (auto& [bucket, f] : open_) {
      if (f.valid_length > 0)
        entries->push_back(Entry("inprogress", bucket, f.name, f.valid_length));
    }
    for (const auto& [bucket, info] : written_) {
      runtime::StateEntry entry("file-sink/partition");
      entry.Add("subtask", subtask_)
          .Add("parallelism", parallelism_)
          .Add("bucket", bucket)
          .Add("created-micros", info.created_micros);
      if (info.time) entry.Add("time", *info.time);
      entries->push_back(entry.Encode());
    }
    return arrow::Status::OK();
  }

  arrow::Status NotifyCheckpointComplete(CheckpointId id) override {
    std::vector<Staged> due;
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= id;) {
      for (auto& f : it->second) due.push_back(std::move(f));
      it = pending_.erase(it);
    }
    const bool sync_each = due.size() <= kMaxFsyncsPerCheckpoint;
    for (const auto& f : due) {
      ARROW_RETURN_NOT_OK(Publish(fs::path(options_.path) / f.bucket, f.name, 0,
                                  row_format(), sync_each));
    }
    if (!sync_each) ARROW_RETURN_NOT_OK(SyncFileSystem(options_.path));
    return CommitPartitions();
  }

  arrow::Status RestoreOperatorState(const std::vector<std::string>& entries) override {
    for (const auto& bytes : entries) {
      ARROW_ASSIGN_OR_RAISE(auto entry, runtime::StateEntry::Decode(bytes, "file sink"));
      if (entry.kind() == "file-sink/pending" || entry.kind() == "file-sink/inprogress") {
        ARROW_ASSIGN_OR_RAISE(std::string bucket, entry.String("bucket"));
        ARROW_ASSIGN_OR_RAISE(std::string file, entry.String("file"));
        ARROW_ASSIGN_OR_RAISE(int64_t valid_length, entry.Int("valid-length"));
        ARROW_RETURN_NOT_OK(Publish(
            fs::path(options_.path) / bucket, file,
            entry.kind() == "file-sink/inprogress" ? valid_length : 0, row_format()));
      } else if (entry.kind() == "file-sink/partition") {
        PartitionInfo info;
        ARROW_ASSIGN_OR_RAISE(std::string bucket, entry.String("bucket"));
        ARROW_ASSIGN_OR_RAISE(info.created_micros, entry.Int("created-micros"));
        if (entry.Find("time")) {
          ARROW_ASSIGN_OR_RAISE(int64_t time, entry.Int("time"));
          info.time = time;
        }
        written_.try_emplace(bucket, info);
      } else {
        return UserError("file sink: unreadable checkpoint entry of kind '{}'",
                         entry.kind());
      }
    }
    return arrow::Status::OK();
  }

  arrow::Status Close() override {
    // Failure or cancellation. Files no stored checkpoint refers to can never be
    // published: delete them. Files a checkpoint refers to stay for its restore.
    const bool keep_staged = context_ && context_->checkpoints_stored();
    for (auto& [bucket, f] : open_) {
      const bool referenced = keep_staged && f.valid_length > 0;
      f.file.reset();
      if (!referenced)
        RemoveQuietly(fs::path(options_.path) / bucket / HiddenName(f.name));
    }
    open_.clear();
    for (const auto& f : rolled_) {
      if (!(keep_staged && f.checkpointed))
        RemoveQuietly(fs::path(options_.path) / f.bucket / HiddenName(f.name));
    }
    rolled_.clear();
    if (!keep_staged) {
      for (const auto& [cp, files] : pending_) {
        for (const auto& f : files)
          RemoveQuietly(fs::path(options_.path) / f.bucket / HiddenName(f.name));
      }
    }
    pending_.clear();
    return arrow::Status::OK();
  }

 private:
  struct OpenPart {
    std::string name;
    std::unique_ptr<PartFile> file;
    int64_t cost = 0;                                          // bytes counted in memory_
    std::vector<std::shared_ptr<arrow::RecordBatch>> pending;  // not yet written
    int64_t pending_rows = 0;
    int64_t pending_bytes = 0;
    int64_t valid_length = 0;
    int64_t opened_micros = 0;
    int64_t last_write_micros = 0;
  };
  struct Staged {
    std::string bucket;
    std::string name;
    // A checkpoint refers to a prefix of the file (it was in progress then).
    bool checkpointed = false;
  };

  int64_t CheckMicros() const { return options_.check_interval.count() * 1000; }
  bool row_format() const { return static_cast<bool>(options_.row_encoder); }

  std::string Entry(const char* kind, const std::string& bucket, const std::string& name,
                    int64_t valid_length) const {
    return runtime::StateEntry(fmt::format("file-sink/{}", kind))
        .Add("subtask", subtask_)
        .Add("parallelism", parallelism_)
        .Add("bucket", bucket)
        .Add("file", name)
        .Add("valid-length", valid_length)
        .Encode();
  }

  static void RemoveQuietly(const fs::path& p) {
    std::error_code ec;
    fs::remove(p, ec);
  }

  arrow::Status Prepare(const std::shared_ptr<arrow::Schema>& schema_ptr) {
    const arrow::Schema& schema = *schema_ptr;
    if (input_schema_) {
      // Same object first: Schema::Equals computes a cached fingerprint, which is not
      // safe on a schema object other subtasks compare at the same time.
      if (&schema == input_schema_.get() ||
          schema.Equals(*input_schema_, /*check_metadata=*/false))
        return arrow::Status::OK();
      return UserError(
          "file sink '{}': batch schema {} does not match the first batch's {}",
          options_.path, schema.ToString(), input_schema_->ToString());
    }
    input_schema_ = schema_ptr;
    ARROW_RETURN_NOT_OK(assigner_->Bind(schema));
    const auto dropped = assigner_->dropped_columns();
    arrow::FieldVector fields;
    for (int i = 0; i < schema.num_fields(); ++i) {
      if (std::find(dropped.begin(), dropped.end(), i) != dropped.end()) continue;
      keep_.push_back(i);
      fields.push_back(schema.field(i));
    }
    file_schema_ = arrow::schema(fields, schema.metadata());
    return CleanUpOnce();
  }

  // Picks the near-unique columns of the first batch to write without dictionary.
  arrow::Status ChooseDictionaryColumns(const arrow::RecordBatch& data) {
    if (dictionary_chosen_) return arrow::Status::OK();
    dictionary_chosen_ = true;
    if (!options_.adaptive_dictionary || !options_.writer.dictionary || row_format())
      return arrow::Status::OK();
    constexpr int64_t kSample = 64 * 1024;
    if (data.num_rows() < 1000) {
      dictionary_chosen_ = false;  // too few rows to tell; look at the next batch
      return arrow::Status::OK();
    }
    for (int i = 0; i < data.num_columns(); ++i) {
      auto column = data.column(i)->Slice(0, std::min(data.num_rows(), kSample));
      if (column->type()->num_fields() > 0 || column->type_id() == arrow::Type::BOOL ||
          column->type_id() == arrow::Type::DICTIONARY)
        continue;
      auto distinct = arrow::compute::CallFunction("count_distinct", {column});
      if (!distinct.ok()) continue;  // a type the kernel does not hash: keep the default
      const int64_t n =
          std::static_pointer_cast<arrow::Int64Scalar>(distinct->scalar())->value;
      const int64_t valid = column->length() - column->null_count();
      if (valid > 0 && n * 2 > valid)
        options_.writer.plain_columns.push_back(data.schema()->field(i)->name());
    }
    return arrow::Status::OK();
  }

  // Deletes hidden part files this subtask's earlier attempts left behind (crash
  // before a checkpoint, or after one that never completed). Only this subtask's
  // files (by the subtask number in the name), and only when the parallelism is the
  // one they were written at: after rescaling, another subtask may hold them.
  arrow::Status CleanUpOnce() {
    if (cleaned_) return arrow::Status::OK();
    cleaned_ = true;
    const int restored_at = context_->restored_parallelism();
    if (restored_at != 0 && restored_at != parallelism_) {
      LogWarning(
          "file sink '{}': restored at a new parallelism; in-progress files of "
          "failed attempts are not cleaned up",
          options_.path);
      return arrow::Status::OK();
    }
    const std::string head = "." + options_.prefix + "-";
    const std::string tail = options_.suffix + ".inprogress";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(options_.path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const std::string n = it->path().filename().string();
      if (n.rfind(head, 0) != 0 || n.size() <= head.size() + tail.size() ||
          n.compare(n.size() - tail.size(), tail.size(), tail) != 0) {
        continue;
      }
      // <uuid>-<subtask>-<counter>
      const std::string mid = n.substr(head.size(), n.size() - head.size() - tail.size());
      const size_t c = mid.rfind('-');
      if (c == std::string::npos || c == 0) continue;
      const size_t s = mid.rfind('-', c - 1);
      if (s == std::string::npos) continue;
      const std::string uuid = mid.substr(0, s);
      const std::string sub = mid.substr(s + 1, c - s - 1);
      if (uuid == uuid_ || sub != std::to_string(subtask_)) continue;
      RemoveQuietly(it->path());
    }
    return arrow::Status::OK();
  }

  arrow::Status WriteTo(const std::string& bucket, std::optional<int64_t> partition_time,
                        const arrow::RecordBatch& rows, int64_t now) {
    auto it = open_.find(bucket);
    if (it == open_.end()) {
      for (unsigned char c : bucket) {
        if (c < 0x20 || c == 0x7f)
          return UserError("bucket directory '{}' contains a control character", bucket);
      }
      const fs::path dir = fs::path(options_.path) / bucket;
      std::error_code ec;
      const bool created = fs::create_directories(dir, ec);
      if (ec)
        return UserError("cannot create bucket directory '{}': {}", dir.string(),
                         ec.message());
      // The new file's entry (and new directories' entries) must be durable before a
      // checkpoint refers to the file.
      dirs_to_sync_.insert(dir.string());
      if (created) {
        // Up to the table's folder ('path' may end with a separator), never past the
        // root (whose parent is itself).
        fs::path base = fs::path(options_.path).lexically_normal();
        if (!base.has_filename() && base.has_parent_path()) base = base.parent_path();
        for (fs::path d = dir.lexically_normal(); d != base && d.has_parent_path();) {
          const fs::path parent = d.parent_path();
          if (parent == d) break;
          d = parent;
          dirs_to_sync_.insert(d.string());
        }
      }
      OpenPart part;
      part.name = fmt::format("{}-{}-{}-{}{}", options_.prefix, uuid_, subtask_,
                              counter_++, options_.suffix);
      const std::string hidden = (dir / HiddenName(part.name)).string();
      if (row_format()) {
        ARROW_ASSIGN_OR_RAISE(part.file, CreateRowPartFile(hidden, options_.row_encoder));
      } else {
        ARROW_ASSIGN_OR_RAISE(
            part.file, CreateParquetPartFile(hidden, file_schema_, options_.writer));
      }
      part.opened_micros = now;
      it = open_.emplace(bucket, std::move(part)).first;
      if (!written_.count(bucket)) {
        PartitionInfo info;
        info.created_micros = now;
        info.time = partition_time;
        written_.emplace(bucket, info);
      }
    }
    OpenPart& part = it->second;
    part.last_write_micros = now;
    // Parquet's writer has a high cost per call; slices of a few rows (many buckets
    // per batch) are gathered and written together.
    if (part.pending_rows + rows.num_rows() < kMinWriteRows) {
      // A compact copy, so the slice does not keep its whole parent batch alive.
      ARROW_ASSIGN_OR_RAISE(auto copy, arrow::ConcatenateRecordBatches({rows.Slice(0)}));
      part.pending_rows += copy->num_rows();
      part.pending_bytes += runtime::BatchBytes(*copy);
      part.pending.push_back(std::move(copy));
    } else {
      part.pending.push_back(rows.Slice(0));
      ARROW_RETURN_NOT_OK(FlushPending(part));
      if (part.file->estimated_bytes() >= options_.rolling.file_size) return Roll(bucket);
    }
    Account(part);
    if (memory_ > options_.memory_budget) return EnforceBudget();
    return arrow::Status::OK();
  }

  // Writes the gathered slices of a file.
  arrow::Status FlushPending(OpenPart& part) {
    if (part.pending.empty()) return arrow::Status::OK();
    std::shared_ptr<arrow::RecordBatch> batch = part.pending[0];
    if (part.pending.size() > 1) {
      ARROW_ASSIGN_OR_RAISE(batch, arrow::ConcatenateRecordBatches(part.pending));
    }
    part.pending.clear();
    part.pending_rows = part.pending_bytes = 0;
    return part.file->Write(*batch);
  }

  // Memory of an open file: its gathered rows plus what the file holds (buffers and,
  // for Parquet, the writer's fixed cost).
  int64_t Cost(const OpenPart& part) const {
    return part.pending_bytes + part.file->memory_bytes();
  }
  void Account(OpenPart& part) {
    const int64_t cost = Cost(part);
    memory_ += cost - part.cost;
    part.cost = cost;
  }

  // Over budget: release the writers of the largest files (ending their segments,
  // which frees every buffer) until half the budget is used.
  arrow::Status EnforceBudget() {
    std::vector<std::pair<int64_t, OpenPart*>> by_cost;
    for (auto& [bucket, part] : open_) {
      if (part.cost > 0) by_cost.emplace_back(part.cost, &part);
    }
    std::sort(by_cost.begin(), by_cost.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [cost, part] : by_cost) {
      if (memory_ <= options_.memory_budget / 2) break;
      ARROW_RETURN_NOT_OK(FlushPending(*part));
      ARROW_RETURN_NOT_OK(part->file->Release());
      Account(*part);
    }
    return arrow::Status::OK();
  }

  arrow::Status Roll(const std::string& bucket, bool sync = true) {
    auto it = open_.find(bucket);
    if (it == open_.end()) return arrow::Status::OK();
    ARROW_RETURN_NOT_OK(FlushPending(it->second));
    ARROW_RETURN_NOT_OK(it->second.file->Finish(sync));
    rolled_.push_back({bucket, it->second.name, it->second.valid_length > 0});
    memory_ -= it->second.cost;
    open_.erase(it);
    return arrow::Status::OK();
  }

  arrow::Status RollAll() {
    const bool sync_each = open_.size() <= kMaxFsyncsPerCheckpoint;
    while (!open_.empty()) ARROW_RETURN_NOT_OK(Roll(open_.begin()->first, sync_each));
    return sync_each ? arrow::Status::OK() : SyncFileSystem(options_.path);
  }

  arrow::Status CommitPartitions() {
    if (options_.commit.trigger == PartitionCommitOptions::Trigger::kNone) {
      written_.clear();
      return arrow::Status::OK();
    }
    std::set<std::string> busy;
    for (const auto& [bucket, f] : open_) busy.insert(bucket);
    for (const auto& f : rolled_) busy.insert(f.bucket);
    for (const auto& [cp, files] : pending_) {
      for (const auto& f : files) busy.insert(f.bucket);
    }
    ARROW_ASSIGN_OR_RAISE(
        auto committed,
        tracker_->Report(subtask_, parallelism_, context_->current_watermark(), finished_,
                         std::move(busy), written_, context_->ProcessingTime()));
    for (const auto& p : committed) written_.erase(p);
    return arrow::Status::OK();
  }

  FileSinkOptions options_;
  std::shared_ptr<PartitionCommitTracker> tracker_;
  runtime::OperatorContext* context_ = nullptr;
  int subtask_ = 0;
  int parallelism_ = 1;
  std::string uuid_;
  int64_t counter_ = 0;
  std::unique_ptr<BucketAssigner> assigner_;
  int64_t memory_ = 0;  // sum of the open files' costs
  std::shared_ptr<arrow::Schema> input_schema_;
  std::shared_ptr<arrow::Schema> file_schema_;
  std::vector<int> keep_;
  std::map<std::string, OpenPart> open_;
  std::vector<Staged> rolled_;                           // closed since the last snapshot
  std::map<CheckpointId, std::vector<Staged>> pending_;  // staged for a checkpoint
  std::map<std::string, PartitionInfo> written_;         // partitions not yet committed
  bool cleaned_ = false;
  bool finished_ = false;
  bool dictionary_chosen_ = false;
  std::set<std::string> dirs_to_sync_;  // entries to make durable at the next snapshot
};

}  // namespace

arrow::Result<runtime::OperatorFactory> MakeFileSink(
    FileSinkOptions options, std::shared_ptr<arrow::Schema> schema) {
  if (options.path.empty()) return UserError("the file sink needs a path");
  if (options.rolling.file_size <= 0)
    return UserError("rolling file size must be positive, got {}",
                     options.rolling.file_size);
  if (options.rolling.rollover_interval.count() < 0 ||
      options.rolling.inactivity_interval.count() < 0 || options.commit.delay.count() < 0)
    return UserError("rolling intervals and the commit delay must not be negative");
  if (options.check_interval.count() <= 0)
    return UserError("check interval must be positive");
  if (options.memory_budget <= 0)
    return UserError("writer memory budget must be positive");
  if (options.prefix.empty() || options.prefix.find('/') != std::string::npos ||
      options.suffix.find('/') != std::string::npos)
    return UserError("part file prefix '{}' / suffix '{}' must be plain names",
                     options.prefix, options.suffix);
  if (options.commit.success_file && options.commit.success_file_name.empty())
    return UserError("the success file needs a name");
  if (!options.buckets) return UserError("the file sink needs a bucket assigner");
  if (schema) {
    auto probe = options.buckets();
    ARROW_RETURN_NOT_OK(probe->Bind(*schema));
  }
  std::error_code ec;
  fs::create_directories(options.path, ec);
  if (ec)
    return UserError("cannot create output directory '{}': {}", options.path,
                     ec.message());
  auto tracker = std::make_shared<PartitionCommitTracker>(options);
  return runtime::OperatorFactory(
      [options, tracker](const runtime::SubtaskInfo& info)
          -> arrow::Result<std::unique_ptr<runtime::Operator>> {
        // The budget is the sink's: its subtasks share it equally.
        FileSinkOptions mine = options;
        mine.memory_budget = std::max<int64_t>(
            options.memory_budget / std::max(info.parallelism, 1), 1 << 20);
        return std::make_unique<FileSinkOperator>(mine, tracker);
      });
}

}  // namespace weir::connectors
