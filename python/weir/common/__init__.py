"""Types shared by the Table and DataStream APIs (PyFlink's pyflink.common)."""

from weir.common.configuration import Configuration
from weir.common.row import Row, RowKind
from weir.common.time import Duration, Time
from weir.common.typeinfo import TypeInformation, Types
from weir.common.watermark_strategy import TimestampAssigner, WatermarkStrategy

__all__ = ["Configuration", "Duration", "Row", "RowKind", "Time", "TimestampAssigner",
           "TypeInformation", "Types", "WatermarkStrategy"]
