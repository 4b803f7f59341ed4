"""The programs in examples/python run and print what they should; the Kafka one
against a real broker (scripts/kafka.sh), its output checked with pyarrow."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import uuid

import pyarrow.parquet as pq
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"


def run(name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_column_sum() -> None:
    out = run("column_sum.py")
    assert "rows: 1000000, total of sum: 1499998500000" in out
    assert "| sum    |" in out


def test_read_partitioned_parquet() -> None:
    out = run("read_partitioned_parquet.py")
    assert "`country` STRING" in out
    assert "| 2026-12-03 | US      | 1333300   | 26666  |" in out
    assert "2026-12-01" not in out.split(")", 1)[1]  # the filter kept later days only


def test_write_partitioned_parquet() -> None:
    out = run("write_partitioned_parquet.py")
    assert "200000 rows written" in out and "pyarrow reads 200000 rows" in out
    assert "day=2026-12-03" in out


def test_pandas_udf_sql() -> None:
    out = run("pandas_udf_sql.py")
    assert "| cheap  |" in out and "| pricey |" in out


def test_kafka_to_parquet(broker, tmp_path) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"example-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker})
    for future in admin.create_topics([NewTopic(topic, num_partitions=2,
                                                replication_factor=1)]).values():
        future.result()
    producer = Producer({"bootstrap.servers": broker})
    n = 5000
    for i in range(n):
        producer.produce(topic, key=str(i).encode(), value=json.dumps({
            "id": i, "user": f"u{i % 50}", "amount": i % 100,
            "ts": f"2026-12-07 {10 + i % 3:02d}:{i % 60:02d}:00"}).encode())
    assert producer.flush(60) == 0
    out = run("kafka_to_parquet.py", broker, topic, str(tmp_path), "--bounded")
    assert f"{n} rows written" in out
    table = pq.read_table(tmp_path / "events")
    assert sorted(table.column("id").to_pylist()) == list(range(n))
    buckets = sorted(p.name for p in (tmp_path / "events" / "dt=2026-12-07").iterdir())
    assert buckets == ["hr=10", "hr=11", "hr=12"]


def test_kafka_datastream_to_parquet(broker, tmp_path) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"example-ds-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker})
    for future in admin.create_topics([NewTopic(topic, num_partitions=2,
                                                replication_factor=1)]).values():
        future.result()
    producer = Producer({"bootstrap.servers": broker})
    n = 3000
    for i in range(n):
        producer.produce(topic, value=json.dumps({
            "id": i, "user": f"u{i % 50}", "amount": None if i % 10 == 0 else i % 100,
            "ts": f"2026-12-07 10:{i % 60:02d}:00"}).encode())
    assert producer.flush(60) == 0
    out = run("kafka_datastream_to_parquet.py", broker, topic, str(tmp_path), "--bounded")
    assert "job finished" in out
    parts = [p for p in (tmp_path / "events").rglob("events-*.parquet")]
    assert parts and all(len(p.parent.name) == len("yyyy-MM-dd--HH") for p in parts)
    table = pq.ParquetDataset([str(p) for p in parts]).read()
    assert sorted(table.column("id").to_pylist()) == [i for i in range(n) if i % 10]
    assert all(c == (i % 100) * 100 for i, c in zip(table.column("id").to_pylist(),
                                                     table.column("cents").to_pylist()))


def test_windowed_datastream() -> None:
    import collections
    import importlib.util

    out = run("windowed_datastream.py")
    spec = importlib.util.spec_from_file_location("windowed", EXAMPLES / "windowed_datastream.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    want = collections.Counter()
    seconds = collections.Counter()
    for line in module.sample_events():
        event = json.loads(line)
        key = (event["user"], event["ts"] // 60_000)
        want[key] += 1
        seconds[key] += event["seconds"]
    got = {}
    for line in out.splitlines():
        fields = dict(part.split("=") for part in line.split("> ", 1)[1].split())
        got[(fields["user"], int(fields["minute"]))] = (int(fields["clicks"]),
                                                        int(fields["seconds"]))
    assert got == {k: (want[k], seconds[k]) for k in want}
