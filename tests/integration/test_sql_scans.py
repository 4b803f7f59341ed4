"""Plans with many scans and nested subqueries finish (no pool thread waits for work
queued behind it), at parallelism 1 and 4; DuckDB is the oracle. A query that cannot
make progress fails with a clear error instead of waiting forever."""
import csv
import io
import os
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

SCANS = 50


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    root = tmp_path_factory.mktemp("scans")
    n = 20_000
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "grp": pa.array([i % 50 for i in range(n)], pa.int32()),
        "name": pa.array([f"n{i % 97}" for i in range(n)], pa.string_view()),
    })
    path = root / "events.parquet"
    pq.write_table(table, path, row_group_size=1000)  # many row groups per scan
    return path


def run(weir, path, parallelism, query):
    script = (f"SET 'execution.runtime-mode' = 'batch';\n"
              f"SET 'parallelism.default' = '{parallelism}';\n"
              f"CREATE TABLE events (id BIGINT, grp INT, name STRING) WITH ("
              f"'connector' = 'filesystem', 'path' = '{path}', 'format' = 'parquet');\n"
              f"{query};")
    proc = weir("sql", "--format", "csv", "-e", script, timeout=120)
    return [tuple(row) for row in list(csv.reader(io.StringIO(proc.stdout)))[1:]]


@pytest.mark.parametrize("parallelism", [1, 4])
def test_fifty_scans_in_one_query(weir, events, parallelism):
    query = " UNION ALL ".join(
        f"SELECT {i} AS k, COUNT(*) AS c FROM events WHERE grp >= {i}" for i in range(SCANS))
    got = sorted((int(k), int(c)) for k, c in run(weir, events, parallelism, query))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{events}')")
    want = sorted(con.execute(query).fetchall())
    assert got == want


@pytest.mark.parametrize("parallelism", [1, 4])
def test_nested_subqueries_and_joins(weir, events, parallelism):
    # Subqueries inside subqueries, each with its own scans, joined back together.
    query = """
        SELECT e.grp, COUNT(*) AS c FROM events e
        JOIN (SELECT grp FROM events WHERE id IN (SELECT id FROM events WHERE name IN
              (SELECT name FROM events WHERE grp IN (SELECT grp FROM events WHERE id < 7))))
             g ON e.grp = g.grp
        WHERE e.id > (SELECT AVG(id) FROM events WHERE grp = e.grp) - 5000
          AND EXISTS (SELECT 1 FROM events x WHERE x.grp = e.grp AND x.name = e.name)
        GROUP BY e.grp"""
    got = sorted((int(g), int(c)) for g, c in run(weir, events, parallelism, query))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{events}')")
    want = sorted(con.execute(query).fetchall())
    assert got == want and got


def test_query_that_cannot_progress_fails_clearly(weir, tmp_path):
    # A CSV "file" that is a FIFO nobody writes to: opening it blocks forever at
    # 0% CPU, as a hung network mount would. The stall watchdog ends the query.
    fifo = tmp_path / "never.csv"
    os.mkfifo(fifo)
    script = ("SET 'execution.runtime-mode' = 'batch';\n"
              "SET 'weir.execution.stall-timeout' = '2 s';\n"
              f"CREATE TABLE never (a INT) WITH ('connector' = 'filesystem', "
              f"'path' = '{fifo}', 'format' = 'csv');\n"
              "SELECT COUNT(*) FROM never;")
    start = time.monotonic()
    proc = weir("sql", "-e", script, check=False, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "made no progress for 2 s" in proc.stderr, proc.stderr
    assert "weir.execution.stall-timeout" in proc.stderr
    assert time.monotonic() - start < 30


def test_stall_timeout_rejects_bad_values(weir):
    proc = weir("sql", "-e", "SET 'weir.execution.stall-timeout' = 'soon';", check=False)
    assert proc.returncode == 1
    assert "weir.execution.stall-timeout" in proc.stderr, proc.stderr
