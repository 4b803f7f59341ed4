"""The GIL is released while the engine runs, and Ctrl-C (SIGINT) cancels a running
job or query with KeyboardInterrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

PROGRAM_PREFIX = textwrap.dedent("""
    import sys, time
    from weir.table import DataTypes, EnvironmentSettings, TableEnvironment, udf
""")


def run_and_interrupt(body: str) -> subprocess.CompletedProcess:
    process = subprocess.Popen([sys.executable, "-c", PROGRAM_PREFIX + textwrap.dedent(body)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "running", line + process.stderr.read()
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode,
                                       line + out, err), time.monotonic() - started


@pytest.mark.parametrize("mode", ["streaming", "batch"])
def test_ctrl_c_cancels(mode: str) -> None:
    if mode == "streaming":
        body = """
            env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
            env.execute_sql("CREATE TABLE g (x BIGINT) WITH ('connector' = 'datagen', "
                            "'rows-per-second' = '1000')")
            env.execute_sql("CREATE TABLE b (x BIGINT) WITH ('connector' = 'blackhole')")
            statement = "INSERT INTO b SELECT x FROM g"
        """
    else:
        body = """
            env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
            @udf(result_type=DataTypes.BIGINT())
            def slow(x):
                time.sleep(0.001)
                return x
            env.create_temporary_function("slow", slow)
            env.execute_sql("CREATE TABLE g (x BIGINT) WITH ('connector' = 'datagen', "
                            "'number-of-rows' = '10000000')")
            statement = "SELECT SUM(slow(x)) FROM g"
        """
    body = textwrap.dedent(body) + textwrap.dedent("""
        print("running", flush=True)
        try:
            env.execute_sql(statement)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        print("finished", flush=True)
    """)
    result, took = run_and_interrupt(body)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "interrupted" in result.stdout
    assert took < 10


def test_the_gil_is_released_while_a_query_runs(batch_env) -> None:
    batch_env.execute_sql("CREATE TABLE g (x BIGINT) WITH ('connector' = 'datagen', "
                          "'number-of-rows' = '3000000')")
    done = threading.Event()
    ticks = 0

    def run() -> None:
        batch_env.execute_sql("SELECT COUNT(DISTINCT x) FROM g").to_arrow()
        done.set()

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.monotonic() - started
    # The query held the GIL for none of that time: this thread kept ticking.
    assert elapsed < 0.05 or ticks > elapsed * 200, (ticks, elapsed)
