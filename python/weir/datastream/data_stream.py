"""DataStream and KeyedStream from Python (PyFlink's pyflink.datastream).

Python functions run in the engine's operators, in this process, once per batch of
records: the batch's Arrow columns become Python records (Row, tuple, value or
unpickled object, by the stream's type), the function runs over them in a tight loop,
and its results become an Arrow batch of the output type. Partitioning (key_by),
union and printing are the engine's own.
"""

from __future__ import annotations

import pickle
import sys
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple,
                    Union)

import pyarrow as pa

from weir.common.typeinfo import RowTypeInfo, TypeInformation, Types
from weir.datastream.functions import (FilterFunction, FlatMapFunction, KeySelector,
                                       MapFunction, ReduceFunction)

if TYPE_CHECKING:
    from weir.datastream.stream_execution_environment import StreamExecutionEnvironment

KEY_COLUMN = "__weir_key"
# A record's event time (epoch milliseconds) travels next to it in this column once
# assign_timestamps_and_watermarks gave it one, as Flink's record timestamp does.
TIME_COLUMN = "__weir_time"
TIME_FIELD = pa.field(TIME_COLUMN, pa.timestamp("ms"))


def _call(function: Any, method: str) -> Callable[..., Any]:
    """A plain function, or the named method of a function object."""
    return getattr(function, method) if hasattr(function, method) else function


def _name(function: Any, default: str) -> str:
    return getattr(function, "__name__", None) or type(function).__name__ or default


def _strip_key(batch: pa.RecordBatch) -> pa.RecordBatch:
    index = batch.schema.get_field_index(KEY_COLUMN)
    return batch if index < 0 else batch.remove_column(index)


class _SideOutputs:
    """The side-output records a Python operator produced during one call, handed
    to the engine as one batch per tag (with the record times when the stream has
    event time)."""

    def __init__(self, has_time: bool) -> None:
        self._has_time = has_time
        self._pending: Dict[str, List[Tuple[Any, Any]]] = {}
        self._types: Dict[str, TypeInformation] = {}

    def add(self, tag: Any, value: Any, timestamp: Any) -> None:
        self._types[tag.tag_id] = tag.type_info
        self._pending.setdefault(tag.tag_id, []).append((value, timestamp))

    def take(self) -> List[Tuple[str, pa.RecordBatch]]:
        out = []
        for tag_id, items in self._pending.items():
            batch = self._types[tag_id].batch([v for v, _ in items])
            if self._has_time:
                batch = batch.append_column(TIME_FIELD,
                                            pa.array([t for _, t in items], pa.timestamp("ms")))
            out.append((tag_id, batch))
        self._pending = {}
        return out


class DataStream:
    """A stream of records of one type in a job being built."""

    def __init__(self, env: "StreamExecutionEnvironment", native: Any,
                 type_info: TypeInformation, has_time: bool = False) -> None:
        self._env = env
        self._native = native
        self._type = type_info
        self._has_time = has_time

    def get_type(self) -> TypeInformation:
        """Returns the records' type."""
        return self._type

    # --- stateless transformations -----------------------------------------
    def _schema(self, output_type: TypeInformation) -> pa.Schema:
        schema = output_type.to_arrow_schema()
        return schema.append(TIME_FIELD) if self._has_time else schema

    def _process(self, make: Callable[[int, int], Callable[[pa.RecordBatch], Any]],
                 output_type: TypeInformation, name: str) -> "DataStream":
        native = self._native.python_process(make, self._schema(output_type), name)
        return DataStream(self._env, native, output_type, self._has_time)

    def map(self, func: Union[Callable[[Any], Any], MapFunction],
            output_type: Optional[TypeInformation] = None) -> "DataStream":
        """One record out per record in: ``ds.map(lambda r: r * 2, Types.LONG())``.
        Without `output_type` records are pickled Python objects."""
        out = output_type or Types.PICKLED_BYTE_ARRAY()
        in_type, f = self._type, _call(func, "map")

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            _open(func)

            def process(batch: pa.RecordBatch) -> pa.RecordBatch:
                result = out.batch(list(map(f, in_type.records(batch))))
                if has_time:  # a record keeps its timestamp
                    result = result.append_column(TIME_FIELD, batch.column(TIME_COLUMN))
                return result
            return process
        has_time = self._has_time
        return self._process(make, out, f"Map: Python function '{_name(func, 'map')}'")

    def flat_map(self, func: Union[Callable[[Any], Iterable[Any]], FlatMapFunction],
                 output_type: Optional[TypeInformation] = None) -> "DataStream":
        """Any number of records out per record in (`func` returns or yields them)."""
        out = output_type or Types.PICKLED_BYTE_ARRAY()
        in_type, f = self._type, _call(func, "flat_map")

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            _open(func)

            def process(batch: pa.RecordBatch) -> pa.RecordBatch:
                results: List[Any] = []
                counts: List[int] = []
                for record in in_type.records(batch):
                    produced = f(record)
                    before = len(results)
                    if produced is not None:
                        results.extend(produced)
                    counts.append(len(results) - before)
                result = out.batch(results)
                if has_time:  # every record made from one keeps its timestamp
                    times = batch.column(TIME_COLUMN).to_pylist()
                    repeated = [t for t, c in zip(times, counts) for _ in range(c)]
                    result = result.append_column(TIME_FIELD,
                                                  pa.array(repeated, pa.timestamp("ms")))
                return result
            return process
        has_time = self._has_time
        return self._process(make, out, f"FlatMap: Python function '{_name(func, 'flat_map')}'")

    def filter(self, func: Union[Callable[[Any], bool], FilterFunction]) -> "DataStream":
        """Keeps the records `func` accepts (the batch is filtered, not rebuilt)."""
        in_type, f = self._type, _call(func, "filter")

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            _open(func)

            def process(batch: pa.RecordBatch) -> pa.RecordBatch:
                plain = _strip_key(batch)
                keep = pa.array([bool(f(r)) for r in in_type.records(plain)], pa.bool_())
                return plain.filter(keep)
            return process
        return self._process(make, in_type, f"Filter: Python function '{_name(func, 'filter')}'")

    # --- partitioning ---------------------------------------------------------
    def key_by(self, key_selector: Union[Callable[[Any], Any], KeySelector],
               key_type: Optional[TypeInformation] = None) -> "KeyedStream":
        """Partitions by the key `key_selector` returns: every record of a key goes
        to the same subtask of the next operator."""
        in_type, f = self._type, _call(key_selector, "get_key")
        schema = self._schema(in_type).append(pa.field(KEY_COLUMN, pa.binary()))

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            def process(batch: pa.RecordBatch) -> pa.RecordBatch:
                plain = _strip_key(batch)
                keys = [pickle.dumps(f(r), protocol=4) for r in in_type.records(plain)]
                return plain.append_column(pa.field(KEY_COLUMN, pa.binary()),
                                           pa.array(keys, pa.binary()))
            return process
        native = self._native.python_process(
            make, schema, f"KeyBy: Python function '{_name(key_selector, 'key_by')}'")
        keyed = KeyedStream(self._env, native.key_by([KEY_COLUMN]), in_type, self._has_time)
        keyed._key_selector = f
        keyed._unkeyed = self
        return keyed

    def assign_timestamps_and_watermarks(self, watermark_strategy: Any) -> "DataStream":
        """Gives records their event time (the strategy's timestamp assigner, epoch
        milliseconds) and makes watermarks trailing it by the strategy's delay."""
        in_type, extract = self._type, watermark_strategy._extract()
        schema = in_type.to_arrow_schema().append(TIME_FIELD)

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            def process(batch: pa.RecordBatch) -> pa.RecordBatch:
                plain = _strip_key(batch)
                index = plain.schema.get_field_index(TIME_COLUMN)
                if index >= 0:
                    plain = plain.remove_column(index)
                times = [int(extract(r)) for r in in_type.records(plain)]
                return plain.append_column(TIME_FIELD, pa.array(times, pa.timestamp("ms")))
            return process
        stamped = self._native.python_process(make, schema, "Timestamps/Watermarks")
        delay = watermark_strategy._out_of_orderness
        idle = watermark_strategy._idleness
        native = stamped.assign_timestamps_and_watermarks(
            TIME_COLUMN, (delay.to_milliseconds() if delay else 0) * 1000,
            (idle.to_milliseconds() if idle else 0) * 1000)
        return DataStream(self._env, native, in_type, has_time=True)

    def process(self, func: Any, output_type: Optional[TypeInformation] = None) -> "DataStream":
        """Runs a ProcessFunction over every record: process_element(value, ctx)
        returns or yields results; ctx.output(tag, value) feeds side outputs."""
        from weir.datastream.functions import ProcessFunction

        out = output_type or Types.PICKLED_BYTE_ARRAY()
        in_type, has_time = self._type, self._has_time
        name = f"Process: Python function '{_name(func, 'process_element')}'"

        def make(subtask: int, parallelism: int) -> Any:
            import copy

            function = copy.deepcopy(func)  # one per subtask, as Flink has one per task
            if hasattr(function, "open"):
                from weir.datastream.functions import RuntimeContext
                function.open(RuntimeContext(subtask, parallelism))
            process_element = _call(function, "process_element")

            class Operator:
                def __init__(self) -> None:
                    self.side = _SideOutputs(has_time)

                def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
                    times = (batch.column(TIME_COLUMN).cast(pa.int64()).to_pylist()
                             if has_time else [None] * batch.num_rows)
                    ctx = ProcessFunction.Context(self)
                    records: List[Any] = []
                    stamps: List[Any] = []
                    for t, record in zip(times, in_type.records(batch)):
                        ctx._timestamp = t
                        for result in process_element(record, ctx) or ():
                            records.append(result)
                            stamps.append(t)
                    produced = out.batch(records)
                    if has_time:
                        produced = produced.append_column(TIME_FIELD,
                                                          pa.array(stamps, pa.timestamp("ms")))
                    return produced

                def take_side_outputs(self) -> List[Tuple[str, pa.RecordBatch]]:
                    return self.side.take()
            return Operator()
        native = self._native.python_process(make, self._schema(out), name)
        return DataStream(self._env, native, out, has_time)

    def get_side_output(self, output_tag: Any) -> "DataStream":
        """The records the operator producing this stream sent to `output_tag`."""
        native = self._native.get_side_output(output_tag.tag_id)
        return DataStream(self._env, native, output_tag.type_info, self._has_time)

    def connect(self, other: "DataStream") -> Any:
        """Connects two streams (of any types) for a CoMapFunction,
        CoFlatMapFunction or, after key_by(k1, k2) or between two keyed streams, a
        KeyedCoProcessFunction."""
        from weir.datastream.connected_streams import ConnectedStreams

        keys = None
        if isinstance(self, KeyedStream) != isinstance(other, KeyedStream):
            raise TypeError("connect takes two keyed streams or two streams that are not "
                            "keyed; key both (key_by) or connect first and key_by(k1, k2)")
        if isinstance(self, KeyedStream) and isinstance(other, KeyedStream):
            keys = [self._key_selector, other._key_selector]
        return ConnectedStreams(self._plain(), other._plain(), keys)

    def _plain(self) -> "DataStream":
        """This stream without its key column (a keyed stream's records, as a
        stream to repartition)."""
        return self

    def union(self, *streams: "DataStream") -> "DataStream":
        """Merges streams of the same type."""
        for s in streams:
            if s._has_time != self._has_time:
                raise TypeError("union needs streams that all have timestamps or none")
            if s._type != self._type:
                raise TypeError(f"union needs streams of one type: {self._type!r} and "
                                f"{s._type!r}")
        return DataStream(self._env, self._native.union([s._native for s in streams]),
                          self._type, self._has_time)

    def rebalance(self) -> "DataStream":
        """Spreads records round-robin over the next operator's subtasks."""
        return DataStream(self._env, self._native.rebalance(), self._type, self._has_time)

    def set_parallelism(self, parallelism: int) -> "DataStream":
        """Sets the parallelism of the operator that produced this stream."""
        return DataStream(self._env, self._native.set_parallelism(parallelism), self._type,
                          self._has_time)

    def name(self, name: str) -> "DataStream":
        """Accepted for PyFlink programs; operators are named after their function."""
        return self

    def uid(self, uid: str) -> "DataStream":
        """Accepted for PyFlink programs; weir matches state by the job's shape."""
        return self

    # --- sinks ----------------------------------------------------------------
    def sink_to(self, sink: Any) -> "DataStream":
        """Writes the stream to a connector sink (``FileSink``, ``KafkaSink``) when
        the job runs (``env.execute()``)."""
        if not hasattr(sink, "_table"):
            raise TypeError(f"sink_to takes a FileSink or a KafkaSink, not {sink!r}")
        self._env._sinks.append((self, sink))
        return self

    def print(self, sink_identifier: Optional[str] = None) -> "DataStream":
        """Prints every record to stdout as Flink does: rows as ``+I[a, 1]``, other
        records as their Python str(), after ``identifier> `` and the subtask number
        when the sink runs in parallel."""
        if type(self._type) is RowTypeInfo and not self._has_time:
            native = self._native.print(sink_identifier or "")
            return DataStream(self._env, native, self._type)
        in_type = self._type
        row = isinstance(in_type, RowTypeInfo) and type(in_type) is RowTypeInfo

        def text(record: Any) -> str:
            if row:  # as Flink prints a Row
                return "+I[" + ", ".join("null" if v is None else str(v) for v in record) + "]"
            return str(record)

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            # Flink's PrintSinkOutputWriter: "id> ", "id:2> ", "2> " or nothing.
            prefix = sink_identifier or ""
            if parallelism > 1:
                prefix += (":" if prefix else "") + str(subtask + 1)
            prefix += "> " if prefix else ""

            def process(batch: pa.RecordBatch) -> None:
                lines = [f"{prefix}{text(r)}" for r in in_type.records(batch)]
                if lines:
                    sys.stdout.write("\n".join(lines) + "\n")
                    sys.stdout.flush()
                return None
            return process
        return self._process(make, in_type, "Print to Std. Out")

    def execute_and_collect(self, job_execution_name: Optional[str] = None,
                            limit: Optional[int] = None) -> Any:
        """Runs the job and returns its records (a list when `limit` is given, else an
        iterator that can be closed)."""
        from weir.table.table_result import CloseableIterator

        self._env._native_env()
        self._env._apply_job_settings()
        capsule = self._env._native_env().execute_and_collect(
            self._native, job_execution_name or self._env._job_name())
        table = pa.RecordBatchReader._import_from_c_capsule(capsule).read_all()
        records: List[Any] = []
        for batch in table.to_batches():
            records.extend(self._type.records(_strip_key(batch)))
        self._env._reset()
        if limit is not None:
            return records[:limit]
        return CloseableIterator(iter(records))


class KeyedStream(DataStream):
    """A stream partitioned by key; stateful functions see every record of a key."""

    _key_selector: Callable[[Any], Any]
    _unkeyed: DataStream

    def _plain(self) -> DataStream:
        return self._unkeyed

    def window(self, window_assigner: Any) -> Any:
        """Groups each key's records into event-time windows (tumbling or sliding)."""
        from weir.datastream.window import WindowedStream
        return WindowedStream(self, window_assigner)

    def reduce(self, func: Union[Callable[[Any, Any], Any], ReduceFunction]) -> DataStream:
        """Folds the records of each key: emits the running result for every record
        (Flink's rolling reduce). The running result of every key is in checkpoints
        (pickled, under the key's key group), so a restored job goes on from it."""
        in_type, f = self._type, _call(func, "reduce")

        def make(subtask: int, parallelism: int) -> Callable[[pa.RecordBatch], Any]:
            _open(func)

            class Reduce:
                def __init__(self) -> None:
                    self.state: dict = {}  # pickled key -> running result

                def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
                    state = self.state
                    keys = batch.column(KEY_COLUMN).to_pylist()
                    out = []
                    for key, record in zip(keys, in_type.records(batch)):
                        value = f(state[key], record) if key in state else record
                        state[key] = value
                        out.append(value)
                    result = in_type.batch(out)
                    if has_time:
                        result = result.append_column(TIME_FIELD, batch.column(TIME_COLUMN))
                    return result

                def snapshot_state(self) -> List[Tuple[bytes, bytes]]:
                    return [(key, pickle.dumps(value, protocol=4))
                            for key, value in self.state.items()]

                def restore_state(self, entries: List[Tuple[bytes, bytes]]) -> None:
                    self.state = {key: pickle.loads(value) for key, value in entries}
            return Reduce()
        has_time = self._has_time
        return self._process(make, in_type, f"Reduce: Python function '{_name(func, 'reduce')}'")

    def process(self, func: Any, output_type: Optional[TypeInformation] = None) -> DataStream:
        """Runs a KeyedProcessFunction: process_element(value, ctx) for every record
        with the record's key current (keyed state from its runtime context,
        ctx.timer_service() for event-time timers), on_timer(timestamp, ctx) when the
        watermark passes a timer. Keyed state and timers are in checkpoints (pickled
        per key, under the key's key group); state values must pickle."""
        import copy

        from weir.datastream.functions import (KeyedProcessFunction, RuntimeContext,
                                               TimerService)
        from weir.datastream.state import KeyedStateStore

        out = output_type or Types.PICKLED_BYTE_ARRAY()
        in_type, has_time = self._type, self._has_time
        name = f"KeyedProcess: Python function '{_name(func, 'process')}'"

        def make(subtask: int, parallelism: int) -> Any:
            function = copy.deepcopy(func)  # one per subtask, as Flink has one per task

            class Operator:
                def __init__(self) -> None:
                    self.store = KeyedStateStore()
                    self.timers: set = set()  # (timestamp ms, key)
                    self.processing_timers: set = set()  # (wall-clock ms, key)
                    self.side = _SideOutputs(has_time)
                    self.watermark = -(2 ** 63)  # microseconds
                    self.timer_service = TimerService(self)

                def watermark_millis(self) -> int:
                    return self.watermark // 1000

                def current_key(self) -> Any:
                    key = self.store.current_key
                    return None if key is None else pickle.loads(key)

                def _batch(self, records: List[Any], times: List[Any]) -> pa.RecordBatch:
                    batch = out.batch(records)
                    if has_time:
                        batch = batch.append_column(TIME_FIELD,
                                                    pa.array(times, pa.timestamp("ms")))
                    return batch

                def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
                    keys = batch.column(KEY_COLUMN).to_pylist()
                    times = (batch.column(TIME_COLUMN).cast(pa.int64()).to_pylist()
                             if has_time else [None] * batch.num_rows)
                    ctx = KeyedProcessFunction.Context(self)
                    records: List[Any] = []
                    stamps: List[Any] = []
                    for key, t, record in zip(keys, times, in_type.records(batch)):
                        self.store.current_key = key
                        ctx._timestamp = t
                        produced = function.process_element(record, ctx)
                        for result in produced or ():
                            records.append(result)
                            stamps.append(t)
                    self.store.current_key = None
                    return self._batch(records, stamps)

                def on_watermark(self, watermark: int) -> Optional[pa.RecordBatch]:
                    self.watermark = watermark
                    ctx = KeyedProcessFunction.OnTimerContext(self)
                    records: List[Any] = []
                    stamps: List[Any] = []
                    while True:  # a timer may register another that is already due
                        # Flink fires a timer once the watermark (ms) reaches it.
                        due = sorted(t for t in self.timers if t[0] * 1000 + 999 <= watermark)
                        if not due:
                            break
                        for timer in due:
                            self.timers.discard(timer)
                            timestamp, key = timer
                            self.store.current_key = key
                            ctx._timestamp = timestamp
                            for result in function.on_timer(timestamp, ctx) or ():
                                records.append(result)
                                stamps.append(timestamp)
                    self.store.current_key = None
                    return self._batch(records, stamps) if records else None

                def take_side_outputs(self) -> List[Tuple[str, pa.RecordBatch]]:
                    return self.side.take()

                def next_processing_time(self) -> Optional[int]:
                    return min(self.processing_timers)[0] if self.processing_timers else None

                def on_processing_time(self, now: int) -> Optional[pa.RecordBatch]:
                    ctx = KeyedProcessFunction.OnTimerContext(self, "PROCESSING_TIME")
                    records: List[Any] = []
                    stamps: List[Any] = []
                    due = sorted(t for t in self.processing_timers if t[0] <= now)
                    for timer in due:
                        self.processing_timers.discard(timer)
                        timestamp, key = timer
                        self.store.current_key = key
                        ctx._timestamp = timestamp  # as Flink: the timer's time
                        for result in function.on_timer(timestamp, ctx) or ():
                            records.append(result)
                            stamps.append(None)
                    self.store.current_key = None
                    return self._batch(records, stamps) if records else None

                def snapshot_state(self) -> List[Tuple[bytes, bytes]]:
                    # Per key: its state values by name, its event-time and its
                    # processing-time timers.
                    per_key: Dict[bytes, Tuple[Dict[str, Any], List[int], List[int]]] = {}
                    for (state_name, key), value in self.store.values.items():
                        per_key.setdefault(key, ({}, [], []))[0][state_name] = value
                    for timestamp, key in self.timers:
                        per_key.setdefault(key, ({}, [], []))[1].append(timestamp)
                    for timestamp, key in self.processing_timers:
                        per_key.setdefault(key, ({}, [], []))[2].append(timestamp)
                    return [(key, pickle.dumps(entry, protocol=4))
                            for key, entry in per_key.items()]

                def restore_state(self, entries: List[Tuple[bytes, bytes]]) -> None:
                    for key, blob in entries:
                        entry = pickle.loads(blob)
                        # Checkpoints before processing-time timers hold two parts.
                        values, timers, processing = (entry if len(entry) == 3
                                                      else (*entry, []))
                        for state_name, value in values.items():
                            self.store.values[(state_name, key)] = value
                        for timestamp in timers:
                            self.timers.add((timestamp, key))
                        for timestamp in processing:
                            self.processing_timers.add((timestamp, key))

            operator = Operator()
            if hasattr(function, "open"):
                function.open(RuntimeContext(subtask, parallelism, operator.store))
            return operator
        native = self._native.python_process(make, self._schema(out), name)
        return DataStream(self._env, native, out, has_time)

    def _rolling(self, position: Union[int, str], pick: Callable[[Any, Any], Any],
                 what: str) -> DataStream:
        names = getattr(self._type, "get_field_names", lambda: None)()

        def index_of() -> Optional[int]:
            if isinstance(position, int):
                return position
            if names is None or position not in names:
                raise ValueError(f"{what}: no field '{position}' in {self._type!r}")
            return names.index(position)
        index = index_of() if names is not None or not isinstance(position, int) else None

        def combine(a: Any, b: Any) -> Any:
            if index is None:  # a basic type: the value itself
                return pick(a, b)
            values = list(b)
            values[index] = pick(a[index], b[index])
            if hasattr(b, "_fields") and getattr(b, "_fields", None) is not None:
                from weir.common.row import Row
                return Row._make(values, b._fields)
            return tuple(values)
        combine.__name__ = what
        return self.reduce(combine)

    def sum(self, position_to_sum: Union[int, str] = 0) -> DataStream:
        """The running sum of a field per key (the other fields from the latest record)."""
        return self._rolling(position_to_sum, lambda a, b: a + b, "sum")

    def min(self, position_to_min: Union[int, str] = 0) -> DataStream:
        """The running minimum of a field per key."""
        return self._rolling(position_to_min, lambda a, b: b if b < a else a, "min")

    def max(self, position_to_max: Union[int, str] = 0) -> DataStream:
        """The running maximum of a field per key."""
        return self._rolling(position_to_max, lambda a, b: b if b > a else a, "max")


def _open(func: Any) -> None:
    if hasattr(func, "open"):
        from weir.datastream.functions import RuntimeContext
        func.open(RuntimeContext())
