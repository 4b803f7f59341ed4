#include "weir/connectors/filesystem/parquet_source.h"

#include <charconv>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {

namespace fs = std::filesystem;

ParquetFileSource::ParquetFileSource(ParquetSourceOptions options,
                                     const runtime::SubtaskInfo& info)
    : options_(std::move(options)), info_(info) {}

arrow::Status ParquetFileSource::Open(runtime::OperatorContext* context) {
  context_ = context;
  wake_ = context->MakeWakeHandle();
  continuous_ = options_.monitor_interval.count() > 0;
  options_.scan.parallelism = 1;
  options_.scan.readahead = std::max(1, options_.readahead);
  if (!continuous_) {
    slots_ = {Slot{info_.index, info_.parallelism, 0}};
    return OpenSlot(slots_.front());
  }
  return arrow::Status::OK();
}

arrow::Status ParquetFileSource::OpenSlot(const Slot& slot) {
  if (options_.open_files) {
    std::vector<format::DiscoveredFile> mine;
    int64_t counter = 0;
    for (const auto& path : options_.paths) {
      std::error_code ec;
      if (!fs::exists(path, ec)) continue;  // a table not written yet is empty
      ARROW_ASSIGN_OR_RAISE(auto found, format::DiscoverFiles({path}));
      for (auto& f : found) {
        if (counter++ % slot.parallelism == slot.index) mine.push_back(std::move(f));
      }
    }
    ARROW_RETURN_NOT_OK(OpenScan(std::move(mine)));
  } else {
    options_.scan.split_index = slot.index;
    options_.scan.split_count = slot.parallelism;
    ARROW_ASSIGN_OR_RAISE(auto dataset,
                          format::ParquetDataset::Open(options_.paths, options_.dataset));
    ARROW_ASSIGN_OR_RAISE(scanner_, format::ParquetScanner::Make(dataset, options_.scan));
    emitted_ = 0;
  }
  skip_rows_ = slot.emitted;
  return arrow::Status::OK();
}

arrow::Result<bool> ParquetFileSource::DiscoverNewFiles() {
  std::vector<format::DiscoveredFile> all;
  for (const auto& path : options_.paths) {
    auto found = format::DiscoverFiles({path});
    if (!found.ok()) {
      // An empty or not yet created directory is normal for a continuous source.
      std::error_code ec;
      if (fs::is_directory(path, ec) || !fs::exists(path, ec)) continue;
      return found.status();
    }
    for (auto& f : *found) all.push_back(std::move(f));
  }
  const int64_t cutoff = newest_mtime_ == INT64_MIN
                             ? INT64_MIN
                             : newest_mtime_ - options_.lookback.count() * 1000;
  struct Candidate {
    int64_t mtime;
    format::DiscoveredFile file;
  };
  std::vector<Candidate> fresh;
  for (auto& f : all) {
    const uint64_t h =
        expr::HashBytes(f.path.data(), static_cast<int64_t>(f.path.size()));
    if (static_cast<int>(h % static_cast<uint64_t>(info_.parallelism)) != info_.index)
      continue;
    std::error_code ec;
    auto t = fs::last_write_time(f.path, ec);
    if (ec) continue;  // vanished between listing and stat
    const int64_t mtime =
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch())
            .count();
    if (mtime < cutoff || seen_.count(f.path)) continue;
    fresh.push_back({mtime, std::move(f)});
  }
  if (fresh.empty()) return false;
  std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.file.path < b.file.path;
  });
  std::vector<format::DiscoveredFile> files;
  for (auto& c : fresh) {
    seen_[c.file.path] = c.mtime;
    newest_mtime_ = std::max(newest_mtime_, c.mtime);
    files.push_back(std::move(c.file));
  }
  // Forget files that fell out of the lookback window: they can never be candidates.
  const int64_t new_cutoff = newest_mtime_ - options_.lookback.count() * 1000;
  for (auto it = seen_.begin(); it != seen_.end();) {
    it = it->second < new_cutoff ? seen_.erase(it) : std::next(it);
  }
  ARROW_RETURN_NOT_OK(OpenScan(std::move(files)));
  return true;
}

arrow::Status ParquetFileSource::OpenScan(std::vector<format::DiscoveredFile> files) {
  scan_files_.clear();
  for (const auto& f : files) scan_files_.push_back(f.path);
  emitted_ = 0;
  if (options_.open_files) {
    ARROW_ASSIGN_OR_RAISE(reader_, options_.open_files(std::move(files)));
    return arrow::Status::OK();
  }
  format::DatasetOptions ds_options = options_.dataset;
  if (partition_schema_ && !ds_options.partition_schema)
    ds_options.partition_schema = partition_schema_;
  ARROW_ASSIGN_OR_RAISE(auto dataset,
                        format::ParquetDataset::OpenFiles(std::move(files), ds_options));
  if (!partition_schema_) partition_schema_ = dataset->partition_schema();
  ARROW_ASSIGN_OR_RAISE(scanner_, format::ParquetScanner::Make(dataset, options_.scan));
  return arrow::Status::OK();
}

arrow::Status ParquetFileSource::SnapshotOperatorState(
    runtime::CheckpointId, std::vector<std::string>* entries) {
  if (!continuous_) {
    // One entry per scan still to finish; an ended subtask writes one ended entry.
    if (ended_ || slots_.empty()) {
      runtime::StateEntry entry("parquet-source");
      entry.Add("subtask", info_.index)
          .Add("parallelism", info_.parallelism)
          .Add("ended", 1)
          .Add("emitted", 0)
          .Add("newest", newest_mtime_);
      entries->push_back(entry.Encode());
      return arrow::Status::OK();
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& slot = slots_[i];
      const int64_t emitted = i == 0 ? emitted_ + skip_rows_ : slot.emitted;
      runtime::StateEntry entry("parquet-source");
      entry.Add("subtask", slot.index)
          .Add("parallelism", slot.parallelism)
          .Add("ended", 0)
          .Add("emitted", emitted)
          .Add("newest", newest_mtime_);
      entries->push_back(entry.Encode());
    }
    return arrow::Status::OK();
  }
  runtime::StateEntry entry("parquet-source");
  entry.Add("subtask", info_.index)
      .Add("parallelism", info_.parallelism)
      .Add("ended", ended_ ? 1 : 0)
      .Add("emitted", emitted_ + skip_rows_)
      .Add("newest", newest_mtime_);
  for (const auto& f : scan_files_) entry.Add("scan", f);
  for (const auto& [path, mtime] : seen_) {
    entry.Add("seen-path", path).Add("seen-mtime", mtime);
  }
  entries->push_back(entry.Encode());
  return arrow::Status::OK();
}

arrow::Status ParquetFileSource::RestoreOperatorState(
    const std::vector<std::string>& entries) {
  if (continuous_) return RestoreContinuous(entries);
  // Bounded: finish every scan dealt to this subtask, in order.
  ARROW_RETURN_NOT_OK(CloseScan());
  slots_.clear();
  for (const std::string& bytes : entries) {
    ARROW_ASSIGN_OR_RAISE(auto entry,
                          runtime::StateEntry::Decode(bytes, "Parquet source"));
    if (entry.kind() != "parquet-source") {
      return UserError("Parquet source: unreadable checkpoint entry of kind '{}'",
                       entry.kind());
    }
    ARROW_ASSIGN_OR_RAISE(int64_t ended, entry.Int("ended"));
    if (ended == 1) continue;
    Slot slot;
    ARROW_ASSIGN_OR_RAISE(int64_t index, entry.Int("subtask"));
    ARROW_ASSIGN_OR_RAISE(int64_t parallelism, entry.Int("parallelism"));
    ARROW_ASSIGN_OR_RAISE(slot.emitted, entry.Int("emitted"));
    if (parallelism < 1 || index < 0 || index >= parallelism) {
      return UserError("Parquet source: unreadable checkpoint entry (subtask {} of {})",
                       index, parallelism);
    }
    slot.index = static_cast<int>(index);
    slot.parallelism = static_cast<int>(parallelism);
    slots_.push_back(slot);
  }
  ended_ = slots_.empty();
  if (!ended_) return OpenSlot(slots_.front());
  return arrow::Status::OK();
}

arrow::Status ParquetFileSource::RestoreContinuous(
    const std::vector<std::string>& entries) {
  if (entries.size() != 1) {
    return UserError(
        "Parquet source subtask {} of {} got {} checkpointed positions: restoring at "
        "another parallelism than the checkpoint's is not supported",
        info_.index + 1, info_.parallelism, entries.size());
  }
  ARROW_ASSIGN_OR_RAISE(auto entry,
                        runtime::StateEntry::Decode(entries[0], "Parquet source"));
  if (entry.kind() != "parquet-source") {
    return UserError("Parquet source: unreadable checkpoint entry of kind '{}'",
                     entry.kind());
  }
  ARROW_ASSIGN_OR_RAISE(int64_t index, entry.Int("subtask"));
  ARROW_ASSIGN_OR_RAISE(int64_t parallelism, entry.Int("parallelism"));
  if (index != info_.index || parallelism != info_.parallelism) {
    return UserError(
        "Parquet source was checkpointed at parallelism {}; restoring at {} "
        "is not supported",
        parallelism, info_.parallelism);
  }
  ARROW_ASSIGN_OR_RAISE(int64_t ended, entry.Int("ended"));
  ended_ = ended == 1;
  ARROW_ASSIGN_OR_RAISE(skip_rows_, entry.Int("emitted"));
  ARROW_ASSIGN_OR_RAISE(newest_mtime_, entry.Int("newest"));
  std::vector<std::string> scan = entry.All("scan");  // in scan order
  std::vector<std::string> seen_paths = entry.All("seen-path");
  std::vector<std::string> seen_mtimes = entry.All("seen-mtime");
  if (seen_paths.size() != seen_mtimes.size()) {
    return UserError("Parquet source: unreadable checkpoint entry (seen files)");
  }
  seen_.clear();
  for (size_t i = 0; i < seen_paths.size(); ++i) {
    int64_t mtime = 0;
    auto [ptr, ec] = std::from_chars(
        seen_mtimes[i].data(), seen_mtimes[i].data() + seen_mtimes[i].size(), mtime);
    if (ec != std::errc() || ptr != seen_mtimes[i].data() + seen_mtimes[i].size()) {
      return UserError("Parquet source: unreadable checkpoint entry (seen files)");
    }
    seen_[seen_paths[i]] = mtime;
  }
  {
    scanner_.reset();
    reader_.reset();
    if (!scan.empty()) {
      // Re-open the files of the interrupted listing, in their order, with the
      // partition values discovery gives them.
      std::map<std::string, format::DiscoveredFile> by_path;
      for (const auto& path : options_.paths) {
        auto found = format::DiscoverFiles({path});
        if (!found.ok()) continue;
        for (auto& f : *found) by_path.emplace(f.path, std::move(f));
      }
      std::vector<format::DiscoveredFile> files;  // exactly the checkpoint's order
      for (const auto& p : scan) {
        auto it = by_path.find(p);
        if (it == by_path.end()) {
          return UserError(
              "Parquet source: file '{}', being read at the checkpoint, is gone", p);
        }
        files.push_back(std::move(it->second));
      }
      const int64_t skip = skip_rows_;
      ARROW_RETURN_NOT_OK(OpenScan(std::move(files)));
      skip_rows_ = skip;
    }
  }
  return arrow::Status::OK();
}

arrow::Status ParquetFileSource::CloseScan() {
  if (scanner_) ARROW_RETURN_NOT_OK(scanner_->Close());
  if (reader_) ARROW_RETURN_NOT_OK(reader_->Close());
  scanner_.reset();
  reader_.reset();
  return arrow::Status::OK();
}

arrow::Result<runtime::PollResult> ParquetFileSource::Poll(runtime::Output* out) {
  if (ended_) return runtime::PollResult::End();
  if (!scanning()) {
    const int64_t now = context_->ProcessingTime();
    if (now < next_listing_micros_)
      return runtime::PollResult::WaitUntil(next_listing_micros_);
    next_listing_micros_ = now + options_.monitor_interval.count() * 1000;
    ARROW_ASSIGN_OR_RAISE(bool found, DiscoverNewFiles());
    if (!found) return runtime::PollResult::WaitUntil(next_listing_micros_);
  }
  std::shared_ptr<arrow::RecordBatch> batch;
  if (reader_) {
    ARROW_RETURN_NOT_OK(reader_->ReadNext(&batch));
  } else {
    auto wake = wake_;
    ARROW_ASSIGN_OR_RAISE(bool ready, scanner_->IsReady([wake] { wake->Wake(); }));
    if (!ready) return runtime::PollResult::Pending();
    ARROW_RETURN_NOT_OK(scanner_->ReadNext(&batch));
  }
  if (batch && skip_rows_ > 0) {
    // After a restore: these rows were emitted before the checkpoint.
    const int64_t drop = std::min(skip_rows_, batch->num_rows());
    skip_rows_ -= drop;
    emitted_ += drop;
    batch = drop == batch->num_rows() ? nullptr : batch->Slice(drop);
    if (!batch) return runtime::PollResult::More();
  }
  if (batch) {
    emitted_ += batch->num_rows();
    ARROW_RETURN_NOT_OK(out->Emit(std::move(batch)));
    return runtime::PollResult::More();
  }
  if (skip_rows_ > 0) {
    return UserError(
        "Parquet source: the input has fewer rows than the checkpoint had "
        "read ({} missing); it changed since",
        skip_rows_);
  }
  ARROW_RETURN_NOT_OK(CloseScan());
  scan_files_.clear();
  emitted_ = 0;
  if (!continuous_) {
    slots_.erase(slots_.begin());
    if (!slots_.empty()) {
      ARROW_RETURN_NOT_OK(OpenSlot(slots_.front()));
      return runtime::PollResult::More();
    }
    ended_ = true;
    return runtime::PollResult::End();
  }
  return runtime::PollResult::More();
}

arrow::Status ParquetFileSource::Close() { return CloseScan(); }

arrow::Result<runtime::SourceFactory> MakeParquetSource(ParquetSourceOptions options) {
  if (options.paths.empty()) return UserError("the Parquet source needs a path");
  if (options.monitor_interval.count() < 0) {
    return UserError("monitor interval must not be negative");
  }
  if (options.monitor_interval.count() == 0 && !options.open_files) {
    // Fail at job construction, not in a subtask, on a bad path, filter or column.
    ARROW_ASSIGN_OR_RAISE(auto dataset,
                          format::ParquetDataset::Open(options.paths, options.dataset));
    auto scan = options.scan;
    scan.parallelism = 1;
    ARROW_RETURN_NOT_OK(format::ParquetScanner::Make(dataset, scan).status());
  }
  return runtime::SourceFactory(
      [options](const runtime::SubtaskInfo& info)
          -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
        return std::make_unique<ParquetFileSource>(options, info);
      });
}

}  // namespace weir::connectors
