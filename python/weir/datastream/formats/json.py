"""JSON rows for the Kafka connectors (PyFlink's pyflink.datastream.formats.json)."""

from __future__ import annotations

from typing import Any, Optional

from weir.common.typeinfo import RowTypeInfo


class JsonRowDeserializationSchema:
    """Reads each message as a JSON object into a Row of `type_info`'s fields
    (missing fields NULL)."""

    def __init__(self, type_info: RowTypeInfo, ignore_parse_errors: bool = False) -> None:
        if not isinstance(type_info, RowTypeInfo):
            raise TypeError("JsonRowDeserializationSchema needs a ROW type (Types.ROW_NAMED)")
        self._type = type_info
        self._ignore = ignore_parse_errors

    @staticmethod
    def builder() -> "JsonRowDeserializationSchema.Builder":
        return JsonRowDeserializationSchema.Builder()

    class Builder:
        def __init__(self) -> None:
            self._type: Optional[RowTypeInfo] = None
            self._ignore = False

        def type_info(self, type_info: RowTypeInfo) -> "JsonRowDeserializationSchema.Builder":
            self._type = type_info
            return self

        def ignore_parse_errors(self) -> "JsonRowDeserializationSchema.Builder":
            self._ignore = True
            return self

        def fail_on_missing_field(self) -> "JsonRowDeserializationSchema.Builder":
            raise NotImplementedError("fail_on_missing_field is not supported: missing "
                                      "fields are NULL")

        def build(self) -> "JsonRowDeserializationSchema":
            if self._type is None:
                raise ValueError("JsonRowDeserializationSchema needs type_info(...)")
            return JsonRowDeserializationSchema(self._type, self._ignore)

    def _format(self) -> dict:
        options = {"format": "json"}
        if self._ignore:
            options["json.ignore-parse-errors"] = "true"
        return options

    def _record_type(self) -> Any:
        return self._type


class JsonRowSerializationSchema:
    """Writes each Row as a JSON object named by its fields."""

    def __init__(self, type_info: RowTypeInfo) -> None:
        self._type = type_info

    @staticmethod
    def builder() -> "JsonRowSerializationSchema.Builder":
        return JsonRowSerializationSchema.Builder()

    class Builder:
        def __init__(self) -> None:
            self._type: Optional[RowTypeInfo] = None

        def with_type_info(self, type_info: RowTypeInfo) -> "JsonRowSerializationSchema.Builder":
            self._type = type_info
            return self

        def build(self) -> "JsonRowSerializationSchema":
            if self._type is None:
                raise ValueError("JsonRowSerializationSchema needs with_type_info(...)")
            return JsonRowSerializationSchema(self._type)

    def _format(self) -> dict:
        return {"format": "json"}


__all__ = ["JsonRowDeserializationSchema", "JsonRowSerializationSchema"]
