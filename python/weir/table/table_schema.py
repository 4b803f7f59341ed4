"""TableSchema: the names and types of a table's columns (PyFlink's TableSchema)."""

from __future__ import annotations

from typing import List, Optional, Union

import pyarrow as pa

from weir.table.expressions import quote
from weir.table.types import DataType, from_arrow_type


class TableSchema:
    """Column names and SQL types, from the Arrow schema of a query."""

    def __init__(self, arrow_schema: pa.Schema) -> None:
        self._arrow = arrow_schema
        self._types = [from_arrow_type(f.type, f.nullable) for f in arrow_schema]

    def get_field_names(self) -> List[str]:
        """Returns the column names."""
        return list(self._arrow.names)

    def get_field_data_types(self) -> List[DataType]:
        """Returns the column types."""
        return list(self._types)

    def get_field_count(self) -> int:
        """Returns how many columns there are."""
        return len(self._types)

    def get_field_name(self, index: int) -> Optional[str]:
        """Returns the name of column `index`, or None."""
        names = self._arrow.names
        return names[index] if 0 <= index < len(names) else None

    def get_field_data_type(self, field: Union[int, str]) -> Optional[DataType]:
        """Returns the type of a column given by position or name, or None."""
        if isinstance(field, str):
            if field not in self._arrow.names:
                return None
            field = self._arrow.names.index(field)
        return self._types[field] if 0 <= field < len(self._types) else None

    def to_arrow(self) -> pa.Schema:
        """Returns the Arrow schema (weir's own)."""
        return self._arrow

    def __str__(self) -> str:
        lines = [f"  {quote(n)} {t.sql}" for n, t in zip(self._arrow.names, self._types)]
        return "(\n" + ",\n".join(lines) + "\n)"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableSchema) and self._arrow.equals(other._arrow)

    def __hash__(self) -> int:
        return hash(str(self))
