"""Filesystem tables in the csv and json formats: exactly-once streaming writes that
survive kill -9, every type written and read back, and bad input. DuckDB reads what
weir writes as the independent oracle."""
import datetime
import decimal
import json
import signal
import subprocess
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import weir_binary

STREAM_SCRIPT = """
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '2';
CREATE TABLE gen (id BIGINT, v INT, name STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '60000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '150000',
  'fields.v.min' = '0', 'fields.v.max' = '99', 'fields.name.length' = '6');
CREATE TABLE out_t (id BIGINT, v INT, name STRING, part STRING)
PARTITIONED BY (part) WITH ('connector' = 'filesystem', 'path' = '${DIR}/out',
  'format' = '${FORMAT}', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO out_t SELECT id, v, CONCAT(name, ',"x'), CAST(MOD(id, 3) AS STRING)
FROM gen WHERE v >= 10;
"""


def read_out(fmt, root):
    if fmt == "csv":
        source = (f"read_csv('{root}/**/*.csv', header = false, hive_partitioning = true, "
                  "columns = {'id': 'BIGINT', 'v': 'INT', 'name': 'VARCHAR'})")
    else:
        source = (f"read_json('{root}/**/*.json', format = 'newline_delimited', "
                  "hive_partitioning = true, "
                  "columns = {'id': 'BIGINT', 'v': 'INT', 'name': 'VARCHAR'})")
    return duckdb.sql(
        f"select count(*), count(distinct id), count(*) filter (where v < 10), "
        f"count(*) filter (where not ends_with(name, ',\"x')) from {source}").fetchall()[0]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_streaming_insert_exactly_once_after_kill(tmp_path, fmt):
    script = tmp_path / "stream.sql"
    script.write_text(STREAM_SCRIPT)
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}",
           "-D", f"FORMAT={fmt}"]
    for delay in (0.8, 1.3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    out = tmp_path / "out"
    assert list(out.rglob(f"*.{fmt}")) and not list(out.rglob(".*inprogress*"))
    rows, ids, low_v, bad_name = read_out(fmt, out)
    assert rows == ids and low_v == 0 and bad_name == 0
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    subprocess.run([str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={ref_dir}",
                    "-D", f"FORMAT={fmt}"], check=True, capture_output=True, timeout=300)
    assert rows == read_out(fmt, ref_dir / "out")[0]
    for part in ("0", "1", "2"):
        assert (out / f"part={part}" / "_SUCCESS").exists()


def every_type_table():
    return pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "name": ['a,b "q"', None, "line\nbreak é"],
        "price": pa.array([decimal.Decimal("12.34"), None, decimal.Decimal("-0.50")],
                          pa.decimal128(10, 2)),
        "ts": pa.array([datetime.datetime(2024, 1, 31, 12, 0, 0, 123000), None,
                        datetime.datetime(1999, 12, 31, 23, 59, 59)], pa.timestamp("ms")),
        "d": pa.array([datetime.date(2024, 1, 31), None, datetime.date(1970, 1, 1)]),
        "ok": [True, None, False],
        "x": [1.5, None, -1e300],
        "tags": pa.array([["x", "y"], None, ["q", None]], pa.list_(pa.string())),
        "attrs": pa.array([[("k", 1)], None, [("a", 2), ("b", 3)]],
                          pa.map_(pa.string(), pa.int32())),
        "r": pa.array([{"a": 1, "b": "z"}, None, {"a": None, "b": "w"}],
                      pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "dt": ["2024-01-31", "2024-02-01", "2024-02-01"],
    })


COLUMNS = """id BIGINT, name STRING, price DECIMAL(10, 2), ts TIMESTAMP(3), d DATE,
  ok BOOLEAN, x DOUBLE"""
NESTED = "tags ARRAY<STRING>, attrs MAP<STRING, INT>, r ROW<a INT, b STRING>"


def test_every_type_round_trips_through_json_and_csv(weir, tmp_path):
    (tmp_path / "src").mkdir()
    pq.write_table(every_type_table(), tmp_path / "src" / "x.parquet")
    weir("sql", "-D", f"DIR={tmp_path}", "-e", f"""
        CREATE TABLE src ({COLUMNS}, {NESTED}, dt STRING) WITH ('connector' = 'filesystem',
          'path' = '${{DIR}}/src', 'format' = 'parquet');
        CREATE TABLE j ({COLUMNS}, {NESTED}, dt STRING) PARTITIONED BY (dt) WITH (
          'connector' = 'filesystem', 'path' = '${{DIR}}/j', 'format' = 'json');
        CREATE TABLE c ({COLUMNS}, dt STRING) PARTITIONED BY (dt) WITH (
          'connector' = 'filesystem', 'path' = '${{DIR}}/c', 'format' = 'csv',
          'csv.null-literal' = '\\N');
        INSERT INTO j SELECT * FROM src;
        INSERT INTO c SELECT id, name, price, ts, d, ok, x, dt FROM src;""")
    # weir reads back exactly what it read from Parquet.
    query = """SELECT id, name, price, ts, d, ok, x, {extra} dt FROM {t} ORDER BY id"""
    both = f"""
        CREATE TABLE src ({COLUMNS}, {NESTED}, dt STRING) WITH ('connector' = 'filesystem',
          'path' = '${{DIR}}/src', 'format' = 'parquet');
        CREATE TABLE j ({COLUMNS}, {NESTED}, dt STRING) PARTITIONED BY (dt) WITH (
          'connector' = 'filesystem', 'path' = '${{DIR}}/j', 'format' = 'json');
        CREATE TABLE c ({COLUMNS}, dt STRING) PARTITIONED BY (dt) WITH (
          'connector' = 'filesystem', 'path' = '${{DIR}}/c', 'format' = 'csv',
          'csv.null-literal' = '\\N');
        {query.format(extra="tags, attrs, r,", t="src")};
        {query.format(extra="tags, attrs, r,", t="j")};
        {query.format(extra="", t="src")};
        {query.format(extra="", t="c")};"""
    lines = weir("sql", "--format", "json", "-D", f"DIR={tmp_path}", "-e", both).stdout
    rows = [json.loads(line) for line in lines.splitlines()]
    assert rows[0:3] == rows[3:6] and rows[6:9] == rows[9:12]
    assert rows[3]["price"] == 12.34 and rows[5]["name"] == "line\nbreak é"
    assert rows[5]["tags"] == ["q", None] and rows[5]["r"] == {"a": None, "b": "w"}
    # DuckDB reads the same values from the files weir wrote.
    jrows = duckdb.sql(f"""
        select id, name, price, ts, d, ok, x, tags, r.b from read_json(
          '{tmp_path}/j/**/*.json', format = 'newline_delimited', hive_partitioning = false,
          columns = {{
          'id': 'BIGINT', 'name': 'VARCHAR', 'price': 'DECIMAL(10, 2)',
          'ts': 'TIMESTAMP', 'd': 'DATE', 'ok': 'BOOLEAN', 'x': 'DOUBLE',
          'tags': 'VARCHAR[]', 'r': 'STRUCT(a INT, b VARCHAR)'}}) order by id""").fetchall()
    crows = duckdb.sql(f"""
        select * from read_csv('{tmp_path}/c/**/*.csv', header = false, nullstr = '\\N', hive_partitioning = false,
          columns = {{'id': 'BIGINT', 'name': 'VARCHAR', 'price': 'DECIMAL(10, 2)',
          'ts': 'TIMESTAMP', 'd': 'DATE', 'ok': 'BOOLEAN', 'x': 'DOUBLE'}}) order by id
        """).fetchall()
    want = [
        (1, 'a,b "q"', decimal.Decimal("12.34"), datetime.datetime(2024, 1, 31, 12, 0, 0, 123000),
         datetime.date(2024, 1, 31), True, 1.5),
        (2, None, None, None, None, None, None),
        (3, "line\nbreak é", decimal.Decimal("-0.50"), datetime.datetime(1999, 12, 31, 23, 59, 59),
         datetime.date(1970, 1, 1), False, -1e300),
    ]
    assert crows == want
    assert [r[:7] for r in jrows] == want
    assert [r[7:] for r in jrows] == [(["x", "y"], "z"), (None, None), (["q", None], "w")]


def test_bad_json_lines_fail_with_file_and_line_or_are_skipped(weir, tmp_path):
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "a.json").write_text(
        '{"id": 1, "d": "2024-01-31"}\n\n{"id": 2, "d": "2024-02-30"}\n{"id": 3}\n')
    table = """CREATE TABLE j (id BIGINT, d DATE) WITH ('connector' = 'filesystem',
          'path' = '${{DIR}}/j', 'format' = 'json'{extra});
          SELECT id, d FROM j ORDER BY id"""
    bad = weir("sql", "-D", f"DIR={tmp_path}", "-e", table.format(extra=""), check=False)
    assert bad.returncode == 1
    assert "a.json" in bad.stderr and "line 3" in bad.stderr
    assert "field 'd'" in bad.stderr and "2024-02-30" in bad.stderr
    ok = weir("sql", "--format", "csv", "-D", f"DIR={tmp_path}", "-e",
              table.format(extra=", 'json.ignore-parse-errors' = 'true'"))
    assert ok.stdout == "id,d\n1,2024-01-31\n3,\n"


def test_csv_cannot_hold_nested_columns(weir, tmp_path):
    proc = weir("sql", "-D", f"DIR={tmp_path}", "-e", """
        CREATE TABLE c (id BIGINT, tags ARRAY<STRING>) WITH ('connector' = 'filesystem',
          'path' = '${DIR}/c', 'format' = 'csv')""", check=False)
    assert proc.returncode == 1
    assert "cannot write column 'tags'" in proc.stderr
    proc = weir("sql", "-D", f"DIR={tmp_path}", "-e", """
        CREATE TABLE c (id BIGINT) WITH ('connector' = 'filesystem',
          'path' = '${DIR}/c', 'format' = 'csv', 'parquet.compression' = 'zstd')""",
                check=False)
    assert proc.returncode == 1 and "does not apply to format 'csv'" in proc.stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_continuous_text_source_kill_and_resume(tmp_path, fmt):
    src = tmp_path / "src"
    src.mkdir()

    def add_file(k):
        lines = [(f'{i},"n,{i}"' if fmt == "csv" else json.dumps({"id": i, "name": f"n,{i}"}))
                 for i in range(k * 1000, k * 1000 + 1000)]
        # Written under a hidden name and renamed, as a writer publishes a file.
        hidden = src / f".f{k}.{fmt}.tmp"
        hidden.write_text("\n".join(lines) + "\n")
        hidden.rename(src / f"f{k}.{fmt}")

    script = tmp_path / "cont.sql"
    script.write_text(f"""
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${{DIR}}/chk';
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'filesystem',
  'path' = '${{DIR}}/src', 'format' = '{fmt}', 'source.monitor-interval' = '100ms');
CREATE TABLE out_t (id BIGINT, name STRING) WITH ('connector' = 'filesystem',
  'path' = '${{DIR}}/out', 'format' = 'parquet');
INSERT INTO out_t SELECT id, name FROM src WHERE MOD(id, 2) = 0;
""")
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}"]

    def counts():
        return duckdb.sql(f"select count(*), count(distinct id), "
                          f"count(*) filter (where name <> 'n,' || id) from "
                          f"read_parquet('{tmp_path}/out/*.parquet')").fetchall()[0]

    add_file(0)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    add_file(1)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    add_file(2)
    # Restarted after the crash: resumes from the last checkpoint, reads file 2,
    # reads nothing twice; a SIGTERM then stops it with a final savepoint.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert counts() == (1500, 1500, 0)
