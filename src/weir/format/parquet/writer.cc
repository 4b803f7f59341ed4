#include "weir/format/parquet/writer.h"

#include <algorithm>
#include <limits>

#include <arrow/io/file.h>
#include <arrow/type.h>
#include <arrow/util/byte_size.h>
#include <arrow/util/key_value_metadata.h>

#include "weir/common/error.h"
#include "weir/format/parquet/parquet_error.h"

namespace weir::format {

namespace {

int CountLeaves(const arrow::DataType& type) {
  if (type.num_fields() == 0) return 1;
  int n = 0;
  for (const auto& f : type.fields()) n += CountLeaves(*f->type());
  return n;
}

arrow::Result<int> LeafIndexOf(const arrow::Schema& schema, const std::string& column) {
  int leaf = 0;
  for (const auto& f : schema.fields()) {
    if (f->name() == column) {
      if (f->type()->num_fields() != 0) {
        return UserError("sorting column '{}' must be a primitive column, not {}", column,
                         f->type()->ToString());
      }
      return leaf;
    }
    leaf += CountLeaves(*f->type());
  }
  return UserError("sorting column '{}' is not in the schema", column);
}

}  // namespace

arrow::Result<std::shared_ptr<parquet::WriterProperties>> MakeWriterProperties(
    const WriterOptions& o, const arrow::Schema& schema, arrow::MemoryPool* pool) {
  if (o.row_group_rows <= 0) return UserError("row group size must be positive");
  if (o.page_size <= 0) return UserError("page size must be positive");
  if (o.data_page_version != 1 && o.data_page_version != 2) {
    return UserError("data page version must be 1 or 2, got {}", o.data_page_version);
  }
  parquet::WriterProperties::Builder b;
  b.memory_pool(pool);
  b.compression(o.compression);
  if (o.compression_level) b.compression_level(*o.compression_level);
  // We close row groups ourselves (rows and bytes); keep Parquet's own limit out of the
  // way.
  b.max_row_group_length(std::numeric_limits<int64_t>::max());
  b.data_pagesize(o.page_size);
  if (o.dictionary) {
    b.enable_dictionary();
  } else {
    b.disable_dictionary();
  }
  for (const auto& column : o.plain_columns) b.disable_dictionary(column);
  b.dictionary_pagesize_limit(o.dictionary_page_size_limit);
  if (o.statistics) {
    b.enable_statistics();
  } else {
    b.disable_statistics();
  }
  if (o.page_index) {
    b.enable_write_page_index();
  } else {
    b.disable_write_page_index();
  }
  b.data_page_version(o.data_page_version == 2 ? parquet::ParquetDataPageVersion::V2
                                               : parquet::ParquetDataPageVersion::V1);
  b.version(parquet::ParquetVersion::PARQUET_2_6);
  b.created_by("weir version 0.1.0 (built on parquet-cpp-arrow)");
  for (const auto& [column, spec] : o.bloom_filters) {
    if (schema.GetFieldByName(column.substr(0, column.find('.'))) == nullptr) {
      return UserError("bloom filter column '{}' is not in the schema", column);
    }
    if (!(spec.fpp > 0.0 && spec.fpp < 1.0)) {
      return UserError("bloom filter fpp for '{}' must be in (0, 1), got {}", column,
                       spec.fpp);
    }
    parquet::BloomFilterOptions bf;
    bf.fpp = spec.fpp;
    bf.ndv = spec.ndv > 0 ? spec.ndv : std::min<int64_t>(o.row_group_rows, 1 << 20);
    b.enable_bloom_filter(column, bf);
  }
  std::vector<parquet::SortingColumn> sorting;
  for (const auto& s : o.sorting_columns) {
    ARROW_ASSIGN_OR_RAISE(int idx, LeafIndexOf(schema, s.column));
    sorting.push_back({idx, s.descending, s.nulls_first});
  }
  if (!sorting.empty()) b.set_sorting_columns(sorting);
  return b.build();
}

arrow::Result<std::unique_ptr<ParquetFileWriter>> ParquetFileWriter::Open(
    const std::string& path, std::shared_ptr<arrow::Schema> schema,
    const WriterOptions& options, std::shared_ptr<WriterMemoryBudget> budget) {
  auto sink = arrow::io::FileOutputStream::Open(path);
  if (!sink.ok()) return WithContext(sink.status(), "cannot create '" + path + "'");
  return Open(*sink, path, std::move(schema), options, std::move(budget));
}

arrow::Result<std::unique_ptr<ParquetFileWriter>> ParquetFileWriter::Open(
    std::shared_ptr<arrow::io::OutputStream> sink, std::string name,
    std::shared_ptr<arrow::Schema> schema, const WriterOptions& options,
    std::shared_ptr<WriterMemoryBudget> budget) {
  if (options.row_group_bytes <= 0) return UserError("row group bytes must be positive");
  auto pool = std::make_unique<arrow::ProxyMemoryPool>(arrow::default_memory_pool());
  ARROW_ASSIGN_OR_RAISE(auto props, MakeWriterProperties(options, *schema, pool.get()));
  parquet::ArrowWriterProperties::Builder ab;
  ab.store_schema();
  ab.set_use_threads(options.parallel_columns);
  if (options.int96_timestamps) ab.enable_deprecated_int96_timestamps();
  auto metadata = schema->metadata() ? schema->metadata()->Copy()
                                     : std::make_shared<arrow::KeyValueMetadata>();
  for (const auto& [k, v] : options.key_value_metadata)
    ARROW_RETURN_NOT_OK(metadata->Set(k, v));
  auto file_schema = schema->WithMetadata(metadata);

  std::unique_ptr<ParquetFileWriter> w(new ParquetFileWriter());
  w->name_ = std::move(name);
  w->options_ = options;
  w->schema_ = schema;
  w->sink_ = sink;
  w->pool_ = std::move(pool);
  ARROW_ASSIGN_OR_RAISE(w->writer_, CatchParquet(w->name_, [&] {
                          return parquet::arrow::FileWriter::Open(
                              *file_schema, w->pool_.get(), sink, props, ab.build());
                        }));
  w->budget_ = std::move(budget);
  if (w->budget_) w->budget_->Register(w.get());
  return w;
}

ParquetFileWriter::~ParquetFileWriter() {
  if (budget_) budget_->Unregister(this);
  // A writer dropped without Close() leaves an unfinished file; callers that care
  // (transactional sinks) write to a hidden name and delete it.
}

arrow::Status ParquetFileWriter::Write(const arrow::RecordBatch& batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return arrow::Status::Invalid(name_, ": write after close");
    if (!batch.schema()->Equals(*schema_, /*check_metadata=*/false)) {
      return UserError("{}: batch schema {} does not match the file schema {}", name_,
                       batch.schema()->ToString(), schema_->ToString());
    }
    int64_t offset = 0;
    const int64_t n = batch.num_rows();
    int64_t total_bytes = 0;
    {
      auto size = arrow::util::ReferencedBufferSize(batch);
      total_bytes = size.ok() ? *size : 0;
    }
    while (offset < n) {
      if (rg_full_) ARROW_RETURN_NOT_OK(FlushLocked());
      int64_t len = std::min(n - offset, options_.row_group_rows - rg_rows_);
      if (total_bytes > 0 && n > 0) {
        // Also stop at the byte limit, estimating bytes per row from the batch.
        const int64_t room = std::max<int64_t>(options_.row_group_bytes - rg_bytes_, 0);
        const int64_t rows_by_bytes =
            static_cast<int64_t>(static_cast<double>(room) * static_cast<double>(n) /
                                 static_cast<double>(total_bytes));
        len = std::max<int64_t>(1, std::min(len, rows_by_bytes));
      }
      auto slice = batch.Slice(offset, len);
      ARROW_RETURN_NOT_OK(
          CatchParquet(name_, [&] { return writer_->WriteRecordBatch(*slice); }));
      rg_rows_ += len;
      rg_bytes_ += n > 0 ? total_bytes * len / n : 0;
      rows_written_ += len;
      offset += len;
      if (rg_rows_ >= options_.row_group_rows || rg_bytes_ >= options_.row_group_bytes) {
        // Start the next row group lazily so that Close() never writes an empty one.
        rg_full_ = true;
      }
    }
  }
  if (budget_) return budget_->Enforce();
  return arrow::Status::OK();
}

arrow::Status ParquetFileWriter::FlushLocked() {
  if (closed_ || rg_rows_ == 0) return arrow::Status::OK();
  // NewBufferedRowGroup() encodes and writes the open row group and opens an empty
  // one; if no row follows before Close(), the file ends with a zero-row group.
  ARROW_RETURN_NOT_OK(
      CatchParquet(name_, [&] { return writer_->NewBufferedRowGroup(); }));
  rg_full_ = false;
  rg_rows_ = 0;
  rg_bytes_ = 0;
  return arrow::Status::OK();
}

arrow::Status ParquetFileWriter::FlushRowGroup() {
  std::lock_guard<std::mutex> lock(mu_);
  return FlushLocked();
}

arrow::Status ParquetFileWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return close_status_;
  closed_ = true;
  rg_rows_ = rg_bytes_ = 0;
  close_status_ = CatchParquet(name_, [&] { return writer_->Close(); });
  if (!sink_->closed()) {
    auto st = sink_->Close();
    if (close_status_.ok()) close_status_ = st;
  }
  return close_status_;
}

int64_t ParquetFileWriter::buffered_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rg_bytes_;
}

int64_t ParquetFileWriter::estimated_file_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto written = sink_->Tell();
  return (written.ok() ? *written : 0) + rg_bytes_;
}

int64_t ParquetFileWriter::rows_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rows_written_;
}

std::shared_ptr<parquet::FileMetaData> ParquetFileWriter::metadata() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_ ? writer_->metadata() : nullptr;
}

void WriterMemoryBudget::Register(ParquetFileWriter* w) {
  std::lock_guard<std::mutex> lock(mu_);
  writers_.push_back(w);
}

void WriterMemoryBudget::Unregister(ParquetFileWriter* w) {
  std::lock_guard<std::mutex> lock(mu_);
  writers_.erase(std::remove(writers_.begin(), writers_.end(), w), writers_.end());
}

int64_t WriterMemoryBudget::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t total = 0;
  for (auto* w : writers_) total += w->buffered_bytes();
  return total;
}

int64_t WriterMemoryBudget::forced_flushes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return forced_flushes_;
}

arrow::Status WriterMemoryBudget::Enforce() {
  // Lock order is always budget, then writer; writers never hold their own lock
  // while calling into the budget.
  std::lock_guard<std::mutex> lock(mu_);
  while (true) {
    int64_t total = 0, largest_bytes = 0;
    ParquetFileWriter* largest = nullptr;
    for (auto* w : writers_) {
      int64_t b = w->buffered_bytes();
      total += b;
      if (b > largest_bytes) {
        largest_bytes = b;
        largest = w;
      }
    }
    if (total <= limit_ || largest == nullptr) return arrow::Status::OK();
    ARROW_RETURN_NOT_OK(largest->FlushRowGroup());
    ++forced_flushes_;
  }
}

}  // namespace weir::format
