"""Stateful streaming SQL (GROUP BY on the streaming runtime): the changelog weir
prints is checked for consistency by a reference written here (every -U/-D retracts
exactly the row last emitted for its key), and the result of applying it is compared
with DuckDB over the same Parquet files."""
import random
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import weir_binary

LINE = re.compile(r"^(?:\d+> )?([+-][IUD])\[(.*)\]$")


def changelog(stdout):
    """The (kind, values) rows of print-sink output, in order."""
    rows = []
    for line in stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            rows.append((match.group(1), match.group(2).split(", ")))
    return rows


def apply_changelog(rows, key_len):
    """Applies a changelog keyed by its first `key_len` columns and checks it: +I
    and +U add a key that is absent, -U and -D remove exactly the current row."""
    state = {}
    for kind, values in rows:
        key, value = tuple(values[:key_len]), tuple(values[key_len:])
        if kind in ("+I", "+U"):
            assert key not in state, f"{kind}{values} while {key} holds {state.get(key)}"
            state[key] = value
        else:
            assert state.get(key) == value, f"{kind}{values} retracts {state.get(key)}"
            del state[key]
    return state


def write_events(folder, files=6, rows=400, seed=7):
    rng = random.Random(seed)
    folder.mkdir()
    for f in range(files):
        ks = [rng.randrange(12) for _ in range(rows)]
        vs = [rng.randrange(-50, 1000) if rng.random() > 0.05 else None for _ in range(rows)]
        ds = [Decimal(rng.randrange(-10000, 100000)) / 100 for _ in range(rows)]
        pq.write_table(pa.table({"k": pa.array(ks, pa.int32()), "v": pa.array(vs, pa.int64()),
                                 "d": pa.array(ds, pa.decimal128(10, 2))}),
                       folder / f"part-{f}.parquet")


def table_ddl(folder):
    return (f"CREATE TABLE ev (k INT, v BIGINT, d DECIMAL(10, 2)) WITH ("
            f"'connector' = 'filesystem', 'path' = '{folder}', 'format' = 'parquet');")


def test_group_aggregate_changelog_applies_to_duckdb_result(weir, tmp_path):
    events = tmp_path / "ev"
    write_events(events)
    proc = weir("sql", "-e", "SET 'parallelism.default' = '2';" + table_ddl(events) + """
        CREATE TABLE out_p (k INT, n BIGINT, nv BIGINT, s BIGINT, lo BIGINT, hi BIGINT,
                            sd DECIMAL(38, 2), ad DECIMAL(38, 6)) WITH ('connector' = 'print');
        INSERT INTO out_p SELECT k, COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), SUM(d), AVG(d)
        FROM ev GROUP BY k;""")
    rows = changelog(proc.stdout)
    assert any(kind == "-U" for kind, _ in rows), "expected updates across batches"
    final = apply_changelog(rows, 1)
    expected = duckdb.sql(
        f"SELECT k, COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), SUM(d) FROM "
        f"read_parquet('{events}/*.parquet') GROUP BY k").fetchall()
    assert len(final) == len(expected)
    table = pq.read_table(events)
    for k, n, nv, s, lo, hi, sd in expected:
        got = final[(str(k),)]
        assert [int(x) for x in got[:5]] == [n, nv, int(s), lo, hi]
        assert Decimal(got[5]) == sd
        ds = [d for kk, d in zip(table["k"].to_pylist(), table["d"].to_pylist()) if kk == k]
        avg = (sum(ds) / len(ds)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        assert Decimal(got[6]) == avg, (k, got[6], avg)


def test_retractions_through_two_aggregations(weir, tmp_path):
    # Flink's classic: how many keys have each count. The inner aggregation's
    # updates retract from the outer one's buckets, which empty (-D) and refill.
    events = tmp_path / "ev"
    write_events(events, files=8, rows=60)
    proc = weir("sql", "-e", "SET 'parallelism.default' = '2';" + table_ddl(events) + """
        CREATE TABLE hist (cnt BIGINT, keys BIGINT, lo INT) WITH ('connector' = 'print');
        INSERT INTO hist SELECT cnt, COUNT(*), MIN(k) FROM
          (SELECT k, COUNT(*) AS cnt FROM ev GROUP BY k) GROUP BY cnt;""")
    rows = changelog(proc.stdout)
    assert any(kind == "-D" for kind, _ in rows)
    final = apply_changelog(rows, 1)
    expected = duckdb.sql(
        f"SELECT cnt, COUNT(*), MIN(k) FROM (SELECT k, COUNT(*) AS cnt FROM "
        f"read_parquet('{events}/*.parquet') GROUP BY k) GROUP BY cnt").fetchall()
    assert {(str(c),): (str(n), str(lo)) for c, n, lo in expected} == final


def test_changelog_result_mode_shows_op_column(weir, tmp_path):
    events = tmp_path / "ev"
    write_events(events, files=3, rows=50)
    proc = weir("sql", "--format", "csv", "-e", table_ddl(events) + """
        SET 'parallelism.default' = '1';
        SET 'sql-client.execution.result-mode' = 'changelog';
        SELECT k, COUNT(*) AS n FROM ev WHERE k < 3 GROUP BY k;""")
    lines = proc.stdout.splitlines()
    assert lines[0] == "op,k,n"
    rows = [(line.split(",")[0], line.split(",")[1:]) for line in lines[1:]]
    final = apply_changelog(rows, 1)
    expected = duckdb.sql(f"SELECT k, COUNT(*) FROM read_parquet('{events}/*.parquet') "
                          f"WHERE k < 3 GROUP BY k").fetchall()
    assert final == {(str(k),): (str(n),) for k, n in expected}
    # The table mode (default) shows the final rows only.
    table = weir("sql", "--format", "csv", "-e", table_ddl(events) +
                 "SELECT k, COUNT(*) AS n FROM ev WHERE k < 3 GROUP BY k ORDER BY k;")
    assert table.stdout.splitlines()[1:] == [f"{k},{n}" for k, n in sorted(expected)]


def test_update_stream_into_append_only_sink_is_refused(weir, tmp_path):
    events = tmp_path / "ev"
    write_events(events, files=1, rows=10)
    proc = weir("sql", "-e", table_ddl(events) + f"""
        CREATE TABLE files (k INT, n BIGINT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path}/out', 'format' = 'parquet');
        INSERT INTO files SELECT k, COUNT(*) FROM ev GROUP BY k;""", check=False)
    assert proc.returncode == 1
    assert ("Table sink 'default_catalog.default_database.files' doesn't support consuming "
            "update changes which is produced by node GroupAggregate(groupBy=[k], "
            "select=[k, COUNT(*)])") in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_explain_changelog_mode(weir, tmp_path):
    events = tmp_path / "ev"
    write_events(events, files=1, rows=10)
    proc = weir("sql", "--format", "csv", "-e", table_ddl(events) + """
        EXPLAIN CHANGELOG_MODE SELECT cnt, COUNT(*) FROM
          (SELECT k, COUNT(*) AS cnt FROM ev GROUP BY k) GROUP BY cnt;""")
    plan = proc.stdout
    assert "changelogMode=[I,UB,UA,D]" in plan   # the outer aggregation
    assert "changelogMode=[I,UB,UA]" in plan     # the inner one: no deletes
    assert "changelogMode=[I]" in plan           # the scan


def savepoint_then_resume(tmp_path, script):
    """Runs a checkpointed script at parallelism 2, stops it with a savepoint
    (SIGTERM), resumes it at parallelism 1; returns both runs' changelogs."""
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}"]
    first = subprocess.Popen(cmd + ["-D", "P=2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    first.send_signal(signal.SIGTERM)
    out1, err1 = first.communicate(timeout=60)
    assert first.returncode == 0, err1
    second = subprocess.run(cmd + ["-D", "P=1"], capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 0, second.stderr
    rows1 = changelog(out1)
    assert rows1, "the first run emitted nothing before the savepoint"
    return rows1, changelog(second.stdout)


def test_aggregation_resumes_from_savepoint_at_another_parallelism(tmp_path):
    # SIGTERM stops the job with a savepoint; the same script resumes from it at
    # another parallelism. The two runs' changelogs together must be one
    # consistent changelog whose result is exact.
    script = tmp_path / "agg.sql"
    script.write_text("""
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20000');
CREATE TABLE out_p (m BIGINT, n BIGINT, s BIGINT, hi BIGINT) WITH ('connector' = 'print');
INSERT INTO out_p SELECT MOD(id, 7), COUNT(*), SUM(id), MAX(id) FROM gen GROUP BY MOD(id, 7);
""")
    rows1, rows2 = savepoint_then_resume(tmp_path, script)
    final = apply_changelog(rows1 + rows2, 1)
    expected = {}
    for i in range(1, 20001):
        n, s, hi = expected.get(i % 7, (0, 0, 0))
        expected[i % 7] = (n + 1, s + i, max(hi, i))
    assert final == {(str(m),): tuple(map(str, v)) for m, v in expected.items()}


WINDOW_SCRIPT = """
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE ev (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 10, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen',
  'rows-per-second' = '100000', 'fields.id.kind' = 'sequence',
  'fields.id.start' = '0', 'fields.id.end' = '299999');
CREATE TABLE agg (window_start TIMESTAMP(3), k BIGINT, n BIGINT, s BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO agg SELECT window_start, MOD(id, 10), COUNT(*), SUM(id)
FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTES))
GROUP BY window_start, window_end, MOD(id, 10);
"""


def run_killed_then_finish(tmp_path, script_text):
    """Runs a checkpointed INSERT script, kills it (-9) three times mid-run at other
    parallelisms, then lets it finish; returns the Parquet rows it committed."""
    script = tmp_path / "job.sql"
    script.write_text(script_text)
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}"]
    for delay, parallelism in ((0.9, 2), (1.1, 1), (1.0, 2)):
        proc = subprocess.Popen(cmd + ["-D", f"P={parallelism}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    committed_before_last_run = len(list((tmp_path / "out").rglob("*.parquet")))
    final = subprocess.run(cmd + ["-D", "P=1"], capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    assert "restores" in final.stderr, "the last run should resume from a checkpoint"
    assert committed_before_last_run > 0, "nothing was committed before the kills"
    return duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path}/out/**/*.parquet') "
                      f"ORDER BY ALL").fetchall()


def epoch_ms(ts):
    """Milliseconds since the epoch of a timestamp DuckDB returned (naive: UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return int(ts.timestamp() * 1000)


def window_sums():
    """WINDOW_SCRIPT's result computed here: (window start ms, key, count, sum) of the
    1-minute windows over ids 0 … 299,999 at 10 ms apart, sorted."""
    want = {}
    for i in range(300_000):
        key = ((i * 10) // 60_000 * 60_000, i % 10)
        n, s_ = want.get(key, (0, 0))
        want[key] = (n + 1, s_ + i)
    return sorted((ws, k, n, s_) for (ws, k), (n, s_) in want.items())


def test_window_aggregate_into_parquet_exactly_once_under_kill(tmp_path):
    # Window results are insert-only, so the exactly-once Parquet sink takes them.
    # Event time comes from a computed column with a watermark. Killed (-9) several
    # times mid-run and restarted at other parallelisms, the files hold exactly the
    # windows of the input (3 s of input at 100k rows/s).
    got = run_killed_then_finish(tmp_path, WINDOW_SCRIPT)
    assert [(epoch_ms(ws), k, n, s_) for ws, k, n, s_ in got] == window_sums()


def test_statement_set_runs_as_one_job_exactly_once_under_kill(tmp_path):
    # Flink's EXECUTE STATEMENT SET: two INSERTs from one unbounded-rate source run as
    # one job (one after the other, the first would hold the second back forever);
    # the job checkpoints as one, so after kills (-9) and restarts at other
    # parallelisms both tables hold exactly their rows.
    script = WINDOW_SCRIPT.replace("INSERT INTO agg SELECT", """CREATE TABLE every_100th (
  id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${DIR}/out2', 'format' = 'parquet');
EXECUTE STATEMENT SET BEGIN
INSERT INTO every_100th SELECT id FROM ev WHERE MOD(id, 100) = 0;
INSERT INTO agg SELECT""").rstrip().rstrip(";") + ";\nEND;\n"
    got = run_killed_then_finish(tmp_path, script)
    assert [(epoch_ms(ws), k, n, s_) for ws, k, n, s_ in got] == window_sums()
    ids = duckdb.sql(f"SELECT id FROM read_parquet('{tmp_path}/out2/**/*.parquet') "
                     "ORDER BY id").fetchall()
    assert [i for (i,) in ids] == list(range(0, 300_000, 100))


def test_statement_set_errors(tmp_path, weir):
    table = (f"CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesystem', "
             f"'path' = '{tmp_path}/t', 'format' = 'parquet');")
    twice = weir("sql", "-e", table + """EXECUTE STATEMENT SET BEGIN
        INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END;""", check=False)
    assert twice.returncode == 1
    assert "writes table 't' more than once" in twice.stderr, twice.stderr
    select = weir("sql", "-e", table + """EXECUTE STATEMENT SET BEGIN
        SELECT 1; END;""", check=False)
    assert select.returncode == 1
    assert "a statement set holds INSERT statements only" in select.stderr
    unended = weir("sql", "-e", table + """EXECUTE STATEMENT SET BEGIN
        INSERT INTO t VALUES (1);""", check=False)
    assert unended.returncode == 1 and "has no END" in unended.stderr, unended.stderr


EVENTS = """
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE ev (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 10, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen',
  'rows-per-second' = '100000', 'fields.id.kind' = 'sequence',
  'fields.id.start' = '0', 'fields.id.end' = '299999');
"""


def test_window_top_n_into_parquet_exactly_once_under_kill(tmp_path):
    # Window Top-N is insert-only (each window ranked once at the watermark): the
    # two largest sums of each minute, killed and restarted as above.
    got = run_killed_then_finish(tmp_path, EVENTS + """
CREATE TABLE top (window_start TIMESTAMP(3), k BIGINT, s BIGINT, rn BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO top SELECT window_start, k, s, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY s DESC) AS rn
  FROM (SELECT window_start, window_end, MOD(id, 10) AS k, SUM(id) AS s
        FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTES))
        GROUP BY window_start, window_end, MOD(id, 10))) WHERE rn <= 2;
""")
    sums = {}
    for i in range(300_000):
        key = ((i * 10) // 60_000 * 60_000, i % 10)
        sums[key] = sums.get(key, 0) + i
    want = []
    for ws in sorted({ws for ws, _ in sums}):
        ranked = sorted(((s_, k) for (w, k), s_ in sums.items() if w == ws), reverse=True)
        want += [(ws, k, s_, rn + 1) for rn, (s_, k) in enumerate(ranked[:2])]
    assert [(epoch_ms(ws), k, s_, rn) for ws, k, s_, rn in got] == sorted(want)


def test_over_aggregate_into_parquet_exactly_once_under_kill(tmp_path):
    # An event-time OVER aggregation (insert-only): every row with the sum of its
    # key's last three ids, killed and restarted as above.
    got = run_killed_then_finish(tmp_path, EVENTS + """
CREATE TABLE moving (id BIGINT, s BIGINT, n BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO moving SELECT id,
  SUM(id) OVER (PARTITION BY MOD(id, 10) ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY MOD(id, 10) ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM ev;
""")
    want = [(i, sum(j for j in (i, i - 10, i - 20) if j >= 0),
             sum(1 for j in (i, i - 10, i - 20) if j >= 0)) for i in range(300_000)]
    assert len(got) == len(want)
    assert got == want


def test_join_into_parquet_exactly_once_under_kill(tmp_path):
    # A regular inner join of two unbounded-rate sources (both sides in keyed state,
    # insert-only output), killed (-9) and restarted at other parallelisms: every
    # joined row exactly once.
    got = run_killed_then_finish(tmp_path, """
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE a (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '60000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '179999');
CREATE TABLE b (id BIGINT, name STRING) WITH ('connector' = 'datagen',
  'rows-per-second' = '6000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',
  'fields.id.end' = '17999', 'fields.name.length' = '4');
CREATE TABLE joined (a_id BIGINT, b_id BIGINT, name_length INT) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO joined SELECT a.id, b.id, CHAR_LENGTH(b.name)
FROM a JOIN b ON MOD(a.id, 18000) = b.id WHERE MOD(a.id, 3) = 0;
""")
    assert got == [(i, i % 18000, 4) for i in range(0, 180_000, 3)]


def test_interval_join_into_parquet_exactly_once_under_kill(tmp_path):
    # An event-time LEFT interval join is insert-only (a row without a match is
    # padded when the watermark passes its bound), so the exactly-once Parquet sink
    # takes it; killed (-9) and restarted at other parallelisms, every left row is
    # there once: joined when its id is even, padded when odd.
    got = run_killed_then_finish(tmp_path, """
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE a (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 10, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen',
  'rows-per-second' = '60000', 'fields.id.kind' = 'sequence',
  'fields.id.start' = '0', 'fields.id.end' = '119999');
CREATE TABLE b (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 20 + 3, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen',
  'rows-per-second' = '30000', 'fields.id.kind' = 'sequence',
  'fields.id.start' = '0', 'fields.id.end' = '59999');
CREATE TABLE joined (a_id BIGINT, b_id BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO joined SELECT a.id, b.id FROM a LEFT JOIN b
  ON a.id = b.id * 2 AND a.ts BETWEEN b.ts - INTERVAL '1' SECOND AND b.ts;
""")
    assert got == [(i, i // 2 if i % 2 == 0 else None) for i in range(120_000)]


def test_left_join_resumes_from_savepoint_at_another_parallelism(tmp_path):
    # A LEFT JOIN of two sources read at different rates: rows are padded with NULL,
    # the padding is retracted when the match arrives. Stopped with a savepoint at
    # parallelism 2 and resumed at 1, the two runs' changelogs form one consistent
    # changelog (keyed by the left id) ending at the exact join.
    script = tmp_path / "join.sql"
    script.write_text("""
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE a (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '4000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '12000');
CREATE TABLE b (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1500',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4000');
CREATE TABLE out_p (a_id BIGINT, b_id BIGINT) WITH ('connector' = 'print');
INSERT INTO out_p SELECT a.id, b.id FROM a LEFT JOIN b ON a.id = b.id * 2;
""")
    rows1, rows2 = savepoint_then_resume(tmp_path, script)
    rows = rows1 + rows2
    assert any(kind == "-D" and values[1] == "NULL" for kind, values in rows), \
        "no padding was retracted: the sides did not interleave"
    final = apply_changelog(rows, 1)
    want = {(str(i),): (str(i // 2) if i % 2 == 0 and i // 2 <= 4000 else "NULL",)
            for i in range(1, 12001)}
    assert final == want


def test_top_n_resumes_from_savepoint_at_another_parallelism(tmp_path):
    # A Top-N with its rank as output: the changelog of both runs, keyed by
    # (partition, rank), must be consistent and end at the exact top three.
    script = tmp_path / "topn.sql"
    script.write_text("""
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '${P}';
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20000');
CREATE TABLE out_p (m BIGINT, rn BIGINT, id BIGINT) WITH ('connector' = 'print');
INSERT INTO out_p SELECT m, rn, id FROM (SELECT MOD(id, 7) AS m, id,
  ROW_NUMBER() OVER (PARTITION BY MOD(id, 7) ORDER BY MOD(id * 7919, 10007) DESC) AS rn
  FROM gen) WHERE rn <= 3;
""")
    rows1, rows2 = savepoint_then_resume(tmp_path, script)
    final = apply_changelog(rows1 + rows2, 2)
    expected = {}
    for m in range(7):
        ids = sorted((i for i in range(1, 20001) if i % 7 == m),
                     key=lambda i: (-(i * 7919 % 10007), i))
        for rn, i in enumerate(ids[:3]):
            expected[(str(m), str(rn + 1))] = (str(i),)
    assert final == expected


def test_window_on_a_column_without_watermark_is_refused(weir):
    proc = weir("sql", "-e", """
        CREATE TABLE g (id BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'datagen');
        CREATE TABLE p (ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
        INSERT INTO p SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE g,
          DESCRIPTOR(ts), INTERVAL '1' MINUTES)) GROUP BY window_start, window_end;""",
                check=False)
    assert proc.returncode == 1
    assert "requires the timecol is a time attribute type" in proc.stderr


def test_unbounded_select_streams_changes_until_ctrl_c(tmp_path):
    # Flink's SQL client: a SELECT over an unbounded source shows its changes as they
    # happen; Ctrl-C ends it with "Query terminated".
    script = tmp_path / "select.sql"
    script.write_text("""
SET 'parallelism.default' = '2';
CREATE TABLE g (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '200',
  'fields.id.min' = '1', 'fields.id.max' = '4');
SELECT id, COUNT(*) AS n FROM g GROUP BY id;
""")
    proc = subprocess.Popen([str(weir_binary()), "sql", "--format", "csv", "-f", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Query terminated, received a total of" in err
    lines = out.splitlines()
    assert lines[0] == "op,id,n"
    rows = [(line.split(",")[0], line.split(",")[1:]) for line in lines[1:]]
    assert len(rows) > 4 and any(kind == "-U" for kind, _ in rows)
    final = apply_changelog(rows, 1)
    assert set(final) <= {("1",), ("2",), ("3",), ("4",)}


PROCTIME_SOURCE = """
CREATE TABLE src (id BIGINT, k INT, pt AS PROCTIME()) WITH ('connector' = 'datagen',
  'rows-per-second' = '2000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',
  'fields.id.end' = '5000', 'fields.k.kind' = 'sequence', 'fields.k.start' = '1',
  'fields.k.end' = '5000');
"""


def test_proctime_deduplication_is_insert_only(weir, tmp_path):
    # Flink's deduplication keeping the first row on processing time: insert-only,
    # so an append-only file sink takes it; the first row of every key is kept. One
    # source subtask: with two, which subtask's first rows arrive first is a race.
    proc = weir("sql", "-e", "SET 'parallelism.default' = '1';" + PROCTIME_SOURCE + f"""
        CREATE TABLE firsts (id BIGINT, m INT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path}/out', 'format' = 'parquet');
        INSERT INTO firsts SELECT id, m FROM (SELECT id, MOD(k, 7) AS m,
          ROW_NUMBER() OVER (PARTITION BY MOD(k, 7) ORDER BY pt) AS rn FROM src)
        WHERE rn = 1;""")
    assert proc.returncode == 0, proc.stderr
    got = sorted(pq.read_table(tmp_path / "out").to_pylist(), key=lambda r: r["m"])
    assert got == [{"id": m if m else 7, "m": m} for m in range(7)]
    explain = weir("sql", "-e", PROCTIME_SOURCE + """
        EXPLAIN CHANGELOG_MODE SELECT id FROM (SELECT *, ROW_NUMBER() OVER (
          PARTITION BY MOD(k, 7) ORDER BY pt DESC) AS rn FROM src) WHERE rn = 1;""")
    # Keeping the last row updates it.
    assert "changelogMode=[I,UB,UA]" in explain.stdout, explain.stdout


def test_proctime_windows_fire_on_the_wall_clock(weir):
    # 5000 rows at 2000 rows/s: tumbling one-second windows on PROCTIME() fire as
    # processing time passes; together they count every row.
    proc = weir("sql", "-e", PROCTIME_SOURCE + """
        CREATE TABLE wins (ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
        INSERT INTO wins SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src,
          DESCRIPTOR(pt), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;""")
    assert proc.returncode == 0, proc.stderr
    rows = changelog(proc.stdout)
    assert len(rows) >= 3, proc.stdout
    assert all(kind == "+I" for kind, _ in rows)
    assert sum(int(values[1]) for _, values in rows) == 5000


def write_out_of_order(path):
    # One row per row group: the source emits one batch per row, and with
    # 'pipeline.auto-watermark-interval' = '0' a watermark after each.
    offsets = [0, 1500, 900, 3000, 2999, 1000, 4000, 3999, 2500, 6000]
    base = datetime(2024, 1, 1)
    pq.write_table(pa.table({
        "id": pa.array(range(1, len(offsets) + 1), pa.int64()),
        "ts": pa.array([base + timedelta(milliseconds=o) for o in offsets],
                       pa.timestamp("ms"))}), path, row_group_size=1)
    return base, offsets


CURRENT_WATERMARK_SETUP = """
SET 'execution.runtime-mode' = 'streaming';
SET 'parallelism.default' = '1';
SET 'pipeline.auto-watermark-interval' = '0';
SET 'sql-client.execution.result-mode' = 'changelog';
CREATE TABLE e (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'parquet');
"""


def test_current_watermark_is_the_watermark_before_each_row(weir, tmp_path):
    # Flink's CURRENT_WATERMARK(ts): NULL before the first watermark, then the
    # largest event time so far minus the delay, at millisecond precision.
    base, offsets = write_out_of_order(tmp_path / "e.parquet")
    setup = CURRENT_WATERMARK_SETUP.format(path=tmp_path / "e.parquet")
    proc = weir("sql", "--format", "csv", "-e", setup +
                "SELECT id, ts, CURRENT_WATERMARK(ts) AS w FROM e;")
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "op,id,ts,w", proc.stdout
    expected, high = [], None
    for i, offset in enumerate(offsets):
        w = "" if high is None else str(base + timedelta_ms(high - 1000))[:23]
        expected.append(f"+I,{i + 1},{str(base + timedelta_ms(offset))[:23]},{w}")
        high = offset if high is None else max(high, offset)
    assert [normalize_ms(line) for line in lines[1:]] == [normalize_ms(e) for e in expected]

    # The late-data filter of Flink's documentation keeps the rows above the watermark.
    late = weir("sql", "--format", "csv", "-e", setup + """
        SELECT id FROM e WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts);""")
    kept, high = [], None
    for i, offset in enumerate(offsets):
        if high is None or offset > high - 1000:
            kept.append(f"+I,{i + 1}")
        high = offset if high is None else max(high, offset)
    assert late.stdout.strip().splitlines()[1:] == kept
    assert len(kept) < len(offsets)  # the data has late rows

    # In batch mode there are no watermarks: NULL, as in Flink.
    batch = weir("sql", "--format", "csv", "-e", setup.replace("'streaming'", "'batch'") +
                 "SELECT COUNT(*) AS n, COUNT(CURRENT_WATERMARK(ts)) AS w FROM e;")
    assert batch.stdout.strip().splitlines()[-1].endswith(f"{len(offsets)},0"), batch.stdout


def timedelta_ms(ms):
    return timedelta(milliseconds=ms)


def normalize_ms(line):
    """csv timestamps with their milliseconds written out (".000" may be omitted)."""
    return re.sub(r"(\d\d:\d\d:\d\d)(?=,|$)", r"\1.000", line)


def test_current_watermark_needs_a_rowtime_attribute(weir, tmp_path):
    write_out_of_order(tmp_path / "e.parquet")
    setup = CURRENT_WATERMARK_SETUP.format(path=tmp_path / "e.parquet")
    proc = weir("sql", "-e", setup + """
        CREATE TABLE plain (id INT, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem',
          'path' = '""" + str(tmp_path / "e.parquet") + """', 'format' = 'parquet');
        SELECT id, CURRENT_WATERMARK(ts) FROM plain;""", check=False)
    assert proc.returncode == 1
    assert "CURRENT_WATERMARK(ts): the argument must be a rowtime attribute" in proc.stderr
    proc = weir("sql", "-e", setup + "SELECT CURRENT_WATERMARK(id) FROM e;", check=False)
    assert proc.returncode == 1
    assert "CURRENT_WATERMARK expects a rowtime attribute" in proc.stderr
    assert "^" in proc.stderr


def test_source_watermark_is_refused_by_connectors_without_one(weir):
    # As in Flink, where datagen, filesystem and kafka do not implement
    # SupportsSourceWatermark: refused when the table is created, naming the fix.
    proc = weir("sql", "-e", """
        CREATE TABLE g (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS SOURCE_WATERMARK())
          WITH ('connector' = 'datagen');""", check=False)
    assert proc.returncode == 1
    assert "SOURCE_WATERMARK() needs a connector that emits its own watermarks" in proc.stderr
    assert "connector 'datagen' does not" in proc.stderr


def test_streaming_scans_give_the_declared_types(weir, tmp_path):
    # The file holds BIGINT; the table declares INT: streaming mode reads INT, as
    # batch mode does, and a value that does not fit is an error naming the column.
    pq.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64())}), tmp_path / "in.parquet")
    pq.write_table(pa.table({"id": pa.array([1, 2**40], pa.int64())}), tmp_path / "big.parquet")
    proc = weir("sql", "-e", f"""
        SET 'execution.runtime-mode' = 'streaming';
        CREATE TABLE src (id INT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path}/in.parquet', 'format' = 'parquet');
        CREATE TABLE dst (id INT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path}/out', 'format' = 'parquet');
        INSERT INTO dst SELECT id FROM src;""")
    assert proc.returncode == 0, proc.stderr
    out = pq.read_table(tmp_path / "out")
    assert out.schema.field("id").type == pa.int32()
    assert sorted(out.column("id").to_pylist()) == [1, 2, 3]
    proc = weir("sql", "-e", f"""
        SET 'execution.runtime-mode' = 'streaming';
        CREATE TABLE big (id INT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path}/big.parquet', 'format' = 'parquet');
        CREATE TABLE dst2 (id INT) WITH ('connector' = 'print');
        INSERT INTO dst2 SELECT id FROM big;""", check=False)
    assert proc.returncode == 1
    assert "table 'big', column 'id': the files hold int64 but the table declares int32" \
        in proc.stderr, proc.stderr
