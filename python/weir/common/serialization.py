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


class Encoder:
    """How FileSink.for_row_format writes a record: one line of text."""

    def __init__(self, charset: str) -> None:
        if charset.upper().replace("-", "") != "UTF8":
            raise ValueError(f"Encoder supports UTF-8 only, not {charset!r}")

    @staticmethod
    def simple_string_encoder(charset_name: str = "UTF-8") -> "Encoder":
        """Writes str(record) and a newline per record."""
        return Encoder(charset_name)

    def _format(self) -> dict:
        return {"format": "raw"}


__all__ = ["Encoder", "SimpleStringSchema"]
