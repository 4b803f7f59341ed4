#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <string_view>

#include <arrow/result.h>

#include "weir/connectors/table_descriptor.h"

namespace weir::connectors {

/// Parses a Flink duration option: `10s`, `10 s`, `500ms`, `1 min`, `2h`, `1 d`, or a
/// bare number of milliseconds.
arrow::Result<std::chrono::milliseconds> ParseDurationOption(std::string_view text);

/// Returns "table 't', option 'key': message" as an Invalid status.
arrow::Status OptionError(const TableDescriptor& table, const std::string& key,
                          const std::string& message);

/// Reads option `key` of `table` as an integer, or fails naming the option.
arrow::Result<int64_t> ParseInteger(const TableDescriptor& table, const std::string& key);

/// Reads option `key` as a finite number, or fails naming the option.
arrow::Result<double> ParseNumber(const TableDescriptor& table, const std::string& key);

/// Reads option `key` as true or false (any case), or fails naming the option.
arrow::Result<bool> ParseBool(const TableDescriptor& table, const std::string& key);

/// Reads option `key` as a duration ('10 s', '500ms', '1 min'), or fails naming it.
arrow::Result<std::chrono::milliseconds> Duration(const TableDescriptor& table,
                                                  const std::string& key);

/// Reads option `key` as a size ('128MB', '64 kb'), or fails naming it.
arrow::Result<int64_t> Size(const TableDescriptor& table, const std::string& key);

/// Reads `sink.parallelism` (1 to 1024; 0 when not set), or fails naming it.
arrow::Result<int> SinkParallelism(const TableDescriptor& table);

/// Fails on the first option of `table` not in `known`, suggesting a close name.
arrow::Status CheckKnown(const TableDescriptor& table, const std::set<std::string>& known,
                         const std::string& connector);

}  // namespace weir::connectors
