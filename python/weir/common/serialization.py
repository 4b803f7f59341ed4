"""Serialization schemas (PyFlink's pyflink.common.serialization): they choose the
record format of a connector built in Python."""

from __future__ import annotations


class SimpleStringSchema:
    """Records are strings: a Kafka message's value is the UTF-8 text (the `raw`
    format)."""

    def __init__(self, charset: str = "UTF-8") -> None:
        if charset.upper().replace("-", "") != "UTF8":
            raise ValueError(f"SimpleStringSchema supports UTF-8 only, not {charset!r}")

    def _format(self) -> dict:
        return {"format": "raw"}


__all__ = ["SimpleStringSchema"]
