"""Function classes of the DataStream API (PyFlink's pyflink.datastream.functions)."""

from __future__ import annotations

from typing import Any, Iterable, Optional


class RuntimeContext:
    """What open() receives: the subtask, and keyed state (get_state …) for
    functions after key_by."""

    def __init__(self, subtask: int = 0, parallelism: int = 1, store: Any = None) -> None:
        self._subtask, self._parallelism, self._store = subtask, parallelism, store

    def get_index_of_this_subtask(self) -> int:
        return self._subtask

    def get_number_of_parallel_subtasks(self) -> int:
        return self._parallelism

    def _state(self, kind: Any, descriptor: Any) -> Any:
        if self._store is None:
            raise RuntimeError("keyed state is only available after key_by")
        return kind(self._store, descriptor.name)

    def get_state(self, state_descriptor: Any) -> Any:
        from weir.datastream.state import ValueState
        return self._state(ValueState, state_descriptor)

    def get_list_state(self, state_descriptor: Any) -> Any:
        from weir.datastream.state import ListState
        return self._state(ListState, state_descriptor)

    def get_map_state(self, state_descriptor: Any) -> Any:
        from weir.datastream.state import MapState
        return self._state(MapState, state_descriptor)


class Function:
    """Base of function classes: open() runs before the first record."""

    def open(self, runtime_context: RuntimeContext) -> None:
        pass

    def close(self) -> None:
        pass


class MapFunction(Function):
    def map(self, value: Any) -> Any:
        raise NotImplementedError


class FlatMapFunction(Function):
    def flat_map(self, value: Any) -> Iterable[Any]:
        raise NotImplementedError


class FilterFunction(Function):
    def filter(self, value: Any) -> bool:
        raise NotImplementedError


class KeySelector(Function):
    def get_key(self, value: Any) -> Any:
        raise NotImplementedError


class ReduceFunction(Function):
    def reduce(self, value1: Any, value2: Any) -> Any:
        raise NotImplementedError


class TimerService:
    """Event-time timers of the current key, and the current watermark."""

    def __init__(self, operator: Any) -> None:
        self._operator = operator

    def current_watermark(self) -> int:
        return self._operator.watermark_millis()

    def current_processing_time(self) -> int:
        import time
        return int(time.time() * 1000)

    def register_event_time_timer(self, timestamp: int) -> None:
        self._operator.timers.add((int(timestamp), self._operator.store.current_key))

    def delete_event_time_timer(self, timestamp: int) -> None:
        self._operator.timers.discard((int(timestamp), self._operator.store.current_key))

    def register_processing_time_timer(self, timestamp: int) -> None:
        """Calls on_timer once the wall clock reaches `timestamp` (ms)."""
        self._operator.processing_timers.add((int(timestamp),
                                              self._operator.store.current_key))

    def delete_processing_time_timer(self, timestamp: int) -> None:
        self._operator.processing_timers.discard((int(timestamp),
                                                  self._operator.store.current_key))


class OutputTag:
    """Names a side output and the type of its records (PyFlink's OutputTag):
    ``ctx.output(tag, value)`` in a process function, ``stream.get_side_output(tag)``
    to read it."""

    def __init__(self, tag_id: str, type_info: Any = None) -> None:
        from weir.common.typeinfo import Types

        if not tag_id:
            raise ValueError("an OutputTag needs a non-empty id")
        self.tag_id = tag_id
        self.type_info = type_info or Types.PICKLED_BYTE_ARRAY()

    def __repr__(self) -> str:
        return f"OutputTag({self.tag_id!r}, {self.type_info!r})"


class ProcessFunction(Function):
    """Processes each record of a stream: process_element(value, ctx) returns or
    yields results; ``ctx.output(tag, value)`` sends a value to a side output."""

    class Context:
        def __init__(self, operator: Any) -> None:
            self._operator = operator
            self._timestamp: Optional[int] = None

        def timestamp(self) -> Optional[int]:
            """The record's event time (ms), None without timestamps."""
            return self._timestamp

        def output(self, output_tag: OutputTag, value: Any) -> None:
            """Emits `value` to the side output `output_tag`."""
            self._operator.side.add(output_tag, value, self._timestamp)

        def timer_service(self) -> Any:
            raise RuntimeError("timers are only available in a KeyedProcessFunction "
                               "(after key_by), as in Flink")

    def process_element(self, value: Any, ctx: "ProcessFunction.Context") -> Any:
        raise NotImplementedError


class KeyedProcessFunction(Function):
    """Processes each record of a key with keyed state and event-time timers:
    process_element(value, ctx) and on_timer(timestamp, ctx) return or yield the
    results."""

    class Context(ProcessFunction.Context):
        def timer_service(self) -> TimerService:
            return self._operator.timer_service

        def get_current_key(self) -> Any:
            return self._operator.current_key()

    class OnTimerContext(Context):
        def __init__(self, operator: Any, domain: str = "EVENT_TIME") -> None:
            super().__init__(operator)
            self._domain = domain

        def time_domain(self) -> str:
            """EVENT_TIME or PROCESSING_TIME: which kind of timer fired."""
            return self._domain

    def process_element(self, value: Any, ctx: "KeyedProcessFunction.Context") -> Any:
        raise NotImplementedError

    def on_timer(self, timestamp: int, ctx: "KeyedProcessFunction.OnTimerContext") -> Any:
        return None
