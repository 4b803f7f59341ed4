#pragma once

#include <string>
#include <string_view>

#include <arrow/status.h>
#include <fmt/format.h>

namespace weir {

/// Classifies a failure for exit codes and messages: the user can fix it
/// (bad input, option or file) or it is a defect in weir.
enum class ErrorKind { kUser, kInternal };

/// Returns a user error (`arrow::StatusCode::Invalid`) with a formatted message.
template <typename... Args>
arrow::Status UserError(fmt::format_string<Args...> format, Args&&... args) {
  return arrow::Status::Invalid(fmt::format(format, std::forward<Args>(args)...));
}

/// Returns an internal error (`arrow::StatusCode::UnknownError`) with a formatted
/// message.
template <typename... Args>
arrow::Status InternalError(fmt::format_string<Args...> format, Args&&... args) {
  return arrow::Status::UnknownError(fmt::format(format, std::forward<Args>(args)...));
}

/// Classifies a non-OK status: invalid input, I/O, missing keys, type errors and
/// unsupported features are user errors; everything else is internal.
ErrorKind ClassifyError(const arrow::Status& status);

/// Maps a status to the CLI exit code: 0 ok, 1 user error, 2 internal error.
int ExitCodeFor(const arrow::Status& status);

/// Prefixes the status message with a location such as a file path, keeping its code.
arrow::Status WithContext(const arrow::Status& status, std::string_view context);

}  // namespace weir
