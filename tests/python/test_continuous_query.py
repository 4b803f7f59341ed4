"""A SELECT over unbounded sources from Python: execute_sql returns at once, and
collect() and print() show the changes as they happen until closed or Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

import weir
from weir.common import RowKind
from weir.table import EnvironmentSettings, ResultKind, TableEnvironment

SOURCE = ("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', "
          "'rows-per-second' = '5000', 'fields.id.min' = '0', 'fields.id.max' = '1000')")


@pytest.fixture
def env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    env.execute_sql(SOURCE)
    return env


def test_collect_reads_rows_until_closed(env) -> None:
    started = time.monotonic()
    result = env.execute_sql("SELECT id, id * 2 AS twice FROM g WHERE id >= 0")
    assert time.monotonic() - started < 5  # it returned while the job runs
    assert result.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert result.get_table_schema().get_field_names() == ["id", "twice"]
    rows = []
    with result.collect() as it:
        for row in it:
            assert row.twice == 2 * row.id and row.get_row_kind() == RowKind.INSERT
            rows.append(row)
            if len(rows) == 500:
                break
    assert len(rows) == 500
    # The job was cancelled when the iterator closed: the environment runs more.
    assert env.execute_sql("SELECT 1 AS one").to_arrow()["one"][0].as_py() == 1


def test_an_updating_query_shows_its_changelog(env) -> None:
    result = env.execute_sql("SELECT MOD(id, 3) AS k, COUNT(*) AS n FROM g GROUP BY MOD(id, 3)")
    kinds = set()
    counts: dict = {}
    it = result.collect()
    for row in it:
        kinds.add(row.get_row_kind())
        if row.get_row_kind() in (RowKind.INSERT, RowKind.UPDATE_AFTER):
            counts[row.k] = row.n
        if RowKind.UPDATE_AFTER in kinds and len(counts) == 3:
            break
    it.close()
    assert {RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER} <= kinds
    assert set(counts) == {0, 1, 2}


def test_never_ending_results_refuse_to_arrow(env) -> None:
    result = env.execute_sql("SELECT id FROM g")
    with pytest.raises(weir.UserError, match="never ends"):
        result.to_arrow()
    result.wait(200)  # returns after the timeout, cancelling the job


def test_print_runs_until_ctrl_c() -> None:
    program = textwrap.dedent(f"""
        from weir.table import EnvironmentSettings, TableEnvironment
        env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        env.execute_sql(\"\"\"{SOURCE}\"\"\")
        result = env.execute_sql("SELECT id FROM g")
        print("running", flush=True)
        try:
            result.print()
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # start-up, then a second or two of rows
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert lines.pop(0) == "running"
    assert lines[0] == "| op | id |"
    assert lines[1].startswith("| +I | ")
    assert lines[-2].startswith("Received a total of ") and lines[-1] == "interrupted"
