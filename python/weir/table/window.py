"""Group and over windows of the Table API (PyFlink's pyflink.table.window).

A window renders as Flink SQL: ``Tumble.over(lit(5).seconds).on(col("ts"))
.alias("w")`` becomes ``GROUP BY …, TUMBLE(ts, INTERVAL '5' SECOND)`` with
``col("w").start``/``.end``/``.rowtime`` as ``TUMBLE_START(…)``/``TUMBLE_END(…)``/
``TUMBLE_ROWTIME(…)``; Slide is HOP and Session is SESSION. Over windows become
``OVER (PARTITION BY … ORDER BY … ROWS|RANGE BETWEEN … AND CURRENT ROW)``.
"""

from __future__ import annotations

from typing import Any, List, Optional

from weir.table.expressions import Expression, _operand


class GroupWindow:
    """A tumbling, sliding or session window with its time column and alias."""

    def __init__(self, kind: str, params: List[Expression], time_field: Optional[Expression],
                 alias: Optional[str]) -> None:
        self._kind = kind          # TUMBLE, HOP or SESSION
        self._params = params      # sizes as SQL intervals (HOP: slide, size)
        self._time_field = time_field
        self._alias = alias

    def on(self, time_field: Any) -> "GroupWindow":
        return GroupWindow(self._kind, self._params, _operand(time_field), self._alias)

    def alias(self, alias: Any) -> "GroupWindow":
        name = alias if isinstance(alias, str) else getattr(alias, "_column", None)
        return GroupWindow(self._kind, self._params, self._time_field, name or str(alias))

    def _call(self, suffix: str = "") -> str:
        if self._time_field is None:
            raise ValueError("the window needs its time column: .on(col('ts'))")
        args = ", ".join([self._time_field._sql] + [p._sql for p in self._params])
        return f"{self._kind}{suffix}({args})"


class Tumble:
    """Tumbling windows: ``Tumble.over(lit(10).minutes).on(col('ts')).alias('w')``."""

    @staticmethod
    def over(size: Any) -> GroupWindow:
        return GroupWindow("TUMBLE", [_operand(size)], None, None)


class _SlideWithSize:
    def __init__(self, size: Expression) -> None:
        self._size = size

    def every(self, slide: Any) -> GroupWindow:
        return GroupWindow("HOP", [_operand(slide), self._size], None, None)


class Slide:
    """Sliding windows: ``Slide.over(lit(10).minutes).every(lit(5).minutes)…``."""

    @staticmethod
    def over(size: Any) -> _SlideWithSize:
        return _SlideWithSize(_operand(size))


class Session:
    """Session windows: ``Session.with_gap(lit(10).minutes).on(col('ts'))…``."""

    @staticmethod
    def with_gap(gap: Any) -> GroupWindow:
        return GroupWindow("SESSION", [_operand(gap)], None, None)


class OverWindow:
    """An over window: partition, order, frame and alias."""

    def __init__(self, partition: List[Expression], order: Optional[Expression],
                 preceding: Optional[Expression], following: Optional[Expression],
                 alias: Optional[str]) -> None:
        self._partition, self._order = partition, order
        self._preceding, self._following, self._alias = preceding, following, alias

    def _copy(self, **changes: Any) -> "OverWindow":
        values = dict(partition=self._partition, order=self._order,
                      preceding=self._preceding, following=self._following, alias=self._alias)
        values.update(changes)
        return OverWindow(**values)

    def order_by(self, order_by: Any) -> "OverWindow":
        return self._copy(order=_operand(order_by))

    def preceding(self, preceding: Any) -> "OverWindow":
        return self._copy(preceding=_operand(preceding))

    def following(self, following: Any) -> "OverWindow":
        return self._copy(following=_operand(following))

    def alias(self, alias: str) -> "OverWindow":
        return self._copy(alias=alias)

    def _clause(self) -> str:
        parts = []
        if self._partition:
            parts.append("PARTITION BY " + ", ".join(p._sql for p in self._partition))
        if self._order is None:
            raise ValueError("an over window needs order_by(col('ts'))")
        parts.append("ORDER BY " + self._order._sql)
        if self._preceding is not None:
            preceding = self._preceding
            rows = getattr(preceding, "_frame", None) == "ROWS"
            unit = "ROWS" if rows else "RANGE"
            bound = ("UNBOUNDED PRECEDING" if getattr(preceding, "_unbounded", False)
                     else f"{preceding._sql} PRECEDING")
            following = "CURRENT ROW"
            if self._following is not None and not getattr(self._following, "_current", False):
                following = f"{self._following._sql} FOLLOWING"
            parts.append(f"{unit} BETWEEN {bound} AND {following}")
        return "OVER (" + " ".join(parts) + ")"


class Over:
    """Over windows: ``Over.partition_by(col('k')).order_by(col('ts'))
    .preceding(row_interval(2)).alias('w')``."""

    @staticmethod
    def partition_by(*partition_by: Any) -> OverWindow:
        return OverWindow([_operand(p) for p in partition_by], None, None, None, None)

    @staticmethod
    def order_by(order_by: Any) -> OverWindow:
        return OverWindow([], _operand(order_by), None, None, None)


__all__ = ["Tumble", "Slide", "Session", "Over", "GroupWindow", "OverWindow"]
