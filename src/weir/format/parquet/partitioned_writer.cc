#include "weir/format/parquet/partitioned_writer.h"

#include <filesystem>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/common/file_sync.h"
#include "weir/types/partition_value.h"

namespace weir::format {

namespace fs = std::filesystem;

arrow::Result<std::unique_ptr<PartitionedDatasetWriter>> PartitionedDatasetWriter::Open(
    const std::string& root, std::shared_ptr<arrow::Schema> schema,
    PartitionedWriteOptions options) {
  std::unique_ptr<PartitionedDatasetWriter> w(new PartitionedDatasetWriter());
  w->root_ = root;
  std::random_device rd;
  w->run_id_ = fmt::format("{:08x}{:08x}", rd(), rd());
  w->schema_ = schema;
  for (const auto& col : options.partition_by) {
    int idx = schema->GetFieldIndex(col);
    if (idx < 0)
      return UserError("partition column '{}' is not in the input schema", col);
    if (schema->field(idx)->type()->num_fields() > 0) {
      return UserError("partition column '{}' has nested type {}", col,
                       schema->field(idx)->type()->ToString());
    }
    w->partition_indices_.push_back(idx);
  }
  arrow::FieldVector data_fields;
  for (int i = 0; i < schema->num_fields(); ++i) {
    if (std::find(w->partition_indices_.begin(), w->partition_indices_.end(), i) !=
        w->partition_indices_.end()) {
      continue;
    }
    w->data_indices_.push_back(i);
    data_fields.push_back(schema->field(i));
  }
  if (data_fields.empty())
    return UserError("every column is a partition column; no data left");
  w->file_schema_ = arrow::schema(data_fields, schema->metadata());
  w->budget_ = std::make_shared<WriterMemoryBudget>(options.memory_budget);
  w->options_ = std::move(options);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec)
    return arrow::Status::IOError("cannot create directory '", root, "': ", ec.message());
  return w;
}

PartitionedDatasetWriter::~PartitionedDatasetWriter() {
  if (!done_) Abort();
}

arrow::Result<PartitionedDatasetWriter::OpenFile*> PartitionedDatasetWriter::FileFor(
    const std::string& partition_dir) {
  auto it = files_.find(partition_dir);
  if (it != files_.end()) return &it->second;
  fs::path dir = fs::path(root_) / partition_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return arrow::Status::IOError("cannot create directory '", dir.string(),
                                  "': ", ec.message());
  }
  // A per-writer random id keeps part files of separate runs into the same
  // directory from replacing each other.
  std::string name = fmt::format("part-{}-{}.parquet", run_id_, files_.size());
  OpenFile f;
  f.hidden_path = (dir / ("." + name + ".inprogress")).string();
  f.final_path = (dir / name).string();
  ARROW_ASSIGN_OR_RAISE(f.writer, ParquetFileWriter::Open(f.hidden_path, file_schema_,
                                                          options_.writer, budget_));
  return &files_.emplace(partition_dir, std::move(f)).first->second;
}

arrow::Status PartitionedDatasetWriter::Write(const arrow::RecordBatch& batch) {
  if (done_) return arrow::Status::Invalid("write after commit or abort");
  if (!batch.schema()->Equals(*schema_, false)) {
    return UserError("batch schema {} does not match {}", batch.schema()->ToString(),
                     schema_->ToString());
  }
  arrow::ArrayVector data_columns;
  for (int i : data_indices_) data_columns.push_back(batch.column(i));
  auto data = arrow::RecordBatch::Make(file_schema_, batch.num_rows(), data_columns);
  if (partition_indices_.empty()) {
    ARROW_ASSIGN_OR_RAISE(OpenFile * f, FileFor(""));
    return f->writer->Write(*data);
  }
  // Directory name of every row, then one Take per distinct directory.
  std::vector<std::shared_ptr<arrow::StringArray>> texts;
  for (int i : partition_indices_) {
    ARROW_ASSIGN_OR_RAISE(auto as_text,
                          arrow::compute::Cast(*batch.column(i), arrow::utf8()));
    texts.push_back(std::static_pointer_cast<arrow::StringArray>(as_text));
  }
  std::unordered_map<std::string, std::vector<int64_t>> rows_by_dir;
  std::vector<std::string> order;
  std::string dir;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    dir.clear();
    for (size_t p = 0; p < texts.size(); ++p) {
      if (p) dir += '/';
      dir += types::EscapePartitionKey(options_.partition_by[p]);
      dir += '=';
      dir += texts[p]->IsNull(r) ? std::string(types::kHiveDefaultPartition)
                                 : types::EscapePartitionValue(texts[p]->GetView(r));
    }
    auto [it, inserted] = rows_by_dir.try_emplace(dir);
    if (inserted) order.push_back(dir);
    it->second.push_back(r);
  }
  for (const auto& d : order) {
    const auto& rows = rows_by_dir[d];
    arrow::Int64Builder indices;
    ARROW_RETURN_NOT_OK(indices.AppendValues(rows));
    ARROW_ASSIGN_OR_RAISE(auto idx, indices.Finish());
    ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(data, idx));
    ARROW_ASSIGN_OR_RAISE(OpenFile * f, FileFor(d));
    ARROW_RETURN_NOT_OK(f->writer->Write(*taken.record_batch()));
  }
  return arrow::Status::OK();
}

arrow::Status PartitionedDatasetWriter::Commit() {
  if (done_) return arrow::Status::Invalid("already committed or aborted");
  for (auto& [dir, f] : files_) {
    auto st = f.writer->Close();
    if (!st.ok()) {
      Abort();
      return st;
    }
  }
  // Make the data durable before it becomes visible, then publish by rename. A
  // failed rename unpublishes what was already renamed, so a failed commit leaves
  // no visible output.
  for (auto& [dir, f] : files_) {
    auto st = SyncFile(f.hidden_path);
    if (!st.ok()) {
      Abort();
      return st;
    }
  }
  std::vector<const OpenFile*> renamed;
  for (auto& [dir, f] : files_) {
    std::error_code ec;
    if (fs::exists(f.final_path, ec)) {
      ec = std::make_error_code(std::errc::file_exists);
    } else {
      fs::rename(f.hidden_path, f.final_path, ec);
    }
    if (ec) {
      for (const OpenFile* done : renamed) {
        std::error_code ignored;
        fs::rename(done->final_path, done->hidden_path, ignored);
      }
      Abort();
      return arrow::Status::IOError("cannot rename '", f.hidden_path, "' to '",
                                    f.final_path, "': ", ec.message());
    }
    renamed.push_back(&f);
  }
  std::set<std::string> dirs;
  for (const OpenFile* f : renamed) {
    committed_.push_back(f->final_path);
    dirs.insert(fs::path(f->final_path).parent_path().string());
    dirs.insert(root_);
  }
  for (const auto& d : dirs) ARROW_RETURN_NOT_OK(SyncDirectory(d));
  std::sort(committed_.begin(), committed_.end());
  files_.clear();
  done_ = true;
  return arrow::Status::OK();
}

void PartitionedDatasetWriter::Abort() {
  for (auto& [dir, f] : files_) {
    f.writer.reset();
    std::error_code ec;
    fs::remove(f.hidden_path, ec);
  }
  files_.clear();
  done_ = true;
}

}  // namespace weir::format
