"""Event-time windows for the DataStream API (PyFlink's window assigners and
WindowedStream), run by a Python operator after key_by: records are assigned to
windows by their event time, aggregated per key and window, and emitted when the
watermark passes the window's end (window end - 1 ms, as Flink); late records are
dropped. The window state is the operator's and, like reduce's, is not part of
checkpoints yet."""

from __future__ import annotations

import pickle
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import pyarrow as pa

from weir.common.time import Duration
from weir.common.typeinfo import TypeInformation, Types


class TimeWindow:
    """A window [start, end) in epoch milliseconds."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def max_timestamp(self) -> int:
        return self.end - 1

    def __repr__(self) -> str:
        return f"TimeWindow(start={self.start}, end={self.end})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeWindow) and (self.start, self.end) == (other.start,
                                                                           other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))


class WindowAssigner:
    """Assigns a timestamp to the windows it belongs to."""

    def assign(self, timestamp: int) -> List[Tuple[int, int]]:
        raise NotImplementedError


def _millis(value: Any) -> int:
    return value.to_milliseconds() if isinstance(value, Duration) else int(value)


class TumblingEventTimeWindows(WindowAssigner):
    """Fixed windows of `size`, aligned to the epoch plus `offset`."""

    def __init__(self, size: int, offset: int) -> None:
        if size <= 0:
            raise ValueError("a window's size must be positive")
        self._size, self._offset = size, offset

    @staticmethod
    def of(size: Duration, offset: Optional[Duration] = None) -> "TumblingEventTimeWindows":
        return TumblingEventTimeWindows(_millis(size), _millis(offset or 0))

    def assign(self, timestamp: int) -> List[Tuple[int, int]]:
        start = timestamp - (timestamp - self._offset) % self._size
        return [(start, start + self._size)]


class SlidingEventTimeWindows(WindowAssigner):
    """Windows of `size` starting every `slide`."""

    def __init__(self, size: int, slide: int, offset: int) -> None:
        if size <= 0 or slide <= 0:
            raise ValueError("a window's size and slide must be positive")
        self._size, self._slide, self._offset = size, slide, offset

    @staticmethod
    def of(size: Duration, slide: Duration,
           offset: Optional[Duration] = None) -> "SlidingEventTimeWindows":
        return SlidingEventTimeWindows(_millis(size), _millis(slide), _millis(offset or 0))

    def assign(self, timestamp: int) -> List[Tuple[int, int]]:
        last = timestamp - (timestamp - self._offset) % self._slide
        windows = []
        start = last
        while start > timestamp - self._size:
            windows.append((start, start + self._size))
            start -= self._slide
        return windows


class _NotYet(WindowAssigner):
    def __init__(self, name: str) -> None:
        raise NotImplementedError(f"{name} is not supported by weir's Python DataStream API "
                                  "yet; tumbling and sliding event-time windows are (or use "
                                  "SQL, which has every window)")


class EventTimeSessionWindows(WindowAssigner):
    """Sessions per key: a record opens [t, t + gap), and windows that overlap
    merge (their accumulators with the function's merge)."""

    def __init__(self, gap: int) -> None:
        if gap <= 0:
            raise ValueError("a session gap must be positive")
        self._gap = gap

    @staticmethod
    def with_gap(size: Duration) -> "EventTimeSessionWindows":
        return EventTimeSessionWindows(_millis(size))

    def assign(self, timestamp: int) -> List[Tuple[int, int]]:
        return [(timestamp, timestamp + self._gap)]


class _ProcessingTime:
    """Marks assigners whose windows follow the wall clock: records fall into the
    window of the time they arrive (one clock reading per batch), and a window
    fires when the clock passes its end. Pending windows are dropped at the end of
    bounded input, as Flink drops pending processing-time timers."""


class TumblingProcessingTimeWindows(TumblingEventTimeWindows, _ProcessingTime):
    @staticmethod
    def of(size: Duration, offset: Optional[Duration] = None
           ) -> "TumblingProcessingTimeWindows":
        return TumblingProcessingTimeWindows(_millis(size), _millis(offset) if offset else 0)


class SlidingProcessingTimeWindows(SlidingEventTimeWindows, _ProcessingTime):
    @staticmethod
    def of(size: Duration, slide: Duration, offset: Optional[Duration] = None
           ) -> "SlidingProcessingTimeWindows":
        return SlidingProcessingTimeWindows(_millis(size), _millis(slide),
                                            _millis(offset) if offset else 0)


class AggregateFunction:
    """Aggregates a window's records: create_accumulator, add, get_result, merge."""

    def create_accumulator(self) -> Any:
        raise NotImplementedError

    def add(self, value: Any, accumulator: Any) -> Any:
        raise NotImplementedError

    def get_result(self, accumulator: Any) -> Any:
        raise NotImplementedError

    def merge(self, acc_a: Any, acc_b: Any) -> Any:
        raise NotImplementedError


class ProcessWindowFunction:
    """Sees all records of a key's window: process(key, context, elements) yields
    results; context.window() is the TimeWindow."""

    class Context:
        def __init__(self, window: TimeWindow, watermark: int) -> None:
            self._window, self._watermark = window, watermark

        def window(self) -> TimeWindow:
            return self._window

        def current_watermark(self) -> int:
            return self._watermark

    def process(self, key: Any, context: "ProcessWindowFunction.Context",
                elements: Iterable[Any]) -> Iterable[Any]:
        raise NotImplementedError


class WindowedStream:
    """A keyed stream grouped into event-time windows."""

    def __init__(self, keyed: Any, assigner: WindowAssigner) -> None:
        if not keyed._has_time and not isinstance(assigner, _ProcessingTime):
            raise ValueError("event-time windows need timestamps: call "
                             "assign_timestamps_and_watermarks(...) before key_by")
        self._keyed = keyed
        self._assigner = assigner
        self._late_tag: Any = None

    def side_output_late_data(self, output_tag: Any) -> "WindowedStream":
        """Sends records too late for their windows to `output_tag` (read it with
        get_side_output on the result) instead of dropping them."""
        self._late_tag = output_tag
        return self

    def reduce(self, reduce_function: Any, window_function: Any = None,
               output_type: Optional[TypeInformation] = None) -> Any:
        """Folds each key's window into one record (the input type)."""
        f = getattr(reduce_function, "reduce", reduce_function)
        in_type = self._keyed._type
        if window_function is not None:
            raise NotImplementedError("reduce with a window function is not supported yet; "
                                      "use process()")
        return self._run(lambda: None, lambda acc, r: r if acc is None else f(acc, r),
                         lambda key, window, acc: [acc], in_type,
                         f"Window reduce: Python function '{_name(reduce_function)}'",
                         merge=lambda a, b: b if a is None else a if b is None else f(a, b))

    def aggregate(self, aggregate_function: AggregateFunction, window_function: Any = None,
                  accumulator_type: Optional[TypeInformation] = None,
                  output_type: Optional[TypeInformation] = None) -> Any:
        """Aggregates each key's window with an AggregateFunction."""
        if window_function is not None:
            raise NotImplementedError("aggregate with a window function is not supported yet; "
                                      "use process()")
        agg = aggregate_function
        return self._run(agg.create_accumulator, lambda acc, r: agg.add(r, acc),
                         lambda key, window, acc: [agg.get_result(acc)],
                         output_type or Types.PICKLED_BYTE_ARRAY(),
                         f"Window aggregate: Python function '{_name(agg)}'",
                         merge=agg.merge)

    def process(self, process_window_function: ProcessWindowFunction,
                output_type: Optional[TypeInformation] = None) -> Any:
        """Runs a ProcessWindowFunction over all records of each key's window."""
        fn = process_window_function
        watermark = [0]

        def fire(key: Any, window: TimeWindow, elements: List[Any]) -> Iterable[Any]:
            produced = fn.process(key, ProcessWindowFunction.Context(window, watermark[0]),
                                  elements)
            return list(produced or [])
        return self._run(list, lambda acc, r: acc.append(r) or acc, fire,
                         output_type or Types.PICKLED_BYTE_ARRAY(),
                         f"Window process: Python function '{_name(fn)}'", watermark,
                         merge=lambda a, b: a + b)

    def _run(self, create: Callable[[], Any], add: Callable[[Any, Any], Any],
             fire: Callable[[Any, TimeWindow, Any], Iterable[Any]],
             out_type: TypeInformation, name: str,
             watermark_box: Optional[List[int]] = None,
             merge: Optional[Callable[[Any, Any], Any]] = None) -> Any:
        from weir.datastream.data_stream import KEY_COLUMN, TIME_COLUMN, DataStream

        keyed, assigner, in_type = self._keyed, self._assigner, self._keyed._type
        late_tag = self._late_tag
        sessions = isinstance(assigner, EventTimeSessionWindows)
        processing = isinstance(assigner, _ProcessingTime)
        has_time = keyed._has_time
        time_field = pa.field(TIME_COLUMN, pa.timestamp("ms"))
        schema = out_type.to_arrow_schema().append(time_field)

        def make(subtask: int, parallelism: int) -> Any:
            state: Dict[Tuple[bytes, int, int], Any] = {}
            # Sessions: each key's windows (an index into `state`; fired windows are
            # dropped from it lazily).
            sessions_of: Dict[bytes, set] = {}
            current = [-(2 ** 63)]  # the watermark in microseconds

            from weir.datastream.data_stream import _SideOutputs

            class Window:
                def __init__(self) -> None:
                    self.side = _SideOutputs(has_time)

                def take_side_outputs(self) -> List[Tuple[str, pa.RecordBatch]]:
                    return self.side.take()

                def __call__(self, batch: pa.RecordBatch) -> None:
                    keys = batch.column(KEY_COLUMN).to_pylist()
                    if processing:
                        times = [int(time.time() * 1000)] * batch.num_rows
                    else:
                        times = batch.column(TIME_COLUMN).cast(pa.int64()).to_pylist()
                    records = in_type.records(batch)
                    for key, t, record in zip(keys, times, records):
                        accepted = False
                        for start, end in assigner.assign(t):
                            if sessions:
                                # Merged first (as Flink): a record joining an open
                                # session is not late even if its own window would be.
                                start, end = self._merge_sessions(key, start, end)
                            if not processing and end * 1000 - 1 <= current[0]:
                                continue  # late: its window has fired
                            accepted = True
                            slot = (key, start, end)
                            acc = state[slot] if slot in state else create()
                            state[slot] = add(acc, record)
                        # Flink: a record none of whose windows took it, itself
                        # behind the watermark, goes to the late-data side output.
                        if (not accepted and late_tag is not None and not processing
                                and t * 1000 <= current[0]):
                            self.side.add(late_tag, record, t)
                    return None

                def _merge_sessions(self, key: bytes, start: int, end: int) -> Tuple[int, int]:
                    """Merges the key's open sessions that overlap [start, end) into
                    one window holding their merged accumulators; returns it."""
                    mine = [s for s in sessions_of.get(key, ()) if s in state]
                    overlapping = [s for s in mine if s[1] <= end and start <= s[2]]
                    if not overlapping:
                        sessions_of.setdefault(key, set()).add((key, start, end))
                        return start, end
                    overlapping.sort(key=lambda s: s[1])
                    merged_start = min(start, overlapping[0][1])
                    merged_end = max(end, max(s[2] for s in overlapping))
                    acc = state.pop(overlapping[0])
                    for slot in overlapping[1:]:
                        acc = merge(acc, state.pop(slot))
                    state[(key, merged_start, merged_end)] = acc
                    # The key's index: its sessions still open, the merged one added.
                    sessions_of[key] = {s for s in mine if s in state}
                    sessions_of[key].add((key, merged_start, merged_end))
                    return merged_start, merged_end

                def on_watermark(self, watermark: int) -> Optional[pa.RecordBatch]:
                    current[0] = watermark
                    if watermark_box is not None:
                        watermark_box[0] = watermark // 1000
                    if processing:
                        return None
                    return self._fire(watermark)

                def next_processing_time(self) -> Optional[int]:
                    if not processing or not state:
                        return None
                    return min(s[2] for s in state) - 1

                def on_processing_time(self, now: int) -> Optional[pa.RecordBatch]:
                    return self._fire(now * 1000 + 999) if processing else None

                def _fire(self, until: int) -> Optional[pa.RecordBatch]:
                    """Fires the windows whose last millisecond is at or before
                    `until` (microseconds)."""
                    ready = sorted((s for s in state if s[2] * 1000 - 1 <= until),
                                   key=lambda s: (s[2], s[1]))
                    if not ready:
                        return None
                    out: List[Any] = []
                    stamps: List[int] = []
                    for slot in ready:
                        key, start, end = slot
                        if sessions and key in sessions_of:
                            sessions_of[key].discard(slot)
                            if not sessions_of[key]:
                                del sessions_of[key]
                        for result in fire(pickle.loads(key), TimeWindow(start, end),
                                           state.pop(slot)):
                            out.append(result)
                            stamps.append(end - 1)
                    batch = out_type.batch(out)
                    if processing and not has_time:
                        return batch
                    return batch.append_column(time_field, pa.array(stamps, pa.timestamp("ms")))

                def snapshot_state(self) -> List[Tuple[bytes, bytes]]:
                    # Per key: its open windows with their accumulators.
                    per_key: Dict[bytes, List[Tuple[int, int, Any]]] = {}
                    for (key, start, end), acc in state.items():
                        per_key.setdefault(key, []).append((start, end, acc))
                    return [(key, pickle.dumps(windows, protocol=4))
                            for key, windows in per_key.items()]

                def restore_state(self, entries: List[Tuple[bytes, bytes]]) -> None:
                    for key, blob in entries:
                        for start, end, acc in pickle.loads(blob):
                            state[(key, start, end)] = acc
                            if sessions:
                                sessions_of.setdefault(key, set()).add((key, start, end))
            return Window()
        if processing and not has_time:
            schema = out_type.to_arrow_schema()
        native = keyed._native.python_process(make, schema, name)
        return DataStream(keyed._env, native, out_type, has_time=has_time or not processing)


def _name(function: Any) -> str:
    return getattr(function, "__name__", None) or type(function).__name__
