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

// Closes a descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

arrow::Status Fsync(int fd, const std::string& path) {
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? arrow::Status::OK() : Errno("cannot sync", path);
}

// Appends to the file at absolute positions and reports them, so a segment's
// metadata points into the whole file. Parquet's writer refuses a sink whose position
// is not 0 when it starts a file ("appending not implemented"), so before the first
// byte (the magic) the stream says 0; every later position, which the writer records
// as column chunk, page index and bloom filter offsets, is absolute. The segment
// tests read the result back to hold this in place.
//
// The stream holds no file descriptor between flushes (a sink may have thousands of
// partitions open): writes gather in a buffer that is written out with one
// open/pwrite/close when it passes 1 MB, and on Flush()/Close().
class AppendStream : public arrow::io::OutputStream {
 public:
  // `new_file`: the stream starts a Parquet file (see above); otherwise positions are
  // absolute from the start.
  AppendStream(std::string path, int64_t base, bool new_file)
      : path_(std::move(path)), pos_(base), flushed_(base), started_(!new_file) {}
  ~AppendStream() override { (void)Flush(); }
  arrow::Status Close() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    return Flush();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return started_ ? pos_ : 0; }
  arrow::Status Write(const void* data, int64_t nbytes) override {
    if (closed_) return arrow::Status::Invalid(path_, ": write after close");
    buffer_.append(static_cast<const char*>(data), static_cast<size_t>(nbytes));
    pos_ += nbytes;
    started_ = true;
    if (buffer_.size() >= (1u << 20)) return Flush();
    return arrow::Status::OK();
  }
  arrow::Status Flush() override {
    if (buffer_.empty()) return arrow::Status::OK();
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open", path_);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(buffer_.data());
    int64_t n = static_cast<int64_t>(buffer_.size()), at = flushed_;
    arrow::Status st;
    while (n > 0) {
      const ssize_t w = ::pwrite(fd, p, static_cast<size_t>(n), at);
      if (w < 0) {
        if (errno == EINTR) continue;
        st = Errno("cannot write", path_);
        break;
      }
      p += w;
      n -= w;
      at += w;
    }
    ::close(fd);
    ARROW_RETURN_NOT_OK(st);
    flushed_ = pos_;
    std::string().swap(buffer_);  // give the memory back between flushes
    return arrow::Status::OK();
  }
  int64_t position() const { return pos_; }

 private:
  std::string path_;
  int64_t pos_;
  int64_t flushed_;
  bool started_;
  bool closed_ = false;
  std::string buffer_;
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

arrow::Status WriteFooter(const std::string& path, int64_t at,
                          const parquet::FileMetaData& md) {
  auto stream = std::make_shared<AppendStream>(path, at, /*new_file=*/false);
  ARROW_RETURN_NOT_OK(CatchParquet(path, [&] {
    parquet::WriteFileMetaData(md, stream.get());
    return arrow::Status::OK();
  }));
  return stream->Close();
}

arrow::Status FsyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  auto st = Fsync(fd, path);
  ::close(fd);
  return st;
}

}  // namespace

arrow::Result<std::unique_ptr<SegmentedParquetFile>> SegmentedParquetFile::Create(
    const std::string& path, std::shared_ptr<arrow::Schema> schema, WriterOptions options,
    std::shared_ptr<WriterMemoryBudget> budget) {
  std::unique_ptr<SegmentedParquetFile> f(new SegmentedParquetFile());
  f->path_ = path;
  f->schema_ = std::move(schema);
  f->options_ = std::move(options);
  f->budget_ = std::move(budget);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", path);
  ::close(fd);
  return f;
}

SegmentedParquetFile::~SegmentedParquetFile() = default;

arrow::Status SegmentedParquetFile::Write(const arrow::RecordBatch& batch) {
  if (finished_) return arrow::Status::Invalid(path_, ": write after finish");
  if (batch.num_rows() == 0) return arrow::Status::OK();
  if (!segment_) {
    segment_stream_ = std::make_shared<AppendStream>(path_, length_, /*new_file=*/true);
    ARROW_ASSIGN_OR_RAISE(segment_, ParquetFileWriter::Open(segment_stream_, path_,
                                                            schema_, options_, budget_));
  }
  ARROW_RETURN_NOT_OK(segment_->Write(batch));
  rows_ += batch.num_rows();
  return arrow::Status::OK();
}

arrow::Status SegmentedParquetFile::EndSegment() {
  if (!segment_) return arrow::Status::OK();
  auto writer = std::move(segment_);
  ARROW_RETURN_NOT_OK(writer->Close());
  length_ = std::static_pointer_cast<AppendStream>(segment_stream_)->position();
  segment_stream_.reset();
  return arrow::Status::OK();
}

arrow::Status SegmentedParquetFile::Release() {
  if (finished_) return arrow::Status::OK();
  return EndSegment();
}

arrow::Result<int64_t> SegmentedParquetFile::Checkpoint(bool sync) {
  if (finished_) return arrow::Status::Invalid(path_, ": checkpoint after finish");
  ARROW_RETURN_NOT_OK(EndSegment());
  if (sync) ARROW_RETURN_NOT_OK(FsyncPath(path_));
  checkpointed_rows_ = rows_;
  return length_;
}

arrow::Status SegmentedParquetFile::Finish(bool sync) {
  if (finished_) return arrow::Status::OK();
  ARROW_RETURN_NOT_OK(EndSegment());
  if (length_ == 0) return arrow::Status::Invalid(path_, ": no rows to finish");
  // The segment footers are read back from the file rather than kept in memory, so
  // an open file costs nothing but its open segment.
  ARROW_RETURN_NOT_OK(AppendCombinedFooter(path_, length_));
  if (sync) ARROW_RETURN_NOT_OK(FsyncPath(path_));
  finished_ = true;
  return arrow::Status::OK();
}

int64_t SegmentedParquetFile::estimated_bytes() const {
  return segment_ ? segment_->estimated_file_bytes() : length_;
}

int64_t SegmentedParquetFile::buffered_bytes() const {
  return segment_ ? segment_->buffered_bytes() : 0;
}

int64_t SegmentedParquetFile::memory_bytes() const {
  return segment_ ? segment_->memory_bytes() : 0;
}

arrow::Status SegmentedParquetFile::Recover(const std::string& path,
                                            int64_t valid_length) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open in-progress file", path);
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  if (st.st_size < valid_length) {
    return UserError(
        "in-progress file '{}' has {} bytes, less than the {} its checkpoint recorded: "
        "it was truncated or replaced",
        path, static_cast<int64_t>(st.st_size), valid_length);
  }
  if (::ftruncate(fd, valid_length) != 0) return Errno("cannot truncate", path);
  ARROW_RETURN_NOT_OK(AppendCombinedFooter(path, valid_length));
  return Fsync(fd, path);
}

arrow::Status SegmentedParquetFile::AppendCombinedFooter(const std::string& path,
                                                         int64_t valid_length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  FdCloser closer{fd};
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
    ARROW_RETURN_NOT_OK(
        ReadAt(fd, end - 8 - len, len, reinterpret_cast<uint8_t*>(footer.data()), path));
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
    combined =
        parquet::FileMetaData::Make(first.data(), static_cast<int64_t>(first.size()));
    for (size_t i = 1; i < segments.size(); ++i) combined->AppendRowGroups(*segments[i]);
    return arrow::Status::OK();
  }));
  return WriteFooter(path, valid_length, *combined);
}

}  // namespace weir::format
