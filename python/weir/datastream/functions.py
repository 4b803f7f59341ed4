"""Function classes of the DataStream API (PyFlink's pyflink.datastream.functions)."""

from __future__ import annotations

from typing import Any, Iterable


class RuntimeContext:
    """What open() receives."""

    def get_index_of_this_subtask(self) -> int:
        return 0


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
