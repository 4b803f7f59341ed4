"""Schema, TableDescriptor and FormatDescriptor, as PyFlink's: a table described in
Python becomes a CREATE TABLE statement."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from weir.table.expressions import Expression, quote
from weir.table.types import DataType, as_data_type


def quote_path(path: str) -> str:
    """Quotes a table path: ``db.t`` becomes ```db`.`t```."""
    return ".".join(quote(part) for part in path.split("."))


def _sql_string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class Schema:
    """The columns of a table (PyFlink's Schema): physical, computed and metadata
    columns, a watermark and a primary key."""

    def __init__(self, columns: List[str], watermark: Optional[str],
                 primary_key: Optional[str], names: List[str],
                 kinds: Optional[List[Tuple[str, Any]]] = None) -> None:
        self._columns = columns
        self._watermark = watermark
        self._primary_key = primary_key
        self._names = names
        # Per column: ("physical", DataType), ("computed", expression text) or
        # ("metadata", None), for from_data_stream.
        self._kinds = kinds or []

    @staticmethod
    def new_builder() -> "Schema.Builder":
        """Returns a builder."""
        return Schema.Builder()

    def _ddl_items(self) -> List[str]:
        items = list(self._columns)
        if self._watermark:
            items.append(self._watermark)
        if self._primary_key:
            items.append(self._primary_key)
        return items

    def __str__(self) -> str:
        return "(\n  " + ",\n  ".join(self._ddl_items()) + "\n)"

    class Builder:
        """Adds columns in order; build() makes the Schema."""

        def __init__(self) -> None:
            self._columns: List[str] = []
            self._names: List[str] = []
            self._kinds: List[Tuple[str, Any]] = []
            self._watermark: Optional[str] = None
            self._primary_key: Optional[str] = None

        def column(self, column_name: str, data_type: Union[DataType, str]) -> "Schema.Builder":
            """A physical column."""
            self._columns.append(f"{quote(column_name)} {as_data_type(data_type).sql}")
            self._names.append(column_name)
            self._kinds.append(("physical", as_data_type(data_type)))
            return self

        def column_by_expression(self, column_name: str,
                                 expr: Union[str, Expression]) -> "Schema.Builder":
            """A computed column: ``column_by_expression("ts", "TO_TIMESTAMP_LTZ(ms, 3)")``."""
            self._columns.append(f"{quote(column_name)} AS {expr}")
            self._names.append(column_name)
            self._kinds.append(("computed", str(expr)))
            return self

        def column_by_metadata(self, column_name: str, data_type: Union[DataType, str],
                               metadata_key: Optional[str] = None,
                               is_virtual: bool = False) -> "Schema.Builder":
            """A metadata column of the connector (e.g. Kafka's ``timestamp``)."""
            text = f"{quote(column_name)} {as_data_type(data_type).sql} METADATA"
            if metadata_key is not None:
                text += f" FROM {_sql_string(metadata_key)}"
            if is_virtual:
                text += " VIRTUAL"
            self._columns.append(text)
            self._names.append(column_name)
            self._kinds.append(("metadata", None))
            return self

        def watermark(self, column_name: str,
                      watermark_expr: Union[str, Expression]) -> "Schema.Builder":
            """The rowtime column and its watermark: ``watermark("ts", "ts - INTERVAL '5'
            SECOND")``."""
            self._watermark = f"WATERMARK FOR {quote(column_name)} AS {watermark_expr}"
            return self

        def primary_key(self, *column_names: str) -> "Schema.Builder":
            """The primary key (not enforced, as in Flink)."""
            cols = ", ".join(quote(c) for c in column_names)
            self._primary_key = f"PRIMARY KEY ({cols}) NOT ENFORCED"
            return self

        def primary_key_named(self, constraint_name: str, *column_names: str) -> "Schema.Builder":
            """The primary key with a constraint name."""
            cols = ", ".join(quote(c) for c in column_names)
            self._primary_key = (f"CONSTRAINT {quote(constraint_name)} PRIMARY KEY ({cols}) "
                                 "NOT ENFORCED")
            return self

        def from_fields(self, field_names: List[str],
                        field_data_types: List[DataType]) -> "Schema.Builder":
            """Physical columns from parallel lists of names and types."""
            for n, t in zip(field_names, field_data_types):
                self.column(n, t)
            return self

        def from_row_data_type(self, data_type: DataType) -> "Schema.Builder":
            """Physical columns from the fields of a ROW type."""
            for field in getattr(data_type, "fields", []):
                self.column(field.name, field.data_type)
            return self

        def build(self) -> "Schema":
            """Returns the schema."""
            return Schema(list(self._columns), self._watermark, self._primary_key,
                          list(self._names), list(self._kinds))


class FormatDescriptor:
    """A format with its options (PyFlink's FormatDescriptor): options are written
    with the format's prefix, e.g. ``csv.field-delimiter``."""

    def __init__(self, format: str, options: Dict[str, str]) -> None:
        self._format = format
        self._options = options

    @staticmethod
    def for_format(format: str) -> "FormatDescriptor.Builder":
        """Starts describing `format`."""
        return FormatDescriptor.Builder(format)

    class Builder:
        def __init__(self, format: str) -> None:
            self._format = format
            self._options: Dict[str, str] = {}

        def option(self, key: str, value: Any) -> "FormatDescriptor.Builder":
            """Sets a format option (without the format prefix)."""
            self._options[key] = _option_value(value)
            return self

        def build(self) -> "FormatDescriptor":
            return FormatDescriptor(self._format, dict(self._options))


def _option_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TableDescriptor:
    """A table to create (PyFlink's TableDescriptor): connector, schema, options,
    format and partitioning."""

    def __init__(self, connector: str, schema: Optional[Schema], options: Dict[str, str],
                 partition_keys: List[str], comment: Optional[str]) -> None:
        self._connector = connector
        self._schema = schema
        self._options = options
        self._partition_keys = partition_keys
        self._comment = comment

    @staticmethod
    def for_connector(connector: str) -> "TableDescriptor.Builder":
        """Starts describing a table of `connector` (filesystem, kafka, datagen…)."""
        return TableDescriptor.Builder(connector)

    def get_options(self) -> Dict[str, str]:
        """Returns the options, with the connector's."""
        return dict(self._options)

    def get_schema(self) -> Optional[Schema]:
        """Returns the schema."""
        return self._schema

    def get_partition_keys(self) -> List[str]:
        """Returns the partition columns."""
        return list(self._partition_keys)

    def to_ddl(self, path: str, temporary: bool = True, if_not_exists: bool = False) -> str:
        """Returns the CREATE TABLE statement for this table at `path`."""
        if self._schema is None:
            raise ValueError(
                "weir needs the table's schema: TableDescriptor...schema(Schema.new_builder()"
                "...build())")
        head = "CREATE TEMPORARY TABLE" if temporary else "CREATE TABLE"
        if if_not_exists:
            head += " IF NOT EXISTS"
        text = f"{head} {quote_path(path)} (\n  " + ",\n  ".join(self._schema._ddl_items()) + "\n)"
        if self._comment:
            text += f"\nCOMMENT {_sql_string(self._comment)}"
        if self._partition_keys:
            text += "\nPARTITIONED BY (" + ", ".join(quote(k) for k in self._partition_keys) + ")"
        options = ",\n  ".join(f"{_sql_string(k)} = {_sql_string(v)}"
                               for k, v in self._options.items())
        return text + f"\nWITH (\n  {options}\n)"

    def __str__(self) -> str:
        return self.to_ddl("table")

    class Builder:
        def __init__(self, connector: str) -> None:
            self._options: Dict[str, str] = {"connector": connector}
            self._connector = connector
            self._schema: Optional[Schema] = None
            self._partition_keys: List[str] = []
            self._comment: Optional[str] = None

        def schema(self, schema: Schema) -> "TableDescriptor.Builder":
            """Sets the columns."""
            self._schema = schema
            return self

        def option(self, key: str, value: Any) -> "TableDescriptor.Builder":
            """Sets a connector option."""
            self._options[key] = _option_value(value)
            return self

        def format(self, format: Union[str, FormatDescriptor],
                   format_option: Optional[str] = None) -> "TableDescriptor.Builder":
            """Sets the format (a name or a FormatDescriptor with options);
            `format_option` names the option to set instead of ``format`` (e.g.
            ``key.format``)."""
            key = format_option or "format"
            if isinstance(format, FormatDescriptor):
                self._options[key] = format._format
                prefix = key[: -len("format")] if key.endswith("format") else ""
                for k, v in format._options.items():
                    self._options[f"{prefix}{format._format}.{k}"] = v
            else:
                self._options[key] = format
            return self

        def partitioned_by(self, *partition_keys: str) -> "TableDescriptor.Builder":
            """Partitions the table by these columns (Hive-style folders)."""
            self._partition_keys = list(partition_keys)
            return self

        def comment(self, comment: str) -> "TableDescriptor.Builder":
            """Sets the table's comment."""
            self._comment = comment
            return self

        def build(self) -> "TableDescriptor":
            return TableDescriptor(self._connector, self._schema, dict(self._options),
                                   list(self._partition_keys), self._comment)


__all__ = ["Schema", "TableDescriptor", "FormatDescriptor"]
