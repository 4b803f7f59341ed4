#include "weir/connectors/table_options.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/format/parquet/writer_options.h"

namespace weir::connectors {

arrow::Result<std::chrono::milliseconds> ParseDurationOption(std::string_view text) {
  std::string_view view = text;
  while (!view.empty() && view.front() == ' ') view.remove_prefix(1);
  while (!view.empty() && view.back() == ' ') view.remove_suffix(1);
  double amount = 0;
  auto [ptr, ec] = std::from_chars(view.data(), view.data() + view.size(), amount);
  if (view.empty() || ec != std::errc() || !std::isfinite(amount) || amount < 0 ||
      amount > 1e12) {
    return arrow::Status::Invalid(fmt::format(
        "invalid duration '{}': expected e.g. 500ms, 10s, 1 min, 2h or 1d", text));
  }
  std::string unit = common::ToLowerAscii(std::string(ptr, view.data() + view.size()));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double millis = 0;
  if (unit.empty() || unit == "ms" || unit == "milli" || unit == "millis" ||
      unit == "millisecond" || unit == "milliseconds") {
    millis = amount;
  } else if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
             unit == "seconds") {
    millis = amount * 1e3;
  } else if (unit == "min" || unit == "mins" || unit == "m" || unit == "minute" ||
             unit == "minutes") {
    millis = amount * 60e3;
  } else if (unit == "h" || unit == "hour" || unit == "hours") {
    millis = amount * 3600e3;
  } else if (unit == "d" || unit == "day" || unit == "days") {
    millis = amount * 86400e3;
  } else {
    return arrow::Status::Invalid(fmt::format(
        "invalid duration '{}': unknown unit '{}' (ms, s, min, h, d)", text, unit));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

arrow::Status OptionError(const TableDescriptor& table, const std::string& key,
                          const std::string& message) {
  return arrow::Status::Invalid(
      fmt::format("table '{}', option '{}': {}", table.name, key, message));
}

arrow::Result<int64_t> ParseInteger(const TableDescriptor& table,
                                    const std::string& key) {
  std::string text = table.Option(key);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return OptionError(table, key, fmt::format("expected an integer but got '{}'", text));
  }
  return value;
}

arrow::Result<double> ParseNumber(const TableDescriptor& table, const std::string& key) {
  std::string text = table.Option(key);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value)) {
    return OptionError(table, key, fmt::format("expected a number but got '{}'", text));
  }
  return value;
}

arrow::Result<bool> ParseBool(const TableDescriptor& table, const std::string& key) {
  std::string text = common::ToLowerAscii(table.Option(key));
  if (text == "true") return true;
  if (text == "false") return false;
  return OptionError(table, key,
                     fmt::format("expected true or false but got '{}'", text));
}

arrow::Result<std::chrono::milliseconds> Duration(const TableDescriptor& table,
                                                  const std::string& key) {
  auto parsed = ParseDurationOption(table.Option(key));
  if (!parsed.ok()) return OptionError(table, key, parsed.status().message());
  return *parsed;
}

arrow::Result<int64_t> Size(const TableDescriptor& table, const std::string& key) {
  auto parsed = format::ParseSize(table.Option(key));
  if (!parsed.ok()) return OptionError(table, key, parsed.status().message());
  return *parsed;
}

arrow::Result<int> SinkParallelism(const TableDescriptor& table) {
  if (table.Option("sink.parallelism").empty()) return 0;
  ARROW_ASSIGN_OR_RAISE(int64_t parallelism, ParseInteger(table, "sink.parallelism"));
  if (parallelism < 1 || parallelism > 1024) {
    return OptionError(table, "sink.parallelism", "expected 1 to 1024");
  }
  return static_cast<int>(parallelism);
}

arrow::Status CheckKnown(const TableDescriptor& table, const std::set<std::string>& known,
                         const std::string& connector) {
  std::vector<std::string> names(known.begin(), known.end());
  for (const std::string& key : table.option_order) {
    if (known.count(key) != 0) continue;
    return arrow::Status::Invalid(
        fmt::format("table '{}': unknown option '{}' for connector '{}'{}", table.name,
                    key, connector, common::DidYouMean(key, names)));
  }
  return arrow::Status::OK();
}

}  // namespace weir::connectors
