#pragma once

#include <string>

#include <arrow/status.h>

namespace weir {

/// Flushes a file's data and metadata to stable storage (fsync), so a rename that
/// publishes it cannot be observed before its contents survive a crash.
arrow::Status SyncFile(const std::string& path);

/// Flushes a directory's entries to stable storage (fsync on the directory), making
/// renames and creations inside it durable.
arrow::Status SyncDirectory(const std::string& path);

/// Flushes every dirty file of the file system holding `path` (syncfs): one call
/// instead of an fsync per file when a checkpoint touched many files.
arrow::Status SyncFileSystem(const std::string& path);

}  // namespace weir
