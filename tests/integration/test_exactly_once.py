"""Fault tests of the exactly-once Parquet sink: kill -9 at random moments, in-process
failures, stop with savepoint and damaged checkpoints. DuckDB and pyarrow are the
oracles: the table must hold every generated row exactly once, in valid files only."""
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

BINARY = ROOT / "build" / "examples" / "exactly_once_pipeline"


def command(out: Path, ckpt: Path, rows: int, parallelism: int, rate=0, partitions=7,
            interval_ms=200, file_size=256 * 1024, extra=()):
    return [str(BINARY), "--rows", str(rows), "--rate", str(rate), "--output", str(out),
            "--checkpoint-dir", str(ckpt), "--checkpoint-interval-ms", str(interval_ms),
            "--partitions", str(partitions), "--parallelism", str(parallelism),
            "--file-size-bytes", str(file_size), *extra]


def check_table(out: Path, rows: int, partitions: int):
    """Exactly `rows` rows, each id once, correct payloads, valid visible files."""
    visible = [p for p in out.rglob("*") if p.is_file()
               and not p.name.startswith((".", "_"))]
    assert visible, "no visible files"
    for p in visible:
        pq.read_metadata(p)  # every visible file is complete, valid Parquet
    for d in out.iterdir():
        assert d.name.startswith("part="), d
        assert (d / "_SUCCESS").exists(), f"partition {d.name} was not committed"
    got = duckdb.sql(f"""
        select count(*), count(distinct id), min(id), max(id),
               count(*) filter (where payload <> 'payload-' || id::varchar),
               count(*) filter (where part <> id % {partitions})
        from read_parquet('{out}/**/*.parquet', hive_partitioning = true)""").fetchall()
    assert got == [(rows, rows, 0, rows - 1, 0, 0)]
    leftovers = [p for p in out.rglob(".*")]
    assert not leftovers, f"in-progress files left behind: {leftovers[:5]}"


@pytest.mark.parametrize("parallelism", [1, 2])
def test_kill_9_at_random_moments_then_restart_gives_each_row_once(tmp_path, parallelism):
    rows, partitions = 400_000, 7
    out, ckpt = tmp_path / "table", tmp_path / "checkpoints"
    rng = random.Random(4242 + parallelism)
    cmd = command(out, ckpt, rows, parallelism, rate=150_000, partitions=partitions)
    kills = 0
    for _ in range(5):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(rng.uniform(0.1, 1.0))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills >= 3
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restored from" in done.stdout
    assert f"committed {rows} rows" in done.stdout
    check_table(out, rows, partitions)
    # Running again with the same checkpoint directory changes nothing.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    check_table(out, rows, partitions)


@pytest.mark.parametrize("parallelism", [1, 2])
def test_failure_at_a_random_record_restarts_from_the_last_checkpoint(tmp_path,
                                                                     parallelism):
    rows, partitions = 300_000, 5
    out, ckpt = tmp_path / "table", tmp_path / "checkpoints"
    fail_at = random.Random(7 + parallelism).randrange(50_000, rows - 1)
    cmd = command(out, ckpt, rows, parallelism, rate=200_000, partitions=partitions,
                  extra=("--fail-at-row", str(fail_at)))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"injected failure at row {fail_at}" in done.stderr
    assert "(1 restarts" in done.stdout
    check_table(out, rows, partitions)


def test_sigterm_stops_with_a_savepoint_and_the_next_run_continues(tmp_path):
    rows, partitions = 300_000, 4
    out, ckpt = tmp_path / "table", tmp_path / "checkpoints"
    cmd = command(out, ckpt, rows, 2, rate=100_000, partitions=partitions,
                  interval_ms=10_000)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.2)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stdout + stderr
    assert "stopped with savepoint" in stderr
    committed = duckdb.sql(
        f"select count(*) from read_parquet('{out}/**/*.parquet')").fetchall()[0][0]
    assert 0 < committed < rows  # what the savepoint covered is visible already
    # Stopping rolled every open file, so nothing stays hidden until a restore.
    assert not list(out.rglob(".*"))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "restored from" in done.stdout and "savepoint-" in done.stdout
    check_table(out, rows, partitions)


def test_a_damaged_newest_checkpoint_is_skipped_with_a_warning(tmp_path):
    """A crash while checkpoint n+1 was being stored leaves its folder with state files
    and a damaged manifest; nothing was published for it, so skipping it to n is safe.
    (Damage to a checkpoint *after* its completion published files cannot be undone by
    skipping it: see docs/design/checkpoints.md.)"""
    import shutil
    rows, partitions = 300_000, 3
    out, ckpt = tmp_path / "table", tmp_path / "checkpoints"
    cmd = command(out, ckpt, rows, 1, rate=100_000, partitions=partitions, interval_ms=150)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and len(list(ckpt.glob("chk-*/_metadata"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    completed = sorted(ckpt.glob("chk-*/_metadata"),
                       key=lambda p: int(p.parent.name.split("-")[1]))
    assert completed
    newest_id = max(int(p.name.split("-")[1]) for p in ckpt.glob("chk-*"))
    half = ckpt / f"chk-{newest_id + 1}"
    shutil.copytree(completed[-1].parent, half)
    manifest = half / "_metadata"
    manifest.write_bytes(manifest.read_bytes()[:-5] + b"XXXX\n")  # torn: bad checksum
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"skipping checkpoint {newest_id + 1}" in done.stderr
    assert "corrupt" in done.stderr
    check_table(out, rows, partitions)


def test_bad_checkpoint_directory_is_a_clear_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    done = subprocess.run(command(tmp_path / "t", not_a_dir, 10, 1), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "checkpoint directory" in done.stderr and str(not_a_dir) in done.stderr
