#include "weir/api/table_options.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "weir/api/table_connectors.h"
#include "weir/format/parquet/writer_options.h"
#include "weir/sql/suggest.h"

namespace weir::api {

arrow::Status OptionError(const sql::CatalogTable& table, const std::string& key,
                          const std::string& message) {
  return arrow::Status::Invalid(
      fmt::format("table '{}', option '{}': {}", table.name, key, message));
}

arrow::Result<int64_t> ParseInteger(const sql::CatalogTable& table,
                                    const std::string& key) {
  std::string text = table.Option(key);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return OptionError(table, key, fmt::format("expected an integer but got '{}'", text));
  }
  return value;
}

arrow::Result<double> ParseNumber(const sql::CatalogTable& table,
                                  const std::string& key) {
  std::string text = table.Option(key);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value)) {
    return OptionError(table, key, fmt::format("expected a number but got '{}'", text));
  }
  return value;
}

arrow::Result<bool> ParseBool(const sql::CatalogTable& table, const std::string& key) {
  std::string text = sql::ToLowerAscii(table.Option(key));
  if (text == "true") return true;
  if (text == "false") return false;
  return OptionError(table, key,
                     fmt::format("expected true or false but got '{}'", text));
}

arrow::Result<std::chrono::milliseconds> Duration(const sql::CatalogTable& table,
                                                  const std::string& key) {
  auto parsed = ParseDurationOption(table.Option(key));
  if (!parsed.ok()) return OptionError(table, key, parsed.status().message());
  return *parsed;
}

arrow::Result<int64_t> Size(const sql::CatalogTable& table, const std::string& key) {
  auto parsed = format::ParseSize(table.Option(key));
  if (!parsed.ok()) return OptionError(table, key, parsed.status().message());
  return *parsed;
}

arrow::Status CheckKnown(const sql::CatalogTable& table,
                         const std::set<std::string>& known,
                         const std::string& connector) {
  std::vector<std::string> names(known.begin(), known.end());
  for (const std::string& key : table.option_order) {
    if (known.count(key) != 0) continue;
    return arrow::Status::Invalid(
        fmt::format("table '{}': unknown option '{}' for connector '{}'{}", table.name,
                    key, connector, sql::DidYouMean(key, names)));
  }
  return arrow::Status::OK();
}

}  // namespace weir::api
