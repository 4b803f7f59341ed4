#include "weir/common/file_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace weir {

namespace {

arrow::Status SyncPath(const std::string& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return arrow::Status::IOError("cannot open ", what, " '", path,
                                  "' to sync: ", std::strerror(errno));
  }
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return arrow::Status::IOError("cannot sync ", what, " '", path,
                                  "': ", std::strerror(err));
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Status SyncFile(const std::string& path) {
  return SyncPath(path, O_RDONLY, "file");
}

arrow::Status SyncDirectory(const std::string& path) {
  return SyncPath(path.empty() ? "." : path, O_RDONLY | O_DIRECTORY, "directory");
}

arrow::Status SyncFileSystem(const std::string& path) {
  int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return arrow::Status::IOError("cannot open '", path,
                                  "' to sync its file system: ", std::strerror(errno));
  }
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return arrow::Status::IOError("cannot sync the file system of '", path,
                                  "': ", std::strerror(err));
  }
  return arrow::Status::OK();
}

}  // namespace weir
