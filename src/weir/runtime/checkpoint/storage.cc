#include "weir/runtime/checkpoint/storage.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/file_sync.h"
#include "weir/common/log.h"

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kHeader = "weir-checkpoint-manifest 1";

arrow::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UserError("cannot read '{}'", path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return UserError("cannot read '{}'", path);
  return s.str();
}

arrow::Status WriteDurably(const std::string& path,
                           const std::vector<std::string_view>& pieces) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return UserError("cannot create '{}'", path);
    for (std::string_view piece : pieces) {
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    }
    out.flush();
    if (!out) return UserError("cannot write '{}'", path);
  }
  return SyncFile(path);
}

arrow::Status WriteDurably(const std::string& path, const std::string& bytes) {
  return WriteDurably(path, std::vector<std::string_view>{bytes});
}

// Id of a `chk-<id>` or `savepoint-<id>` folder.
std::optional<CheckpointId> FolderId(const std::string& name) {
  std::string prefix = "chk-";
  if (name.rfind(prefix, 0) != 0) prefix = "savepoint-";
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return std::nullopt;
  CheckpointId id = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// Checkpoint folders under root, newest first.
std::vector<std::pair<CheckpointId, std::string>> Folders(const std::string& root) {
  std::vector<std::pair<CheckpointId, std::string>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (!e.is_directory()) continue;
    if (auto id = FolderId(e.path().filename().string()))
      out.emplace_back(*id, e.path().string());
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first > b.first; });
  return out;
}

}  // namespace

const char* CheckpointKindName(CheckpointKind kind) {
  switch (kind) {
    case CheckpointKind::kCheckpoint:
      return "checkpoint";
    case CheckpointKind::kSavepoint:
      return "savepoint";
    case CheckpointKind::kFinal:
      return "final";
  }
  return "?";
}

std::string CheckpointFolder(const std::string& root, CheckpointId id) {
  return (fs::path(root) / fmt::format("chk-{}", id)).string();
}

namespace {

// Writes a state file made of `pieces` whose checksum is `crc`.
arrow::Result<TaskStateFile> WriteStateFile(const std::string& folder,
                                            const std::string& task_key,
                                            const std::vector<std::string_view>& pieces,
                                            int64_t size, uint32_t crc) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    return UserError("cannot create checkpoint folder '{}': {}", folder, ec.message());
  TaskStateFile file;
  file.name = task_key + ".state";
  file.bytes = size;
  file.crc = crc;
  ARROW_RETURN_NOT_OK(WriteDurably((fs::path(folder) / file.name).string(), pieces));
  return file;
}

}  // namespace

arrow::Result<TaskStateFile> WriteTaskState(const std::string& folder,
                                            const std::string& task_key,
                                            const std::string& bytes) {
  return WriteStateFile(folder, task_key, {bytes}, static_cast<int64_t>(bytes.size()),
                        Checksum(bytes));
}

arrow::Result<TaskStateFile> WriteTaskState(const std::string& folder,
                                            const std::string& task_key,
                                            const EncodedTaskSnapshot& encoded) {
  return WriteStateFile(folder, task_key, encoded.pieces, encoded.size, encoded.crc);
}

arrow::Status WriteManifest(const std::string& folder,
                            const CheckpointManifest& manifest) {
  std::string body = fmt::format("{}\nid {}\nkind {}\njob {}\ntimestamp_ms {}\n", kHeader,
                                 manifest.id, CheckpointKindName(manifest.kind),
                                 manifest.job_name, manifest.timestamp_ms);
  for (const auto& t : manifest.tasks)
    body += fmt::format("task {} {} {}\n", t.name, t.bytes, t.crc);
  body += fmt::format("checksum {}\n", Checksum(body));
  const std::string tmp = (fs::path(folder) / "_metadata.tmp").string();
  ARROW_RETURN_NOT_OK(WriteDurably(tmp, body));
  std::error_code ec;
  fs::rename(tmp, fs::path(folder) / kManifestName, ec);
  if (ec)
    return UserError("cannot publish the manifest in '{}': {}", folder, ec.message());
  ARROW_RETURN_NOT_OK(SyncDirectory(folder));
  // The folder's own entry in the checkpoint directory, so that a power loss cannot
  // drop a checkpoint whose files sinks already published.
  return SyncDirectory(fs::path(folder).parent_path().string());
}

arrow::Result<CheckpointManifest> ReadManifest(const std::string& folder) {
  const std::string path = (fs::path(folder) / kManifestName).string();
  if (!fs::exists(path))
    return UserError("checkpoint '{}' is incomplete: it has no {}", folder,
                     kManifestName);
  ARROW_ASSIGN_OR_RAISE(auto text, ReadWholeFile(path));
  const auto sum_at = text.rfind("checksum ");
  if (text.rfind(kHeader, 0) != 0 || sum_at == std::string::npos)
    return UserError("checkpoint manifest '{}' is not a weir manifest", path);
  const std::string body = text.substr(0, sum_at);
  if (fmt::format("checksum {}\n", Checksum(body)) != text.substr(sum_at))
    return UserError("checkpoint manifest '{}' is corrupt (checksum mismatch)", path);
  CheckpointManifest m;
  std::istringstream lines(body);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "id") {
      in >> m.id;
    } else if (key == "kind") {
      std::string k;
      in >> k;
      m.kind = k == "savepoint" ? CheckpointKind::kSavepoint
               : k == "final"   ? CheckpointKind::kFinal
                                : CheckpointKind::kCheckpoint;
    } else if (key == "job") {
      std::getline(in, m.job_name);
      if (!m.job_name.empty() && m.job_name[0] == ' ') m.job_name.erase(0, 1);
    } else if (key == "timestamp_ms") {
      in >> m.timestamp_ms;
    } else if (key == "task") {
      TaskStateFile t;
      in >> t.name >> t.bytes >> t.crc;
      m.tasks.push_back(t);
    }
  }
  for (const auto& t : m.tasks) {
    const auto p = fs::path(folder) / t.name;
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec || static_cast<int64_t>(size) != t.bytes) {
      return UserError(
          "checkpoint '{}' is damaged: state file '{}' is missing or has "
          "the wrong size",
          folder, t.name);
    }
  }
  return m;
}

arrow::Result<RestoredCheckpoint> LoadCheckpoint(const std::string& folder) {
  RestoredCheckpoint out;
  out.folder = folder;
  ARROW_ASSIGN_OR_RAISE(out.manifest, ReadManifest(folder));
  for (const auto& t : out.manifest.tasks) {
    const std::string path = (fs::path(folder) / t.name).string();
    ARROW_ASSIGN_OR_RAISE(auto bytes, ReadWholeFile(path));
    if (Checksum(bytes) != t.crc)
      return UserError("checkpoint state '{}' is corrupt (checksum mismatch)", path);
    ARROW_ASSIGN_OR_RAISE(auto snapshot, DecodeTaskSnapshot(bytes, path));
    for (auto& op : snapshot.operators) out.by_uid[op.uid].push_back(std::move(op));
  }
  for (auto& [uid, parts] : out.by_uid) {
    std::sort(parts.begin(), parts.end(),
              [](const auto& a, const auto& b) { return a.subtask < b.subtask; });
  }
  return out;
}

arrow::Result<std::optional<std::string>> FindLatestCheckpoint(const std::string& root) {
  for (const auto& [id, folder] : Folders(root)) {
    auto m = ReadManifest(folder);
    if (m.ok()) return std::optional<std::string>(folder);
    LogWarning("skipping checkpoint {}: {}", id, m.status().message());
  }
  return std::optional<std::string>();
}

arrow::Result<std::optional<std::string>> ResolveRestorePath(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return UserError("restore path '{}' is not a directory", path);
  if (fs::exists(fs::path(path) / kManifestName)) return std::optional<std::string>(path);
  return FindLatestCheckpoint(path);
}

void PruneCheckpoints(const std::string& root, int retain) {
  int kept = 0;
  bool seen_complete = false;
  for (const auto& [id, folder] : Folders(root)) {
    if (fs::path(folder).filename().string().rfind("savepoint-", 0) == 0) continue;
    const bool complete = fs::exists(fs::path(folder) / kManifestName);
    bool remove = false;
    if (complete) {
      remove = kept >= retain;
      ++kept;
      seen_complete = true;
    } else {
      remove = seen_complete;  // older than a completed one: abandoned
    }
    if (!remove) continue;
    std::error_code ec;
    fs::remove_all(folder, ec);
    if (ec) LogWarning("cannot delete old checkpoint '{}': {}", folder, ec.message());
  }
}

CheckpointId HighestCheckpointId(const std::string& root) {
  auto folders = Folders(root);
  return folders.empty() ? 0 : folders.front().first;
}

}  // namespace weir::runtime
