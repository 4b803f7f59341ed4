"""Python user-defined functions, run in-process on whole Arrow batches.

``@udf(result_type=...)`` makes a row-at-a-time function (called once per row, in
a tight loop over the batch's values); ``func_type="pandas"`` a vectorized one
called once per batch with pandas Series; ``func_type="arrow"`` (weir's own) one
called once per batch with pyarrow Arrays, without any conversion. Register them
with ``t_env.create_temporary_function(name, f)`` for SQL, or call them in Table
API expressions directly: ``t.select(add_one(col("a")))``.
"""

from __future__ import annotations

import copy
import functools
import itertools
import pickle
import threading
from typing import Any, Callable, List, Optional, Sequence, Union

import pyarrow as pa

from weir.common.row import Row
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
    """A table function as a class: implement ``eval(self, *args)``, yielding (or
    returning an iterable of) the rows each call gives."""

    def eval(self, *args: Any) -> Any:
        raise NotImplementedError("TableFunction subclasses implement eval()")


class AggregateFunction(UserDefinedFunction):
    """An aggregate function as a class (PyFlink's): ``create_accumulator()``,
    ``accumulate(acc, *args)`` (changes `acc` in place), ``get_value(acc)``;
    ``retract(acc, *args)`` for updating input, ``merge(acc, accs)`` optional.
    Accumulators are checkpointed with pickle."""

    def create_accumulator(self) -> Any:
        raise NotImplementedError("AggregateFunction subclasses implement create_accumulator()")

    def accumulate(self, accumulator: Any, *args: Any) -> None:
        raise NotImplementedError("AggregateFunction subclasses implement accumulate()")

    def retract(self, accumulator: Any, *args: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement retract()")

    def merge(self, accumulator: Any, accumulators: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement merge()")

    def get_value(self, accumulator: Any) -> Any:
        raise NotImplementedError("AggregateFunction subclasses implement get_value()")

    def get_result_type(self) -> Any:
        return None

    def get_accumulator_type(self) -> Any:
        return None


_FUNC_TYPES = ("general", "pandas", "arrow")


def _resolve(func: Any, kind: type, maker: str) -> tuple:
    """A function object of class `kind` (its eval) or a plain callable: returns
    (instance or None, what to call, default name, default determinism)."""
    if isinstance(func, kind):
        return func, func.eval, type(func).__name__, func.is_deterministic()
    if callable(func):
        return None, func, getattr(func, "__name__", maker), True
    raise TypeError(f"{maker}() takes a function or a {kind.__name__}, not {func!r}")


class UserDefinedFunctionWrapper:
    """A Python scalar function with its types, callable in Table API expressions."""

    def __init__(self, func: Union[Callable[..., Any], ScalarFunction],
                 input_types: Optional[Sequence[DataType]], result_type: DataType,
                 func_type: str, deterministic: Optional[bool], name: Optional[str]):
        if func_type not in _FUNC_TYPES:
            raise ValueError(f"func_type must be one of {_FUNC_TYPES}, got {func_type!r}")
        (self._instance, self._callable, default_name,
         default_deterministic) = _resolve(func, ScalarFunction, "udf")
        self._func = func
        self._name = name or default_name
        self._input_types = [as_data_type(t) for t in input_types] if input_types else []
        self._result_type = as_data_type(result_type)
        self._func_type = func_type
        self._deterministic = default_deterministic if deterministic is None else deterministic
        self._inline_name = f"weir_udf_{next(_next_id)}"
        self._row_names: Optional[List[str]] = None  # Table.map: one Row argument
        self._opened = False
        self._lock = threading.Lock()
        functools.update_wrapper(self, self._callable, updated=())

    def _for_rows(self, names: List[str]) -> "UserDefinedFunctionWrapper":
        """A copy that takes the columns `names` as one Row (Table.map); a pandas
        function gets them as one DataFrame."""
        copy_ = UserDefinedFunctionWrapper(self._func, None, self._result_type,
                                           self._func_type, self._deterministic, self._name)
        copy_._row_names = list(names)
        return copy_

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

        row_names = self._row_names
        if row_names is not None and self._func_type == "general":
            def invoke(arrays: List[pa.Array], length: int) -> pa.Array:
                wrapper._open(parameters)
                columns = [a.to_pylist() for a in arrays]
                values = [f(Row._make(v, row_names)) for v in zip(*columns)]
                return _as_result(values, arrow_type, length, name)
        elif row_names is not None:
            def invoke(arrays: List[pa.Array], length: int) -> pa.Array:
                import pandas as pd

                wrapper._open(parameters)
                frame = pd.DataFrame({n: a.to_pandas() for n, a in zip(row_names, arrays)})
                result = f(frame)
                if isinstance(result, pd.DataFrame):
                    result = pa.StructArray.from_arrays(
                        [pa.Array.from_pandas(result[c]) for c in result.columns],
                        fields=list(arrow_type)) if pa.types.is_struct(arrow_type) else \
                        result.iloc[:, 0]
                return _as_result(result, arrow_type, length, name)
        elif self._func_type == "general":
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


class TableFunctionWrapper:
    """A Python table function with its types (PyFlink's
    UserDefinedTableFunctionWrapper): in SQL ``LATERAL TABLE(f(x))``, in the Table
    API ``t.join_lateral(f(col("x")).alias("a", "b"))`` and ``t.flat_map(f)``."""

    def __init__(self, func: Union[Callable[..., Any], TableFunction],
                 input_types: Optional[Sequence[DataType]], result_types: Sequence[DataType],
                 deterministic: Optional[bool], name: Optional[str],
                 row_input: bool = False):
        (self._instance, self._callable, default_name,
         default_deterministic) = _resolve(func, TableFunction, "udtf")
        self._func = func
        self._name = name or default_name
        self._input_types = [as_data_type(t) for t in input_types] if input_types else []
        self._result_types = [as_data_type(t) for t in result_types]
        if not self._result_types:
            raise TypeError("udtf() needs at least one result type")
        self._deterministic = default_deterministic if deterministic is None else deterministic
        self._inline_name = f"weir_udtf_{next(_next_id)}"
        # flat_map: the function gets the whole row as one Row argument.
        self._row_input = row_input
        self._row_names: Optional[List[str]] = None
        self._opened = False
        self._lock = threading.Lock()
        functools.update_wrapper(self, self._callable, updated=())

    def __call__(self, *args: Any) -> "Expression":
        from weir.table.expressions import Expression, _operand

        parts = [_operand(a) for a in args]
        udfs: tuple = (self,)
        for p in parts:
            udfs += p._udfs
        return Expression(f"{self._inline_name}({', '.join(p._sql for p in parts)})", udfs,
                          table_function=self)

    def alias(self, *names: str) -> "_RowTableCall":
        """join_lateral(f.alias("a", "b")): the function over whole rows (one Row
        argument), its columns named `names`."""
        return _RowTableCall(self, list(names))

    @property
    def name(self) -> str:
        """The function's name (in errors)."""
        return self._name

    def _field_names(self) -> List[str]:
        return [f"f{i}" for i in range(len(self._result_types))]

    def _result_schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, t.to_arrow())
                          for n, t in zip(self._field_names(), self._result_types)])

    def _for_rows(self, names: List[str]) -> "TableFunctionWrapper":
        """A copy that takes the columns `names` as one Row (Table.flat_map)."""
        copy = TableFunctionWrapper(self._func, None, self._result_types,
                                    self._deterministic, self._name, row_input=True)
        copy._row_names = list(names)
        return copy

    _open = UserDefinedFunctionWrapper._open
    _close = UserDefinedFunctionWrapper._close

    def _make_invoke(self, parameters: dict) -> Callable[[List[pa.Array], int], Any]:
        """Returns what the engine calls once per batch: (row index, columns)."""
        f = self._callable
        types = [t.to_arrow() for t in self._result_types]
        width = len(types)
        composite = width == 1 and (pa.types.is_struct(types[0]) or
                                    pa.types.is_list(types[0]) or
                                    pa.types.is_map(types[0]))
        name = self._name
        wrapper = self
        row_names = self._row_names

        def rows_of(result: Any) -> Any:
            if result is None:
                return ()
            if isinstance(result, (str, bytes, tuple, dict)) or not hasattr(result, "__iter__"):
                return (result,)
            return result

        def invoke(arrays: List[pa.Array], length: int) -> Any:
            wrapper._open(parameters)
            columns = [a.to_pylist() for a in arrays]
            if row_names is not None:
                calls: Any = ((Row._make(values, row_names),) for values in zip(*columns))
            elif columns:
                calls = zip(*columns)
            else:
                calls = (() for _ in range(length))
            index: List[int] = []
            out: List[List[Any]] = [[] for _ in range(width)]
            for i, call_args in enumerate(calls):
                for row in rows_of(f(*call_args)):
                    if width == 1:
                        # A one-field Row or tuple is a row; a list is a value of an
                        # ARRAY column, a tuple the value of a ROW column.
                        if isinstance(row, Row) or (isinstance(row, tuple) and not composite):
                            if len(row) != 1:
                                raise ValueError(
                                    f"table function '{name}' yielded a row of {len(row)} "
                                    "fields, but it declares 1 result type")
                            row = row[0]
                        out[0].append(row)
                    else:
                        if not isinstance(row, (tuple, list)) or len(row) != width:
                            raise ValueError(
                                f"table function '{name}' yielded {row!r}, but it declares "
                                f"{width} result types: yield rows of {width} fields")
                        for c in range(width):
                            out[c].append(row[c])
                    index.append(i)
            try:
                result = [pa.array(values, type=t) for values, t in zip(out, types)]
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError,
                    OverflowError) as error:
                raise TypeError(f"table function '{name}' yielded values that are not of "
                                f"its result types {types}: {error}") from error
            return pa.array(index, type=pa.int64()), result

        return invoke


class _RowTableCall:
    """A table function applied to whole rows, for join_lateral()."""

    def __init__(self, function: TableFunctionWrapper, names: List[str]) -> None:
        self.function, self.names = function, names


def udtf(f: Any = None, input_types: Any = None, result_types: Any = None,
         deterministic: Optional[bool] = None, name: Optional[str] = None) -> Any:
    """Makes a Python table function (PyFlink's ``udtf``): each call yields zero or
    more rows. ``@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])`` over a
    generator; use it in SQL as ``LATERAL TABLE(f(x))`` after registering it, or in
    the Table API with ``join_lateral``/``left_outer_join_lateral``/``flat_map``."""
    if result_types is None:
        raise TypeError("udtf() needs result_types")
    if not isinstance(result_types, (list, tuple)):
        result_types = [result_types]
    if input_types is not None and not isinstance(input_types, (list, tuple)):
        input_types = [input_types]

    def make(func: Any) -> TableFunctionWrapper:
        return TableFunctionWrapper(func, input_types, result_types, deterministic, name)

    return make if f is None else make(f)


class AggregateFunctionWrapper:
    """A Python aggregate function with its types (PyFlink's
    UserDefinedAggregateFunctionWrapper): in SQL ``f(x)`` in a GROUP BY query or a
    group window, in the Table API ``group_by(...).select(f(col("x")))`` and
    ``aggregate(f.alias("a", "b"))`` (then it receives the whole row)."""

    def __init__(self, func: Any, input_types: Optional[Sequence[DataType]],
                 result_type: Any, func_type: str, deterministic: Optional[bool],
                 name: Optional[str], row_names: Optional[List[str]] = None,
                 table: bool = False):
        if func_type not in ("general", "pandas"):
            raise ValueError(f"udaf func_type must be 'general' or 'pandas', got {func_type!r}")
        self._table = table
        if func_type == "general":
            kind = TableAggregateFunction if table else AggregateFunction
            if not isinstance(func, kind):
                raise TypeError(f"a general {'udtaf' if table else 'udaf'} takes a "
                                f"{kind.__name__} instance, not {func!r}")
            default_name = type(func).__name__
            default_deterministic = func.is_deterministic()
            if result_type is None:
                result_type = func.get_result_type()
        elif callable(func) and not isinstance(func, UserDefinedFunction):
            default_name = getattr(func, "__name__", "udaf")
            default_deterministic = True
        else:
            raise TypeError(f"a pandas udaf takes a function, not {func!r}")
        if result_type is None:
            raise TypeError("udaf() needs result_type")
        self._func = func
        self._func_type = func_type
        self._name = name or default_name
        self._input_types = [as_data_type(t) for t in input_types] if input_types else []
        self._result_type = as_data_type(result_type)
        # A table aggregate's rows: the engine keeps them as an ARRAY of its ROW
        # type per group, which flat_aggregate unnests.
        self._row_type = self._result_type
        if table:
            from weir.table.types import DataTypes

            self._result_type = DataTypes.ARRAY(self._row_type)
        self._deterministic = default_deterministic if deterministic is None else deterministic
        self._inline_name = f"weir_udaf_{next(_next_id)}"
        self._row_names = row_names
        self._instance = func if isinstance(func, UserDefinedFunction) else None
        self._opened = False
        self._lock = threading.Lock()
        # Retractions need retract() (general functions only, as in PyFlink).
        # Retractions need retract() (general functions); a pandas function keeps
        # its group's rows, so it can drop a retracted one.
        base = TableAggregateFunction if table else AggregateFunction
        self._retracts = func_type == "pandas" or type(func).retract is not base.retract

    def __call__(self, *args: Any) -> "Expression":
        from weir.table.expressions import Expression, _operand

        parts = [_operand(a) for a in args]
        udfs: tuple = (self,)
        for p in parts:
            udfs += p._udfs
        return Expression(f"{self._inline_name}({', '.join(p._sql for p in parts)})", udfs)

    def alias(self, *names: str) -> "_RowAggregateCall":
        """Table.aggregate(f.alias("a", "b")): the function over whole rows, its
        result (a ROW's fields) named `names`."""
        return _RowAggregateCall(self, list(names))

    @property
    def name(self) -> str:
        """The function's name (in errors)."""
        return self._name

    def _for_rows(self, names: List[str]) -> "AggregateFunctionWrapper":
        """A copy that takes the columns `names` as one Row (pandas: a DataFrame)."""
        return AggregateFunctionWrapper(self._func, None, self._row_type, self._func_type,
                                        self._deterministic, self._name, row_names=names,
                                        table=self._table)

    _open = UserDefinedFunctionWrapper._open
    _close = UserDefinedFunctionWrapper._close

    def _make_factory(self, parameters: dict) -> Callable[[Optional[pa.Schema]], Any]:
        """Returns what makes one subtask's accumulators for an input type."""
        wrapper = self

        def factory(input_schema: Optional[pa.Schema]) -> Any:
            wrapper._open(parameters)
            input_type = None if input_schema is None else input_schema.field(0).type
            kind = _GeneralState if wrapper._func_type == "general" else _PandasState
            return kind(wrapper, input_type)

        return factory


class _RowAggregateCall:
    """An aggregate function applied to whole rows, for Table.aggregate()."""

    def __init__(self, function: AggregateFunctionWrapper, names: List[str]) -> None:
        self.function, self.names = function, names


def _is_argument_struct(input_type: Any) -> bool:
    """Whether the input holds several arguments (the planner's struct of them)."""
    return (input_type is not None and pa.types.is_struct(input_type) and
            input_type.num_fields > 0 and input_type.field(0).name == "__weir_arg0")


def _argument_types(input_type: Any) -> List[pa.DataType]:
    if input_type is None:
        return []
    if _is_argument_struct(input_type):
        return [input_type.field(i).type for i in range(input_type.num_fields)]
    return [input_type]


def _argument_rows(values: Optional[pa.Array], input_type: Any, n: int,
                   row_names: Optional[List[str]]) -> Any:
    """The argument tuples of `n` rows (a Row of them for whole-row functions)."""
    if values is None:
        return [()] * n
    if _is_argument_struct(input_type):
        columns = [values.field(i).to_pylist() for i in range(input_type.num_fields)]
    else:
        columns = [values.to_pylist()]
    if row_names is not None:
        return [(Row._make(v, row_names),) for v in zip(*columns)]
    return list(zip(*columns))


class _Accumulator(list):
    """A Row accumulator made mutable, as PyFlink's Row is (``acc[0] += 1``), with
    its field names readable as attributes."""

    def __init__(self, values: Any, names: Optional[List[str]]) -> None:
        super().__init__(values)
        self._fields = names

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields")
        if fields and name in fields:
            return self[fields.index(name)]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        fields = self.__dict__.get("_fields")
        if name != "_fields" and fields and name in fields:
            self[fields.index(name)] = value
        else:
            super().__setattr__(name, value)

    def __reduce__(self) -> Any:
        return (_Accumulator, (list(self), self._fields))


def _new_accumulator(f: Any) -> Any:
    acc = f.create_accumulator()
    if isinstance(acc, Row):
        return _Accumulator(acc, acc._fields)
    return acc


class _GroupStates:
    """One subtask's state of a Python aggregate: a value per group id (None: an
    empty group), pickled per group for checkpoints."""

    def __init__(self, wrapper: "AggregateFunctionWrapper", input_type: Any) -> None:
        self._wrapper = wrapper
        self._input_type = input_type
        self._result_type = wrapper._result_type.to_arrow()
        self._groups: List[Any] = []

    def resize(self, n: int) -> None:
        if n > len(self._groups):
            self._groups.extend([None] * (n - len(self._groups)))

    def reset(self, g: int) -> None:
        self._groups[g] = None

    def save(self, g: int) -> bytes:
        return pickle.dumps(self._groups[g])

    def load(self, g: int, data: bytes) -> None:
        self.resize(g + 1)
        self._groups[g] = pickle.loads(data)

    def clone(self) -> "_GroupStates":
        copy_ = type(self)(self._wrapper, self._input_type)
        copy_._groups = copy.deepcopy(self._groups)
        return copy_


class _GeneralState(_GroupStates):
    """Accumulators of a general udaf for one subtask: one Python object per group."""

    def __init__(self, wrapper: AggregateFunctionWrapper, input_type: Any) -> None:
        super().__init__(wrapper, input_type)
        self._f = wrapper._func
        self._row_arrow = wrapper._row_type.to_arrow()

    def update(self, values: Optional[pa.Array], groups: pa.Array,
               kinds: Optional[pa.Array]) -> None:
        rows = _argument_rows(values, self._input_type, len(groups), self._wrapper._row_names)
        f, accs = self._f, self._groups
        kind_list = kinds.to_pylist() if kinds is not None else None
        for i, g in enumerate(groups.to_pylist()):
            acc = accs[g]
            if acc is None:
                acc = accs[g] = _new_accumulator(f)
            if kind_list is None or kind_list[i] in (0, 2):
                f.accumulate(acc, *rows[i])
            else:
                f.retract(acc, *rows[i])

    def results(self, groups: pa.Array) -> pa.Array:
        f = self._f
        values = []
        table = self._wrapper._table
        for g in groups.to_pylist():
            acc = self._groups[g]
            if acc is None:
                acc = _new_accumulator(f)
            if table:
                rows = list(f.emit_value(acc) or ())
                if not pa.types.is_struct(self._row_arrow):
                    # Rows of one value: a one-field Row or tuple stands for its value.
                    rows = [r[0] if isinstance(r, tuple) and len(r) == 1 else r
                            for r in rows]
                else:
                    rows = [r if isinstance(r, (tuple, list, dict)) else (r,) for r in rows]
                values.append(rows)
            else:
                values.append(f.get_value(acc))
        return _as_result(values, self._result_type, len(values), self._wrapper._name)



def _remove_equal(rows: list, row: tuple, name: str) -> None:
    def same(a: Any, b: Any) -> bool:
        return a == b or (a != a and b != b)  # NaN equals NaN here
    for i, existing in enumerate(rows):
        if len(existing) == len(row) and all(same(a, b) for a, b in zip(existing, row)):
            del rows[i]
            return
    raise ValueError(f"pandas aggregate function '{name}' was asked to retract a row it "
                     f"never received: {row!r}")


class _PandasState(_GroupStates):
    """Accumulators of a pandas udaf for one subtask: each group's argument rows;
    the function runs once per group over them as pandas Series (a DataFrame for
    whole rows)."""


    def update(self, values: Optional[pa.Array], groups: pa.Array,
               kinds: Optional[pa.Array]) -> None:
        rows = _argument_rows(values, self._input_type, len(groups), None)
        kind_list = kinds.to_pylist() if kinds is not None else None
        for i, g in enumerate(groups.to_pylist()):
            if self._groups[g] is None:
                self._groups[g] = []
            if kind_list is None or kind_list[i] in (0, 2):
                self._groups[g].append(rows[i])
            else:
                # A retraction (an update, or a row leaving an OVER frame) removes
                # the oldest equal row.
                _remove_equal(self._groups[g], rows[i], self._wrapper._name)

    def _series(self, rows: list) -> list:
        types = _argument_types(self._input_type)
        if not types:
            return []
        columns = list(zip(*rows)) if rows else []
        if not columns:
            columns = [[] for _ in types]
        series = [pa.array(list(c), type=ty).to_pandas() for c, ty in zip(columns, types)]
        names = self._wrapper._row_names
        if names is not None:
            import pandas as pd

            return [pd.DataFrame(dict(zip(names, series)))]
        return series

    def results(self, groups: pa.Array) -> pa.Array:
        f = self._wrapper._func
        values = [f(*self._series(self._groups[g] or [])) for g in groups.to_pylist()]
        values = [v.item() if hasattr(v, "item") and not isinstance(v, (list, tuple)) else v
                  for v in values]
        return _as_result(values, self._result_type, len(values), self._wrapper._name)



def udtaf(f: Any = None, input_types: Any = None, result_type: Any = None,
          accumulator_type: Any = None, deterministic: Optional[bool] = None,
          name: Optional[str] = None, func_type: str = "general") -> Any:
    """Makes a Python table aggregate function (PyFlink's ``udtaf``) over a
    TableAggregateFunction: ``t.group_by(col("k")).flat_aggregate(udtaf(Top2()))``.
    Its result type is the ROW type of the rows it emits."""
    if func_type != "general":
        raise NotImplementedError("udtaf supports func_type='general' only")
    if input_types is not None and not isinstance(input_types, (list, tuple)):
        input_types = [input_types]

    def make(func: Any) -> AggregateFunctionWrapper:
        return AggregateFunctionWrapper(func, input_types, result_type, func_type,
                                        deterministic, name, table=True)

    return make if f is None else make(f)


def udaf(f: Any = None, input_types: Any = None, result_type: Any = None,
         accumulator_type: Any = None, deterministic: Optional[bool] = None,
         name: Optional[str] = None, func_type: str = "general") -> Any:
    """Makes a Python aggregate function (PyFlink's ``udaf``): ``udaf(MyAgg(),
    result_type=...)`` over an AggregateFunction, or ``@udaf(result_type=...,
    func_type="pandas")`` over a function of pandas Series returning one value.
    The accumulator type is not needed: accumulators are pickled."""
    if input_types is not None and not isinstance(input_types, (list, tuple)):
        input_types = [input_types]

    def make(func: Any) -> AggregateFunctionWrapper:
        return AggregateFunctionWrapper(func, input_types, result_type, func_type,
                                        deterministic, name)

    return make if f is None else make(f)




class TableAggregateFunction(UserDefinedFunction):
    """A table aggregate function (PyFlink's): an aggregate whose
    ``emit_value(acc)`` yields any number of rows per group; used with
    ``flat_aggregate``. ``create_accumulator``, ``accumulate(acc, *args)``,
    ``retract`` for updating input."""

    def create_accumulator(self) -> Any:
        raise NotImplementedError("TableAggregateFunction subclasses implement "
                                  "create_accumulator()")

    def accumulate(self, accumulator: Any, *args: Any) -> None:
        raise NotImplementedError("TableAggregateFunction subclasses implement accumulate()")

    def retract(self, accumulator: Any, *args: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement retract()")

    def emit_value(self, accumulator: Any) -> Any:
        raise NotImplementedError("TableAggregateFunction subclasses implement emit_value()")

    def get_result_type(self) -> Any:
        return None

    def get_accumulator_type(self) -> Any:
        return None

__all__ = ["udf", "udtf", "udaf", "udtaf", "ScalarFunction", "TableFunction",
           "AggregateFunction", "TableAggregateFunction",
           "UserDefinedFunction", "FunctionContext", "UserDefinedFunctionWrapper",
           "TableFunctionWrapper", "AggregateFunctionWrapper"]
