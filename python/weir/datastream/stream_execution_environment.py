"""StreamExecutionEnvironment and its settings (PyFlink's)."""

from __future__ import annotations

import atexit
import weakref
from enum import Enum
from typing import Any, Dict, Iterable, List, Optional

import pyarrow as pa

from weir.common.configuration import Configuration
from weir.common.typeinfo import TypeInformation, Types


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


# Jobs started by execute_async that are still running: cancelled (and waited
# for) when the interpreter exits, so no job thread runs Python code while the
# interpreter is torn down (a mini-cluster ends its jobs the same way).
_running_clients: "weakref.WeakSet[JobClient]" = weakref.WeakSet()


@atexit.register
def _cancel_running_jobs() -> None:
    for client in list(_running_clients):
        client.cancel()


class JobClient:
    """A job started by execute_async: its id, status, result, and cancel()."""

    def __init__(self, name: str, run: Any, cancel: Any) -> None:
        import threading

        self._name = name
        self._cancel = cancel
        self._error: Optional[BaseException] = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, args=(run,), daemon=True,
                                        name=f"weir job {name}")
        _running_clients.add(self)
        self._thread.start()

    def _run(self, run: Any) -> None:
        try:
            run()
        except BaseException as error:  # reported by get_job_execution_result
            self._error = error
        finally:
            _running_clients.discard(self)

    def get_job_id(self) -> str:
        """The job's name (weir's jobs have no separate id)."""
        return self._name

    def get_job_status(self) -> Any:
        """RUNNING, FINISHED, FAILED or CANCELED."""
        from weir.errors import JobCancelledError
        from weir.table.table_result import JobStatus

        if self._thread.is_alive():
            return JobStatus.CANCELLING if self._cancelled else JobStatus.RUNNING
        if self._error is None:
            return JobStatus.FINISHED
        if self._cancelled or isinstance(self._error, JobCancelledError):
            return JobStatus.CANCELED
        return JobStatus.FAILED

    def cancel(self) -> None:
        """Cancels the job and waits until it stopped."""
        import time

        self._cancelled = True
        while self._thread.is_alive():
            self._cancel()  # again until it lands: a run resets the flag as it starts
            self._thread.join(0.05)
            time.sleep(0)

    def get_job_execution_result(self, timeout: Optional[float] = None
                                 ) -> "JobExecutionResult":
        """Waits for the job; returns its result or raises its error."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"job '{self._name}' still running after {timeout} s")
        if self._error is not None:
            raise self._error
        return JobExecutionResult(self._name)


class JobExecutionResult:
    """What execute() returns."""

    def __init__(self, job_name: str) -> None:
        self._job_name = job_name

    def get_job_name(self) -> str:
        return self._job_name


class StreamExecutionEnvironment:
    """The settings of a job: parallelism, runtime mode, checkpointing, restarts."""

    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self._parallelism = 0
        self._mode = RuntimeExecutionMode.STREAMING
        self._checkpoint_config = CheckpointConfig()
        self._restart: Dict[str, str] = {}
        self._extra: Dict[str, str] = configuration.to_dict() if configuration else {}
        self._native = None
        self._sources = 0
        self._bridge_env: Any = None
        self._sinks: List[Any] = []

    @staticmethod
    def get_execution_environment(configuration: Optional[Configuration] = None
                                  ) -> "StreamExecutionEnvironment":
        """Returns a new environment."""
        return StreamExecutionEnvironment(configuration)

    def set_parallelism(self, parallelism: int) -> "StreamExecutionEnvironment":
        """Sets the default parallelism of operators added from now on (0 or less:
        one per core)."""
        self._parallelism = int(parallelism)
        if self._native is not None and self._parallelism > 0:
            self._native.set_parallelism(self._parallelism)
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

    # --- building and running jobs -------------------------------------------
    def _native_env(self) -> Any:
        if self._native is None:
            from weir import _weir
            self._native = _weir.StreamEnvironment(
                self._parallelism, self._mode == RuntimeExecutionMode.BATCH)
        return self._native

    def _reset(self) -> None:
        """Starts a new job graph (after a job ran, as Flink clears its
        transformations)."""
        self._native = None
        self._bridge_env = None
        self._sinks = []

    def _bridge(self) -> Any:
        """The StreamTableEnvironment that joins connector tables to this job (the
        connectors of weir.datastream.connectors are tables under the hood); its
        configuration follows the environment's."""
        from weir.table import StreamTableEnvironment

        if self._bridge_env is None:
            self._native_env()
            self._bridge_env = StreamTableEnvironment.create(self)
        for key, value in self._table_config().items():
            self._bridge_env._native.set_config(key, value)
        return self._bridge_env

    def from_source(self, source: Any, watermark_strategy: Any = None,
                    source_name: str = "Source", type_info: Any = None) -> "DataStream":
        """A stream from a connector source: ``FileSource`` or ``KafkaSource``. A
        watermark strategy with a timestamp assigner gives the records event time
        (``WatermarkStrategy.no_watermarks()``: none)."""
        from weir.datastream.data_stream import DataStream
        from weir.table.expressions import quote
        from weir.table.types import from_arrow_type

        if not hasattr(source, "_table"):
            raise TypeError(f"from_source takes a FileSource or a KafkaSource, not {source!r}")
        record_type, options = source._table()
        t_env = self._bridge()
        self._sources += 1
        name = f"__weir_source_{self._sources}"
        columns = ", ".join(f"{quote(f.name)} {from_arrow_type(f.type).sql}"
                            for f in record_type.to_arrow_schema())
        with_ = ", ".join(f"'{k}' = '{_escape(v)}'" for k, v in options.items())
        t_env.execute_sql(f"CREATE TEMPORARY TABLE {quote(name)} ({columns}) WITH ({with_})")
        native = t_env._native.to_data_stream(f"SELECT * FROM {quote(name)}")
        stream = DataStream(self, native, record_type)
        if watermark_strategy is not None and watermark_strategy._assigner is not None:
            return stream.assign_timestamps_and_watermarks(watermark_strategy)
        if watermark_strategy is not None and watermark_strategy._out_of_orderness is not None:
            raise NotImplementedError(
                "from_source takes a watermark strategy with a timestamp assigner "
                "(.with_timestamp_assigner(...)) or WatermarkStrategy.no_watermarks(); the "
                "records' own timestamps (Kafka's) are not read yet")
        return stream

    def _job_name(self) -> str:
        return self._extra.get("pipeline.name", "Flink Streaming Job")

    def from_collection(self, collection: Iterable[Any],
                        type_info: Optional[TypeInformation] = None) -> "DataStream":
        """A bounded stream of the given records. Without `type_info` records are
        pickled Python objects."""
        from weir.datastream.data_stream import DataStream

        record_type = type_info or Types.PICKLED_BYTE_ARRAY()
        if isinstance(collection, range) and pa.types.is_integer(
                getattr(record_type, "_arrow", pa.null())):
            # A range of integers becomes its column directly (numpy, no Python ints).
            import numpy as np
            column = pa.array(np.arange(collection.start, collection.stop, collection.step),
                              record_type.arrow_type())
            table = pa.Table.from_arrays([column], schema=record_type.to_arrow_schema())
            self._sources += 1
            native = self._native_env().from_arrow(table, f"Collection Source {self._sources}")
            return DataStream(self, native, record_type)
        records = list(collection)
        batches = [record_type.batch(records[i:i + 65536])
                   for i in range(0, max(len(records), 1), 65536)]
        table = pa.Table.from_batches(batches, schema=record_type.to_arrow_schema())
        self._sources += 1
        native = self._native_env().from_arrow(table, f"Collection Source {self._sources}")
        return DataStream(self, native, record_type)

    def from_arrow(self, data: Any, type_info: Optional[TypeInformation] = None) -> "DataStream":
        """A bounded stream of the rows of Arrow data (weir's own): records are Rows
        named by the columns, unless `type_info` says otherwise."""
        from weir.datastream.data_stream import DataStream
        from weir.common.typeinfo import RowTypeInfo, BasicTypeInfo

        table = data if isinstance(data, pa.Table) else pa.table(data)
        if type_info is None:
            type_info = RowTypeInfo([BasicTypeInfo(str(f.type), f.type) for f in table.schema],
                                    table.schema.names)
        self._sources += 1
        native = self._native_env().from_arrow(table, f"Arrow Source {self._sources}")
        return DataStream(self, native, type_info)

    def execute(self, job_name: Optional[str] = None) -> "JobExecutionResult":
        """Runs the job built so far to its end (Ctrl-C cancels it)."""
        run, _ = self._prepare(job_name)
        run()
        return JobExecutionResult(job_name or self._job_name())

    def execute_async(self, job_name: Optional[str] = None) -> "JobClient":
        """Starts the job built so far on a thread of its own and returns at once;
        the client waits for it, reports its status and cancels it."""
        name = job_name or self._job_name()
        run, cancel = self._prepare(job_name)
        return JobClient(name, run, cancel)

    def _prepare(self, job_name: Optional[str]) -> tuple:
        """What runs the job built so far, and what cancels it; the environment
        starts a new job graph."""
        if self._native is None:
            raise RuntimeError("No operators defined in streaming topology. Cannot execute.")
        name = job_name or self._job_name()
        try:
            if self._sinks:
                run, cancel = self._run_with_sink(name)
            else:
                self._apply_job_settings()
                native = self._native
                run, cancel = (lambda: native.execute(name)), native.cancel
        finally:
            self._reset()
        return run, cancel

    def _run_with_sink(self, name: str) -> tuple:
        """Prepares the job to run through its connector sink: an INSERT of the
        stream into the sink's table, which runs the stream's job (with its
        checkpointing). Returns what runs it and what cancels it."""
        from weir.table.expressions import quote

        if len(self._sinks) > 1:
            raise NotImplementedError("one sink_to(...) per job is supported yet; union the "
                                      "streams first")
        stream, sink = self._sinks[0]
        if getattr(sink, "_row_format", False) and stream._type != Types.STRING():
            # SimpleStringEncoder writes the record's string form.
            stream = stream.map(str, Types.STRING())
        t_env = self._bridge()
        t_env.get_config().set("pipeline.name", name)
        table = t_env.from_data_stream(stream)
        schema = table.get_schema()
        columns = ", ".join(f"{quote(n)} {t.sql}" for n, t in
                            zip(schema.get_field_names(), schema.get_field_data_types()))
        with_ = ", ".join(f"'{k}' = '{_escape(v)}'" for k, v in sink._table().items())
        self._sources += 1
        sink_name = f"__weir_sink_{self._sources}"
        t_env.execute_sql(f"CREATE TEMPORARY TABLE {quote(sink_name)} ({columns}) "
                          f"WITH ({with_})")
        return (lambda: table.execute_insert(sink_name).wait()), t_env._native.cancel

    def _apply_job_settings(self) -> None:
        """Hands checkpointing and the restart strategy to the native job."""
        config = self._checkpoint_config._config
        if "execution.checkpointing.interval" in config:
            directory = config.get("state.checkpoints.dir")
            if directory is None:
                from weir.errors import UserError
                raise UserError("checkpointing is on but no checkpoint storage is set: "
                                "env.get_checkpoint_config().set_checkpoint_storage_dir(path)")
            self._native.enable_checkpointing(self._checkpoint_config.get_checkpoint_interval(),
                                              directory)
        if self._restart.get("restart-strategy.type") == "fixed-delay":
            delay = self._restart["restart-strategy.fixed-delay.delay"]
            self._native.set_restart_strategy(
                int(self._restart["restart-strategy.fixed-delay.attempts"]),
                int(delay.split()[0]))
        elif self._restart.get("restart-strategy.type") == "none":
            self._native.set_restart_strategy(0, 0)

    def _table_config(self) -> Dict[str, str]:
        config = dict(self._extra)
        config["execution.runtime-mode"] = (
            "batch" if self._mode == RuntimeExecutionMode.BATCH else "streaming")
        config.update(self._checkpoint_config._config)
        config.update(self._restart)
        if self._parallelism > 0:
            config["parallelism.default"] = str(self._parallelism)
        return config


def _escape(value: str) -> str:
    return str(value).replace("'", "''")
