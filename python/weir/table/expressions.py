"""The Table API's expression DSL, as PyFlink's pyflink.table.expressions.

An Expression is SQL text: ``col("a") + 1`` is ``(`a` + 1)``. Wherever an
expression is taken a string is accepted too, as a SQL expression
(``t.select("a + 1 AS b")``). Calls of Python functions (``add_one(col("a"))``)
carry the function along; the table that uses them registers it.
"""

from __future__ import annotations

import datetime
import decimal
import math
from typing import Any, List, Optional, Tuple

from weir.table.types import DataType, as_data_type


def quote(name: str) -> str:
    """Returns `name` as a quoted SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


class Expression:
    """A SQL expression built with the Table API's methods and operators."""

    def __init__(self, sql: str, udfs: Tuple[Any, ...] = (), column: Optional[str] = None,
                 alias_names: Optional[List[str]] = None, base: "Expression | None" = None,
                 table_function: Any = None):
        self._sql = sql
        self._table_function = table_function  # a @udtf call
        self._udfs = udfs          # Python functions the expression calls
        self._column = column      # set for col(name)
        self._alias_names = alias_names
        self._base = base          # the aliased expression, for alias()

    # --- rendering -------------------------------------------------------
    def __str__(self) -> str:
        return self._sql

    def __repr__(self) -> str:
        return f"Expression({self._sql})"

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value; use & | ~ instead of and/or/not")

    def _op(self, op: str, other: Any, reverse: bool = False) -> "Expression":
        right = _operand(other)
        left, right = (right, self) if reverse else (self, right)
        return Expression(f"({left._sql} {op} {right._sql})", left._udfs + right._udfs)

    def _fn(self, name: str, *args: Any) -> "Expression":
        parts = [self] + [_operand(a) for a in args]
        udfs: Tuple[Any, ...] = ()
        for p in parts:
            udfs += p._udfs
        return Expression(f"{name}({', '.join(p._sql for p in parts)})", udfs)

    # --- arithmetic --------------------------------------------------------
    def __add__(self, other: Any) -> "Expression":
        return self._op("+", other)

    def __radd__(self, other: Any) -> "Expression":
        return self._op("+", other, True)

    def __sub__(self, other: Any) -> "Expression":
        return self._op("-", other)

    def __rsub__(self, other: Any) -> "Expression":
        return self._op("-", other, True)

    def __mul__(self, other: Any) -> "Expression":
        return self._op("*", other)

    def __rmul__(self, other: Any) -> "Expression":
        return self._op("*", other, True)

    def __truediv__(self, other: Any) -> "Expression":
        return self._op("/", other)

    def __rtruediv__(self, other: Any) -> "Expression":
        return self._op("/", other, True)

    def __mod__(self, other: Any) -> "Expression":
        return self._fn("MOD", other)

    def __pow__(self, other: Any) -> "Expression":
        return self._fn("POWER", other)

    def __neg__(self) -> "Expression":
        return Expression(f"(- {self._sql})", self._udfs)

    # --- comparison and logic ---------------------------------------------
    def __eq__(self, other: Any) -> "Expression":  # type: ignore[override]
        return self._op("=", other)

    def __ne__(self, other: Any) -> "Expression":  # type: ignore[override]
        return self._op("<>", other)

    def __lt__(self, other: Any) -> "Expression":
        return self._op("<", other)

    def __le__(self, other: Any) -> "Expression":
        return self._op("<=", other)

    def __gt__(self, other: Any) -> "Expression":
        return self._op(">", other)

    def __ge__(self, other: Any) -> "Expression":
        return self._op(">=", other)

    def __and__(self, other: Any) -> "Expression":
        return self._op("AND", other)

    def __rand__(self, other: Any) -> "Expression":
        return self._op("AND", other, True)

    def __or__(self, other: Any) -> "Expression":
        return self._op("OR", other)

    def __ror__(self, other: Any) -> "Expression":
        return self._op("OR", other, True)

    def __invert__(self) -> "Expression":
        return Expression(f"(NOT {self._sql})", self._udfs)

    __hash__ = None  # type: ignore[assignment]  (== builds an expression)

    # --- naming and types ------------------------------------------------
    def alias(self, name: str, *extra_names: str) -> "Expression":
        """Names the result: ``col("a").alias("b")`` is ``a AS b``."""
        names = [name, *extra_names]
        if len(names) > 1:
            # Only a table function call has several columns to name (join_lateral).
            return Expression(f"{self._sql} AS ({', '.join(quote(n) for n in names)})",
                              self._udfs, alias_names=names, base=self)
        return Expression(f"{self._sql} AS {quote(name)}", self._udfs, alias_names=names,
                          base=self)

    def cast(self, data_type: "DataType | str") -> "Expression":
        """Converts to `data_type` (SQL CAST)."""
        return Expression(f"CAST({self._sql} AS {as_data_type(data_type).sql})", self._udfs)

    def try_cast(self, data_type: "DataType | str") -> "Expression":
        """Converts to `data_type`, NULL where it cannot (SQL TRY_CAST)."""
        return Expression(f"TRY_CAST({self._sql} AS {as_data_type(data_type).sql})",
                          self._udfs)

    # --- predicates --------------------------------------------------------
    @property
    def is_null(self) -> "Expression":
        return Expression(f"({self._sql} IS NULL)", self._udfs)

    @property
    def is_not_null(self) -> "Expression":
        return Expression(f"({self._sql} IS NOT NULL)", self._udfs)

    @property
    def is_true(self) -> "Expression":
        return Expression(f"({self._sql} IS TRUE)", self._udfs)

    @property
    def is_false(self) -> "Expression":
        return Expression(f"({self._sql} IS FALSE)", self._udfs)

    def between(self, lower: Any, upper: Any) -> "Expression":
        lo, hi = _operand(lower), _operand(upper)
        return Expression(f"({self._sql} BETWEEN {lo._sql} AND {hi._sql})",
                          self._udfs + lo._udfs + hi._udfs)

    def not_between(self, lower: Any, upper: Any) -> "Expression":
        lo, hi = _operand(lower), _operand(upper)
        return Expression(f"({self._sql} NOT BETWEEN {lo._sql} AND {hi._sql})",
                          self._udfs + lo._udfs + hi._udfs)

    def in_(self, first: Any, *rest: Any) -> "Expression":
        items = [_operand(v) for v in (first, *rest)]
        udfs = self._udfs
        for item in items:
            udfs += item._udfs
        return Expression(f"({self._sql} IN ({', '.join(i._sql for i in items)}))", udfs)

    def like(self, pattern: Any) -> "Expression":
        return self._op("LIKE", pattern)

    def json_value(self, path: str, returning_type: "DataType | str | None" = None,
                   on_empty: Any = None, default_on_empty: Any = None,
                   on_error: Any = None, default_on_error: Any = None) -> "Expression":
        """The scalar at JSON path `path` of this JSON text (SQL JSON_VALUE), as
        STRING or as `returning_type`; NULL where the path leads nowhere or the text
        is not JSON (Flink's default NULL ON EMPTY / NULL ON ERROR, the only
        behaviours weir has yet)."""
        _only_null_behaviour("json_value", on_empty, default_on_empty, on_error,
                             default_on_error)
        returning = ("" if returning_type is None
                     else f" RETURNING {as_data_type(returning_type).sql}")
        return Expression(f"JSON_VALUE({self._sql}, {_sql_literal(path)}{returning})",
                          self._udfs)

    def json_query(self, path: str, wrapping_behavior: Any = None, on_empty: Any = None,
                   on_error: Any = None) -> "Expression":
        """The object or array at JSON path `path` of this JSON text, as JSON text (SQL
        JSON_QUERY); NULL for a scalar, a missing path or text that is not JSON."""
        _only_null_behaviour("json_query", on_empty, None, on_error, None)
        if wrapping_behavior is not None and "WITHOUT" not in str(wrapping_behavior).upper():
            raise NotImplementedError("json_query: only WITHOUT_ARRAY wrapping is supported")
        return Expression(f"JSON_QUERY({self._sql}, {_sql_literal(path)})", self._udfs)

    def json_exists(self, path: str, on_error: Any = None) -> "Expression":
        """Whether JSON path `path` leads somewhere in this JSON text (SQL
        JSON_EXISTS; false for text that is not JSON)."""
        if on_error is not None and "FALSE" not in str(on_error).upper():
            raise NotImplementedError("json_exists: only FALSE ON ERROR is supported")
        return Expression(f"JSON_EXISTS({self._sql}, {_sql_literal(path)})", self._udfs)

    def if_then_else(self, if_true: Any, if_false: Any) -> "Expression":
        a, b = _operand(if_true), _operand(if_false)
        return Expression(f"(CASE WHEN {self._sql} THEN {a._sql} ELSE {b._sql} END)",
                          self._udfs + a._udfs + b._udfs)

    # --- time intervals and windows -----------------------------------------
    def _interval(self, unit: str) -> "Expression":
        return Expression(f"INTERVAL '{self._sql}' {unit}", self._udfs)

    @property
    def milli(self) -> "Expression":
        return Expression(f"INTERVAL '{float(self._sql) / 1000}' SECOND", self._udfs)

    millis = milli

    @property
    def second(self) -> "Expression":
        return self._interval("SECOND")

    seconds = second

    @property
    def minute(self) -> "Expression":
        return self._interval("MINUTE")

    minutes = minute

    @property
    def hour(self) -> "Expression":
        return self._interval("HOUR")

    hours = hour

    @property
    def day(self) -> "Expression":
        return self._interval("DAY")

    days = day

    @property
    def start(self) -> "Expression":
        """The start of the group window this column names (``col("w").start``)."""
        return Expression(f"__weir_window_START({self._sql})", self._udfs)

    @property
    def end(self) -> "Expression":
        """The end of the group window this column names."""
        return Expression(f"__weir_window_END({self._sql})", self._udfs)

    @property
    def rowtime(self) -> "Expression":
        """The rowtime of the group window this column names (end - 1 ms)."""
        return Expression(f"__weir_window_ROWTIME({self._sql})", self._udfs)

    @property
    def proctime(self) -> "Expression":
        return Expression(f"__weir_window_PROCTIME({self._sql})", self._udfs)

    def over(self, alias: Any) -> "Expression":
        """Computes an aggregate over the over window named `alias`."""
        return Expression(f"{self._sql} __weir_over({_operand(alias)._sql})", self._udfs)

    # --- ordering -----------------------------------------------------------
    @property
    def asc(self) -> "Expression":
        return Expression(f"{self._sql} ASC", self._udfs)

    @property
    def desc(self) -> "Expression":
        return Expression(f"{self._sql} DESC", self._udfs)

    # --- aggregates ---------------------------------------------------------
    @property
    def sum(self) -> "Expression":
        return self._fn("SUM")

    @property
    def sum0(self) -> "Expression":
        return Expression(f"COALESCE(SUM({self._sql}), 0)", self._udfs)

    @property
    def min(self) -> "Expression":
        return self._fn("MIN")

    @property
    def max(self) -> "Expression":
        return self._fn("MAX")

    @property
    def count(self) -> "Expression":
        return self._fn("COUNT")

    @property
    def avg(self) -> "Expression":
        return self._fn("AVG")

    @property
    def first_value(self) -> "Expression":
        return self._fn("FIRST_VALUE")

    @property
    def last_value(self) -> "Expression":
        return self._fn("LAST_VALUE")

    @property
    def stddev_pop(self) -> "Expression":
        return self._fn("STDDEV_POP")

    @property
    def stddev_samp(self) -> "Expression":
        return self._fn("STDDEV_SAMP")

    @property
    def var_pop(self) -> "Expression":
        return self._fn("VAR_POP")

    @property
    def var_samp(self) -> "Expression":
        return self._fn("VAR_SAMP")

    def list_agg(self, separator: Optional[str] = None) -> "Expression":
        return self._fn("LISTAGG") if separator is None else self._fn("LISTAGG", separator)

    @property
    def distinct(self) -> "Expression":
        """Use before an aggregate: ``col("a").distinct.count``."""
        return _DistinctPrefix(self)

    # --- scalar functions --------------------------------------------------
    @property
    def abs(self) -> "Expression":
        return self._fn("ABS")

    @property
    def floor(self) -> "Expression":
        return self._fn("FLOOR")

    @property
    def ceil(self) -> "Expression":
        return self._fn("CEIL")

    @property
    def sqrt(self) -> "Expression":
        return self._fn("SQRT")

    @property
    def ln(self) -> "Expression":
        return self._fn("LN")

    @property
    def exp(self) -> "Expression":
        return self._fn("EXP")

    def round(self, places: Any = 0) -> "Expression":
        return self._fn("ROUND", places)

    def power(self, other: Any) -> "Expression":
        return self._fn("POWER", other)

    @property
    def upper_case(self) -> "Expression":
        return self._fn("UPPER")

    @property
    def lower_case(self) -> "Expression":
        return self._fn("LOWER")

    @property
    def char_length(self) -> "Expression":
        return self._fn("CHAR_LENGTH")

    @property
    def trim(self) -> "Expression":
        return self._fn("TRIM")

    def substring(self, begin_index: Any, length: Any = None) -> "Expression":
        if length is None:
            return self._fn("SUBSTRING", begin_index)
        return self._fn("SUBSTRING", begin_index, length)

    def concat(self, *others: Any) -> "Expression":
        return self._fn("CONCAT", *others)


class _DistinctPrefix(Expression):
    """``col("a").distinct``: an aggregate after it takes DISTINCT values."""

    def __init__(self, inner: Expression) -> None:
        super().__init__(inner._sql, inner._udfs)

    def _fn(self, name: str, *args: Any) -> Expression:
        extra = "".join(f", {_operand(a)._sql}" for a in args)
        return Expression(f"{name}(DISTINCT {self._sql}{extra})", self._udfs)


def _literal_sql(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            return f"CAST('{text}' AS DOUBLE)"
        return f"{value!r}E0" if "e" not in repr(value) else repr(value).upper()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (bytes, bytearray)):
        return f"X'{bytes(value).hex()}'"
    if isinstance(value, datetime.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, datetime.time):
        return f"TIME '{value.isoformat()}'"
    raise TypeError(f"no SQL literal for {value!r} of type {type(value).__name__}")


def lit(value: Any, data_type: "DataType | str | None" = None) -> Expression:
    """A constant: ``lit(1)``, ``lit("a")``, ``lit(None, DataTypes.INT())``. A Python
    float is a DOUBLE and a Decimal a DECIMAL, as in PyFlink."""
    text = _literal_sql(value)
    if data_type is not None:
        text = f"CAST({text} AS {as_data_type(data_type).sql})"
    return Expression(text)


def col(name: str) -> Expression:
    """A column of the table: ``col("price")``."""
    return Expression(quote(name), column=name)


def call(f: Any, *args: Any) -> Expression:
    """Calls a function: by name (a built-in or a registered function) or a Python
    function made with @udf."""
    from weir.table.udf import TableFunctionWrapper, UserDefinedFunctionWrapper

    if isinstance(f, (UserDefinedFunctionWrapper, TableFunctionWrapper)):
        return f(*args)
    if not isinstance(f, str):
        raise TypeError(f"call() takes a function name or a @udf function, not {f!r}")
    parts = [_operand(a) for a in args]
    udfs: Tuple[Any, ...] = ()
    for p in parts:
        udfs += p._udfs
    return Expression(f"{f}({', '.join(p._sql for p in parts)})", udfs)


def row_interval(rows: int) -> Expression:
    """A number of rows for an over window's frame."""
    e = Expression(str(int(rows)))
    e._frame = "ROWS"  # type: ignore[attr-defined]
    return e


CURRENT_ROW = Expression("CURRENT ROW")
CURRENT_ROW._current = True  # type: ignore[attr-defined]
CURRENT_RANGE = Expression("CURRENT ROW")
CURRENT_RANGE._current = True  # type: ignore[attr-defined]
UNBOUNDED_ROW = Expression("UNBOUNDED")
UNBOUNDED_ROW._unbounded = True  # type: ignore[attr-defined]
UNBOUNDED_ROW._frame = "ROWS"  # type: ignore[attr-defined]
UNBOUNDED_RANGE = Expression("UNBOUNDED")
UNBOUNDED_RANGE._unbounded = True  # type: ignore[attr-defined]


def call_sql(sql_expression: str) -> Expression:
    """A SQL expression as text: ``call_sql("UPPER(name)")``."""
    return Expression(sql_expression)


def and_(first: Any, second: Any, *more: Any) -> Expression:
    """All of the predicates."""
    result = _operand(first) & second
    for m in more:
        result = result & m
    return result


def or_(first: Any, second: Any, *more: Any) -> Expression:
    """Any of the predicates."""
    result = _operand(first) | second
    for m in more:
        result = result | m
    return result


def not_(expression: Any) -> Expression:
    """The negation of a predicate."""
    return ~_operand(expression)


def if_then_else(condition: Any, if_true: Any, if_false: Any) -> Expression:
    """`if_true` where `condition` holds, else `if_false`."""
    return _operand(condition).if_then_else(if_true, if_false)


def coalesce(*args: Any) -> Expression:
    """The first argument that is not NULL."""
    return call("COALESCE", *args)


def concat(*args: Any) -> Expression:
    """The strings joined."""
    return call("CONCAT", *args)


def _operand(value: Any) -> Expression:
    """Returns an operand or argument as an Expression: values (strings too) are
    literals, as in PyFlink (``col("name") == "Alice"``)."""
    return value if isinstance(value, Expression) else lit(value)


def _expr(value: Any) -> Expression:
    """Returns a Table method's argument as an Expression: a string is SQL text,
    other values are literals."""
    if isinstance(value, Expression):
        return value
    if isinstance(value, str):
        return Expression(value)
    return lit(value)



__all__ = ["Expression", "col", "lit", "call", "call_sql", "and_", "or_", "not_",
           "if_then_else", "coalesce", "concat", "row_interval", "CURRENT_ROW",
           "CURRENT_RANGE", "UNBOUNDED_ROW", "UNBOUNDED_RANGE"]


def _sql_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _only_null_behaviour(function: str, on_empty: Any, default_on_empty: Any,
                         on_error: Any, default_on_error: Any) -> None:
    for behaviour, default in ((on_empty, default_on_empty), (on_error, default_on_error)):
        if default is not None or (behaviour is not None and
                                   "NULL" not in str(behaviour).upper()):
            raise NotImplementedError(
                f"{function}: only the NULL behaviours (Flink's defaults) are supported")
