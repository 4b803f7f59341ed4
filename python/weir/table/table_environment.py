"""TableEnvironment: SQL and the Table API on weir's engine (PyFlink's
TableEnvironment and StreamTableEnvironment)."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pyarrow as pa

from weir import _weir
from weir.common.configuration import Configuration
from weir.table.descriptors import TableDescriptor, quote_path
from weir.table.expressions import quote
from weir.table.table import Table
from weir.table.table_result import TableResult
from weir.table.types import DataType, RowType, as_data_type
from weir.table.udf import (AggregateFunctionWrapper, TableFunctionWrapper,
                            UserDefinedFunctionWrapper)

_unnamed = itertools.count()


class EnvironmentSettings:
    """How a TableEnvironment runs: streaming (the default) or batch."""

    def __init__(self, streaming: bool = True,
                 configuration: Optional[Configuration] = None) -> None:
        self._streaming = streaming
        self._configuration = Configuration(configuration) if configuration else Configuration()

    @staticmethod
    def in_streaming_mode() -> "EnvironmentSettings":
        """Settings for streaming mode."""
        return EnvironmentSettings(True)

    @staticmethod
    def in_batch_mode() -> "EnvironmentSettings":
        """Settings for batch mode."""
        return EnvironmentSettings(False)

    @staticmethod
    def new_instance() -> "EnvironmentSettings.Builder":
        """Returns a builder."""
        return EnvironmentSettings.Builder()

    def is_streaming_mode(self) -> bool:
        """Whether the mode is streaming."""
        return self._streaming

    def get_configuration(self) -> Configuration:
        """Returns the settings' configuration."""
        return self._configuration

    class Builder:
        def __init__(self) -> None:
            self._streaming = True
            self._configuration = Configuration()

        def in_streaming_mode(self) -> "EnvironmentSettings.Builder":
            self._streaming = True
            return self

        def in_batch_mode(self) -> "EnvironmentSettings.Builder":
            self._streaming = False
            return self

        def with_configuration(self, config: Configuration) -> "EnvironmentSettings.Builder":
            self._configuration.add_all(config)
            return self

        def with_built_in_catalog_name(self, name: str) -> "EnvironmentSettings.Builder":
            if name != "default_catalog":
                raise ValueError("weir has one catalog, default_catalog")
            return self

        def with_built_in_database_name(self, name: str) -> "EnvironmentSettings.Builder":
            if name != "default_database":
                raise ValueError("weir has one database, default_database")
            return self

        def build(self) -> "EnvironmentSettings":
            return EnvironmentSettings(self._streaming, self._configuration)


class TableConfig:
    """The session configuration of a TableEnvironment (SET in SQL); keys the engine
    does not know, and bad values, raise UserError."""

    def __init__(self, env: "TableEnvironment") -> None:
        self._env = env
        self._configuration = Configuration(_apply=env._native.set_config)

    def set(self, key: str, value: Any) -> "TableConfig":
        """Sets a key, as SQL's SET."""
        self._configuration.set(key, value)
        return self

    def get(self, key: str, default_value: Any = None) -> Any:
        """Returns a key's value, or `default_value`."""
        return self._env._native.config().get(key, default_value)

    def get_configuration(self) -> Configuration:
        """Returns the configuration; setting keys on it applies them."""
        return self._configuration

    def add_configuration(self, configuration: Configuration) -> None:
        """Sets every key of `configuration`."""
        self._configuration.add_all(configuration)

    def to_dict(self) -> Dict[str, str]:
        """Returns the keys set."""
        return dict(self._env._native.config())


class StatementSet:
    """Several INSERTs submitted together: execute() runs them as one job (SQL's
    EXECUTE STATEMENT SET), so INSERTs from unbounded sources run side by side and
    checkpoint together. Each table may be written by one INSERT of the set."""

    def __init__(self, env: "TableEnvironment") -> None:
        self._env = env
        self._statements: List[str] = []

    def add_insert_sql(self, stmt: str) -> "StatementSet":
        """Adds an INSERT statement."""
        self._statements.append(stmt)
        return self

    def add_insert(self, target: Union[str, TableDescriptor], table: Table,
                   overwrite: bool = False) -> "StatementSet":
        """Adds writing `table` into `target` (a path or a TableDescriptor)."""
        path = target if isinstance(target, str) else self._env._create_anonymous_table(target)
        verb = "INSERT OVERWRITE" if overwrite else "INSERT INTO"
        self._statements.append(f"{verb} {quote_path(path)} {table._sql}")
        return self

    def explain(self, *extra_details: Any) -> str:
        """Returns the plans of the INSERTs."""
        return "\n".join(self._env.explain_sql(s, *extra_details) for s in self._statements)

    def execute(self) -> TableResult:
        """Runs the INSERTs as one job and returns its result."""
        if not self._statements:
            raise ValueError("the statement set holds no INSERT")
        body = "".join(f"{statement.strip().rstrip(';')};\n"
                       for statement in self._statements)
        result = self._env.execute_sql(f"EXECUTE STATEMENT SET BEGIN\n{body}END")
        self._statements = []
        return result


class TableEnvironment:
    """Runs SQL and Table API programs: a catalog of tables, views and functions, a
    configuration, and execution on weir's engine in this process."""

    def __init__(self, settings: Optional[EnvironmentSettings] = None,
                 parallelism: int = 0, _stream_env: Any = None) -> None:
        settings = settings or EnvironmentSettings.in_streaming_mode()
        self._stream_env = _stream_env
        if _stream_env is None:
            self._native = _weir.TableEnvironment(settings.is_streaming_mode(), parallelism)
        else:
            self._native = _weir.TableEnvironment(_stream_env._native_env(),
                                                  settings.is_streaming_mode(), parallelism)
        self._settings = settings
        self._config = TableConfig(self)
        self._inline: Dict[str, UserDefinedFunctionWrapper] = {}
        self._functions: List[UserDefinedFunctionWrapper] = []
        for key, value in settings.get_configuration().to_dict().items():
            self._native.set_config(key, value)

    @staticmethod
    def create(environment_settings: Union[EnvironmentSettings, Configuration, None] = None
               ) -> "TableEnvironment":
        """Makes an environment (streaming unless the settings say batch)."""
        if isinstance(environment_settings, Configuration):
            mode = environment_settings.get_string("execution.runtime-mode", "streaming")
            settings = EnvironmentSettings(mode.lower() != "batch", environment_settings)
            return TableEnvironment(settings)
        return TableEnvironment(environment_settings)

    # --- SQL -----------------------------------------------------------------
    def execute_sql(self, stmt: str) -> TableResult:
        """Runs one statement (DDL, SET, a query, an INSERT, SHOW, EXPLAIN…). The GIL
        is released while it runs, and Ctrl-C cancels it (KeyboardInterrupt). A
        SELECT over unbounded sources in streaming mode starts and returns at once;
        its result shows the changes as they happen."""
        if self._native.streaming and self._native.is_continuous_query(stmt):
            from weir.table.table_result import ContinuousResult
            schema = self._native.query_schema(stmt)
            query = self._native.start_continuous_query(stmt)
            return TableResult(None, ContinuousResult(query, schema))
        return TableResult(self._native.execute_sql(stmt))

    def sql_query(self, query: str) -> Table:
        """Returns a query as a Table; errors in it are raised here."""
        self._native.query_schema(query)
        return Table(self, query)

    def explain_sql(self, stmt: str, *extra_details: Any) -> str:
        """Returns the plan of a query or INSERT."""
        details = ", ".join(str(getattr(d, "name", d)) for d in extra_details)
        prefix = f"EXPLAIN {details} " if details else "EXPLAIN "
        return self._native.explain_sql(prefix + stmt)

    def get_config(self) -> TableConfig:
        """Returns the configuration."""
        return self._config

    def create_statement_set(self) -> StatementSet:
        """Returns an empty statement set."""
        return StatementSet(self)

    # --- tables --------------------------------------------------------------
    def from_path(self, path: str) -> Table:
        """Returns the table or view `path`."""
        return self.sql_query(f"SELECT * FROM {quote_path(path)}")

    def create_temporary_view(self, view_path: str, table: Union[Table, str, Any],
                              *fields: Any) -> None:
        """Registers a view: of a Table, of a SQL query string, or of Arrow data."""
        if isinstance(table, Table):
            query = table._sql
        elif isinstance(table, str):
            query = table
        else:
            query = self.from_arrow(table)._sql
        if fields:
            raise ValueError("create_temporary_view does not take fields; use "
                             "table.alias(...) first")
        self.execute_sql(f"CREATE TEMPORARY VIEW {quote_path(view_path)} AS {query}")

    def create_temporary_table(self, path: str, descriptor: TableDescriptor) -> None:
        """Creates a temporary table described in Python."""
        self.execute_sql(descriptor.to_ddl(path, temporary=True))

    def create_table(self, path: str, descriptor: TableDescriptor,
                     ignore_if_exists: bool = False) -> bool:
        """Creates a table described in Python; returns whether it was created."""
        exists = path.split(".")[-1].lower() in {n.lower() for n in self.list_tables()}
        if exists and ignore_if_exists:
            return False
        self.execute_sql(descriptor.to_ddl(path, temporary=False))
        return True

    def drop_temporary_table(self, table_path: str) -> bool:
        """Drops a table; returns whether it existed."""
        existed = table_path.split(".")[-1].lower() in {n.lower() for n in self.list_tables()}
        self.execute_sql(f"DROP TEMPORARY TABLE IF EXISTS {quote_path(table_path)}")
        return existed

    def drop_temporary_view(self, view_path: str) -> bool:
        """Drops a view; returns whether it existed."""
        existed = view_path.split(".")[-1].lower() in {n.lower() for n in self.list_views()}
        self.execute_sql(f"DROP TEMPORARY VIEW IF EXISTS {quote_path(view_path)}")
        return existed

    def list_tables(self) -> List[str]:
        """Returns the names of tables and views."""
        return sorted(set(self._native.table_names()) | set(self._native.view_names()))

    def list_temporary_tables(self) -> List[str]:
        return self.list_tables()

    def list_views(self) -> List[str]:
        """Returns the names of views."""
        return list(self._native.view_names())

    def list_temporary_views(self) -> List[str]:
        return self.list_views()

    def list_user_defined_functions(self) -> List[str]:
        """Returns the names of registered functions."""
        return list(self._native.function_names())

    def list_catalogs(self) -> List[str]:
        return ["default_catalog"]

    def list_databases(self) -> List[str]:
        return ["default_database"]

    def get_current_catalog(self) -> str:
        return "default_catalog"

    def get_current_database(self) -> str:
        return "default_database"

    def use_catalog(self, catalog_name: str) -> None:
        if catalog_name != "default_catalog":
            raise ValueError("weir has one catalog, default_catalog")

    def use_database(self, database_name: str) -> None:
        if database_name != "default_database":
            raise ValueError("weir has one database, default_database")

    # --- data from Python ----------------------------------------------------
    def from_arrow(self, data: Any, schema: Optional[Union[RowType, Sequence[str]]] = None
                   ) -> Table:
        """Returns a Table over Arrow data without copying it: anything with
        ``__arrow_c_stream__`` (pyarrow Table/RecordBatchReader, polars, DuckDB
        relation), a pyarrow RecordBatch, or a pandas DataFrame."""
        if hasattr(data, "__arrow_c_stream__"):
            source = data
        elif isinstance(data, pa.RecordBatch):
            source = pa.Table.from_batches([data])
        elif type(data).__module__.startswith("pandas"):
            source = pa.Table.from_pandas(data, preserve_index=False)
        elif hasattr(data, "arrow"):
            source = data.arrow()
        else:
            raise TypeError(f"from_arrow takes Arrow data (__arrow_c_stream__), not "
                            f"{type(data).__name__}")
        if schema is not None:
            source = _apply_schema(pa.table(source), schema)
        name = f"UnnamedTable${next(_unnamed)}"
        self._native.from_arrow(name, source)
        return Table(self, f"SELECT * FROM {quote(name)}")

    def from_pandas(self, pdf: Any, schema: Optional[Union[RowType, Sequence[str]]] = None,
                    splits_num: int = 1) -> Table:
        """Returns a Table over a pandas DataFrame (its index is not a column)."""
        table = pa.Table.from_pandas(pdf, preserve_index=False)
        return self.from_arrow(table, schema)

    def from_elements(self, elements: Iterable[Any],
                      schema: Optional[Union[RowType, DataType, Sequence[str]]] = None,
                      verify_schema: bool = True) -> Table:
        """Returns a Table of Python values: tuples, lists, Rows or dicts. Columns are
        named by `schema` (a ROW type or names), the Rows' names, or _1, _2, …"""
        rows = list(elements)
        names: Optional[List[str]] = None
        types: Optional[List[pa.DataType]] = None
        if isinstance(schema, RowType):
            names = schema.field_names()
            types = [t.to_arrow() for t in schema.field_types()]
        elif isinstance(schema, (list, tuple)):
            names = list(schema)
        elif schema is not None:
            raise TypeError("from_elements takes a ROW type or a list of names as schema")
        if rows and isinstance(rows[0], dict):
            names = names or list(rows[0].keys())
            rows = [tuple(r[n] for n in names) for r in rows]
        if names is None:
            first = rows[0] if rows else ()
            fields = getattr(first, "_fields", None)
            width = len(first) if isinstance(first, (tuple, list)) else 1
            names = list(fields) if fields else [f"_{i + 1}" for i in range(width)]
        rows = [r if isinstance(r, (tuple, list)) else (r,) for r in rows]
        columns = [[r[i] for r in rows] for i in range(len(names))]
        try:
            arrays = [pa.array(c, type=types[i] if types else None)
                      for i, c in enumerate(columns)]
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise TypeError(f"from_elements: values do not fit the schema: {error}") from error
        return self.from_arrow(pa.Table.from_arrays(arrays, names=names))

    def read_parquet(self, path: str) -> Table:
        """Returns a Table over Parquet files (a file, a folder with Hive partitions,
        or a glob), with the columns read from the files (weir's own)."""
        text = "'" + path.replace("'", "''") + "'"
        return self.sql_query(f"SELECT * FROM read_parquet({text})")

    # --- functions -------------------------------------------------------------
    def create_temporary_function(self, path: str, function: UserDefinedFunctionWrapper) -> None:
        """Registers a Python function under `path` for SQL; a built-in function of the
        same name wins."""
        self._register(path, function, system=False)

    def create_temporary_system_function(self, name: str,
                                         function: UserDefinedFunctionWrapper) -> None:
        """Registers a Python function under `name`, ahead of any built-in one."""
        self._register(name, function, system=True)

    def register_function(self, name: str, function: UserDefinedFunctionWrapper) -> None:
        """Deprecated in Flink: create_temporary_system_function."""
        self._register(name, function, system=True)

    def drop_temporary_function(self, path: str) -> bool:
        """Removes a function; returns whether it existed."""
        existed = path in self.list_user_defined_functions()
        self._native.drop_temporary_function(path, False, True)
        return existed

    def drop_temporary_system_function(self, name: str) -> bool:
        """Removes a system function; returns whether it existed."""
        existed = name in self.list_user_defined_functions()
        self._native.drop_temporary_function(name, True, True)
        return existed

    def _register(self, name: str, function: Any, system: bool) -> None:
        # Functions used inline in the Table API are named by their own name.
        label = function.name if name == getattr(function, "_inline_name", None) else name
        if isinstance(function, AggregateFunctionWrapper):
            kind = ("Python aggregate function" if function._func_type == "general"
                    else "Python pandas aggregate function")
            self._native.create_temporary_aggregate_function(
                name, function._make_factory(self._native.config()),
                function._result_type.to_arrow(),
                [t.to_arrow() for t in function._input_types], function._retracts, system,
                f"{kind} '{label}'")
            self._functions.append(function)
            return
        if isinstance(function, TableFunctionWrapper):
            self._native.create_temporary_table_function(
                name, function._make_invoke(self._native.config()),
                function._result_schema(),
                [t.to_arrow() for t in function._input_types], system,
                f"Python table function '{label}'")
            self._functions.append(function)
            return
        if not isinstance(function, UserDefinedFunctionWrapper):
            raise TypeError(f"expected a function made with @udf or @udtf, got {function!r}")
        kind = {"general": "Python function", "pandas": "Python pandas function",
                "arrow": "Python arrow function"}[function._func_type]
        self._native.create_temporary_function(
            name, function._make_invoke(self._native.config()),
            function._result_type.to_arrow(),
            [t.to_arrow() for t in function._input_types], system, f"{kind} '{label}'")
        self._functions.append(function)

    def _register_inline(self, udfs: Sequence[UserDefinedFunctionWrapper]) -> None:
        for f in udfs:
            if f._inline_name not in self._inline:
                self._register(f._inline_name, f, system=False)
                self._inline[f._inline_name] = f

    def _register_unnamed_view(self, table: Table) -> str:
        name = f"UnnamedTable${next(_unnamed)}"
        self.execute_sql(f"CREATE TEMPORARY VIEW {quote(name)} AS {table._sql}")
        return name

    def _create_anonymous_table(self, descriptor: TableDescriptor) -> str:
        name = f"UnnamedTable${next(_unnamed)}"
        self.execute_sql(descriptor.to_ddl(name, temporary=True))
        return name

    def close(self) -> None:
        """Calls close() of the function objects registered."""
        for f in self._functions:
            f._close()


def _apply_schema(table: pa.Table, schema: Union[RowType, Sequence[str]]) -> pa.Table:
    if isinstance(schema, RowType):
        names = schema.field_names()
        if len(names) != table.num_columns:
            raise ValueError(f"schema has {len(names)} fields, the data {table.num_columns}")
        target = pa.schema([pa.field(n, t.to_arrow(), t.is_nullable)
                            for n, t in zip(names, schema.field_types())])
        return table.rename_columns(names).cast(target)
    names = list(schema)
    if len(names) != table.num_columns:
        raise ValueError(f"{len(names)} names for {table.num_columns} columns")
    return table.rename_columns(names)


class StreamTableEnvironment(TableEnvironment):
    """A TableEnvironment made from a StreamExecutionEnvironment (its parallelism,
    runtime mode and checkpointing become the table configuration)."""

    @staticmethod
    def create(stream_execution_environment: Any = None,
               environment_settings: Optional[EnvironmentSettings] = None
               ) -> "StreamTableEnvironment":
        settings = environment_settings
        parallelism = 0
        config: Dict[str, str] = {}
        if stream_execution_environment is not None:
            config = stream_execution_environment._table_config()
            parallelism = stream_execution_environment.get_parallelism()
            if settings is None:
                settings = EnvironmentSettings(
                    config.get("execution.runtime-mode", "streaming") != "batch")
        env = StreamTableEnvironment(settings, parallelism if parallelism > 0 else 0,
                                     stream_execution_environment)
        for key, value in config.items():
            env._native.set_config(key, value)
        return env

    def from_data_stream(self, data_stream: Any, *fields_or_schema: Any) -> Table:
        """Returns a Table over a DataStream of ROW, TUPLE or basic records (its
        columns: the fields, f0, f1, … or f0). Queries and INSERTs over it run in the
        stream's job. With a Schema, as Flink's: computed columns
        (``column_by_expression("ts", "CAST(f0 AS TIMESTAMP(3))")``), a watermark on
        one of them or on a field, and the fields to keep (``column("f1", …)``, cast to
        the type given); without declared fields every field is kept, then the
        computed columns."""
        from weir.common.typeinfo import PickledBytesTypeInfo
        from weir.datastream.data_stream import DataStream

        if self._stream_env is None:
            raise ValueError("from_data_stream needs StreamTableEnvironment.create(env)")
        if not isinstance(data_stream, DataStream):
            raise TypeError(f"from_data_stream takes a DataStream, not {data_stream!r}")
        from weir.table.descriptors import Schema
        table_schema = None
        if fields_or_schema:
            if len(fields_or_schema) != 1 or not isinstance(fields_or_schema[0], Schema):
                raise NotImplementedError(
                    "from_data_stream with field expressions is not supported; give a "
                    "Schema (computed columns, a watermark) or rename with "
                    "Table.alias(...)")
            table_schema = fields_or_schema[0]
        if isinstance(data_stream._type, PickledBytesTypeInfo):
            raise TypeError("from_data_stream needs typed records: give map(...) an "
                            "output_type (Types.ROW_NAMED, Types.TUPLE, …)")
        schema = data_stream._type.to_arrow_schema()
        names = schema.names

        def make(subtask: int, parallelism: int) -> Any:
            return lambda batch: batch.select(names)
        plain = data_stream._native.python_process(make, schema, "To table")
        name = f"UnnamedTable${next(_unnamed)}"
        if table_schema is None:
            self._native.from_data_stream(plain, schema, name)
            return Table(self, f"SELECT * FROM {quote(name)}")
        extra: List[str] = []
        selected: List[str] = []
        declared_fields = False
        for column_name, text, (kind, detail) in zip(
                table_schema._names, table_schema._columns, table_schema._kinds):
            if kind == "metadata":
                raise NotImplementedError(
                    f"from_data_stream: metadata column '{column_name}' (the stream's "
                    "record timestamps) is not supported; compute the event time from "
                    "a field with column_by_expression")
            if kind == "computed":
                extra.append(text)
                selected.append(quote(column_name))
                continue
            declared_fields = True
            if column_name not in names:
                raise ValueError(
                    f"from_data_stream: unable to find a field named '{column_name}' in "
                    f"the stream's type (fields: {', '.join(names)})")
            field_type = schema.field(column_name).type
            if detail.to_arrow() == field_type:
                selected.append(quote(column_name))
            else:
                selected.append(f"CAST({quote(column_name)} AS {detail.sql}) AS "
                                f"{quote(column_name)}")
        if not declared_fields:
            computed = selected
            selected = [quote(n) for n in names] + computed
        if table_schema._watermark:
            extra.append(table_schema._watermark)
        if table_schema._primary_key:
            raise NotImplementedError("from_data_stream: a primary key is not supported")
        self._native.from_data_stream(plain, schema, name, extra)
        return Table(self, f"SELECT {', '.join(selected)} FROM {quote(name)}")

    def to_data_stream(self, table: Table) -> Any:
        """Returns an insert-only Table as a DataStream of Rows named by its columns,
        part of the job of the StreamExecutionEnvironment this environment was made
        from."""
        from weir.common.typeinfo import BasicTypeInfo, RowTypeInfo
        from weir.datastream.data_stream import DataStream

        if self._stream_env is None:
            raise ValueError("to_data_stream needs StreamTableEnvironment.create(env)")
        schema = table.get_schema().to_arrow()
        type_info = RowTypeInfo([BasicTypeInfo(str(f.type), f.type) for f in schema],
                                schema.names)
        native = self._native.to_data_stream(table._sql)
        return DataStream(self._stream_env, native, type_info)

    to_append_stream = to_data_stream


__all__ = ["EnvironmentSettings", "TableConfig", "StatementSet", "TableEnvironment",
           "StreamTableEnvironment"]
