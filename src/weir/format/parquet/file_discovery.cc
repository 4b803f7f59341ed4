#include "weir/format/parquet/file_discovery.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "weir/common/error.h"
#include "weir/types/partition_value.h"

namespace weir::format {
namespace fs = std::filesystem;

namespace {

bool HasGlobChars(const std::string& s) {
  return s.find_first_of("*?[") != std::string::npos;
}

bool IsHidden(const std::string& name) {
  return !name.empty() && (name[0] == '.' || name[0] == '_');
}

// Hive partition values of the directories between `root` and `file`.
std::vector<std::pair<std::string, std::string>> PartitionValues(const fs::path& root,
                                                                 const fs::path& file) {
  std::vector<std::pair<std::string, std::string>> out;
  fs::path rel = file.lexically_relative(root).parent_path();
  for (const auto& part : rel) {
    std::string s = part.string();
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out.emplace_back(types::UnescapePartitionValue(s.substr(0, eq)),
                     types::UnescapePartitionValue(s.substr(eq + 1)));
  }
  return out;
}

// Lists the data files under `root`; partition values come from the directories
// below `partition_root` (the walked directory itself, or a glob's fixed prefix).
arrow::Status WalkDirectory(const fs::path& root, const fs::path& partition_root,
                            std::vector<DiscoveredFile>* out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(
      root, fs::directory_options::follow_directory_symlink, ec);
  if (ec)
    return arrow::Status::IOError("cannot list directory '", root.string(),
                                  "': ", ec.message());
  std::vector<DiscoveredFile> found;
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec)
      return arrow::Status::IOError("cannot list directory '", root.string(),
                                    "': ", ec.message());
    const std::string name = it->path().filename().string();
    if (IsHidden(name)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) {
      found.push_back({it->path().string(), PartitionValues(partition_root, it->path())});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  for (auto& f : found) out->push_back(std::move(f));
  return arrow::Status::OK();
}

// The directory part of a glob pattern before the first wildcard component.
fs::path GlobRoot(const std::string& pattern) {
  fs::path root;
  for (const auto& part : fs::path(pattern).parent_path()) {
    if (HasGlobChars(part.string())) break;
    root /= part;
  }
  return root;
}

arrow::Status ExpandGlob(const std::string& pattern, std::vector<DiscoveredFile>* out) {
  glob_t g{};
  int rc = glob(pattern.c_str(), 0, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    globfree(&g);
    return UserError("glob '{}' matches no file", pattern);
  }
  if (rc != 0) {
    globfree(&g);
    return arrow::Status::IOError("cannot expand glob '", pattern, "'");
  }
  fs::path root = GlobRoot(pattern);
  std::vector<std::string> matches(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  std::sort(matches.begin(), matches.end());
  const size_t before = out->size();
  for (const auto& m : matches) {
    std::error_code ec;
    if (fs::is_directory(m, ec)) {
      ARROW_RETURN_NOT_OK(WalkDirectory(m, root, out));
    } else if (!IsHidden(fs::path(m).filename().string())) {
      out->push_back({m, PartitionValues(root, m)});
    }
  }
  if (out->size() == before) {
    return UserError("glob '{}' matches only hidden files or empty directories", pattern);
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<std::string> LocalPath(const std::string& path) {
  // A scheme is letters, digits, '+', '-' or '.' after a letter, then ':'.
  size_t colon = path.find(':');
  if (colon == std::string::npos || colon == 0 ||
      !std::isalpha(static_cast<unsigned char>(path[0]))) {
    return path;
  }
  for (size_t i = 1; i < colon; ++i) {
    char c = path[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' &&
        c != '.') {
      return path;
    }
  }
  std::string scheme = path.substr(0, colon);
  std::string rest = path.substr(colon + 1);
  for (char& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "file") {
    if (rest.rfind("//localhost/", 0) == 0) {
      rest = rest.substr(11);
    } else if (rest.rfind("//", 0) == 0) {
      rest = rest.substr(2);
    }
    if (rest.empty() || rest[0] != '/') {
      return UserError("'{}': a file URI needs an absolute path, e.g. file:///data/t",
                       path);
    }
    return rest;
  }
  if (rest.rfind("//", 0) != 0) return path;  // e.g. a relative name with a colon
  return UserError(
      "'{}': the '{}' file system is not supported yet; weir reads and writes local "
      "paths (a plain path or file:///…)",
      path, scheme);
}

arrow::Result<std::vector<DiscoveredFile>> DiscoverFiles(
    const std::vector<std::string>& uris) {
  if (uris.empty()) return UserError("no input path given");
  std::vector<std::string> inputs;
  for (const auto& uri : uris) {
    ARROW_ASSIGN_OR_RAISE(std::string local, LocalPath(uri));
    inputs.push_back(std::move(local));
  }
  std::vector<DiscoveredFile> out;
  for (const auto& input : inputs) {
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (!ec && fs::is_directory(status)) {
      size_t before = out.size();
      ARROW_RETURN_NOT_OK(WalkDirectory(input, input, &out));
      if (out.size() == before)
        return UserError("directory '{}' contains no data file", input);
    } else if (!ec && fs::exists(status)) {
      out.push_back({input, {}});
    } else if (HasGlobChars(input)) {
      ARROW_RETURN_NOT_OK(ExpandGlob(input, &out));
    } else {
      return UserError("'{}': no such file or directory", input);
    }
  }
  if (out.empty()) return UserError("no data file found in the given inputs");
  return out;
}

}  // namespace weir::format
