#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

namespace weir {

/// Severity of a log line.
enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

/// Sets the least severe level that is printed (default: kInfo, or the WEIR_LOG
/// environment variable: debug, info, warning, error, off).
void SetLogLevel(LogLevel level);

/// Returns whether lines of `level` are printed.
bool LogEnabled(LogLevel level);

/// Writes one line to stderr: `<UTC time> <LEVEL> <message>`. Thread-safe.
void LogLine(LogLevel level, const std::string& message);

/// Logs an informational line.
template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kInfo))
    LogLine(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
}

/// Logs a warning: something was skipped or retried, the job goes on.
template <typename... Args>
void LogWarning(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kWarning))
    LogLine(LogLevel::kWarning, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace weir
