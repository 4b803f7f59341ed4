"""Row and RowKind, as PyFlink's pyflink.common."""

from __future__ import annotations

from enum import Enum
from typing import Any, Sequence


class RowKind(Enum):
    """The kind of change a row is in a changelog (Flink's RowKind)."""

    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    def short_string(self) -> str:
        """Returns "+I", "-U", "+U" or "-D"."""
        return ("+I", "-U", "+U", "-D")[self.value]

    @staticmethod
    def from_short_string(text: str) -> "RowKind":
        """Returns the kind of "+I", "-U", "+U" or "-D"."""
        return {"+I": RowKind.INSERT, "-U": RowKind.UPDATE_BEFORE,
                "+U": RowKind.UPDATE_AFTER, "-D": RowKind.DELETE}[text]

    def __str__(self) -> str:
        return self.short_string()


class Row(tuple):
    """A row of a table: a tuple whose fields may have names (PyFlink's Row).

    ``Row(1, "a")`` has positional fields; ``Row(id=1, name="a")`` named ones, read
    as ``row.name``, ``row["name"]`` or ``row[1]``. ``Person = Row("name", "age")``
    makes a row "class": ``Person("Alice", 11)``.
    """

    _fields: Sequence[str] | None
    _row_kind: RowKind

    def __new__(cls, *args: Any, **kwargs: Any) -> "Row":
        if args and kwargs:
            raise ValueError("Row takes positional or named values, not both")
        if kwargs:
            row = tuple.__new__(cls, kwargs.values())
            row._fields = list(kwargs.keys())
        else:
            row = tuple.__new__(cls, args)
            row._fields = None
        row._row_kind = RowKind.INSERT
        return row

    @classmethod
    def _make(cls, values: Sequence[Any], names: Sequence[str] | None,
              kind: RowKind = RowKind.INSERT) -> "Row":
        row = tuple.__new__(cls, values)
        row._fields = list(names) if names is not None else None
        row._row_kind = kind
        return row

    def as_dict(self, recursive: bool = False) -> dict:
        """Returns the named fields as a dict (nested rows too when `recursive`)."""
        if self._fields is None:
            raise TypeError("Cannot convert a Row without field names to a dict")

        def convert(value: Any) -> Any:
            if recursive and isinstance(value, Row):
                return value.as_dict(True)
            if recursive and isinstance(value, list):
                return [convert(v) for v in value]
            return value

        return {name: convert(value) for name, value in zip(self._fields, self)}

    def get_fields_by_names(self, names: Sequence[str]) -> list:
        """Returns the values of the fields `names`."""
        return [self[name] for name in names]

    def get_row_kind(self) -> RowKind:
        """Returns the change this row is (INSERT unless from a changelog)."""
        return self._row_kind

    def set_row_kind(self, kind: RowKind) -> None:
        """Sets the change this row is."""
        self._row_kind = kind

    def set_field_names(self, names: Sequence[str]) -> None:
        """Names the fields."""
        self._fields = list(names)

    def __call__(self, *values: Any) -> "Row":
        if any(not isinstance(name, str) for name in self):
            raise TypeError("only a Row of field names can make rows")
        if len(values) > len(self):
            raise ValueError(f"too many values: {values!r} for fields {tuple(self)!r}")
        return Row._make(values, list(self))

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            if self._fields is None:
                raise KeyError(item)
            try:
                return tuple.__getitem__(self, self._fields.index(item))
            except ValueError:
                raise KeyError(item) from None
        return tuple.__getitem__(self, item)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_fields", "_row_kind"):
            raise AttributeError(name)
        fields = self._fields
        if fields is None or name not in fields:
            raise AttributeError(name)
        return tuple.__getitem__(self, fields.index(name))

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ("_fields", "_row_kind"):
            raise RuntimeError("Row is read-only")
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return (tuple.__eq__(self, other) and self._fields == other._fields
                    and self._row_kind == other._row_kind)
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def __repr__(self) -> str:
        if self._fields is not None:
            body = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self))
        else:
            body = ", ".join(repr(v) for v in self)
        return f"Row({body})"

    def __reduce__(self) -> tuple:
        return (Row._make, (tuple(self), self._fields, self._row_kind))
