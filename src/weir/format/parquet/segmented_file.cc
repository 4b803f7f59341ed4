#include "weir/format/parquet/segmented_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <parquet/file_writer.h>

#include "weir/common/error.h"
#include "weir/format/parquet/parquet_error.h"

namespace weir::format {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};

arrow::Status Errno(const std::string& what, const std::string& path) {
  return arrow::Status::IOError(what, " '", path, "': ", std::strerror(errno));
}

arrow::Status WriteAll(int fd, const uint8_t* data, int64_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, static_cast<size_t>(n));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data += w;
    n -= w;
  }
  return arrow::Status::OK();
}

arrow::Status ReadAt(int fd, int64_t offset, int64_t n, uint8_t* out,
                     const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, out, static_cast<size_t>(n), offset);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (r == 0) return UserError("'{}' ends early at byte {}", path, offset);
    out += r;
    offset += r;
    n -= r;
  }
  return arrow::Status::OK();
}

arrow::Status Fsync(int fd, const std::string& path) {
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? arrow::Status::OK() : Errno("cannot sync", path);
}

// Appends to the file descriptor and reports positions as absolute file offsets, so
// a segment's metadata points into the whole file. Close() leaves the fd open.
// Parquet's writer refuses a sink whose position is not 0 when it starts a file
// ("appending not implemented"), so before the first byte (the magic) the stream
// says 0; every later position, which the writer records as column chunk, page
// index and bloom filter offsets, is absolute. The segment tests read the result
// back to hold this in place.
class AppendStream : public arrow::io::OutputStream {
 public:
  // `new_file`: the stream starts a Parquet file (see above); otherwise positions are
  // absolute from the start.
  AppendStream(int fd, int64_t base, std::string path, bool new_file)
      : fd_(fd), pos_(base), path_(std::move(path)), started_(!new_file) {}
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return started_ ? pos_ : 0; }
  arrow::Status Write(const void* data, int64_t nbytes) override {
    if (closed_) return arrow::Status::Invalid(path_, ": write after close");
    ARROW_RETURN_NOT_OK(WriteAll(fd_, static_cast<const uint8_t*>(data), nbytes, path_));
    pos_ += nbytes;
    started_ = true;
    return arrow::Status::OK();
  }

 private:
  int fd_;
  int64_t pos_;
  std::string path_;
  bool started_;
  bool closed_ = false;
};

// Returns the offset of a segment's first byte (its magic): the smallest column
// chunk offset less the 4 magic bytes.
arrow::Result<int64_t> SegmentStart(const parquet::FileMetaData& md,
                                    const std::string& path) {
  int64_t first = INT64_MAX;
  for (int rg = 0; rg < md.num_row_groups(); ++rg) {
    auto group = md.RowGroup(rg);
    for (int c = 0; c < group->num_columns(); ++c) {
      auto chunk = group->ColumnChunk(c);
      int64_t off = chunk->data_page_offset();
      if (chunk->has_dictionary_page() && chunk->dictionary_page_offset() > 0)
        off = std::min(off, chunk->dictionary_page_offset());
      first = std::min(first, off);
    }
  }
  if (first == INT64_MAX || first < 4)
    return UserError("'{}': a segment footer lists no column chunk", path);
  return first - 4;
}

arrow::Status WriteFooter(int fd, int64_t at, const parquet::FileMetaData& md,
                          const std::string& path) {
  auto stream = std::make_shared<AppendStream>(fd, at, path, /*new_file=*/false);
  return CatchParquet(path, [&] {
    parquet::WriteFileMetaData(md, stream.get());
    return arrow::Status::OK();
  });
}

}  // namespace

arrow::Result<std::unique_ptr<SegmentedParquetFile>> SegmentedParquetFile::Create(
    const std::string& path, std::shared_ptr<arrow::Schema> schema,
    WriterOptions options, std::shared_ptr<WriterMemoryBudget> budget) {
  std::unique_ptr<SegmentedParquetFile> f(new SegmentedParquetFile());
  f->path_ = path;
  f->schema_ = std::move(schema);
  f->options_ = std::move(options);
  f->budget_ = std::move(budget);
  f->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f->fd_ < 0) return Errno("cannot create", path);
  return f;
}

SegmentedParquetFile::~SegmentedParquetFile() {
  segment_.reset();
  if (fd_ >= 0) ::close(fd_);
}

arrow::Status SegmentedParquetFile::Write(const arrow::RecordBatch& batch) {
  if (finished_) return arrow::Status::Invalid(path_, ": write after finish");
  if (batch.num_rows() == 0) return arrow::Status::OK();
  if (!segment_) {
    auto stream = std::make_shared<AppendStream>(fd_, length_, path_, /*new_file=*/true);
    ARROW_ASSIGN_OR_RAISE(segment_, ParquetFileWriter::Open(stream, path_, schema_,
                                                            options_, budget_));
  }
  ARROW_RETURN_NOT_OK(segment_->Write(batch));
  segment_rows_ += batch.num_rows();
  rows_ += batch.num_rows();
  return arrow::Status::OK();
}

arrow::Status SegmentedParquetFile::EndSegment() {
  if (!segment_) return arrow::Status::OK();
  auto writer = std::move(segment_);
  ARROW_RETURN_NOT_OK(writer->Close());
  auto md = writer->metadata();
  if (!md) return arrow::Status::Invalid(path_, ": segment without metadata");
  segments_.push_back(md);
  segment_rows_ = 0;
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) return Errno("cannot seek", path_);
  length_ = end;
  return arrow::Status::OK();
}

arrow::Result<int64_t> SegmentedParquetFile::Checkpoint() {
  if (finished_) return arrow::Status::Invalid(path_, ": checkpoint after finish");
  ARROW_RETURN_NOT_OK(EndSegment());
  ARROW_RETURN_NOT_OK(Fsync(fd_, path_));
  checkpointed_rows_ = rows_;
  return length_;
}

arrow::Status SegmentedParquetFile::Finish() {
  if (finished_) return arrow::Status::OK();
  ARROW_RETURN_NOT_OK(EndSegment());
  if (segments_.empty()) return arrow::Status::Invalid(path_, ": no rows to finish");
  std::shared_ptr<parquet::FileMetaData> combined;
  ARROW_RETURN_NOT_OK(CatchParquet(path_, [&] {
    const std::string first = segments_[0]->SerializeToString();
    combined = parquet::FileMetaData::Make(first.data(),
                                           static_cast<int64_t>(first.size()));
    for (size_t i = 1; i < segments_.size(); ++i)
      combined->AppendRowGroups(*segments_[i]);
    return arrow::Status::OK();
  }));
  ARROW_RETURN_NOT_OK(WriteFooter(fd_, length_, *combined, path_));
  ARROW_RETURN_NOT_OK(Fsync(fd_, path_));
  finished_ = true;
  ::close(fd_);
  fd_ = -1;
  return arrow::Status::OK();
}

int64_t SegmentedParquetFile::estimated_bytes() const {
  return segment_ ? segment_->estimated_file_bytes() : length_;
}

int64_t SegmentedParquetFile::buffered_bytes() const {
  return segment_ ? segment_->buffered_bytes() : 0;
}

arrow::Status SegmentedParquetFile::Recover(const std::string& path,
                                            int64_t valid_length) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open in-progress file", path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  if (st.st_size < valid_length) {
    return UserError(
        "in-progress file '{}' has {} bytes, less than the {} its checkpoint recorded: "
        "it was truncated or replaced",
        path, static_cast<int64_t>(st.st_size), valid_length);
  }
  if (::ftruncate(fd, valid_length) != 0) return Errno("cannot truncate", path);

  // Walk the segments from the last to the first.
  std::vector<std::shared_ptr<parquet::FileMetaData>> segments;
  int64_t end = valid_length;
  while (end > 0) {
    if (end < 12) return UserError("'{}': segment chain broken at byte {}", path, end);
    uint8_t tail[8];
    ARROW_RETURN_NOT_OK(ReadAt(fd, end - 8, 8, tail, path));
    if (std::memcmp(tail + 4, kMagic, 4) != 0)
      return UserError("'{}': no segment footer ends at byte {}", path, end);
    uint32_t len = 0;
    std::memcpy(&len, tail, 4);  // little-endian, as Parquet
    if (static_cast<int64_t>(len) + 12 > end)
      return UserError("'{}': segment footer at byte {} is too long", path, end);
    std::string footer(len, '\0');
    ARROW_RETURN_NOT_OK(ReadAt(fd, end - 8 - len, len,
                               reinterpret_cast<uint8_t*>(footer.data()), path));
    std::shared_ptr<parquet::FileMetaData> md;
    ARROW_RETURN_NOT_OK(CatchParquet(path, [&] {
      md = parquet::FileMetaData::Make(footer.data(), static_cast<int64_t>(len));
      return arrow::Status::OK();
    }));
    ARROW_ASSIGN_OR_RAISE(const int64_t start, SegmentStart(*md, path));
    uint8_t magic[4];
    ARROW_RETURN_NOT_OK(ReadAt(fd, start, 4, magic, path));
    if (start >= end - 8 - static_cast<int64_t>(len) ||
        std::memcmp(magic, kMagic, 4) != 0) {
      return UserError("'{}': segment ending at byte {} does not start with PAR1", path,
                       end);
    }
    segments.push_back(md);
    end = start;
  }
  if (segments.empty()) return UserError("'{}': no checkpointed rows", path);
  std::reverse(segments.begin(), segments.end());
  std::shared_ptr<parquet::FileMetaData> combined;
  ARROW_RETURN_NOT_OK(CatchParquet(path, [&] {
    const std::string first = segments[0]->SerializeToString();
    combined = parquet::FileMetaData::Make(first.data(),
                                           static_cast<int64_t>(first.size()));
    for (size_t i = 1; i < segments.size(); ++i) combined->AppendRowGroups(*segments[i]);
    return arrow::Status::OK();
  }));
  if (::lseek(fd, valid_length, SEEK_SET) < 0) return Errno("cannot seek", path);
  ARROW_RETURN_NOT_OK(WriteFooter(fd, valid_length, *combined, path));
  return Fsync(fd, path);
}

}  // namespace weir::format
