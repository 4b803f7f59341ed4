"""Types shared by the Table and DataStream APIs (PyFlink's pyflink.common)."""

from weir.common.configuration import Configuration
from weir.common.row import Row, RowKind

__all__ = ["Configuration", "Row", "RowKind"]
