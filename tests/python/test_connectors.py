"""The DataStream connectors as PyFlink spells them: FileSource/FileSink (Parquet,
bucket assigners, rolling policies, part names) and KafkaSource/KafkaSink
(SimpleStringSchema, JSON rows, offsets, exactly once) against a real broker
(scripts/kafka.sh); pyarrow and confluent_kafka read what weir wrote."""

from __future__ import annotations

import json
import pathlib
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.common import Row, Types, WatermarkStrategy
from weir.common.serialization import SimpleStringSchema
from weir.datastream import StreamExecutionEnvironment
from weir.datastream.connectors import DeliveryGuarantee
from weir.datastream.connectors.file_system import (BucketAssigner, FileSink, FileSource,
                                                    OutputFileConfig, RollingPolicy)
from weir.datastream.connectors.kafka import (KafkaOffsetsInitializer,
                                              KafkaRecordSerializationSchema, KafkaSink,
                                              KafkaSource)
from weir.datastream.formats.json import JsonRowDeserializationSchema
from weir.datastream.formats.parquet import ParquetBulkWriters, ParquetColumnarRowInputFormat

ROW = Types.ROW_NAMED(["id", "name"], [Types.LONG(), Types.STRING()])


def _env(tmp_path: pathlib.Path) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(100)
    env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
    return env


def _parts(path: pathlib.Path) -> list:
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_parquet_file_source_to_bucketed_file_sink(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(pa.table({"id": pa.array(range(1000), pa.int64()),
                             "name": [f"n{i}" for i in range(1000)]}),
                   src / "a.parquet", row_group_size=100)
    env = _env(tmp_path)
    source = FileSource.for_bulk_file_format(ParquetColumnarRowInputFormat(ROW), str(src)).build()
    stream = env.from_source(source, WatermarkStrategy.no_watermarks(), "parquet files")
    upper = stream.map(lambda r: Row(id=r.id * 2, name=r.name.upper()), ROW)
    out = tmp_path / "out"
    upper.sink_to(FileSink.for_bulk_format(str(out), ParquetBulkWriters.for_row_type(ROW))
                  .with_bucket_assigner(BucketAssigner.date_time_bucket_assigner("yyyy-MM-dd"))
                  .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
                  .with_output_file_config(OutputFileConfig.builder().with_part_prefix("events")
                                           .with_part_suffix(".parquet").build())
                  .build())
    env.execute("files")
    parts = _parts(out)
    # One day bucket (processing time, UTC), part files named as configured.
    assert len({p.parent.name for p in parts}) == 1
    assert all(p.name.startswith("events-") and p.suffix == ".parquet" for p in parts)
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    assert sorted(table.column("id").to_pylist()) == list(range(0, 2000, 2))
    assert set(table.column("name").to_pylist()) == {f"N{i}" for i in range(1000)}


def test_text_lines_in_and_out(tmp_path) -> None:
    from weir.common.serialization import Encoder
    from weir.datastream.connectors.file_system import StreamFormat

    src = tmp_path / "text"
    src.mkdir()
    (src / "a.txt").write_text("the quick fox\n\njumps, over\nlast line")
    env = _env(tmp_path)
    lines = env.from_source(
        FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(src)).build(),
        WatermarkStrategy.no_watermarks(), "text")
    words = lines.flat_map(lambda line: line.split(), Types.STRING())
    out = tmp_path / "words"
    words.map(lambda w: (w, len(w)), Types.TUPLE([Types.STRING(), Types.INT()])).sink_to(
        FileSink.for_row_format(str(out), Encoder.simple_string_encoder())
        .with_output_file_config(OutputFileConfig.builder().with_part_prefix("w").build())
        .build())
    env.execute("words")
    parts = _parts(out)
    assert parts and all(p.name.startswith("w-") and p.suffix == "" for p in parts)
    written = sorted(line for p in parts for line in p.read_text().splitlines())
    assert written == sorted(str((w, len(w))) for w in "the quick fox jumps, over last line".split())


def test_connector_misuse_is_a_clear_error(tmp_path) -> None:
    env = _env(tmp_path)
    with pytest.raises(NotImplementedError, match="not supported"):
        env.from_source(FileSource.for_record_stream_format(object(), str(tmp_path)).build())
    with pytest.raises(ValueError, match="set_value_only_deserializer"):
        KafkaSource.builder().set_bootstrap_servers("x:1").set_topics("t").build()
    with pytest.raises(TypeError, match="Encoder.simple_string_encoder"):
        FileSink.for_row_format(str(tmp_path), None)
    stream = env.from_collection([(1, "a")], ROW)
    stream.sink_to(FileSink.for_bulk_format(str(tmp_path / "o"),
                                            ParquetBulkWriters.for_row_type(ROW))
                   .with_bucket_assigner(BucketAssigner.date_time_bucket_assigner("no pattern"))
                   .build())
    with pytest.raises(weir.UserError, match="sink.bucket-assigner.date-time.format"):
        env.execute()


def _topic(broker: str, partitions: int = 2) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"ds-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker})
    for future in admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                                replication_factor=1)]).values():
        future.result()
    return topic


def _consume(broker: str, topic: str, n: int) -> list:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": broker, "group.id": uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([topic])
    values = []
    for _ in range(200):
        for message in consumer.consume(1000, timeout=0.2):
            if message.error() is None:
                values.append(message.value().decode())
        if len(values) >= n:
            break
    consumer.close()
    return values


def test_kafka_json_source_to_exactly_once_kafka_sink(broker, tmp_path) -> None:
    from confluent_kafka import Producer

    source_topic, sink_topic = _topic(broker), _topic(broker)
    producer = Producer({"bootstrap.servers": broker})
    n = 2000
    for i in range(n):
        producer.produce(source_topic, value=json.dumps({"id": i, "name": f"u{i % 7}"}))
    assert producer.flush(60) == 0

    env = _env(tmp_path)
    source = (KafkaSource.builder().set_bootstrap_servers(broker).set_topics(source_topic)
              .set_group_id("weir-ds-test")
              .set_starting_offsets(KafkaOffsetsInitializer.earliest())
              .set_bounded(KafkaOffsetsInitializer.latest())
              .set_value_only_deserializer(
                  JsonRowDeserializationSchema.builder().type_info(ROW).build())
              .build())
    stream = env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka")
    lines = stream.filter(lambda r: r.id % 2 == 0).map(lambda r: f"{r.name}:{r.id}",
                                                        Types.STRING())
    lines.sink_to(KafkaSink.builder().set_bootstrap_servers(broker)
                  .set_record_serializer(KafkaRecordSerializationSchema.builder()
                                         .set_topic(sink_topic)
                                         .set_value_serialization_schema(SimpleStringSchema())
                                         .build())
                  .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE)
                  .set_transactional_id_prefix(f"weir-{uuid.uuid4().hex[:6]}")
                  .build())
    env.execute("kafka to kafka")
    got = _consume(broker, sink_topic, n // 2)
    assert sorted(got) == sorted(f"u{i % 7}:{i}" for i in range(0, n, 2))

    # SimpleStringSchema reads the values back as strings.
    env2 = _env(tmp_path / "second")
    strings = env2.from_source(
        KafkaSource.builder().set_bootstrap_servers(broker).set_topics(sink_topic)
        .set_bounded(KafkaOffsetsInitializer.latest())
        .set_value_only_deserializer(SimpleStringSchema()).build(),
        WatermarkStrategy.no_watermarks(), "strings")
    assert sorted(strings.execute_and_collect()) == sorted(got)
