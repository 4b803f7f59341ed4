"""KafkaSource and KafkaSink (PyFlink's pyflink.datastream.connectors.kafka): a
topic read into a stream from chosen offsets, and a stream written to a topic,
exactly once with checkpointing (Kafka transactions)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Dict, List, Optional

from weir.common.serialization import SimpleStringSchema
from weir.common.typeinfo import Types
from weir.datastream.connectors.base import DeliveryGuarantee


class KafkaOffsetResetStrategy(Enum):
    """Where committed_offsets() starts when the group has no committed offset."""

    LATEST = 0
    EARLIEST = 1
    NONE = 2


class KafkaOffsetsInitializer:
    """Where a KafkaSource starts (or, bounded, stops) reading."""

    def __init__(self, options: Dict[str, str], stop: Optional[str]) -> None:
        self._options, self._stop = options, stop

    @staticmethod
    def earliest() -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer({"scan.startup.mode": "earliest-offset"}, None)

    @staticmethod
    def latest() -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer({"scan.startup.mode": "latest-offset"}, "latest-offset")

    @staticmethod
    def committed_offsets(offset_reset_strategy: Any = None) -> "KafkaOffsetsInitializer":
        options = {"scan.startup.mode": "group-offsets"}
        if offset_reset_strategy is not None:
            name = getattr(offset_reset_strategy, "name", str(offset_reset_strategy))
            options["properties.auto.offset.reset"] = name.lower()
        return KafkaOffsetsInitializer(options, "group-offsets")

    @staticmethod
    def timestamp(timestamp: int) -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer({"scan.startup.mode": "timestamp",
                                        "scan.startup.timestamp-millis": str(int(timestamp))},
                                       None)


class KafkaSource:
    """Reads Kafka topics as a stream (use with ``env.from_source``)."""

    def __init__(self, options: Dict[str, str], deserializer: Any) -> None:
        self._options, self._deserializer = options, deserializer

    @staticmethod
    def builder() -> "KafkaSourceBuilder":
        return KafkaSourceBuilder()

    def _table(self) -> tuple:
        options = dict(self._options)
        options.update(self._deserializer._format())
        if isinstance(self._deserializer, SimpleStringSchema):
            return Types.STRING(), options
        return self._deserializer._record_type(), options


class KafkaSourceBuilder:
    """Builds a KafkaSource."""

    def __init__(self) -> None:
        self._options: Dict[str, str] = {"connector": "kafka",
                                         "scan.startup.mode": "earliest-offset"}
        self._topics: List[str] = []
        self._deserializer: Any = None

    def set_bootstrap_servers(self, bootstrap_servers: str) -> "KafkaSourceBuilder":
        self._options["properties.bootstrap.servers"] = bootstrap_servers
        return self

    def set_topics(self, *topics: str) -> "KafkaSourceBuilder":
        self._topics = list(topics)
        return self

    def set_topic_pattern(self, topic_pattern: str) -> "KafkaSourceBuilder":
        self._options["topic-pattern"] = topic_pattern
        return self

    def set_group_id(self, group_id: str) -> "KafkaSourceBuilder":
        self._options["properties.group.id"] = group_id
        return self

    def set_client_id_prefix(self, prefix: str) -> "KafkaSourceBuilder":
        """The consumers' client.id (weir's subtasks share it; Flink appends the
        subtask number)."""
        self._options["properties.client.id"] = prefix
        return self

    def set_starting_offsets(self, initializer: KafkaOffsetsInitializer) -> "KafkaSourceBuilder":
        self._options = {k: v for k, v in self._options.items()
                         if not k.startswith("scan.startup.")}
        self._options.update(initializer._options)
        return self

    def set_bounded(self, stopping: KafkaOffsetsInitializer) -> "KafkaSourceBuilder":
        """Stops at the given offsets (latest or committed): a bounded stream."""
        if stopping._stop is None:
            raise NotImplementedError("set_bounded takes KafkaOffsetsInitializer.latest() or "
                                      "committed_offsets()")
        self._options["scan.bounded.mode"] = stopping._stop
        return self

    def set_value_only_deserializer(self, schema: Any) -> "KafkaSourceBuilder":
        if not hasattr(schema, "_format"):
            raise TypeError(f"expected SimpleStringSchema or JsonRowDeserializationSchema, "
                            f"not {schema!r}")
        self._deserializer = schema
        return self

    def set_property(self, key: str, value: str) -> "KafkaSourceBuilder":
        self._options[f"properties.{key}"] = str(value)
        return self

    def set_properties(self, props: Dict[str, str]) -> "KafkaSourceBuilder":
        for key, value in props.items():
            self.set_property(key, value)
        return self

    def build(self) -> KafkaSource:
        if "properties.bootstrap.servers" not in self._options:
            raise ValueError("KafkaSource needs set_bootstrap_servers(...)")
        if not self._topics and "topic-pattern" not in self._options:
            raise ValueError("KafkaSource needs set_topics(...) or set_topic_pattern(...)")
        if self._deserializer is None:
            raise ValueError("KafkaSource needs set_value_only_deserializer(...)")
        options = dict(self._options)
        if self._topics:
            options["topic"] = ";".join(self._topics)
        return KafkaSource(options, self._deserializer)


class KafkaRecordSerializationSchema:
    """The topic and value format of a KafkaSink's records."""

    def __init__(self, topic: str, serializer: Any) -> None:
        self._topic, self._serializer = topic, serializer

    @staticmethod
    def builder() -> "KafkaRecordSerializationSchemaBuilder":
        return KafkaRecordSerializationSchemaBuilder()


class KafkaRecordSerializationSchemaBuilder:
    """Builds a KafkaRecordSerializationSchema."""

    def __init__(self) -> None:
        self._topic: Optional[str] = None
        self._serializer: Any = None

    def set_topic(self, topic: str) -> "KafkaRecordSerializationSchemaBuilder":
        self._topic = topic
        return self

    def set_value_serialization_schema(self, schema: Any
                                       ) -> "KafkaRecordSerializationSchemaBuilder":
        if not hasattr(schema, "_format"):
            raise TypeError(f"expected SimpleStringSchema or JsonRowSerializationSchema, not "
                            f"{schema!r}")
        self._serializer = schema
        return self

    def build(self) -> KafkaRecordSerializationSchema:
        if self._topic is None or self._serializer is None:
            raise ValueError("KafkaRecordSerializationSchema needs set_topic(...) and "
                             "set_value_serialization_schema(...)")
        return KafkaRecordSerializationSchema(self._topic, self._serializer)


class KafkaSink:
    """Writes a stream to a Kafka topic (use with ``stream.sink_to``)."""

    def __init__(self, options: Dict[str, str]) -> None:
        self._options = options

    @staticmethod
    def builder() -> "KafkaSinkBuilder":
        return KafkaSinkBuilder()

    def _table(self) -> Dict[str, str]:
        return dict(self._options)


class KafkaSinkBuilder:
    """Builds a KafkaSink."""

    def __init__(self) -> None:
        self._options: Dict[str, str] = {"connector": "kafka"}
        self._record: Optional[KafkaRecordSerializationSchema] = None

    def set_bootstrap_servers(self, bootstrap_servers: str) -> "KafkaSinkBuilder":
        self._options["properties.bootstrap.servers"] = bootstrap_servers
        return self

    def set_record_serializer(self, schema: KafkaRecordSerializationSchema) -> "KafkaSinkBuilder":
        self._record = schema
        return self

    def set_delivery_guarantee(self, guarantee: DeliveryGuarantee) -> "KafkaSinkBuilder":
        self._options["sink.delivery-guarantee"] = guarantee.value
        return self

    def set_transactional_id_prefix(self, prefix: str) -> "KafkaSinkBuilder":
        self._options["sink.transactional-id-prefix"] = prefix
        return self

    def set_property(self, key: str, value: str) -> "KafkaSinkBuilder":
        self._options[f"properties.{key}"] = str(value)
        return self

    def build(self) -> KafkaSink:
        if "properties.bootstrap.servers" not in self._options:
            raise ValueError("KafkaSink needs set_bootstrap_servers(...)")
        if self._record is None:
            raise ValueError("KafkaSink needs set_record_serializer(...)")
        options = dict(self._options)
        options["topic"] = self._record._topic
        options.update(self._record._serializer._format())
        return KafkaSink(options)


__all__ = ["KafkaSource", "KafkaSourceBuilder", "KafkaSink", "KafkaSinkBuilder",
           "KafkaOffsetsInitializer", "KafkaOffsetResetStrategy",
           "KafkaRecordSerializationSchema",
           "KafkaRecordSerializationSchemaBuilder"]
