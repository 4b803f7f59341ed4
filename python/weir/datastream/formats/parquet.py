"""Parquet for FileSource and FileSink (PyFlink's pyflink.datastream.formats.parquet)."""

from __future__ import annotations

from typing import Any

from weir.common.typeinfo import RowTypeInfo


def _row_type(row_type: Any) -> Any:
    """A RowTypeInfo, or a Table API ROW DataType (as PyFlink takes)."""
    if isinstance(row_type, RowTypeInfo):
        return row_type
    from weir.common.typeinfo import BasicTypeInfo

    arrow = row_type.to_arrow()
    return RowTypeInfo([BasicTypeInfo(str(f.type), f.type) for f in arrow],
                       [f.name for f in arrow])


class ParquetColumnarRowInputFormat:
    """Reads Parquet files as Rows of `row_type` (columns by name; the batch size
    and case sensitivity are the reader's own)."""

    def __init__(self, row_type: Any, batch_size: int = 2048,
                 is_utc_timestamp: bool = False, is_case_sensitive: bool = True,
                 hadoop_config: Any = None) -> None:
        self._type = _row_type(row_type)

    def _format(self) -> dict:
        return {"format": "parquet"}

    def _record_type(self) -> Any:
        return self._type


class ParquetBulkWriters:
    """Writers of Parquet part files for FileSink.for_bulk_format."""

    @staticmethod
    def for_row_type(row_type: Any, hadoop_config: Any = None,
                     utc_timestamp: bool = False) -> "_ParquetWriter":
        return _ParquetWriter(_row_type(row_type))


class _ParquetWriter:
    def __init__(self, row_type: Any) -> None:
        self._type = row_type

    def _format(self) -> dict:
        return {"format": "parquet"}


__all__ = ["ParquetColumnarRowInputFormat", "ParquetBulkWriters"]
