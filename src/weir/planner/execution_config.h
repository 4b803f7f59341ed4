#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

namespace weir::planner {

/// A session's SET options (Flink's configuration keys, plus weir's
/// `weir.execution.stall-timeout`), parsed once when they change. Unset options
/// keep Flink's defaults; `FromSettings` and `Check` give errors that name the key.
struct ExecutionConfig {
  /// execution.runtime-mode: streaming (default) or batch.
  bool streaming = true;
  /// parallelism.default; 0 means one per core.
  int parallelism = 0;
  /// execution.checkpointing.interval; unset means no checkpoints.
  std::optional<std::chrono::milliseconds> checkpoint_interval;
  /// execution.checkpointing.timeout and .min-pause.
  std::optional<std::chrono::milliseconds> checkpoint_timeout;
  std::optional<std::chrono::milliseconds> checkpoint_min_pause;
  /// state.checkpoints.dir and .num-retained.
  std::string checkpoint_dir;
  std::optional<int> checkpoints_retained;
  /// execution.savepoint.path: the checkpoint or savepoint to restore from.
  std::string savepoint_path;
  /// restart-strategy.type: fixed-delay (default with checkpoints) or none.
  bool restart = true;
  /// restart-strategy.fixed-delay.attempts and .delay.
  std::optional<int> restart_attempts;
  std::optional<std::chrono::milliseconds> restart_delay;
  /// table.exec.source.idle-timeout: a source partition without records for this
  /// long stops holding back the watermark (0: never).
  std::chrono::milliseconds idle_timeout{0};
  /// pipeline.auto-watermark-interval: how often sources emit watermarks (0: after
  /// every batch; Flink's default 200 ms).
  std::chrono::milliseconds watermark_interval{200};
  /// table.exec.state.ttl: idle groups of streaming aggregations are dropped after
  /// this long (0: kept forever).
  std::chrono::milliseconds state_ttl{0};
  /// table.optimizer.join-reorder-enabled (weir's default: true).
  bool join_reorder = true;
  /// table.optimizer.runtime-filter.enabled (weir's default: true).
  bool runtime_filters = true;
  /// weir.execution.stall-timeout: a batch query whose sources read nothing while
  /// the process idles this long fails (0: waits forever).
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(2)};

  /// sql-client.execution.result-mode: how a SELECT's rows are shown.
  enum class ResultMode {
    kTable,      ///< the final (materialized) result
    kChangelog,  ///< every change, with an `op` column (+I, -U, +U, -D)
    kTableau,    ///< as kChangelog in streaming mode, as kTable in batch mode
  };
  ResultMode result_mode = ResultMode::kTable;

  /// Returns whether a streaming SELECT shows its changes (an `op` column) rather
  /// than its final rows.
  bool ShowsChangelog() const { return streaming && result_mode != ResultMode::kTable; }

  /// Returns the keys SET takes.
  static const std::vector<std::string>& Keys();

  /// Returns why a Flink key weir accepts has no effect (mini-batch, two-phase
  /// aggregation, …), or an empty string for keys that take effect.
  static std::string IgnoredBecause(const std::string& key);

  /// Checks one SET: a known key (else a did-you-mean) and a valid value.
  static arrow::Status Check(const std::string& key, const std::string& value);

  /// Parses every setting (each checked as by Check).
  static arrow::Result<ExecutionConfig> FromSettings(
      const std::map<std::string, std::string>& settings);
};

}  // namespace weir::planner
