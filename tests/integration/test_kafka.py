"""The Kafka source against a real broker (scripts/kafka.sh): exactly-once into a
partitioned Parquet table under kill -9, bounded reads, metadata, bad records, a
missing topic, an unreachable broker, and partitions added while a job runs. DuckDB
reads what weir wrote; confluent-kafka produces (an independent client)."""
import json
import signal
import subprocess
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from conftest import ROOT, weir_binary


@pytest.fixture(scope="module")
def broker():
    script = ROOT / "scripts" / "kafka.sh"
    started = subprocess.run([str(script), "start"], capture_output=True, text=True,
                             timeout=600)
    assert started.returncode == 0, started.stderr
    yield started.stdout.strip()
    subprocess.run([str(script), "stop"], capture_output=True, timeout=120)


def make_topic(bootstrap, partitions):
    name = f"t-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(name, num_partitions=partitions,
                                           replication_factor=1)]).values():
        f.result()
    return name


def produce(bootstrap, topic, records, partition=None, keys=None):
    """Writes `records` as values; the keys are `keys`, or each record's index."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20,
                         "batch.num.messages": 10000})
    for i, value in enumerate(records):
        kwargs = {} if partition is None else {"partition": partition}
        key = keys[i] if keys is not None else str(i).encode()
        while True:
            try:
                producer.produce(topic, value=value, key=key, **kwargs)
                break
            except BufferError:  # the local queue is full while the broker catches up
                producer.poll(0.1)
        if i % 20000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0


def events(first, count):
    for i in range(first, first + count):
        yield json.dumps({"id": i, "user": f"u{i % 1000}", "amount": i % 997,
                          "day": f"2024-01-{1 + i % 4:02d}"})


def kafka_table(bootstrap, topic, extra=""):
    return f"""CREATE TABLE src (id BIGINT, `user` STRING, amount INT, `day` STRING)
  WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{bootstrap}', 'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'{extra});"""


def kill_during(cmd, delays):
    """Starts `cmd` once per delay and kills it with -9 after that many seconds."""
    for delay in delays:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def count_parquet(root):
    if not list(Path(root).rglob("*.parquet")):
        return (0, 0)
    return duckdb.sql(f"select count(*), count(distinct id) from "
                      f"read_parquet('{root}/**/*.parquet')").fetchall()[0]


def test_kafka_to_partitioned_parquet_exactly_once_under_kill(broker, tmp_path):
    total = 1_000_000
    topic = make_topic(broker, 4)
    produce(broker, topic, events(0, total))
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '1s';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '2';
{kafka_table(broker, topic, ", 'properties.group.id' = 'weir-e2e'")}
CREATE TABLE out_t (id BIGINT, `user` STRING, amount INT, `day` STRING)
  PARTITIONED BY (`day`) WITH ('connector' = 'filesystem', 'path' = '{tmp_path}/out',
  'format' = 'parquet');
INSERT INTO out_t SELECT id, `user`, amount, `day` FROM src;
""")
    cmd = [str(weir_binary()), "sql", "-f", str(script)]
    kill_during(cmd, (1.5, 2.5, 2.0))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 240
    while count_parquet(tmp_path / "out")[0] < total and time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(1)
    proc.send_signal(signal.SIGTERM)  # stop with a final savepoint
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not list((tmp_path / "out").rglob(".*inprogress*"))
    rows, ids = count_parquet(tmp_path / "out")
    assert (rows, ids) == (total, total)
    per_day = duckdb.sql(f"select day, count(*) from read_parquet('{tmp_path}/out/**/*.parquet',"
                         f" hive_partitioning = true) group by day order by day").fetchall()
    assert [(str(day), n) for day, n in per_day] == [
        (f"2024-01-{d:02d}", total // 4) for d in range(1, 5)]


def test_restore_at_another_parallelism_reads_each_record_once(broker, tmp_path):
    """Run at parallelism 2, 3, then 1, killed with -9 in between; each run resumes
    from the checkpointed offsets in the middle of the topic (more records arrive
    after each kill): every partition's offset comes back to the subtask that owns it
    now, and nothing is read twice or skipped."""
    step = 300_000
    topic = make_topic(broker, 5)
    script = tmp_path / "job.sql"

    def job(parallelism):
        script.write_text(f"""
SET 'execution.checkpointing.interval' = '500ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '{parallelism}';
{kafka_table(broker, topic)}
CREATE TABLE out_t (id BIGINT, `user` STRING, amount INT, `day` STRING)
  PARTITIONED BY (`day`) WITH ('connector' = 'filesystem', 'path' = '{tmp_path}/out',
  'format' = 'parquet', 'sink.rolling-policy.inactivity-interval' = '1s',
  'sink.rolling-policy.check-interval' = '500ms');
INSERT INTO out_t SELECT id, `user`, amount, `day` FROM src;
""")
        return subprocess.Popen([str(weir_binary()), "sql", "-f", str(script)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)

    def run_until(proc, want):
        deadline = time.time() + 180
        while count_parquet(tmp_path / "out")[0] < want and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
        assert count_parquet(tmp_path / "out")[0] >= want

    for n, parallelism in enumerate((2, 3, 1)):
        produce(broker, topic, events(n * step, step))
        proc = job(parallelism)
        run_until(proc, (n + 1) * step)
        if parallelism != 1:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert count_parquet(tmp_path / "out") == (3 * step, 3 * step)


def test_bounded_read_with_metadata_columns(broker, weir):
    topic = make_topic(broker, 3)
    produce(broker, topic, events(0, 3000))
    out = weir("sql", "--format", "csv", "-e", f"""
        CREATE TABLE src (id BIGINT, amount INT, p INT METADATA FROM 'partition' VIRTUAL,
          o BIGINT METADATA FROM 'offset', tp STRING METADATA FROM 'topic',
          ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp')
          WITH ('connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
          'format' = 'json');
        SELECT COUNT(*), COUNT(DISTINCT id), SUM(amount), COUNT(DISTINCT p),
          MIN(tp) = '{topic}', COUNT(ts) FROM src;
        SELECT p, MIN(o), MAX(o) - MIN(o) + 1 = COUNT(*) FROM src GROUP BY p ORDER BY p;
        """).stdout.splitlines()
    want_sum = sum(i % 997 for i in range(3000))
    assert out[1] == f"3000,3000,{want_sum},3,true,3000"
    assert out[3:] == ["0,0,true", "1,0,true", "2,0,true"]


def test_specific_and_timestamp_offsets(broker, weir):
    topic = make_topic(broker, 1)
    produce(broker, topic, events(0, 100))
    out = weir("sql", "--format", "csv", "-e", f"""
        CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}',
          'scan.startup.mode' = 'specific-offsets',
          'scan.startup.specific-offsets' = 'partition:0,offset:40',
          'scan.bounded.mode' = 'specific-offsets',
          'scan.bounded.specific-offsets' = 'partition:0,offset:50', 'format' = 'json');
        SELECT MIN(id), MAX(id), COUNT(*) FROM src;""").stdout.splitlines()
    assert out[1] == "40,49,10"


def test_bad_records_fail_with_position_or_are_skipped(broker, weir):
    topic = make_topic(broker, 1)
    produce(broker, topic, [json.dumps({"id": 1}), "not json", json.dumps({"id": "x"}),
                            json.dumps({"id": 4})])
    table = f"""CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka',
          'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
          'format' = 'json'{{extra}}); SELECT id FROM src ORDER BY id;"""
    bad = weir("sql", "-e", table.format(extra=""), check=False)
    assert bad.returncode == 1
    assert f"{topic}-0 at offset 1" in bad.stderr and "malformed JSON" in bad.stderr
    ok = weir("sql", "--format", "csv", "-e",
              table.format(extra=", 'json.ignore-parse-errors' = 'true'"))
    assert ok.stdout.splitlines() == ["id", "1", "4"]


def test_missing_topic_and_unreachable_broker_are_clear_errors(broker, weir):
    missing = weir("sql", "-e", f"""
        CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'no-such-topic',
          'properties.bootstrap.servers' = '{broker}', 'scan.startup.mode' = 'earliest-offset',
          'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
        SELECT COUNT(*) FROM src;""", check=False, timeout=60)
    assert missing.returncode == 1 and "topic 'no-such-topic' does not exist" in missing.stderr
    start = time.time()
    down = weir("sql", "-e", """
        CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
          'properties.bootstrap.servers' = '127.0.0.1:1', 'scan.broker-timeout' = '3 s',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
          'format' = 'json');
        SELECT COUNT(*) FROM src;""", check=False, timeout=60)
    assert down.returncode == 1 and "cannot reach the Kafka brokers" in down.stderr
    assert time.time() - start < 30
    bad_option = weir("sql", "-e", f"""
        CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
          'properties.bootstrap.servers' = '{broker}', 'scan.startup.mode' = 'earliest',
          'format' = 'json')""", check=False)
    assert bad_option.returncode == 1 and "scan.startup.mode" in bad_option.stderr
    bad_property = weir("sql", "-e", f"""
        CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
          'properties.bootstrap.servers' = '{broker}', 'properties.no.such.setting' = '1',
          'format' = 'json'); SELECT * FROM src""", check=False)
    assert bad_property.returncode == 1 and "no.such.setting" in bad_property.stderr


def test_partitions_added_while_running_are_read(broker, tmp_path):
    topic = make_topic(broker, 1)
    produce(broker, topic, events(0, 1000))
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '500ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '2';
{kafka_table(broker, topic, ", 'scan.topic-partition-discovery.interval' = '500ms'")}
CREATE TABLE out_t (id BIGINT) WITH ('connector' = 'filesystem',
  'path' = '{tmp_path}/out', 'format' = 'parquet',
  'sink.rolling-policy.rollover-interval' = '1 s',
  'sink.rolling-policy.check-interval' = '200 ms');
INSERT INTO out_t SELECT id FROM src;
""")
    proc = subprocess.Popen([str(weir_binary()), "sql", "-f", str(script)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        admin = AdminClient({"bootstrap.servers": broker})
        for f in admin.create_partitions([NewPartitions(topic, 3)]).values():
            f.result()
        time.sleep(1)
        for p in (1, 2):
            produce(broker, topic, events(p * 1000, 1000), partition=p)
        deadline = time.time() + 60
        while count_parquet(tmp_path / "out")[0] < 3000 and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert count_parquet(tmp_path / "out") == (3000, 3000)


def consume_all(bootstrap, topic, timeout=60):
    """Every committed record of `topic`, read to the end of each partition."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "enable.partition.eof": True})
    partitions = consumer.list_topics(topic).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    records, at_end = [], set()
    deadline = time.time() + timeout
    while len(at_end) < len(partitions) and time.time() < deadline:
        for m in consumer.consume(10000, 1.0):
            if m.error() is not None:
                assert m.error().code() == -191, m.error()  # _PARTITION_EOF
                at_end.add(m.partition())
                continue
            records.append((m.key(), m.value()))
    consumer.close()
    assert len(at_end) == len(partitions), "did not reach the end of the topic"
    return records


def test_parquet_to_kafka_at_least_once_under_kill(broker, tmp_path):
    total = 200_000
    write_source_files(tmp_path / "src", total)
    topic = make_topic(broker, 3)
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'filesystem',
  'path' = '{tmp_path}/src', 'format' = 'parquet');
CREATE TABLE out_t (id BIGINT, name STRING) WITH ('connector' = 'kafka',
  'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
  'key.fields' = 'id', 'sink.delivery-guarantee' = 'at-least-once');
INSERT INTO out_t SELECT id, name FROM src;
""")
    cmd = [str(weir_binary()), "sql", "-f", str(script)]
    kill_during(cmd, (0.6, 0.9))
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    records = consume_all(broker, topic)
    ids = {json.loads(v)["id"] for _, v in records}
    assert ids == set(range(total))  # every record at least once
    key, value = records[0]
    assert json.loads(key) == {"id": json.loads(value)["id"]}


def write_source_files(root, total):
    import pyarrow as pa
    import pyarrow.parquet as pq
    root.mkdir()
    for k in range(4):
        ids = list(range(k * total // 4, (k + 1) * total // 4))
        pq.write_table(pa.table({"id": pa.array(ids, pa.int64()),
                                 "name": [f"n{i}" for i in ids]}),
                       root / f"f{k}.parquet", row_group_size=5000)


def test_parquet_to_kafka_exactly_once_under_kill(broker, tmp_path):
    # Large enough that kills land after checkpoints complete, some of them before
    # the sink commits (the restart then commits those records from the checkpoint).
    total = 1_000_000
    write_source_files(tmp_path / "src", total)
    topic = make_topic(broker, 3)
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'filesystem',
  'path' = '{tmp_path}/src', 'format' = 'parquet');
CREATE TABLE out_t (id BIGINT, name STRING) WITH ('connector' = 'kafka',
  'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'weir-test-{topic}');
INSERT INTO out_t SELECT id, name FROM src;
""")
    cmd = [str(weir_binary()), "sql", "-f", str(script)]
    kill_during(cmd, (1.5, 2.5, 2.0))
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    records = consume_all(broker, topic)  # read_committed
    ids = [json.loads(v)["id"] for _, v in records]
    assert len(ids) == total and set(ids) == set(range(total))


def test_exactly_once_sink_needs_a_transactional_id_prefix(broker, weir):
    proc = weir("sql", "-e", f"""
        CREATE TABLE k (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x',
          'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
          'sink.delivery-guarantee' = 'exactly-once')""", check=False)
    assert proc.returncode == 1 and "sink.transactional-id-prefix" in proc.stderr


def test_datastream_kafka_to_kafka_exactly_once_under_kill(broker, tmp_path):
    # examples/kafka_pipeline: KafkaSource::Builder() → filter/select →
    # KafkaSink::Builder() with transactions.
    total = 400_000
    source = make_topic(broker, 4)
    produce(broker, source, events(0, total))
    target = make_topic(broker, 2)
    cmd = [str(ROOT / "build" / "examples" / "kafka_pipeline"), "--bootstrap", broker,
           "--input", source, "--output", target, "--checkpoint-dir", str(tmp_path / "chk"),
           "--checkpoint-interval-ms", "300", "--min-amount", "500", "--bounded"]
    kill_during(cmd, (1.5, 2.5))
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    records = consume_all(broker, target)
    kept = [json.loads(v) for _, v in records]
    want = {i for i in range(total) if i % 997 >= 500}
    assert len(kept) == len(want) and {r["id"] for r in kept} == want
    assert all(r["tier"] == ("gold" if r["amount"] >= 500 else "silver") for r in kept)
    key, value = records[0]
    assert json.loads(key) == {"user": json.loads(value)["user"]}


@pytest.mark.parametrize("idle", [False, True])
def test_watermarks_per_partition_with_idleness(broker, tmp_path, idle):
    # One subtask reads both partitions. Partition 0 runs to 12:30, partition 1 stops
    # at 10:59: per partition, the watermark waits for partition 1 (hour 10 stays
    # open) unless partition 1 may go idle; then hours 10 and 11 commit, 12 does not.
    topic = make_topic(broker, 2)
    def at(hh, mm):
        return json.dumps({"id": hh * 100 + mm, "ts": f"2024-01-01 {hh:02d}:{mm:02d}:00"})
    produce(broker, topic, [at(h, m) for h in (10, 11, 12) for m in (0, 30)
                            if (h, m) != (12, 30)] + [at(12, 30)], partition=0)
    produce(broker, topic, [at(10, 5), at(10, 59)], partition=1)
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '1';
{"SET 'table.exec.source.idle-timeout' = '500 ms';" if idle else ""}
CREATE TABLE src (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE out_t (id BIGINT, dt STRING, hr STRING) PARTITIONED BY (dt, hr) WITH (
  'connector' = 'filesystem', 'path' = '{tmp_path}/out', 'format' = 'parquet',
  'sink.partition-commit.trigger' = 'partition-time', 'sink.partition-commit.delay' = '1 h',
  'partition.time-extractor.timestamp-pattern' = '$dt $hr:00:00',
  'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO out_t SELECT id, DATE_FORMAT(ts, 'yyyy-MM-dd'), DATE_FORMAT(ts, 'HH') FROM src;
""")
    proc = subprocess.Popen([str(weir_binary()), "sql", "-f", str(script)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Partition 0 stays active (records at 12:30 keep coming); partition 1 is silent.
    for _ in range(20):
        produce(broker, topic, [at(12, 30)], partition=0)
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read()
    committed = sorted(p.parent.name for p in (tmp_path / "out").rglob("_SUCCESS"))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert committed == (["hr=10", "hr=11"] if idle else [])


def test_key_fields_round_trip_with_except_key(broker, weir):
    topic = make_topic(broker, 2)
    table = f"""CREATE TABLE k (`user` STRING, id BIGINT, amount INT) WITH (
          'connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
          'key.fields' = 'user', 'key.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');"""
    weir("sql", "-e", table + """
        INSERT INTO k VALUES ('ann', 1, 10), ('bob', 2, 20), ('ann', 3, 30);""")
    records = consume_all(broker, topic)
    got = sorted(((k.decode(), json.loads(v)) for k, v in records),
                 key=lambda r: r[1]["id"])
    assert got == [("ann", {"id": 1, "amount": 10}), ("bob", {"id": 2, "amount": 20}),
                   ("ann", {"id": 3, "amount": 30})]
    out = weir("sql", "--format", "csv", "-e", table + """
        SELECT `user`, id, amount FROM k ORDER BY id;""").stdout
    assert out.splitlines() == ["user,id,amount", "ann,1,10", "bob,2,20", "ann,3,30"]


def test_csv_records_in_and_out(broker, weir, tmp_path):
    """CSV values produced by another client are read by position, with quotes, NULLs,
    comments and a bad record (failing, or skipped); weir's csv sink writes what
    Python's csv module reads back, and what weir reads back exactly."""
    import csv
    import io
    topic = make_topic(broker, 2)
    produce(broker, topic, [b"1,ann,10.50,2024-01-31 12:00:00,true",
                            b'2,"bob, jr.",-0.25,,false',
                            b'3,"say ""hi""",,2024-02-01 00:00:01.5,',
                            b"# a comment line",
                            b"4,,7,2024-02-02 10:00:00,TRUE\r\n",
                            b"5,eve,not-a-number,,true"])
    table = f"""CREATE TABLE src (id BIGINT, name STRING, price DECIMAL(10, 2),
          ts TIMESTAMP(3), ok BOOLEAN) WITH ('connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
          'format' = 'csv', 'csv.allow-comments' = 'true'{{extra}});"""
    query = "SELECT id, name, price, ts, ok FROM src ORDER BY id;"
    bad = weir("sql", "-e", table.format(extra="") + query, check=False)
    assert bad.returncode == 1
    assert "at offset" in bad.stderr and "(csv format)" in bad.stderr
    assert "field 3 ('price'): cannot read 'not-a-number'" in bad.stderr, bad.stderr
    out = weir("sql", "--format", "csv", "-e",
               table.format(extra=", 'csv.ignore-parse-errors' = 'true'") + query)
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[1:] == [
        ["1", "ann", "10.50", "2024-01-31 12:00:00.000", "true"],
        ["2", "bob, jr.", "-0.25", "", "false"],
        ["3", 'say "hi"', "", "2024-02-01 00:00:01.500", ""],
        ["4", "", "7.00", "2024-02-02 10:00:00.000", "true"]]

    # Write: ';' delimited, NULL as \N, the key as csv too.
    out_topic = make_topic(broker, 1)
    sink = f"""CREATE TABLE dst (id BIGINT, name STRING, price DECIMAL(10, 2))
          WITH ('connector' = 'kafka', 'topic' = '{out_topic}',
          'properties.bootstrap.servers' = '{broker}', 'format' = 'csv',
          'csv.field-delimiter' = ';', 'csv.null-literal' = '\\N',
          'key.fields' = 'id', 'key.format' = 'csv',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');"""
    weir("sql", "-e", table.format(extra=", 'csv.ignore-parse-errors' = 'true'") + sink +
         "INSERT INTO dst SELECT id, name, price FROM src;")
    got = sorted((k.decode(), v.decode()) for k, v in consume_all(broker, out_topic))
    assert got == [("1", "1;ann;10.50"), ("2", "2;bob, jr.;-0.25"),
                   ("3", '3;"say ""hi""";\\N'), ("4", "4;\\N;7.00")]
    back = weir("sql", "--format", "csv", "-e", sink +
                "SELECT id, name IS NULL, name, price FROM dst ORDER BY id;")
    assert list(csv.reader(io.StringIO(back.stdout)))[1:] == [
        ["1", "false", "ann", "10.50"], ["2", "false", "bob, jr.", "-0.25"],
        ["3", "false", 'say "hi"', ""], ["4", "true", "", "7.00"]]


def test_csv_key_of_two_columns_in_key_fields_order(broker, weir):
    topic = make_topic(broker, 1)
    table = f"""CREATE TABLE k (a STRING, b INT, v BIGINT) WITH (
          'connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
          'key.fields' = 'b;a', 'key.format' = 'csv', 'value.fields-include' = 'EXCEPT_KEY',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');"""
    weir("sql", "-e", table + "INSERT INTO k VALUES ('x', 1, 10), ('y', 2, 20);")
    keys = sorted(k.decode() for k, _ in consume_all(broker, topic))
    assert keys == ["1,x", "2,y"]
    out = weir("sql", "--format", "csv", "-e", table + "SELECT a, b, v FROM k ORDER BY v;")
    assert out.stdout.splitlines() == ["a,b,v", "x,1,10", "y,2,20"]


def test_key_fields_prefix_separates_key_and_value_fields_of_one_name(broker, weir):
    """Flink's key.fields-prefix: the key column `k_id` is the key field `id`, next to
    the value field `id`. Records written by another client are read, and what weir
    writes has the unprefixed name in the key."""
    topic = make_topic(broker, 1)
    produce(broker, topic, [json.dumps({"id": 7, "name": "ann"}).encode()],
            keys=[json.dumps({"id": "user-1"}).encode()])
    table = f"""CREATE TABLE k (k_id STRING, id BIGINT, name STRING) WITH (
          'connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}', 'format' = 'json',
          'key.format' = 'json', 'key.fields' = 'k_id', 'key.fields-prefix' = 'k_',
          'value.fields-include' = 'EXCEPT_KEY',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');"""
    weir("sql", "-e", table + "INSERT INTO k VALUES ('user-2', 8, 'bob');")
    records = sorted(consume_all(broker, topic), key=lambda r: json.loads(r[1])["id"])
    assert [(json.loads(k), json.loads(v)) for k, v in records] == [
        ({"id": "user-1"}, {"id": 7, "name": "ann"}),
        ({"id": "user-2"}, {"id": 8, "name": "bob"})]
    out = weir("sql", "--format", "csv", "-e", table +
               "SELECT k_id, id, name FROM k ORDER BY id;").stdout
    assert out.splitlines() == ["k_id,id,name", "user-1,7,ann", "user-2,8,bob"]

    def create(options):
        return weir("sql", "-e", f"""CREATE TABLE t (k_id STRING, id BIGINT) WITH (
            'connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
            'properties.bootstrap.servers' = '{broker}', {options});""", check=False)
    all_fields = create("'key.fields' = 'k_id', 'key.fields-prefix' = 'k_'")
    assert all_fields.returncode == 1
    assert "not allowed when option 'value.fields-include' is set to 'ALL'" in \
        all_fields.stderr
    unprefixed = create("'key.fields' = 'id', 'key.fields-prefix' = 'k_', "
                        "'value.fields-include' = 'EXCEPT_KEY'")
    assert unprefixed.returncode == 1
    assert "field 'id' is not prefixed" in unprefixed.stderr


def test_csv_options_are_checked(broker, weir):
    def create(options, columns="id BIGINT"):
        return weir("sql", "-e", f"""CREATE TABLE t ({columns}) WITH (
            'connector' = 'kafka', 'topic' = 'x',
            'properties.bootstrap.servers' = '{broker}', {options});""", check=False)
    wrong = create("'format' = 'csv', 'csv.field-delimiter' = ';;'")
    assert wrong.returncode == 1 and "csv.field-delimiter" in wrong.stderr
    unused = create("'format' = 'json', 'csv.allow-comments' = 'true'")
    assert unused.returncode == 1 and "applies to the csv format" in unused.stderr
    nested = create("'format' = 'csv'", "id BIGINT, tags MAP<STRING, INT>")
    assert nested.returncode == 1 and "cannot" in nested.stderr, nested.stderr
    typo = create("'format' = 'csv', 'csv.allow-coments' = 'true'")
    assert typo.returncode == 1 and "csv.allow-comments" in typo.stderr


def compact(records):
    """The latest value of every key (a tombstone deletes it), as a compacted topic
    keeps them; keys and values decoded from JSON."""
    latest = {}
    for key, value in records:
        k = json.dumps(json.loads(key), sort_keys=True)
        if value is None:
            latest.pop(k, None)
        else:
            latest[k] = json.loads(value)
    return latest


def kill_then_resume(script, kills, final_parallelism):
    """Runs the SQL script (its parallelism is ${P}) once per (delay, parallelism) in
    `kills`, killing it with -9 after the delay, then to the end; the last run must
    resume from a checkpoint."""
    cmd = [str(weir_binary()), "sql", "-f", str(script)]
    for delay, parallelism in kills:
        proc = subprocess.Popen(cmd + ["-D", f"P={parallelism}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = subprocess.run(cmd + ["-D", f"P={final_parallelism}"], capture_output=True,
                           text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert "restores" in final.stderr, "the last run should resume from a checkpoint"


def upsert_table(broker, topic, columns, key):
    return f"""CREATE TABLE counts ({columns}, PRIMARY KEY ({key}) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{broker}', 'key.format' = 'json',
  'value.format' = 'json');"""


def test_aggregation_into_upsert_kafka_under_kill(broker, tmp_path):
    # A streaming GROUP BY into upsert-kafka, killed (-9) twice mid-run and restarted
    # at other parallelisms: the topic, compacted, holds exactly the final result
    # (the key is the primary key; -U rows are not written, so replays only repeat
    # upserts).
    topic = make_topic(broker, 2)
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '${{P}}';
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '300000');
{upsert_table(broker, topic, "k BIGINT, n BIGINT, s BIGINT", "k")}
INSERT INTO counts SELECT MOD(id, 100), COUNT(*), SUM(id) FROM gen GROUP BY MOD(id, 100);
""")
    kill_then_resume(script, ((0.9, 2), (1.1, 1)), final_parallelism=2)
    got = compact(consume_all(broker, topic))
    want = {}
    for i in range(1, 300_001):
        n, s = want.get(i % 100, (0, 0))
        want[i % 100] = (n + 1, s + i)
    assert got == {json.dumps({"k": k}): {"k": k, "n": n, "s": s}
                   for k, (n, s) in want.items()}


def test_upsert_kafka_writes_deletes_as_tombstones(broker, weir):
    # Counts of counts: as a key's count grows, its old count group empties (-D), so
    # the topic gets tombstones and, compacted, holds only the final groups.
    topic = make_topic(broker, 1)
    proc = weir("sql", "-e", f"""
        CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' =
          'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000');
        {upsert_table(broker, topic, "cnt BIGINT, keys BIGINT", "cnt")}
        INSERT INTO counts SELECT cnt, COUNT(*) FROM (SELECT MOD(id, 10) AS k,
          COUNT(*) AS cnt FROM gen GROUP BY MOD(id, 10)) GROUP BY cnt;""")
    assert proc.returncode == 0, proc.stderr
    records = consume_all(broker, topic)
    assert any(value is None for _, value in records), "no tombstone was written"
    assert compact(records) == {json.dumps({"cnt": 100}): {"cnt": 100, "keys": 10}}


def test_upsert_kafka_needs_a_primary_key(broker, weir):
    proc = weir("sql", "-e", f"""
        CREATE TABLE t (k BIGINT, n BIGINT) WITH ('connector' = 'upsert-kafka',
          'topic' = 'x', 'properties.bootstrap.servers' = '{broker}',
          'key.format' = 'json', 'value.format' = 'json');""", check=False)
    assert proc.returncode == 1
    assert "require to define a PRIMARY KEY" in proc.stderr


def changes_of(stdout):
    """(kind, row) pairs of a SELECT's csv changelog (`op` first), header dropped."""
    lines = stdout.strip().splitlines()
    return [(line.split(",")[0], tuple(line.split(",")[1:])) for line in lines[1:]]


def normalize_upserts(records):
    """Flink's ChangelogNormalize, written here as the reference: per key the last
    row; a row for a new key +I, for a known key -U old and +U new (nothing when
    equal), a tombstone -D with the old row (nothing for an unknown key)."""
    last, out = {}, []
    for key, row in records:
        if row is None:
            if key in last:
                out.append(("-D", last.pop(key)))
        elif key not in last:
            last[key] = row
            out.append(("+I", row))
        elif last[key] != row:
            out.append(("-U", last[key]))
            out.append(("+U", row))
            last[key] = row
    return out


def by_key(changes, key_len=1):
    """The changes of each key, in order (keys travel different subtasks)."""
    keyed = {}
    for kind, row in changes:
        keyed.setdefault(row[:key_len], []).append((kind, row))
    return keyed


def test_upsert_kafka_is_read_as_a_normalized_changelog(broker, weir):
    # Records written by another client: updates, a repeated row, tombstones (one
    # for a key never seen), over two partitions. Read back, they are Flink's
    # normalized changelog, and an aggregation over the table sees its final rows.
    topic = make_topic(broker, 2)
    producer = Producer({"bootstrap.servers": broker})
    written = []
    import random
    rng = random.Random(3)
    for i in range(400):
        k = rng.randrange(40)
        row = None if rng.random() < 0.15 else (str(k), f"n{rng.randrange(3)}",
                                                   str(rng.randrange(5)))
        written.append((str(k), row))
        value = None if row is None else json.dumps(
            {"k": k, "name": row[1], "v": int(row[2])}).encode()
        producer.produce(topic, key=json.dumps({"k": k}).encode(), value=value,
                         partition=k % 2)
    assert producer.flush(30) == 0
    table = f"""
        SET 'sql-client.execution.result-mode' = 'changelog';
        SET 'parallelism.default' = '2';
        CREATE TABLE u (k BIGINT, name STRING, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH (
          'connector' = 'upsert-kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}', 'key.format' = 'json',
          'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');"""
    proc = weir("sql", "--format", "csv", "-e", table + "SELECT * FROM u;")
    want = by_key(normalize_upserts(written))
    assert by_key(changes_of(proc.stdout)) == want
    final = {}
    for key, row in written:
        if row is None:
            final.pop(key, None)
        else:
            final[key] = row
    total = weir("sql", "--format", "csv", "-e", table.replace("'changelog'", "'table'") +
                 "SELECT COUNT(*) AS n, SUM(v) AS s FROM u;")
    assert total.stdout.strip().splitlines()[-1] == \
        f"{len(final)},{sum(int(r[2]) for r in final.values())}"
    # Batch mode takes insert-only sources, as in Flink.
    batch = weir("sql", "-e", "SET 'execution.runtime-mode' = 'batch';" + table +
                 "SELECT * FROM u;", check=False)
    assert batch.returncode == 1
    assert "only possible for INSERT-only table sources" in batch.stderr
    assert "table 'u'" in batch.stderr


def test_aggregation_through_upsert_kafka_and_back(broker, weir):
    # A GROUP BY written to upsert-kafka, then read back by another job: the table
    # holds the aggregation's final rows, and a key that left (its group emptied by
    # the counts-of-counts) is gone.
    topic = make_topic(broker, 2)
    proc = weir("sql", "-e", f"""
        CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' =
          'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000');
        {upsert_table(broker, topic, "cnt BIGINT, keys BIGINT", "cnt")}
        INSERT INTO counts SELECT cnt, COUNT(*) FROM (SELECT MOD(id, 7) AS k,
          COUNT(*) AS cnt FROM gen GROUP BY MOD(id, 7)) GROUP BY cnt;""")
    assert proc.returncode == 0, proc.stderr
    table = upsert_table(broker, topic, "cnt BIGINT, keys BIGINT", "cnt").replace(
        "'value.format' = 'json'", "'value.format' = 'json', 'scan.bounded.mode' = "
        "'latest-offset'")
    read = weir("sql", "--format", "csv", "-e", table + "SELECT * FROM counts;")
    rows = sorted(read.stdout.strip().splitlines()[1:])
    # 1000 ids over 7 keys: six keys of 143 and one of 142.
    assert rows == ["142,1", "143,6"], read.stdout


DEBEZIUM_EVENTS = [
    {"before": None, "after": {"id": 101, "name": "scooter", "weight": 3.14}, "op": "r",
     "source": {"db": "inventory"}, "ts_ms": 1589355606100},
    {"before": None, "after": {"id": 102, "name": "battery", "weight": 8.1}, "op": "c"},
    {"before": {"id": 101, "name": "scooter", "weight": 3.14},
     "after": {"id": 101, "name": "scooter", "weight": 5.18}, "op": "u"},
    {"before": {"id": 102, "name": "battery", "weight": 8.1}, "after": None, "op": "d"},
    None,  # the tombstone Debezium writes after a delete: skipped
    {"before": None, "after": {"id": 103, "name": "12-pack", "weight": 0.8}, "op": "c"},
]


def debezium_table(broker, topic, extra=""):
    return f"""
        SET 'sql-client.execution.result-mode' = 'changelog';
        CREATE TABLE products (id INT, name STRING, weight DECIMAL(10, 2)) WITH (
          'connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{broker}',
          'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
          'format' = 'debezium-json'{extra});"""


@pytest.mark.parametrize("schema_include", [False, True])
def test_debezium_json_is_read_as_a_changelog(broker, weir, schema_include):
    # Flink's debezium-json page: snapshot reads and creates are +I, an update -U/+U,
    # a delete -D; with the schema included each event is wrapped in a payload.
    topic = make_topic(broker, 1)
    producer = Producer({"bootstrap.servers": broker})
    for event in DEBEZIUM_EVENTS:
        if event is not None and schema_include:
            event = {"schema": {"type": "struct", "optional": False}, "payload": event}
        producer.produce(topic, value=None if event is None else json.dumps(event).encode())
    assert producer.flush(30) == 0
    extra = ", 'debezium-json.schema-include' = 'true'" if schema_include else ""
    proc = weir("sql", "--format", "csv", "-e", debezium_table(broker, topic, extra) +
                "SELECT * FROM products;")
    assert changes_of(proc.stdout) == [
        ("+I", ("101", "scooter", "3.14")), ("+I", ("102", "battery", "8.10")),
        ("-U", ("101", "scooter", "3.14")), ("+U", ("101", "scooter", "5.18")),
        ("-D", ("102", "battery", "8.10")), ("+I", ("103", "12-pack", "0.80"))]
    total = weir("sql", "--format", "csv", "-e",
                 debezium_table(broker, topic, extra).replace("'changelog'", "'table'") +
                 "SELECT COUNT(*) AS n, SUM(weight) AS w FROM products;")
    assert total.stdout.strip().splitlines()[-1] == "2,5.98"


def test_upsert_kafka_to_upsert_kafka_aggregation_under_kill(broker, tmp_path):
    # An upsert topic (latest value per key, tombstones) aggregated into another
    # upsert topic, killed (-9) twice and restarted at other parallelisms: the output,
    # compacted, is the aggregation of the input's final rows, computed here.
    source = make_topic(broker, 2)
    sink = make_topic(broker, 2)
    import random
    rng = random.Random(11)
    producer = Producer({"bootstrap.servers": broker, "linger.ms": 20})
    final = {}
    for i in range(150_000):
        k = rng.randrange(2000)
        v = None if rng.random() < 0.1 else rng.randrange(100)
        producer.produce(source, key=json.dumps({"k": k}).encode(),
                         value=None if v is None else json.dumps({"k": k, "v": v}).encode())
        if v is None:
            final.pop(k, None)
        else:
            final[k] = v
        if i % 20000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    script = tmp_path / "job.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '{tmp_path}/chk';
SET 'parallelism.default' = '${{P}}';
CREATE TABLE u (k BIGINT, v INT, PRIMARY KEY (k) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '{source}',
  'properties.bootstrap.servers' = '{broker}', 'key.format' = 'json',
  'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');
{upsert_table(broker, sink, "g BIGINT, n BIGINT, s BIGINT", "g")}
INSERT INTO counts SELECT MOD(k, 10), COUNT(*), SUM(v) FROM u GROUP BY MOD(k, 10);
""")
    kill_then_resume(script, ((0.8, 2), (0.8, 1)), final_parallelism=2)
    want = {}
    for k, v in final.items():
        n, total = want.get(k % 10, (0, 0))
        want[k % 10] = (n + 1, total + v)
    got = compact(consume_all(broker, sink))
    assert got == {json.dumps({"g": g}): {"g": g, "n": n, "s": total}
                   for g, (n, total) in want.items()}


def test_debezium_json_sink_writes_the_changelog(broker, weir):
    # A GROUP BY into a debezium-json topic: +I/+U as creates, -U/-D as deletes
    # (Flink's encoding); replayed by this test, the events give the final counts.
    topic = make_topic(broker, 1)
    proc = weir("sql", "-e", f"""
        CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' =
          'sequence', 'fields.id.start' = '1', 'fields.id.end' = '500');
        CREATE TABLE out (k BIGINT, n BIGINT) WITH ('connector' = 'kafka',
          'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}',
          'format' = 'debezium-json');
        INSERT INTO out SELECT MOD(id, 3), COUNT(*) FROM gen GROUP BY MOD(id, 3);""")
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for _, value in consume_all(broker, topic):
        event = json.loads(value)
        assert set(event) == {"before", "after", "op"} and event["op"] in ("c", "d")
        if event["op"] == "c":
            assert event["before"] is None
            rows[event["after"]["k"]] = event["after"]["n"]
        else:
            assert event["after"] is None and rows.pop(event["before"]["k"]) == \
                event["before"]["n"]
    assert rows == {0: 166, 1: 167, 2: 167}
    # A debezium-json table takes updates; a json one refuses them as Flink does.
    refused = weir("sql", "-e", f"""
        CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
        CREATE TABLE plain (k BIGINT, n BIGINT) WITH ('connector' = 'kafka',
          'topic' = '{topic}', 'properties.bootstrap.servers' = '{broker}', 'format' = 'json');
        INSERT INTO plain SELECT MOD(id, 3), COUNT(*) FROM gen GROUP BY MOD(id, 3);""",
                   check=False)
    assert refused.returncode == 1
    assert "doesn't support consuming update changes" in refused.stderr


def test_changelog_records_that_do_not_decode_are_clear_errors(broker, weir):
    topic = make_topic(broker, 1)
    producer = Producer({"bootstrap.servers": broker})
    producer.produce(topic, value=json.dumps(
        {"before": None, "after": {"id": 1, "name": "x", "weight": 1}, "op": "c"}).encode())
    producer.produce(topic, value=json.dumps(
        {"before": None, "after": {"id": 1, "name": "y", "weight": 2}, "op": "u"}).encode())
    producer.produce(topic, value=json.dumps({"after": {"id": 2}, "op": "x"}).encode())
    assert producer.flush(30) == 0
    proc = weir("sql", "-e", debezium_table(broker, topic) + "SELECT * FROM products;",
                check=False)
    assert proc.returncode == 1
    assert "partition 0 at offset 1 is not a Debezium change event" in proc.stderr
    assert "REPLICA IDENTITY" in proc.stderr
    skipped = weir("sql", "--format", "csv", "-e", debezium_table(
        broker, topic, ", 'debezium-json.ignore-parse-errors' = 'true'") +
        "SELECT * FROM products;")
    assert changes_of(skipped.stdout) == [("+I", ("1", "x", "1.00"))]
    # upsert-kafka: a record without a key cannot say which row it changes.
    keyless = make_topic(broker, 1)
    producer.produce(keyless, value=b'{"k": 1, "n": 2}')
    assert producer.flush(30) == 0
    proc = weir("sql", "-e", upsert_table(broker, keyless, "k BIGINT, n BIGINT", "k")
                .replace("'value.format' = 'json'", "'value.format' = 'json', "
                         "'scan.bounded.mode' = 'latest-offset'") + "SELECT * FROM counts;",
                check=False)
    assert proc.returncode == 1
    assert "needs a key (the primary key)" in proc.stderr and "offset 0" in proc.stderr


def test_broker_stopped_mid_job_fails_the_job_clearly(broker, tmp_path):
    # Runs last: it stops the module's broker.
    topic = make_topic(broker, 2)
    produce(broker, topic, events(0, 1000))
    script = tmp_path / "job.sql"
    script.write_text(f"""
{kafka_table(broker, topic, ", 'scan.broker-timeout' = '5 s'")}
CREATE TABLE out_t (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO out_t SELECT id FROM src;
""")
    proc = subprocess.Popen([str(weir_binary()), "sql", "-f", str(script)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "stop"], check=True, timeout=120)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 1
    assert "unreachable for more than 5 s" in err
