"""Durations and event-time helpers (PyFlink's pyflink.common.time)."""

from __future__ import annotations


class Duration:
    """A length of time, kept in milliseconds."""

    def __init__(self, millis: int) -> None:
        self._millis = int(millis)

    @staticmethod
    def of_millis(millis: int) -> "Duration":
        return Duration(millis)

    @staticmethod
    def of_seconds(seconds: int) -> "Duration":
        return Duration(seconds * 1000)

    @staticmethod
    def of_minutes(minutes: int) -> "Duration":
        return Duration(minutes * 60_000)

    @staticmethod
    def of_hours(hours: int) -> "Duration":
        return Duration(hours * 3_600_000)

    @staticmethod
    def of_days(days: int) -> "Duration":
        return Duration(days * 86_400_000)

    @staticmethod
    def zero() -> "Duration":
        return Duration(0)

    def to_milliseconds(self) -> int:
        return self._millis

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other._millis == self._millis

    def __hash__(self) -> int:
        return hash(self._millis)

    def __repr__(self) -> str:
        return f"Duration({self._millis} ms)"


class Time:
    """Flink 1.x's window sizes (Time.seconds(10)); Duration in Flink 2."""

    @staticmethod
    def milliseconds(millis: int) -> Duration:
        return Duration.of_millis(millis)

    @staticmethod
    def seconds(seconds: int) -> Duration:
        return Duration.of_seconds(seconds)

    @staticmethod
    def minutes(minutes: int) -> Duration:
        return Duration.of_minutes(minutes)

    @staticmethod
    def hours(hours: int) -> Duration:
        return Duration.of_hours(hours)

    @staticmethod
    def days(days: int) -> Duration:
        return Duration.of_days(days)


class Instant:
    """A point in time in epoch milliseconds (PyFlink's Instant)."""

    def __init__(self, seconds: int, nanos: int = 0) -> None:
        self.seconds, self.nanos = int(seconds), int(nanos)

    @staticmethod
    def of_epoch_milli(epoch_milli: int) -> "Instant":
        return Instant(epoch_milli // 1000, (epoch_milli % 1000) * 1_000_000)

    @staticmethod
    def of_epoch_second(epoch_second: int) -> "Instant":
        return Instant(epoch_second)

    def to_epoch_milli(self) -> int:
        return self.seconds * 1000 + self.nanos // 1_000_000

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instant) and (self.seconds, self.nanos) == (other.seconds,
                                                                             other.nanos)

    def __hash__(self) -> int:
        return hash((self.seconds, self.nanos))

    def __repr__(self) -> str:
        return f"Instant<{self.seconds}, {self.nanos}>"
