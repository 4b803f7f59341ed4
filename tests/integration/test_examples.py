"""The runtime examples end to end, checked against DuckDB as an independent oracle."""
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

EXAMPLES = ROOT / "build" / "examples"


def write_events(path: Path, files=3, rows=20_000, seed=1, max_delay_ms=2_000):
    """Events with keys, timestamps at most max_delay_ms out of order, and values."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    start = np.datetime64("2024-05-01T00:00:00", "ms")
    for f in range(files):
        base = np.arange(f * rows, (f + 1) * rows, dtype=np.int64) * 37  # ms apart
        jitter = rng.integers(0, max_delay_ms, size=rows)
        ts = start + (base - jitter).astype("timedelta64[ms]")
        table = pa.table({
            "key": pa.array([f"user-{k}" for k in rng.integers(0, 50, size=rows)]),
            "ts": pa.array(ts),
            "value": pa.array(rng.integers(0, 1000, size=rows)),
            "other": pa.array(rng.normal(size=rows)),
        })
        pq.write_table(table, path / f"events-{f}.parquet", row_group_size=5_000)


def run(binary, *args, timeout=120):
    return subprocess.run([str(EXAMPLES / binary), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def duckdb_window_counts(events: Path, window_ms: int):
    return duckdb.sql(f"""
        SELECT key, time_bucket(INTERVAL '{window_ms} milliseconds', ts::TIMESTAMP,
                                TIMESTAMP '1970-01-01') AS window_start,
               count(*) AS cnt, sum(value) AS sum_value
        FROM read_parquet('{events}/*.parquet') GROUP BY ALL ORDER BY ALL""").fetchall()


@pytest.mark.parametrize("parallelism", [1, 2, 4])
def test_window_count_matches_duckdb(tmp_path, parallelism):
    events = tmp_path / "events"
    write_events(events)
    out = tmp_path / "counts"
    proc = run("window_count", "--input", events, "--output", out, "--window-ms", 60_000,
               "--parallelism", parallelism, "--out-of-orderness-ms", 2_000)
    assert proc.returncode == 0, proc.stderr
    assert "read 60000 rows" in proc.stdout
    ours = duckdb.sql(f"""
        SELECT key, window_start, cnt, sum_value FROM read_parquet('{out}/*.parquet')
        ORDER BY ALL""").fetchall()
    assert ours == duckdb_window_counts(events, 60_000)
    # window_end is window_start + size for every row; no hidden files are left.
    bad = duckdb.sql(f"""SELECT count(*) FROM read_parquet('{out}/*.parquet')
        WHERE window_end - window_start <> INTERVAL '60 seconds'""").fetchall()[0][0]
    assert bad == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_window_count_drops_late_events_beyond_the_bound(tmp_path):
    # Out-of-orderness 0 with jittered input: some events are late and are dropped,
    # never double counted; the total is at most the input.
    events = tmp_path / "events"
    write_events(events, files=1)
    out = tmp_path / "counts"
    proc = run("window_count", "--input", events, "--output", out, "--window-ms", 10_000,
               "--parallelism", 1)
    assert proc.returncode == 0, proc.stderr
    total = duckdb.sql(f"SELECT sum(cnt) FROM read_parquet('{out}/*.parquet')").fetchall()[0][0]
    assert 0 < total <= 20_000


def test_window_count_bad_input_is_a_clear_error(tmp_path):
    proc = run("window_count", "--input", tmp_path / "missing", "--output", tmp_path / "o",
               "--window-ms", 1000)
    assert proc.returncode == 1
    assert "missing" in proc.stderr
    events = tmp_path / "wrong"
    events.mkdir()
    pq.write_table(pa.table({"key": ["a"], "ts": [1]}), events / "x.parquet")
    proc = run("window_count", "--input", events, "--output", tmp_path / "o2",
               "--window-ms", 1000)
    assert proc.returncode == 1
    assert "value" in proc.stderr
    proc = run("window_count", "--input", events, "--output", tmp_path / "o3",
               "--window-ms", 0)
    assert proc.returncode == 1 and "window-ms" in proc.stderr


def test_parquet_filter_pushes_down_and_matches_duckdb(tmp_path):
    events = tmp_path / "events"
    write_events(events)
    out = tmp_path / "filtered"
    proc = run("parquet_filter", "--input", events, "--output", out,
               "--where", "value > 990 AND key = 'user-7'", "--columns", "key,ts,value",
               "--parallelism", 2)
    assert proc.returncode == 0, proc.stderr
    ours = duckdb.sql(f"SELECT * FROM read_parquet('{out}/*.parquet') ORDER BY ALL").fetchall()
    want = duckdb.sql(f"""SELECT key, ts, value FROM read_parquet('{events}/*.parquet')
        WHERE value > 990 AND key = 'user-7' ORDER BY ALL""").fetchall()
    assert ours == want and len(want) > 0


def test_sigint_cancels_a_running_job_promptly(tmp_path):
    # A large input keeps the job busy long enough to interrupt it.
    events = tmp_path / "events"
    write_events(events, files=4, rows=400_000)
    out = tmp_path / "counts"
    proc = subprocess.Popen([str(EXAMPLES / "window_count"), "--input", str(events),
                             "--output", str(out), "--window-ms", "1000",
                             "--parallelism", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    if proc.poll() is not None:
        pytest.skip("job finished before it could be interrupted")
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - start < 5.0  # well under a second when idle; CI is loaded
    assert proc.returncode != 0
    assert "cancel" in err.lower()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_sessionize_prints_sessions_covering_every_click(tmp_path):
    proc = run("sessionize", "--events", 5000, "--users", 4, "--gap-ms", 30,
               "--parallelism", 2)
    assert proc.returncode == 0, proc.stderr
    lines = [l for l in proc.stdout.splitlines() if l.startswith("session> +I[")]
    assert lines, proc.stdout
    clicks = 0
    for line in lines:
        user, start, end, count, total = line[len("session> +I["):-1].split(", ")
        assert 0 <= int(user) < 4
        clicks += int(count)
        assert int(total) >= 100 * int(count)  # durations are 100…5000 ms
        assert start < end
    assert clicks == 5000
    assert "5000 clicks" in proc.stderr
    bad = run("sessionize", "--gap-ms", 0)
    assert bad.returncode == 1 and "gap" in bad.stderr
