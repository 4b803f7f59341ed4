"""Table: a relational query built with methods (PyFlink's Table).

Each method returns a new Table whose query wraps the previous one; nothing runs
until execute(), execute_insert(), to_pandas() or to_arrow(). The query is SQL, so
the Table API and SQL share one planner.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Union

import pyarrow as pa

from weir.table.expressions import Expression, _expr, col, quote
from weir.table.table_result import TableResult
from weir.table.table_schema import TableSchema

if TYPE_CHECKING:
    from weir.table.descriptors import TableDescriptor
    from weir.table.table_environment import TableEnvironment

_aliases = itertools.count()


def _alias() -> str:
    return f"_weir_t{next(_aliases)}"


class Table:
    """A query over tables of one TableEnvironment."""

    def __init__(self, env: "TableEnvironment", sql: str) -> None:
        self._env = env
        self._sql = sql
        self._schema: Optional[TableSchema] = None
        self._view_name: Optional[str] = None

    # --- helpers ------------------------------------------------------------
    def _derive(self, sql: str) -> "Table":
        return Table(self._env, sql)

    def _from(self) -> str:
        return f"({self._sql}) AS {_alias()}"

    def _render(self, fields: Sequence[Any]) -> str:
        exprs = [_expr(f) for f in fields]
        for e in exprs:
            self._env._register_inline(e._udfs)
        return ", ".join(e._sql for e in exprs)

    def _names(self) -> List[str]:
        return self.get_schema().get_field_names()

    def _same_env(self, other: "Table") -> None:
        if other._env is not self._env:
            raise ValueError("both tables must belong to the same TableEnvironment")

    # --- relational operations ---------------------------------------------
    def select(self, *fields: Union[Expression, str]) -> "Table":
        """Projects: ``t.select(col("a"), (col("b") + 1).alias("c"))``."""
        return self._derive(f"SELECT {self._render(fields)} FROM {self._from()}")

    def where(self, predicate: Union[Expression, str]) -> "Table":
        """Keeps the rows where `predicate` is true."""
        return self._derive(f"SELECT * FROM {self._from()} WHERE {self._render([predicate])}")

    filter = where

    def group_by(self, *fields: Union[Expression, str]) -> "GroupedTable":
        """Groups by key expressions; follow with select()."""
        return GroupedTable(self, list(fields))

    def window(self, window: Any) -> "GroupWindowedTable":
        """Groups rows into a tumbling, sliding or session window (Tumble, Slide,
        Session); follow with group_by(…, col(alias)).select(…)."""
        return GroupWindowedTable(self, window)

    def over_window(self, *over_windows: Any) -> "OverWindowedTable":
        """Defines over windows for select(col(x).sum.over(col(alias)))."""
        return OverWindowedTable(self, list(over_windows))

    def distinct(self) -> "Table":
        """Removes duplicate rows."""
        return self._derive(f"SELECT DISTINCT * FROM {self._from()}")

    def _join(self, kind: str, right: "Table", predicate: Any) -> "Table":
        self._same_env(right)
        if predicate is None and kind != "INNER":
            raise ValueError(f"a {kind.lower()} outer join needs a join predicate")
        if predicate is None:
            return self._derive(f"SELECT * FROM {self._from()} CROSS JOIN {right._from()}")
        return self._derive(f"SELECT * FROM {self._from()} {kind} JOIN {right._from()} "
                            f"ON {self._render([predicate])}")

    def join(self, right: "Table", join_predicate: Any = None) -> "Table":
        """Inner join; column names of the two tables must differ. Without a predicate
        it is a cross join (filter it with where())."""
        return self._join("INNER", right, join_predicate)

    def left_outer_join(self, right: "Table", join_predicate: Any = None) -> "Table":
        """Left outer join on `join_predicate`."""
        return self._join("LEFT", right, join_predicate)

    def right_outer_join(self, right: "Table", join_predicate: Any) -> "Table":
        """Right outer join on `join_predicate`."""
        return self._join("RIGHT", right, join_predicate)

    def full_outer_join(self, right: "Table", join_predicate: Any) -> "Table":
        """Full outer join on `join_predicate`."""
        return self._join("FULL", right, join_predicate)

    def _set_op(self, op: str, right: "Table") -> "Table":
        self._same_env(right)
        return self._derive(f"SELECT * FROM {self._from()} {op} SELECT * FROM {right._from()}")

    def union_all(self, right: "Table") -> "Table":
        """All rows of both tables."""
        return self._set_op("UNION ALL", right)

    def union(self, right: "Table") -> "Table":
        """The distinct rows of both tables."""
        return self._set_op("UNION", right)

    def intersect(self, right: "Table") -> "Table":
        """The distinct rows in both tables."""
        return self._set_op("INTERSECT", right)

    def intersect_all(self, right: "Table") -> "Table":
        """The rows in both tables, with duplicates."""
        return self._set_op("INTERSECT ALL", right)

    def minus(self, right: "Table") -> "Table":
        """The distinct rows not in `right`."""
        return self._set_op("EXCEPT", right)

    def minus_all(self, right: "Table") -> "Table":
        """The rows not in `right`, with duplicates."""
        return self._set_op("EXCEPT ALL", right)

    def order_by(self, *fields: Union[Expression, str]) -> "Table":
        """Sorts: ``t.order_by(col("a").desc, col("b"))``."""
        return self._derive(f"SELECT * FROM {self._from()} ORDER BY {self._render(fields)}")

    def offset(self, offset: int) -> "Table":
        """Skips the first `offset` rows (after order_by)."""
        return self._derive(f"SELECT * FROM {self._from()} OFFSET {int(offset)}")

    def fetch(self, fetch: int) -> "Table":
        """Keeps the first `fetch` rows (after order_by)."""
        return self._derive(f"SELECT * FROM {self._from()} LIMIT {int(fetch)}")

    def limit(self, fetch: int, offset: int = 0) -> "Table":
        """Keeps `fetch` rows after skipping `offset`."""
        return self._derive(
            f"SELECT * FROM {self._from()} LIMIT {int(fetch)} OFFSET {int(offset)}")

    def add_columns(self, *fields: Union[Expression, str]) -> "Table":
        """Appends computed columns."""
        return self._derive(f"SELECT *, {self._render(fields)} FROM {self._from()}")

    def add_or_replace_columns(self, *fields: Expression) -> "Table":
        """Appends computed columns, replacing columns of the same name."""
        replaced = {}
        for f in fields:
            names = getattr(f, "_alias_names", None)
            if not names:
                raise ValueError(f"add_or_replace_columns needs named expressions, got {f}")
            replaced[names[0]] = f
        items: List[Any] = []
        for name in self._names():
            items.append(replaced.pop(name) if name in replaced else col(name))
        items.extend(replaced.values())
        return self.select(*items)

    def rename_columns(self, *fields: Expression) -> "Table":
        """Renames columns: ``t.rename_columns(col("a").alias("x"))``."""
        renames = {}
        for f in fields:
            base = getattr(f, "_base", None)
            if base is None or base._column is None:
                raise ValueError(f"rename_columns takes col(name).alias(new_name), got {f}")
            renames[base._column] = f._alias_names[0]
        names = self._names()
        for old in renames:
            if old not in names:
                raise ValueError(f"rename_columns: no column '{old}' (columns: {names})")
        return self.select(*[col(n).alias(renames[n]) if n in renames else col(n)
                             for n in names])

    def drop_columns(self, *fields: Union[Expression, str]) -> "Table":
        """Removes columns: ``t.drop_columns(col("a"))``."""
        drop = set()
        for f in fields:
            name = f if isinstance(f, str) else getattr(f, "_column", None)
            if name is None:
                raise ValueError(f"drop_columns takes columns, got {f}")
            drop.add(name)
        names = self._names()
        missing = drop - set(names)
        if missing:
            raise ValueError(f"drop_columns: no column {sorted(missing)} (columns: {names})")
        return self.select(*[col(n) for n in names if n not in drop])

    def alias(self, field: str, *fields: str) -> "Table":
        """Renames all columns in order."""
        new = [field, *fields]
        names = self._names()
        if len(new) != len(names):
            raise ValueError(f"alias needs {len(names)} names, got {len(new)}")
        return self.select(*[col(o).alias(n) for o, n in zip(names, new)])

    # --- schema, explain, execution ----------------------------------------
    def get_schema(self) -> TableSchema:
        """Returns the columns' names and types."""
        if self._schema is None:
            self._schema = TableSchema(self._env._native.query_schema(self._sql))
        return self._schema

    def print_schema(self) -> None:
        """Prints the schema."""
        print(self.get_schema())

    def explain(self, *extra_details: Any) -> str:
        """Returns the query's plan."""
        details = ", ".join(str(getattr(d, "name", d)) for d in extra_details)
        prefix = f"EXPLAIN {details} " if details else "EXPLAIN "
        return self._env._native.explain_sql(prefix + self._sql)

    def execute(self) -> TableResult:
        """Runs the query and returns its rows (over unbounded sources in streaming
        mode: its changes as they happen)."""
        return self._env.execute_sql(self._sql)

    def execute_insert(self, table_path_or_descriptor: Union[str, "TableDescriptor"],
                       overwrite: bool = False) -> TableResult:
        """Writes the rows into a table (a path or a TableDescriptor for a new
        anonymous table); returns when the job has finished."""
        if isinstance(table_path_or_descriptor, str):
            path = table_path_or_descriptor
        else:
            path = self._env._create_anonymous_table(table_path_or_descriptor)
        from weir.table.descriptors import quote_path

        verb = "INSERT OVERWRITE" if overwrite else "INSERT INTO"
        return TableResult(self._env._native.execute_sql(f"{verb} {quote_path(path)} {self._sql}"))

    def to_arrow(self) -> pa.Table:
        """Runs the query and returns its rows as a pyarrow.Table without copying."""
        return self.execute().to_arrow()

    def to_pandas(self) -> Any:
        """Runs the query and returns its rows as a pandas DataFrame."""
        return self.execute().to_pandas()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.execute().__arrow_c_stream__(requested_schema)

    def __getattr__(self, name: str) -> Expression:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._names():
            return col(name)
        raise AttributeError(f"table has no column or method '{name}'")

    def __getitem__(self, name: str) -> Expression:
        if name not in self._names():
            raise KeyError(name)
        return col(name)

    def __str__(self) -> str:
        """Registers the table as a view and returns its quoted name, so it can be
        used in SQL text: ``t_env.sql_query(f"SELECT * FROM {table}")``."""
        if self._view_name is None:
            self._view_name = self._env._register_unnamed_view(self)
        return quote(self._view_name)

    def aggregate(self, func: Any) -> "AggregatedTable":
        """Aggregates the whole table with a Python aggregate function over whole
        rows: ``t.aggregate(f.alias("a", "b")).select(col("a"), col("b"))``."""
        return AggregatedTable(self, [], func)

    def flat_aggregate(self, func: Any) -> "AggregatedTable":
        """Aggregates the whole table with a Python table aggregate function (udtaf),
        one row per row it emits."""
        return AggregatedTable(self, [], func, flat=True)

    def map(self, func: Any) -> "Table":
        """Replaces each row by what a Python scalar function returns for it (the
        whole row as one Row; a pandas function gets a DataFrame): a ROW result
        gives its fields as columns, another result one column ``f0``."""
        from weir.table.udf import UserDefinedFunctionWrapper

        if isinstance(func, UserDefinedFunctionWrapper):
            columns = self._names()
            call = func._for_rows(columns)(*[col(n) for n in columns])
            result_type = func._result_type
        elif isinstance(func, Expression) and func._udfs:
            call, result_type = func, func._udfs[0]._result_type
        else:
            raise TypeError(f"map takes a @udf function, not {func!r}")
        self._env._register_inline(call._udfs)
        alias, value = _alias(), "`__weir_map`"
        fields = _row_fields(result_type)
        inner = f"SELECT {call._sql} AS {value} FROM {self._from()}"
        if fields is None:
            return self._derive(f"SELECT {alias}.{value} AS `f0` FROM ({inner}) AS {alias}")
        items = ", ".join(f"{alias}.{value}.{quote(f)} AS {quote(f)}" for f in fields)
        return self._derive(f"SELECT {items} FROM ({inner}) AS {alias}")

    def _lateral(self, kind: str, call: Any, predicate: Any) -> "Table":
        from weir.table.udf import TableFunctionWrapper, _RowTableCall

        if isinstance(call, TableFunctionWrapper):
            call = call.alias(*call._field_names())
        if isinstance(call, _RowTableCall):
            # The function over whole rows (PyFlink's join_lateral(f.alias("a"))).
            columns = self._names()
            base = call.function._for_rows(columns)(*[col(n) for n in columns])
            names = call.names
        else:
            e = _expr(call)
            names = e._alias_names
            base = e._base if names else e
        self._env._register_inline(base._udfs)
        alias = _alias()
        if names:
            alias += "(" + ", ".join(quote(n) for n in names) + ")"
        if kind == "LEFT":
            if predicate is not None and str(_expr(predicate)).strip().upper() != "TRUE":
                raise ValueError("left_outer_join_lateral takes no join predicate but "
                                 "TRUE (as in Flink); filter the rows with where()")
            return self._derive(f"SELECT * FROM {self._from()} LEFT JOIN LATERAL TABLE("
                                f"{base._sql}) AS {alias} ON TRUE")
        joined = (f"SELECT * FROM {self._from()} CROSS JOIN LATERAL TABLE({base._sql}) "
                  f"AS {alias}")
        if predicate is not None:
            joined += f" WHERE {self._render([predicate])}"
        return self._derive(joined)

    def join_lateral(self, table_function_call: Any, join_predicate: Any = None) -> "Table":
        """Joins each row with the rows a table function gives for it:
        ``t.join_lateral(split(col("line")).alias("word"))``."""
        return self._lateral("INNER", table_function_call, join_predicate)

    def left_outer_join_lateral(self, table_function_call: Any,
                                join_predicate: Any = None) -> "Table":
        """As join_lateral, also keeping rows for which the function gives no row
        (its columns null)."""
        return self._lateral("LEFT", table_function_call, join_predicate)

    def flat_map(self, func: Any) -> "Table":
        """Replaces each row by the rows a Python table function gives for it; the
        function receives the row as one Row argument: ``t.flat_map(split)``."""
        from weir.table.udf import TableFunctionWrapper

        if isinstance(func, Expression) and func._table_function is not None:
            call = func
            self._env._register_inline(call._udfs)
        elif isinstance(func, TableFunctionWrapper):
            names = self._names()
            rows = func._for_rows(names)
            call = rows(*[col(n) for n in names])
            self._env._register_inline(call._udfs)
        else:
            raise TypeError(f"flat_map takes a @udtf function, not {func!r}")
        alias = _alias()
        return self._derive(f"SELECT {alias}.* FROM {self._from()} CROSS JOIN LATERAL "
                            f"TABLE({call._sql}) AS {alias}")


class GroupedTable:
    """A table grouped by keys; select() aggregates the groups."""

    def __init__(self, table: Table, keys: List[Any]) -> None:
        self._table = table
        self._keys = keys

    def select(self, *fields: Union[Expression, str]) -> Table:
        """``t.group_by(col("k")).select(col("k"), col("v").sum.alias("total"))``."""
        t = self._table
        keys = t._render(self._keys)
        return t._derive(f"SELECT {t._render(fields)} FROM {t._from()} GROUP BY {keys}")

    def aggregate(self, func: Any) -> "AggregatedTable":
        """Aggregates each group with a Python aggregate function over whole rows:
        ``t.group_by(col("a")).aggregate(f.alias("c", "d")).select(col("a"), col("c"))``;
        a call ``f(col("b")).alias("c")`` aggregates that column."""
        return AggregatedTable(self._table, self._keys, func)

    def flat_aggregate(self, func: Any) -> "AggregatedTable":
        """Aggregates each group with a Python table aggregate function (udtaf): a
        row per row it emits for the group, after the keys:
        ``t.group_by(col("k")).flat_aggregate(top2).select(col("k"), col("v"))``.
        In streaming mode a group's new rows replace its earlier ones (-U/+U)."""
        return AggregatedTable(self._table, self._keys, func, flat=True)


class AggregatedTable:
    """The result of aggregate() or flat_aggregate(): the keys then the
    function's columns; follow with select()."""

    def __init__(self, table: Table, keys: List[Any], func: Any, flat: bool = False) -> None:
        from weir.table.udf import AggregateFunctionWrapper, _RowAggregateCall

        self._table, self._keys = table, keys
        t = table
        wrapper = func if isinstance(func, AggregateFunctionWrapper) else \
            getattr(func, "function", None)
        if flat != bool(getattr(wrapper, "_table", flat)):
            raise TypeError("flat_aggregate takes a table aggregate function (udtaf) and "
                            "aggregate an aggregate function (udaf)")
        if isinstance(func, AggregateFunctionWrapper):
            row = func._row_type
            func = func.alias(*(_row_fields(row) or [f"f{i}" for i in range(_width(row))]))
        if isinstance(func, _RowAggregateCall):
            names = t._names()
            call = func.function._for_rows(names)(*[col(n) for n in names])
            aliases = func.names
            t._env._register_inline(call._udfs)
        else:
            call = _expr(func)
            aliases = call._alias_names or [f"f{i}" for i in range(1)]
            call = call._base if call._alias_names else call
            t._env._register_inline(call._udfs)
        inner_keys = t._render(keys) if keys else ""
        agg = "`__weir_agg`"
        # Every key is an output column, named as PyFlink names it: a column by its
        # name, another expression EXPR$i.
        key_names = []
        for i, k in enumerate(keys):
            e = _expr(k)
            name = e._column or (k if isinstance(k, str) and k.isidentifier() else None)
            key_names.append(name or f"EXPR${i}")
        key_items = [f"{_expr(k)._sql} AS {quote(n)}" for k, n in zip(keys, key_names)]
        select = ", ".join(key_items + [f"{call._sql} AS {agg}"])
        inner = f"SELECT {select} FROM {t._from()}"
        if keys:
            inner += f" GROUP BY {inner_keys}"
        result_type = getattr(call, "_udfs", ())[0]._row_type \
            if getattr(call, "_udfs", ()) else None
        fields = _row_fields(result_type)
        alias = _alias()
        outer = [f"{alias}.{quote(k)}" for k in key_names]
        if flat:
            # The emitted rows, an ARRAY of ROW per group, unnested after the keys.
            rows = _alias()
            width = len(fields) if fields is not None else 1
            if len(aliases) != width:
                raise ValueError(f"flat_aggregate names {len(aliases)} columns but the "
                                 f"function emits {width}")
            outer += [f"{rows}.{quote(a)}" for a in aliases]
            self._result = t._derive(
                f"SELECT {', '.join(outer)} FROM ({inner}) AS {alias} CROSS JOIN UNNEST("
                f"{alias}.{agg}) AS {rows}({', '.join(quote(a) for a in aliases)})")
            return
        if fields is not None:
            if len(aliases) != len(fields):
                raise ValueError(f"aggregate() names {len(aliases)} columns but the function "
                                 f"returns {len(fields)}")
            outer += [f"{alias}.{agg}.{quote(f)} AS {quote(a)}" for f, a in zip(fields, aliases)]
        else:
            outer.append(f"{alias}.{agg} AS {quote(aliases[0])}")
        self._result = t._derive(f"SELECT {', '.join(outer)} FROM ({inner}) AS {alias}")

    def select(self, *fields: Union[Expression, str]) -> Table:
        """Projects the aggregated columns."""
        return self._result.select(*fields)


def _width(data_type: Any) -> int:
    fields = _row_fields(data_type)
    return 1 if fields is None else len(fields)


def _row_fields(data_type: Any) -> Optional[List[str]]:
    """The field names of a ROW type, or None for other types."""
    if data_type is None:
        return None
    arrow = data_type.to_arrow()
    if pa.types.is_struct(arrow):
        return [arrow.field(i).name for i in range(arrow.num_fields)]
    return None


class GroupWindowedTable:
    """A table with a group window; group_by must name the window's alias."""

    def __init__(self, table: Table, window: Any) -> None:
        if window._alias is None:
            raise ValueError("a group window needs an alias: .alias('w')")
        self._table, self._window = table, window

    def group_by(self, *fields: Any) -> "WindowGroupedTable":
        return WindowGroupedTable(self._table, self._window, list(fields))


class WindowGroupedTable:
    """A table grouped by keys and a group window."""

    def __init__(self, table: Table, window: Any, keys: List[Any]) -> None:
        self._table, self._window, self._keys = table, window, keys

    def _replace_window_properties(self, sql: str) -> str:
        name = quote(self._window._alias)
        for prop in ("START", "END", "ROWTIME", "PROCTIME"):
            sql = sql.replace(f"__weir_window_{prop}({name})", self._window._call(f"_{prop}"))
        if "__weir_window_" in sql:
            raise ValueError("window properties (.start, .end, .rowtime) apply to the window "
                             f"alias {self._window._alias!r}")
        return sql

    def select(self, *fields: Any) -> Table:
        t, alias = self._table, self._window._alias
        keys = [k for k in self._keys
                if not (getattr(k, "_column", None) == alias
                        or (isinstance(k, str) and k == alias))]
        if len(keys) == len(self._keys):
            raise ValueError(f"group_by must include the window alias col({alias!r})")
        group = ", ".join([t._render(keys)] if keys else []) + (", " if keys else "")
        group += self._window._call()
        items = self._replace_window_properties(t._render(fields))
        return t._derive(f"SELECT {items} FROM {t._from()} GROUP BY {group}")


class OverWindowedTable:
    """A table with over windows; select computes aggregates over them."""

    def __init__(self, table: Table, windows: List[Any]) -> None:
        self._table, self._windows = table, windows

    def select(self, *fields: Any) -> Table:
        t = self._table
        items = t._render(fields)
        for w in self._windows:
            items = items.replace(f"__weir_over({quote(w._alias)})", w._clause())
        if "__weir_over(" in items:
            raise ValueError("over(col(alias)) must name one of the over windows")
        return t._derive(f"SELECT {items} FROM {t._from()}")
