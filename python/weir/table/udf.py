"""Python user-defined functions, run in-process on whole Arrow batches.

``@udf(result_type=...)`` makes a row-at-a-time function (called once per row, in
a tight loop over the batch's values); ``func_type="pandas"`` a vectorized one
called once per batch with pandas Series; ``func_type="arrow"`` (weir's own) one
called once per batch with pyarrow Arrays, without any conversion. Register them
with ``t_env.create_temporary_function(name, f)`` for SQL, or call them in Table
API expressions directly: ``t.select(add_one(col("a")))``.
"""

from __future__ import annotations

import functools
import itertools
import threading
from typing import Any, Callable, List, Optional, Sequence, Union

import pyarrow as pa

from weir.table.types import DataType, as_data_type

_next_id = itertools.count()


class FunctionContext:
    """What open() receives: the job's parameters."""

    def __init__(self, parameters: Optional[dict] = None) -> None:
        self._parameters = dict(parameters or {})

    def get_job_parameter(self, key: str, default_value: str) -> str:
        """Returns a configuration value of the environment, or `default_value`."""
        return self._parameters.get(key, default_value)

    def get_metric_group(self) -> None:
        """Metrics from Python functions are not reported yet; returns None."""
        return None


class UserDefinedFunction:
    """Base of function classes: open() runs once before the first call, close()
    when the environment is closed."""

    def open(self, function_context: FunctionContext) -> None:
        pass

    def close(self) -> None:
        pass

    def is_deterministic(self) -> bool:
        return True


class ScalarFunction(UserDefinedFunction):
    """A scalar function as a class: implement ``eval(self, *args)``."""

    def eval(self, *args: Any) -> Any:
        raise NotImplementedError("ScalarFunction subclasses implement eval()")


class TableFunction(UserDefinedFunction):
    """A table function (one row in, any rows out). Not supported by weir yet."""


class AggregateFunction(UserDefinedFunction):
    """An aggregate function. Not supported by weir yet."""


_FUNC_TYPES = ("general", "pandas", "arrow")


class UserDefinedFunctionWrapper:
    """A Python scalar function with its types, callable in Table API expressions."""

    def __init__(self, func: Union[Callable[..., Any], ScalarFunction],
                 input_types: Optional[Sequence[DataType]], result_type: DataType,
                 func_type: str, deterministic: Optional[bool], name: Optional[str]):
        if func_type not in _FUNC_TYPES:
            raise ValueError(f"func_type must be one of {_FUNC_TYPES}, got {func_type!r}")
        if isinstance(func, ScalarFunction):
            self._instance: Optional[UserDefinedFunction] = func
            self._callable = func.eval
            default_name = type(func).__name__
            default_deterministic = func.is_deterministic()
        elif callable(func):
            self._instance = None
            self._callable = func
            default_name = getattr(func, "__name__", "udf")
            default_deterministic = True
        else:
            raise TypeError(f"udf() takes a function or a ScalarFunction, not {func!r}")
        self._func = func
        self._name = name or default_name
        self._input_types = [as_data_type(t) for t in input_types] if input_types else []
        self._result_type = as_data_type(result_type)
        self._func_type = func_type
        self._deterministic = default_deterministic if deterministic is None else deterministic
        self._inline_name = f"weir_udf_{next(_next_id)}"
        self._opened = False
        self._lock = threading.Lock()
        functools.update_wrapper(self, self._callable, updated=())

    def __call__(self, *args: Any) -> "Expression":
        from weir.table.expressions import Expression, _operand

        parts = [_operand(a) for a in args]
        udfs: tuple = (self,)
        for p in parts:
            udfs += p._udfs
        return Expression(f"{self._inline_name}({', '.join(p._sql for p in parts)})", udfs)

    @property
    def name(self) -> str:
        """The function's name (in errors)."""
        return self._name

    def _open(self, parameters: dict) -> None:
        if self._opened:
            return
        with self._lock:
            if not self._opened:
                if self._instance is not None:
                    self._instance.open(FunctionContext(parameters))
                self._opened = True

    def _close(self) -> None:
        with self._lock:
            if self._opened and self._instance is not None:
                self._instance.close()
            self._opened = False

    def _make_invoke(self, parameters: dict) -> Callable[[List[pa.Array], int], pa.Array]:
        """Returns what the engine calls once per batch."""
        f = self._callable
        arrow_type = self._result_type.to_arrow()
        name = self._name
        wrapper = self

        if self._func_type == "general":
            def invoke(arrays: List[pa.Array], length: int) -> pa.Array:
                wrapper._open(parameters)
                if not arrays:
                    values = [f() for _ in range(length)]
                elif len(arrays) == 1:
                    values = list(map(f, arrays[0].to_pylist()))
                else:
                    values = list(map(f, *[a.to_pylist() for a in arrays]))
                return _as_result(values, arrow_type, length, name)
        elif self._func_type == "pandas":
            def invoke(arrays: List[pa.Array], length: int) -> pa.Array:
                wrapper._open(parameters)
                return _as_result(f(*[a.to_pandas() for a in arrays]), arrow_type, length, name)
        else:
            def invoke(arrays: List[pa.Array], length: int) -> pa.Array:
                wrapper._open(parameters)
                return _as_result(f(*arrays), arrow_type, length, name)
        return invoke


def _as_result(values: Any, arrow_type: pa.DataType, length: int, name: str) -> pa.Array:
    """Converts what a function returned to an array of its result type."""
    try:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            array = values if values.type == arrow_type else values.cast(arrow_type)
        elif type(values).__module__.startswith("pandas"):
            array = pa.Array.from_pandas(values, type=arrow_type)
        else:
            array = pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError,
            ValueError, OverflowError) as error:
        raise TypeError(f"function '{name}' returned values that are not of its result "
                        f"type {arrow_type}: {error}") from error
    if len(array) != length:
        raise ValueError(f"function '{name}' returned {len(array)} values for {length} rows")
    return array


def udf(f: Any = None, input_types: Any = None, result_type: Any = None,
        deterministic: Optional[bool] = None, name: Optional[str] = None,
        func_type: str = "general", udf_type: Optional[str] = None) -> Any:
    """Makes a Python scalar function usable in SQL and the Table API (PyFlink's
    ``udf``). Use as ``@udf(result_type=DataTypes.BIGINT())`` or
    ``udf(f, result_type="BIGINT", func_type="pandas")``."""
    if udf_type is not None:
        func_type = udf_type
    if result_type is None:
        raise TypeError("udf() needs result_type")
    if input_types is not None and not isinstance(input_types, (list, tuple)):
        input_types = [input_types]

    def make(func: Any) -> UserDefinedFunctionWrapper:
        return UserDefinedFunctionWrapper(func, input_types, result_type, func_type,
                                          deterministic, name)

    return make if f is None else make(f)


def _not_yet(kind: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{kind} (Python {kind.replace('@', '')} functions) are not supported by weir "
            "yet; scalar functions (@udf, general, pandas or arrow) are")
    return refuse


udtf = _not_yet("@udtf")
udaf = _not_yet("@udaf")
udtaf = _not_yet("@udtaf")


class TableAggregateFunction(UserDefinedFunction):
    """A table aggregate function. Not supported by weir yet."""

__all__ = ["udf", "udtf", "udaf", "udtaf", "ScalarFunction", "TableFunction",
           "AggregateFunction", "TableAggregateFunction",
           "UserDefinedFunction", "FunctionContext", "UserDefinedFunctionWrapper"]
