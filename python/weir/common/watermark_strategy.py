"""WatermarkStrategy and TimestampAssigner (PyFlink's pyflink.common)."""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from weir.common.time import Duration


class TimestampAssigner:
    """Gives a record its event time in epoch milliseconds."""

    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        raise NotImplementedError


class WatermarkStrategy:
    """How event time and watermarks are made: a timestamp assigner and how far
    records may be out of order (watermark = largest timestamp - delay - 1 ms)."""

    def __init__(self, out_of_orderness: Optional[Duration],
                 assigner: Optional[Union[TimestampAssigner, Callable[..., int]]] = None,
                 idleness: Optional[Duration] = None) -> None:
        self._out_of_orderness = out_of_orderness
        self._assigner = assigner
        self._idleness = idleness

    @staticmethod
    def for_bounded_out_of_orderness(max_out_of_orderness: Duration) -> "WatermarkStrategy":
        return WatermarkStrategy(max_out_of_orderness)

    @staticmethod
    def for_monotonous_timestamps() -> "WatermarkStrategy":
        return WatermarkStrategy(Duration.zero())

    @staticmethod
    def no_watermarks() -> "WatermarkStrategy":
        return WatermarkStrategy(None)

    def with_timestamp_assigner(self, timestamp_assigner: Union[TimestampAssigner,
                                                               Callable[..., int]]
                                ) -> "WatermarkStrategy":
        return WatermarkStrategy(self._out_of_orderness, timestamp_assigner, self._idleness)

    def with_idleness(self, idle_timeout: Duration) -> "WatermarkStrategy":
        return WatermarkStrategy(self._out_of_orderness, self._assigner, idle_timeout)

    def _extract(self) -> Callable[[Any], int]:
        assigner = self._assigner
        if assigner is None:
            raise ValueError("the watermark strategy needs a timestamp assigner: "
                             ".with_timestamp_assigner(...)")
        if hasattr(assigner, "extract_timestamp"):
            return lambda value: assigner.extract_timestamp(value, -1)
        return lambda value: assigner(value, -1)
