"""Types shared by the Table and DataStream APIs (PyFlink's pyflink.common)."""

from weir.common.configuration import Configuration
from weir.common.row import Row, RowKind
from weir.common.typeinfo import TypeInformation, Types

__all__ = ["Configuration", "Row", "RowKind", "TypeInformation", "Types"]
