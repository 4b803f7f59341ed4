"""Two streams processed together (PyFlink's ConnectedStreams): ``a.connect(b)``
then ``map(CoMapFunction)``, ``flat_map(CoFlatMapFunction)`` or, keyed,
``process(KeyedCoProcessFunction)`` with shared keyed state and timers.

The two streams may have different types, so each record travels pickled next to
the number of its side (0 or 1) through one union; the function gets it back as
the record it was. Keyed: both sides are partitioned by their key's pickle, as
key_by does, so a key's records of both sides meet in one subtask.
"""

from __future__ import annotations

import pickle
from typing import Any, Callable, List, Optional, Sequence

import pyarrow as pa

from weir.common.typeinfo import TypeInformation, Types
from weir.datastream.functions import Function, KeyedProcessFunction, ProcessFunction


class _Tagged(TypeInformation):
    """Records of either side: (side, value), stored as an int8 and a pickle."""

    def to_arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field("side", pa.int8()), pa.field("payload", pa.binary())])

    def arrow_type(self) -> pa.DataType:
        return pa.struct(list(self.to_arrow_schema()))

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        return [(side, pickle.loads(payload)) for side, payload in
                zip(batch.column(0).to_pylist(), batch.column(1).to_pylist())]

    def batch(self, records: Sequence[Any]) -> pa.RecordBatch:
        return pa.record_batch(
            [pa.array([r[0] for r in records], pa.int8()),
             pa.array([pickle.dumps(r[1], protocol=4) for r in records], pa.binary())],
            schema=self.to_arrow_schema())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Tagged)

    def __hash__(self) -> int:
        return hash("_Tagged")

    def __repr__(self) -> str:
        return "TAGGED"


class CoMapFunction(Function):
    """map1 for the first stream's records, map2 for the second's."""

    def map1(self, value: Any) -> Any:
        raise NotImplementedError

    def map2(self, value: Any) -> Any:
        raise NotImplementedError


class CoFlatMapFunction(Function):
    """flat_map1/flat_map2 return or yield any number of records."""

    def flat_map1(self, value: Any) -> Any:
        raise NotImplementedError

    def flat_map2(self, value: Any) -> Any:
        raise NotImplementedError


class CoProcessFunction(Function):
    """process_element1/process_element2(value, ctx) on connected streams."""

    def process_element1(self, value: Any, ctx: Any) -> Any:
        raise NotImplementedError

    def process_element2(self, value: Any, ctx: Any) -> Any:
        raise NotImplementedError


class KeyedCoProcessFunction(Function):
    """process_element1/process_element2(value, ctx) with the key's state (from the
    runtime context in open) and timers (on_timer), shared by both sides."""

    Context = KeyedProcessFunction.Context
    OnTimerContext = KeyedProcessFunction.OnTimerContext

    def process_element1(self, value: Any, ctx: Any) -> Any:
        raise NotImplementedError

    def process_element2(self, value: Any, ctx: Any) -> Any:
        raise NotImplementedError

    def on_timer(self, timestamp: int, ctx: Any) -> Any:
        return None


class _KeyedAdapter(KeyedProcessFunction):
    """A KeyedCoProcessFunction as the keyed process function over tagged records."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def open(self, runtime_context: Any) -> None:
        if hasattr(self.function, "open"):
            self.function.open(runtime_context)

    def process_element(self, value: Any, ctx: Any) -> Any:
        side, record = value
        method = (self.function.process_element1 if side == 0
                  else self.function.process_element2)
        return method(record, ctx)

    def on_timer(self, timestamp: int, ctx: Any) -> Any:
        return self.function.on_timer(timestamp, ctx)


class _CoAdapter(ProcessFunction):
    """A CoMap/CoFlatMap/CoProcess function as a process function over tagged
    records: one deep copy per subtask with its open() called (DataStream.process
    does both), and a real context (side outputs, the record's timestamp)."""

    def __init__(self, function: Any, kind: str) -> None:
        self.function, self.kind = function, kind

    def open(self, runtime_context: Any) -> None:
        if hasattr(self.function, "open"):
            self.function.open(runtime_context)

    def close(self) -> None:
        if hasattr(self.function, "close"):
            self.function.close()

    def process_element(self, value: Any, ctx: Any) -> Any:
        side, record = value
        f = self.function
        if self.kind == "map":
            return [f.map1(record) if side == 0 else f.map2(record)]
        if self.kind == "flat_map":
            return f.flat_map1(record) if side == 0 else f.flat_map2(record)
        return (f.process_element1 if side == 0 else f.process_element2)(record, ctx)


class ConnectedStreams:
    """Two streams connected; keyed after key_by(...) or when both were keyed."""

    def __init__(self, first: Any, second: Any,
                 keys: Optional[Sequence[Callable[[Any], Any]]] = None) -> None:
        if first._has_time != second._has_time:
            raise TypeError("connect needs streams that both have timestamps or neither")
        if first._env is not second._env:
            raise ValueError("connect needs streams of one environment")
        self._first, self._second, self._keys = first, second, keys

    def key_by(self, key_selector1: Any, key_selector2: Any,
               key_type: Optional[TypeInformation] = None) -> "ConnectedStreams":
        """Partitions both streams by their keys, so a key's records of both sides
        meet in one subtask (for process with keyed state)."""
        from weir.datastream.data_stream import _call

        return ConnectedStreams(self._first, self._second,
                                [_call(key_selector1, "get_key"),
                                 _call(key_selector2, "get_key")])

    def _union(self) -> Any:
        tagged = _Tagged()
        first = self._first.map(lambda v: (0, v), tagged)
        second = self._second.map(lambda v: (1, v), tagged)
        return first.union(second)

    def _co(self, func: Any, kind: str, output_type: Optional[TypeInformation]) -> Any:
        adapter = _CoAdapter(func, kind)
        adapter.__name__ = type(func).__name__  # names the operator
        return self._union().process(adapter, output_type or Types.PICKLED_BYTE_ARRAY())

    def map(self, func: Any, output_type: Optional[TypeInformation] = None) -> Any:
        """One record out per record in: map1 for the first stream, map2 for the
        second."""
        return self._co(func, "map", output_type)

    def flat_map(self, func: Any, output_type: Optional[TypeInformation] = None) -> Any:
        """Any number of records out per record in (flat_map1 / flat_map2)."""
        return self._co(func, "flat_map", output_type)

    def process(self, func: Any, output_type: Optional[TypeInformation] = None) -> Any:
        """Keyed: a KeyedCoProcessFunction with the key's state and timers shared by
        both sides. Not keyed: a CoProcessFunction (ctx.output, ctx.timestamp)."""
        if self._keys is None:
            return self._co(func, "process", output_type)
        key1, key2 = self._keys

        def key(tagged: Any) -> Any:
            side, value = tagged
            return key1(value) if side == 0 else key2(value)
        keyed = self._union().key_by(key)
        return keyed.process(_KeyedAdapter(func), output_type)


__all__ = ["ConnectedStreams", "CoMapFunction", "CoFlatMapFunction", "CoProcessFunction",
           "KeyedCoProcessFunction"]
