"""StreamExecutionEnvironment and its settings (PyFlink's)."""

from __future__ import annotations

from enum import Enum
from typing import Dict, Optional

from weir.common.configuration import Configuration


class RuntimeExecutionMode(Enum):
    """STREAMING, BATCH, or AUTOMATIC (batch when every source is bounded; weir
    runs AUTOMATIC as STREAMING)."""

    STREAMING = 0
    BATCH = 1
    AUTOMATIC = 2


class CheckpointingMode(Enum):
    """Checkpoints are always exactly-once in weir (aligned barriers)."""

    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1


class _RestartStrategy:
    def __init__(self, config: Dict[str, str]) -> None:
        self._config = config


class RestartStrategies:
    """Restart strategies for failed jobs."""

    @staticmethod
    def no_restart() -> _RestartStrategy:
        return _RestartStrategy({"restart-strategy.type": "none"})

    @staticmethod
    def fixed_delay_restart(restart_attempts: int, delay_between_attempts: int) -> _RestartStrategy:
        """`restart_attempts` restarts, `delay_between_attempts` milliseconds apart."""
        return _RestartStrategy({
            "restart-strategy.type": "fixed-delay",
            "restart-strategy.fixed-delay.attempts": str(int(restart_attempts)),
            "restart-strategy.fixed-delay.delay": f"{int(delay_between_attempts)} ms",
        })


class CheckpointConfig:
    """Checkpoint settings of an environment."""

    def __init__(self) -> None:
        self._config: Dict[str, str] = {}

    def set_checkpoint_storage_dir(self, checkpoint_path: str) -> "CheckpointConfig":
        """Where checkpoints are written (a folder or file:// URI)."""
        self._config["state.checkpoints.dir"] = checkpoint_path
        return self

    def set_checkpoint_interval(self, checkpoint_interval: int) -> "CheckpointConfig":
        self._config["execution.checkpointing.interval"] = f"{int(checkpoint_interval)} ms"
        return self

    def get_checkpoint_interval(self) -> int:
        value = self._config.get("execution.checkpointing.interval", "-1 ms")
        return int(value.split()[0])

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> "CheckpointConfig":
        self._config["execution.checkpointing.timeout"] = f"{int(checkpoint_timeout)} ms"
        return self

    def set_min_pause_between_checkpoints(self, min_pause: int) -> "CheckpointConfig":
        self._config["execution.checkpointing.min-pause"] = f"{int(min_pause)} ms"
        return self

    def set_max_concurrent_checkpoints(self, max_concurrent: int) -> "CheckpointConfig":
        if int(max_concurrent) != 1:
            raise ValueError("weir takes one checkpoint at a time")
        return self

    def set_checkpointing_mode(self, mode: CheckpointingMode) -> "CheckpointConfig":
        if mode != CheckpointingMode.EXACTLY_ONCE:
            raise ValueError("weir's checkpoints are exactly-once (aligned barriers)")
        return self

    def is_checkpointing_enabled(self) -> bool:
        return "execution.checkpointing.interval" in self._config


class StreamExecutionEnvironment:
    """The settings of a job: parallelism, runtime mode, checkpointing, restarts."""

    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self._parallelism = 0
        self._mode = RuntimeExecutionMode.STREAMING
        self._checkpoint_config = CheckpointConfig()
        self._restart: Dict[str, str] = {}
        self._extra: Dict[str, str] = configuration.to_dict() if configuration else {}

    @staticmethod
    def get_execution_environment(configuration: Optional[Configuration] = None
                                  ) -> "StreamExecutionEnvironment":
        """Returns a new environment."""
        return StreamExecutionEnvironment(configuration)

    def set_parallelism(self, parallelism: int) -> "StreamExecutionEnvironment":
        """Sets the default parallelism (0 or less: one per core)."""
        self._parallelism = int(parallelism)
        return self

    def get_parallelism(self) -> int:
        return self._parallelism

    def set_runtime_mode(self, mode: RuntimeExecutionMode) -> "StreamExecutionEnvironment":
        self._mode = mode
        return self

    def enable_checkpointing(self, interval: int,
                             mode: Optional[CheckpointingMode] = None
                             ) -> "StreamExecutionEnvironment":
        """Checkpoints every `interval` milliseconds."""
        self._checkpoint_config.set_checkpoint_interval(interval)
        if mode is not None:
            self._checkpoint_config.set_checkpointing_mode(mode)
        return self

    def get_checkpoint_config(self) -> CheckpointConfig:
        return self._checkpoint_config

    def set_restart_strategy(self, strategy: _RestartStrategy) -> "StreamExecutionEnvironment":
        self._restart = dict(strategy._config)
        return self

    def _table_config(self) -> Dict[str, str]:
        config = dict(self._extra)
        config["execution.runtime-mode"] = (
            "batch" if self._mode == RuntimeExecutionMode.BATCH else "streaming")
        config.update(self._checkpoint_config._config)
        config.update(self._restart)
        if self._parallelism > 0:
            config["parallelism.default"] = str(self._parallelism)
        return config
