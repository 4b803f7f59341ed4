"""Types of DataStream records (PyFlink's pyflink.common.typeinfo.Types).

A stream's records are held as Arrow columns: a ROW type as one column per field
(records are Row objects), a TUPLE as columns f0, f1, … (records are tuples), a basic
type as one column f0 (records are plain values), and PICKLED_BYTE_ARRAY, the
default when no type is given, as one binary column of pickled Python objects.
"""

from __future__ import annotations

import pickle
from typing import Any, List, Optional, Sequence

import pyarrow as pa

from weir.common.row import Row


class TypeInformation:
    """The type of a stream's records."""

    def to_arrow_schema(self) -> pa.Schema:
        """Returns the Arrow columns that hold records of this type."""
        return pa.schema([pa.field("f0", self.arrow_type())])

    def arrow_type(self) -> pa.DataType:
        raise NotImplementedError

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        """Returns the records of a batch (its first columns) as Python values."""
        return self.from_arrow_values(batch.column(0).to_pylist())

    def batch(self, records: Sequence[Any]) -> pa.RecordBatch:
        """Returns records as a batch of this type's columns."""
        return pa.record_batch([pa.array(self.to_arrow_values(records), self.arrow_type())],
                               schema=self.to_arrow_schema())

    def to_arrow_values(self, values: Sequence[Any]) -> Sequence[Any]:
        """Converts Python values of this type to what pyarrow takes (most: as is)."""
        return values

    def from_arrow_values(self, values: List[Any]) -> List[Any]:
        """Converts pyarrow's Python values back to this type's (most: as is)."""
        return values

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(repr(self))


class BasicTypeInfo(TypeInformation):
    """A basic type: STRING, INT, LONG, DOUBLE, BOOLEAN, …"""

    def __init__(self, name: str, arrow: pa.DataType) -> None:
        self._name = name
        self._arrow = arrow

    def arrow_type(self) -> pa.DataType:
        return self._arrow

    def __repr__(self) -> str:
        return self._name


class InstantTypeInfo(TypeInformation):
    """INSTANT: records are Instants; stored as TIMESTAMP_LTZ(3)."""

    def arrow_type(self) -> pa.DataType:
        return pa.timestamp("ms", tz="UTC")

    def to_arrow_values(self, values: Sequence[Any]) -> Sequence[Any]:
        return [None if v is None else v.to_epoch_milli() for v in values]

    def from_arrow_values(self, values: List[Any]) -> List[Any]:
        from weir.common.time import Instant
        return [None if v is None else Instant.of_epoch_milli(int(v.timestamp() * 1000))
                for v in values]

    def __repr__(self) -> str:
        return "INSTANT"


class PickledBytesTypeInfo(TypeInformation):
    """Any Python object, pickled (PyFlink's default record type)."""

    def arrow_type(self) -> pa.DataType:
        return pa.binary()

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        return [pickle.loads(b) for b in batch.column(0).to_pylist()]

    def batch(self, records: Sequence[Any]) -> pa.RecordBatch:
        data = [pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in records]
        return pa.record_batch([pa.array(data, pa.binary())], schema=self.to_arrow_schema())

    def __repr__(self) -> str:
        return "PICKLED_BYTE_ARRAY"


class RowTypeInfo(TypeInformation):
    """ROW / ROW_NAMED: records are Row objects with field names."""

    def __init__(self, types: Sequence[TypeInformation],
                 names: Optional[Sequence[str]] = None) -> None:
        self._types = list(types)
        self._names = list(names) if names else [f"f{i}" for i in range(len(self._types))]
        if len(self._names) != len(self._types):
            raise ValueError("ROW_NAMED needs as many names as types")

    def get_field_names(self) -> List[str]:
        return list(self._names)

    def get_field_types(self) -> List[TypeInformation]:
        return list(self._types)

    def to_arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, t.arrow_type()) for n, t in zip(self._names, self._types)])

    def arrow_type(self) -> pa.DataType:
        return pa.struct(list(self.to_arrow_schema()))

    def _columns(self, batch: pa.RecordBatch) -> List[List[Any]]:
        return [t.from_arrow_values(batch.column(i).to_pylist())
                for i, t in enumerate(self._types)]

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        names = self._names
        return [Row._make(values, names) for values in zip(*self._columns(batch))]

    def batch(self, records: Sequence[Any]) -> pa.RecordBatch:
        arrays = []
        for i, t in enumerate(self._types):
            values = [_field(r, i, self._names[i]) for r in records]
            arrays.append(pa.array(t.to_arrow_values(values), t.arrow_type()))
        return pa.record_batch(arrays, schema=self.to_arrow_schema())

    def __repr__(self) -> str:
        body = ", ".join(f"{n}: {t!r}" for n, t in zip(self._names, self._types))
        return f"RowTypeInfo({body})"


class TupleTypeInfo(RowTypeInfo):
    """TUPLE: records are Python tuples (columns f0, f1, …)."""

    def __init__(self, types: Sequence[TypeInformation]) -> None:
        super().__init__(types)

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        return list(zip(*self._columns(batch)))

    def __repr__(self) -> str:
        return f"TupleTypeInfo({', '.join(repr(t) for t in self._types)})"


class ListTypeInfo(TypeInformation):
    """LIST / BASIC_ARRAY / PRIMITIVE_ARRAY: records are Python lists."""

    def __init__(self, element: TypeInformation) -> None:
        self._element = element

    def arrow_type(self) -> pa.DataType:
        return pa.list_(self._element.arrow_type())

    def __repr__(self) -> str:
        return f"ListTypeInfo({self._element!r})"


class MapTypeInfo(TypeInformation):
    """MAP: records are Python dicts."""

    def __init__(self, key: TypeInformation, value: TypeInformation) -> None:
        self._key, self._value = key, value

    def arrow_type(self) -> pa.DataType:
        return pa.map_(self._key.arrow_type(), self._value.arrow_type())

    def records(self, batch: pa.RecordBatch) -> List[Any]:
        return [None if v is None else dict(v) for v in batch.column(0).to_pylist()]

    def batch(self, records: Sequence[Any]) -> pa.RecordBatch:
        data = [None if r is None else list(r.items()) for r in records]
        return pa.record_batch([pa.array(data, self.arrow_type())], schema=self.to_arrow_schema())

    def __repr__(self) -> str:
        return f"MapTypeInfo({self._key!r}, {self._value!r})"


def _field(record: Any, index: int, name: str) -> Any:
    if isinstance(record, dict):
        return record.get(name)
    return record[index]


class Types:
    """Record types, spelled as PyFlink's Types."""

    @staticmethod
    def STRING() -> TypeInformation:
        return BasicTypeInfo("STRING", pa.string())

    @staticmethod
    def BYTE() -> TypeInformation:
        return BasicTypeInfo("BYTE", pa.int8())

    @staticmethod
    def BOOLEAN() -> TypeInformation:
        return BasicTypeInfo("BOOLEAN", pa.bool_())

    @staticmethod
    def SHORT() -> TypeInformation:
        return BasicTypeInfo("SHORT", pa.int16())

    @staticmethod
    def INT() -> TypeInformation:
        return BasicTypeInfo("INT", pa.int32())

    @staticmethod
    def LONG() -> TypeInformation:
        return BasicTypeInfo("LONG", pa.int64())

    @staticmethod
    def FLOAT() -> TypeInformation:
        return BasicTypeInfo("FLOAT", pa.float32())

    @staticmethod
    def DOUBLE() -> TypeInformation:
        return BasicTypeInfo("DOUBLE", pa.float64())

    @staticmethod
    def BIG_DEC() -> TypeInformation:
        return BasicTypeInfo("BIG_DEC", pa.decimal128(38, 18))

    @staticmethod
    def SQL_DATE() -> TypeInformation:
        return BasicTypeInfo("SQL_DATE", pa.date32())

    @staticmethod
    def SQL_TIME() -> TypeInformation:
        return BasicTypeInfo("SQL_TIME", pa.time64("us"))

    @staticmethod
    def SQL_TIMESTAMP() -> TypeInformation:
        return BasicTypeInfo("SQL_TIMESTAMP", pa.timestamp("us"))

    @staticmethod
    def INSTANT() -> TypeInformation:
        return InstantTypeInfo()

    @staticmethod
    def PRIMITIVE_ARRAY_BYTE() -> TypeInformation:
        return BasicTypeInfo("BYTE_ARRAY", pa.binary())

    @staticmethod
    def PICKLED_BYTE_ARRAY() -> TypeInformation:
        return PickledBytesTypeInfo()

    @staticmethod
    def ROW(field_types: Sequence[TypeInformation]) -> RowTypeInfo:
        return RowTypeInfo(field_types)

    @staticmethod
    def ROW_NAMED(field_names: Sequence[str], field_types: Sequence[TypeInformation]
                  ) -> RowTypeInfo:
        return RowTypeInfo(field_types, field_names)

    @staticmethod
    def TUPLE(field_types: Sequence[TypeInformation]) -> TupleTypeInfo:
        return TupleTypeInfo(field_types)

    @staticmethod
    def LIST(element_type_info: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type_info)

    @staticmethod
    def BASIC_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type)

    @staticmethod
    def PRIMITIVE_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type)

    @staticmethod
    def MAP(key_type_info: TypeInformation, value_type_info: TypeInformation) -> TypeInformation:
        return MapTypeInfo(key_type_info, value_type_info)
