#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <arrow/result.h>

#include "weir/sql/catalog.h"

namespace weir::api {

/// Returns "table 't', option 'key': message" as an Invalid status.
arrow::Status OptionError(const sql::CatalogTable& table, const std::string& key,
                          const std::string& message);

/// Reads option `key` of `table` as an integer, or fails naming the option.
arrow::Result<int64_t> ParseInteger(const sql::CatalogTable& table,
                                    const std::string& key);

/// Reads option `key` as a finite number, or fails naming the option.
arrow::Result<double> ParseNumber(const sql::CatalogTable& table, const std::string& key);

/// Reads option `key` as true or false (any case), or fails naming the option.
arrow::Result<bool> ParseBool(const sql::CatalogTable& table, const std::string& key);

/// Reads option `key` as a duration ('10 s', '500ms', '1 min'), or fails naming it.
arrow::Result<std::chrono::milliseconds> Duration(const sql::CatalogTable& table,
                                                  const std::string& key);

/// Reads option `key` as a size ('128MB', '64 kb'), or fails naming it.
arrow::Result<int64_t> Size(const sql::CatalogTable& table, const std::string& key);

/// Fails on the first option of `table` not in `known`, suggesting a close name.
arrow::Status CheckKnown(const sql::CatalogTable& table,
                         const std::set<std::string>& known,
                         const std::string& connector);

}  // namespace weir::api
