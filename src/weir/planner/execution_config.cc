#include "weir/planner/execution_config.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/connectors/table_options.h"

namespace weir::planner {

namespace {

arrow::Result<int64_t> ParseCount(const std::string& key, const std::string& value) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
      out < 0 || out > (int64_t{1} << 31) - 1) {
    return arrow::Status::Invalid(fmt::format(
        "SET '{}': expected a non-negative integer but got '{}'", key, value));
  }
  return out;
}

arrow::Result<std::chrono::milliseconds> ParseDuration(const std::string& key,
                                                       const std::string& value) {
  auto parsed = connectors::ParseDurationOption(value);
  if (!parsed.ok()) {
    return arrow::Status::Invalid(
        fmt::format("SET '{}': {}", key, parsed.status().message()));
  }
  return *parsed;
}

arrow::Result<bool> ParseBoolean(const std::string& key, const std::string& value) {
  if (common::EqualsIgnoreCase(value, "true")) return true;
  if (common::EqualsIgnoreCase(value, "false")) return false;
  return arrow::Status::Invalid(
      fmt::format("SET '{}': expected true or false but got '{}'", key, value));
}

// Applies one (known) setting to `config`, checking its value.
arrow::Status Apply(const std::string& key, const std::string& value,
                    ExecutionConfig* config) {
  if (key == "execution.runtime-mode") {
    if (value != "streaming" && value != "batch") {
      return arrow::Status::Invalid(fmt::format(
          "SET 'execution.runtime-mode': expected streaming or batch but got '{}'",
          value));
    }
    config->streaming = value == "streaming";
  } else if (key == "parallelism.default") {
    ARROW_ASSIGN_OR_RAISE(int64_t n, ParseCount(key, value));
    if (n < 1 || n > 1024) {
      return arrow::Status::Invalid(
          fmt::format("SET 'parallelism.default': expected 1 to 1024 but got {}", n));
    }
    config->parallelism = static_cast<int>(n);
  } else if (key == "execution.checkpointing.interval") {
    ARROW_ASSIGN_OR_RAISE(config->checkpoint_interval, ParseDuration(key, value));
  } else if (key == "execution.checkpointing.timeout") {
    ARROW_ASSIGN_OR_RAISE(config->checkpoint_timeout, ParseDuration(key, value));
  } else if (key == "execution.checkpointing.min-pause") {
    ARROW_ASSIGN_OR_RAISE(config->checkpoint_min_pause, ParseDuration(key, value));
  } else if (key == "execution.checkpointing.dir" || key == "state.checkpoints.dir") {
    // Flink 2's key, and the key it had before (still accepted by Flink).
    config->checkpoint_dir = value;
  } else if (key == "execution.checkpointing.num-retained" ||
             key == "state.checkpoints.num-retained") {
    ARROW_ASSIGN_OR_RAISE(int64_t n, ParseCount(key, value));
    config->checkpoints_retained = static_cast<int>(n);
  } else if (key == "execution.savepoint.path") {
    config->savepoint_path = value;
  } else if (key == "restart-strategy.type") {
    if (value != "none" && value != "fixed-delay" && value != "disable") {
      return arrow::Status::Invalid(fmt::format(
          "SET 'restart-strategy.type': expected none or fixed-delay, got '{}'", value));
    }
    config->restart = value == "fixed-delay";
  } else if (key == "restart-strategy.fixed-delay.attempts") {
    ARROW_ASSIGN_OR_RAISE(int64_t n, ParseCount(key, value));
    config->restart_attempts = static_cast<int>(n);
  } else if (key == "restart-strategy.fixed-delay.delay") {
    ARROW_ASSIGN_OR_RAISE(config->restart_delay, ParseDuration(key, value));
  } else if (key == "pipeline.auto-watermark-interval") {
    ARROW_ASSIGN_OR_RAISE(config->watermark_interval, ParseDuration(key, value));
  } else if (key == "table.exec.source.idle-timeout") {
    ARROW_ASSIGN_OR_RAISE(config->idle_timeout, ParseDuration(key, value));
  } else if (key == "table.exec.state.ttl") {
    ARROW_ASSIGN_OR_RAISE(config->state_ttl, ParseDuration(key, value));
  } else if (key == "table.optimizer.join-reorder-enabled") {
    ARROW_ASSIGN_OR_RAISE(config->join_reorder, ParseBoolean(key, value));
  } else if (key == "table.optimizer.runtime-filter.enabled") {
    ARROW_ASSIGN_OR_RAISE(config->runtime_filters, ParseBoolean(key, value));
  } else if (key == "weir.execution.stall-timeout") {
    ARROW_ASSIGN_OR_RAISE(config->stall_timeout, ParseDuration(key, value));
  } else if (key == "table.dml-sync") {
    ARROW_RETURN_NOT_OK(ParseBoolean(key, value).status());
  } else if (key == "sql-client.execution.result-mode") {
    if (common::EqualsIgnoreCase(value, "table")) {
      config->result_mode = ExecutionConfig::ResultMode::kTable;
    } else if (common::EqualsIgnoreCase(value, "changelog")) {
      config->result_mode = ExecutionConfig::ResultMode::kChangelog;
    } else if (common::EqualsIgnoreCase(value, "tableau")) {
      config->result_mode = ExecutionConfig::ResultMode::kTableau;
    } else {
      return arrow::Status::Invalid(fmt::format(
          "SET 'sql-client.execution.result-mode': expected table, changelog or tableau "
          "but got '{}'",
          value));
    }
  } else if (key == "table.exec.mini-batch.enabled" ||
             key == "table.optimizer.distinct-agg.split.enabled") {
    ARROW_RETURN_NOT_OK(ParseBoolean(key, value).status());
  } else if (key == "table.exec.mini-batch.allow-latency") {
    ARROW_RETURN_NOT_OK(ParseDuration(key, value).status());
  } else if (key == "table.exec.mini-batch.size" ||
             key == "table.exec.rank.topn-cache-size") {
    ARROW_RETURN_NOT_OK(ParseCount(key, value).status());
  } else if (key == "table.optimizer.agg-phase-strategy") {
    if (!common::EqualsIgnoreCase(value, "AUTO") &&
        !common::EqualsIgnoreCase(value, "ONE_PHASE") &&
        !common::EqualsIgnoreCase(value, "TWO_PHASE")) {
      return arrow::Status::Invalid(fmt::format(
          "SET 'table.optimizer.agg-phase-strategy': expected AUTO, ONE_PHASE or "
          "TWO_PHASE but got '{}'",
          value));
    }
  }
  // pipeline.name: taken as written.
  return arrow::Status::OK();
}

}  // namespace

const std::vector<std::string>& ExecutionConfig::Keys() {
  static const std::vector<std::string> keys = {
      "execution.runtime-mode",
      "parallelism.default",
      "execution.checkpointing.interval",
      "execution.checkpointing.timeout",
      "execution.checkpointing.min-pause",
      "execution.checkpointing.dir",
      "state.checkpoints.dir",
      "execution.checkpointing.num-retained",
      "state.checkpoints.num-retained",
      "execution.savepoint.path",
      "restart-strategy.type",
      "restart-strategy.fixed-delay.attempts",
      "restart-strategy.fixed-delay.delay",
      "table.dml-sync",
      "pipeline.name",
      "sql-client.execution.result-mode",
      "table.exec.source.idle-timeout",
      "pipeline.auto-watermark-interval",
      "table.exec.state.ttl",
      "table.optimizer.join-reorder-enabled",
      "table.optimizer.runtime-filter.enabled",
      "weir.execution.stall-timeout",
      "table.exec.mini-batch.enabled",
      "table.exec.mini-batch.allow-latency",
      "table.exec.mini-batch.size",
      "table.optimizer.agg-phase-strategy",
      "table.optimizer.distinct-agg.split.enabled",
      "table.exec.rank.topn-cache-size",
  };
  return keys;
}

std::string ExecutionConfig::IgnoredBecause(const std::string& key) {
  if (key.rfind("table.exec.mini-batch.", 0) == 0) {
    return "weir's aggregations always work a batch of rows at a time (one change per "
           "key per batch), which is what Flink's mini-batch turns on";
  }
  if (key == "table.optimizer.agg-phase-strategy" ||
      key == "table.optimizer.distinct-agg.split.enabled") {
    return "weir plans one aggregation phase per key exchange";
  }
  if (key == "table.exec.rank.topn-cache-size") {
    return "weir's Top-N keeps every partition's ranked rows in memory (no state "
           "backend to cache in front of)";
  }
  return "";
}

arrow::Status ExecutionConfig::Check(const std::string& key, const std::string& value) {
  const auto& keys = Keys();
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    return arrow::Status::Invalid(fmt::format("unknown configuration key '{}'{}", key,
                                              common::DidYouMean(key, keys)));
  }
  ExecutionConfig scratch;
  return Apply(key, value, &scratch);
}

arrow::Result<ExecutionConfig> ExecutionConfig::FromSettings(
    const std::map<std::string, std::string>& settings) {
  ExecutionConfig config;
  for (const auto& [key, value] : settings) {
    ARROW_RETURN_NOT_OK(Check(key, value));
    ARROW_RETURN_NOT_OK(Apply(key, value, &config));
  }
  return config;
}

}  // namespace weir::planner
