"""SQL data types, as PyFlink's DataTypes.

A DataType is its Flink SQL spelling (``DataTypes.DECIMAL(10, 2)`` is
``DECIMAL(10, 2)``) plus nullability; ``to_arrow()`` gives the Arrow type weir
stores it as, asked of the engine so the two never disagree.
"""

from __future__ import annotations

import functools
from typing import List, Optional, Sequence

import pyarrow as pa


class DataType:
    """A SQL type: its Flink spelling and whether NULL is allowed."""

    def __init__(self, sql: str, nullable: bool = True) -> None:
        self._sql = sql
        self._nullable = nullable

    @property
    def sql(self) -> str:
        """The type as Flink SQL writes it, e.g. ``DECIMAL(10, 2) NOT NULL``."""
        return self._sql if self._nullable else f"{self._sql} NOT NULL"

    def not_null(self) -> "DataType":
        """Returns this type without NULL."""
        return self._copy(False)

    def nullable(self) -> "DataType":
        """Returns this type with NULL allowed."""
        return self._copy(True)

    def _copy(self, nullable: bool) -> "DataType":
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._nullable = nullable
        return copy

    @property
    def is_nullable(self) -> bool:
        """Whether NULL is allowed."""
        return self._nullable

    def to_arrow(self) -> pa.DataType:
        """Returns the Arrow type weir uses for this type."""
        return _arrow_type(self._sql)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataType) and self.sql == other.sql

    def __hash__(self) -> int:
        return hash(self.sql)

    def __repr__(self) -> str:
        return self.sql

    __str__ = __repr__


class DataField:
    """A named field of a ROW type."""

    def __init__(self, name: str, data_type: DataType, description: Optional[str] = None):
        self.name = name
        self.data_type = data_type
        self.description = description


class RowType(DataType):
    """ROW<name TYPE, …>: its fields are in ``fields``."""

    def __init__(self, fields: Sequence[DataField], nullable: bool = True) -> None:
        self.fields = list(fields)
        body = ", ".join(f"`{f.name}` {f.data_type.sql}" for f in self.fields)
        super().__init__(f"ROW<{body}>", nullable)

    def field_names(self) -> List[str]:
        """Returns the names of the fields."""
        return [f.name for f in self.fields]

    def field_types(self) -> List[DataType]:
        """Returns the types of the fields."""
        return [f.data_type for f in self.fields]


class DataTypes:
    """Constructors of SQL types, spelled as PyFlink's DataTypes."""

    @staticmethod
    def NULL() -> DataType:
        return DataType("NULL")

    @staticmethod
    def CHAR(length: int = 1, nullable: bool = True) -> DataType:
        return DataType(f"CHAR({length})", nullable)

    @staticmethod
    def VARCHAR(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("STRING" if length == 2147483647 else f"VARCHAR({length})", nullable)

    @staticmethod
    def STRING(nullable: bool = True) -> DataType:
        return DataType("STRING", nullable)

    @staticmethod
    def BOOLEAN(nullable: bool = True) -> DataType:
        return DataType("BOOLEAN", nullable)

    @staticmethod
    def BINARY(length: int = 1, nullable: bool = True) -> DataType:
        return DataType(f"BINARY({length})", nullable)

    @staticmethod
    def VARBINARY(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("BYTES" if length == 2147483647 else f"VARBINARY({length})", nullable)

    @staticmethod
    def BYTES(nullable: bool = True) -> DataType:
        return DataType("BYTES", nullable)

    @staticmethod
    def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DataType:
        return DataType(f"DECIMAL({precision}, {scale})", nullable)

    @staticmethod
    def TINYINT(nullable: bool = True) -> DataType:
        return DataType("TINYINT", nullable)

    @staticmethod
    def SMALLINT(nullable: bool = True) -> DataType:
        return DataType("SMALLINT", nullable)

    @staticmethod
    def INT(nullable: bool = True) -> DataType:
        return DataType("INT", nullable)

    @staticmethod
    def BIGINT(nullable: bool = True) -> DataType:
        return DataType("BIGINT", nullable)

    @staticmethod
    def FLOAT(nullable: bool = True) -> DataType:
        return DataType("FLOAT", nullable)

    @staticmethod
    def DOUBLE(nullable: bool = True) -> DataType:
        return DataType("DOUBLE", nullable)

    @staticmethod
    def DATE(nullable: bool = True) -> DataType:
        return DataType("DATE", nullable)

    @staticmethod
    def TIME(precision: int = 0, nullable: bool = True) -> DataType:
        return DataType(f"TIME({precision})", nullable)

    @staticmethod
    def TIMESTAMP(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType(f"TIMESTAMP({precision})", nullable)

    @staticmethod
    def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType(f"TIMESTAMP_LTZ({precision})", nullable)

    @staticmethod
    def TIMESTAMP_WITH_LOCAL_TIME_ZONE(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType(f"TIMESTAMP_LTZ({precision})", nullable)

    @staticmethod
    def ARRAY(element_type: DataType, nullable: bool = True) -> DataType:
        return DataType(f"ARRAY<{element_type.sql}>", nullable)

    @staticmethod
    def MAP(key_type: DataType, value_type: DataType, nullable: bool = True) -> DataType:
        return DataType(f"MAP<{key_type.sql}, {value_type.sql}>", nullable)

    @staticmethod
    def FIELD(name: str, data_type: DataType, description: Optional[str] = None) -> DataField:
        return DataField(name, data_type, description)

    @staticmethod
    def ROW(row_fields: Sequence[DataField] = (), nullable: bool = True) -> RowType:
        return RowType(row_fields, nullable)


def as_data_type(value: "DataType | str") -> DataType:
    """Returns `value` as a DataType (a string is taken as a SQL type)."""
    if isinstance(value, DataType):
        return value
    if isinstance(value, str):
        return DataType(value.strip())
    raise TypeError(f"expected a DataType or a SQL type string, got {value!r}")


@functools.lru_cache(maxsize=None)
def _arrow_type(sql: str) -> pa.DataType:
    return _type_env().query_schema(f"SELECT CAST(NULL AS {sql}) AS v").field(0).type


@functools.lru_cache(maxsize=1)
def _type_env():
    from weir import _weir

    return _weir.TableEnvironment(False, 1)


_SIMPLE = {
    pa.bool_(): "BOOLEAN", pa.int8(): "TINYINT", pa.int16(): "SMALLINT",
    pa.int32(): "INT", pa.int64(): "BIGINT", pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE", pa.string(): "STRING", pa.large_string(): "STRING",
    pa.string_view(): "STRING", pa.binary(): "BYTES", pa.large_binary(): "BYTES",
    pa.date32(): "DATE", pa.null(): "NULL",
}


def from_arrow_type(arrow_type: pa.DataType, nullable: bool = True) -> DataType:
    """Returns the SQL type of an Arrow type (the inverse of DataType.to_arrow)."""
    if arrow_type in _SIMPLE:
        return DataType(_SIMPLE[arrow_type], nullable)
    if pa.types.is_dictionary(arrow_type):
        return from_arrow_type(arrow_type.value_type, nullable)
    if pa.types.is_decimal(arrow_type):
        return DataType(f"DECIMAL({arrow_type.precision}, {arrow_type.scale})", nullable)
    if pa.types.is_timestamp(arrow_type):
        precision = {"s": 0, "ms": 3, "us": 6, "ns": 9}[arrow_type.unit]
        name = "TIMESTAMP_LTZ" if arrow_type.tz is not None else "TIMESTAMP"
        return DataType(f"{name}({precision})", nullable)
    if pa.types.is_time(arrow_type):
        precision = {"s": 0, "ms": 3, "us": 6, "ns": 9}[arrow_type.unit]
        return DataType(f"TIME({precision})", nullable)
    if pa.types.is_fixed_size_binary(arrow_type):
        return DataType(f"BINARY({arrow_type.byte_width})", nullable)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return DataType(f"ARRAY<{from_arrow_type(arrow_type.value_type).sql}>", nullable)
    if pa.types.is_map(arrow_type):
        key = from_arrow_type(arrow_type.key_type).sql
        value = from_arrow_type(arrow_type.item_type).sql
        return DataType(f"MAP<{key}, {value}>", nullable)
    if pa.types.is_struct(arrow_type):
        return RowType([DataField(f.name, from_arrow_type(f.type, f.nullable))
                        for f in arrow_type], nullable)
    raise TypeError(f"no SQL type for Arrow type {arrow_type}")
