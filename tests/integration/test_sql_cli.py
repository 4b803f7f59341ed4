"""`weir sql`: scripts, variables, output formats, errors, and an exactly-once
streaming INSERT that survives kill -9."""
import json
import signal
import subprocess
import time

import duckdb
import pyarrow.parquet as pq

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
  'format' = 'parquet', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO out_t SELECT id, v, UPPER(name), CAST(MOD(id, 3) AS STRING) FROM gen WHERE v >= 10;
"""


def test_execute_csv_and_json_only_rows_on_stdout(weir):
    proc = weir("sql", "--format", "csv", "-e",
                "SET 'execution.runtime-mode' = 'batch'; SELECT 1 AS a, 'x' AS b")
    assert proc.stdout == "a,b\n1,x\n"
    assert "succeeded" in proc.stderr
    proc = weir("sql", "--format", "json", "-e", "SELECT 2 AS a, CAST(NULL AS INT) AS b")
    assert [json.loads(line) for line in proc.stdout.splitlines()] == [{"a": 2, "b": None}]


def test_table_format_shows_types_and_row_count(weir):
    proc = weir("sql", "-e", "SELECT 1 AS a, 'x' AS b")
    assert "| a " in proc.stdout and "| INT " in proc.stdout and "1 row in set" in proc.stdout


def test_script_with_variables(weir, tmp_path):
    script = tmp_path / "s.sql"
    script.write_text("-- a comment\nSELECT ${X} + 1 AS y; /* more */ SELECT '${NAME}' AS n;\n")
    proc = weir("sql", "--format", "csv", "-f", script, "-D", "X=41", "-D", "NAME=weir")
    assert proc.stdout == "y\n42\nn\nweir\n"
    bad = weir("sql", "-f", script, "-D", "X=1", check=False)
    assert bad.returncode == 1 and "undefined variable ${NAME}" in bad.stderr


def test_failing_statement_exits_1_with_position(weir):
    proc = weir("sql", "-e", "SELECT 1;\nSELECT nope FROM nowhere", check=False)
    assert proc.returncode == 1
    assert "unknown table 'nowhere' at line 2, column 18" in proc.stderr
    assert "^" in proc.stderr


def test_statements_from_stdin(weir):
    proc = weir("sql", "--format", "csv", input="SELECT 7 AS seven;\n")
    assert proc.stdout == "seven\n7\n"


def test_unbounded_streaming_order_by_is_refused(weir):
    proc = weir("sql", "-e",
                "CREATE TABLE g (a INT) WITH ('connector' = 'datagen');"
                "CREATE TABLE p (a INT) WITH ('connector' = 'blackhole');"
                "INSERT INTO p SELECT a FROM g ORDER BY a", check=False)
    assert proc.returncode == 1 and "not supported yet" in proc.stderr


def test_streaming_insert_exactly_once_after_kill(tmp_path):
    script = tmp_path / "stream.sql"
    script.write_text(STREAM_SCRIPT)
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}"]
    for delay in (0.8, 1.3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    files = list((tmp_path / "out").rglob("*.parquet"))
    assert files and not list((tmp_path / "out").rglob(".*inprogress*"))
    for f in files:
        pq.ParquetFile(f).metadata  # every visible file is complete
    rows, ids, bad = duckdb.sql(
        f"select count(*), count(distinct id), count(*) filter (where v < 10) from "
        f"read_parquet('{tmp_path}/out/**/*.parquet', hive_partitioning = true)"
    ).fetchall()[0]
    assert rows == ids and bad == 0
    # Every id with v >= 10 is there: the generator is deterministic per subtask,
    # so the same script without kills gives the reference count.
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    subprocess.run([str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={ref_dir}"],
                   check=True, capture_output=True, timeout=300)
    want = duckdb.sql(f"select count(*) from read_parquet('{ref_dir}/out/**/*.parquet')"
                      ).fetchall()[0][0]
    assert rows == want
    for part in ("0", "1", "2"):
        assert (tmp_path / "out" / f"part={part}" / "_SUCCESS").exists()


BATCH_TABLES = """
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE t (id BIGINT, v STRING) WITH ('connector' = 'filesystem',
  'path' = '${DIR}/t', 'format' = 'parquet');
CREATE TABLE p (v BIGINT, region STRING) PARTITIONED BY (region) WITH (
  'connector' = 'filesystem', 'path' = '${DIR}/p', 'format' = 'parquet');
"""


def sql_csv(weir, tmp_path, statements, check=True):
    return weir("sql", "--format", "csv", "-D", f"DIR={tmp_path}", "-e",
                BATCH_TABLES + statements, check=check)


def test_insert_overwrite_replaces_only_written_partitions(weir, tmp_path):
    # A table whose path does not exist yet is an error naming the path (as in
    # Flink), not an empty table.
    missing = sql_csv(weir, tmp_path, "SELECT COUNT(*) AS n FROM t;", check=False)
    assert missing.returncode == 1 and f"'{tmp_path}/t'" in missing.stderr
    assert "no such file or directory" in missing.stderr
    out = sql_csv(weir, tmp_path, """
        INSERT INTO t VALUES (1, 'a'), (2, 'b');
        INSERT OVERWRITE t SELECT id + 10, v FROM t;
        SELECT id FROM t ORDER BY id;
        INSERT INTO p VALUES (1, 'emea'), (2, 'amer');
        INSERT OVERWRITE p PARTITION (region = 'emea') SELECT 10;
        SELECT v, region FROM p ORDER BY v;""").stdout
    # OVERWRITE reading its own table works; a static partition overwrite keeps the
    # other partitions.
    assert out == "id\n11\n12\nv,region\n2,amer\n10,emea\n"


def test_insert_column_checks(weir, tmp_path):
    dup = sql_csv(weir, tmp_path, "INSERT INTO t (id, ID) SELECT 1, 2", check=False)
    assert dup.returncode == 1 and "given twice" in dup.stderr
    null_part = sql_csv(weir, tmp_path, "INSERT INTO p PARTITION (region = NULL) SELECT 1",
                        check=False)
    assert null_part.returncode == 1 and "cannot be NULL" in null_part.stderr
    case = sql_csv(weir, tmp_path, "INSERT INTO t (V, Id) SELECT 'x', 5; SELECT * FROM t")
    assert case.stdout.endswith("id,v\n5,x\n")


def test_each_insert_has_its_own_checkpoints(weir, tmp_path):
    # Two INSERTs in one script share state.checkpoints.dir: the second must not
    # resume from the first one's (finished) checkpoint and write nothing.
    script = """
    SET 'execution.checkpointing.interval' = '200ms';
    SET 'state.checkpoints.dir' = '${DIR}/chk';
    SET 'parallelism.default' = '1';
    CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20000',
      'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3000');
    CREATE TABLE o1 (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${DIR}/o1',
      'format' = 'parquet');
    CREATE TABLE o2 (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${DIR}/o2',
      'format' = 'parquet');
    INSERT INTO o1 SELECT id FROM g;
    INSERT INTO o2 SELECT id FROM g WHERE id > 1000;
    """
    weir("sql", "-D", f"DIR={tmp_path}", "-e", script)
    counts = [duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/{t}/*.parquet')"
                         ).fetchall()[0][0] for t in ("o1", "o2")]
    assert counts == [3000, 2000]
    # Running the same script again resumes each INSERT from its own final
    # checkpoint: nothing is written twice.
    weir("sql", "-D", f"DIR={tmp_path}", "-e", script)
    again = [duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/{t}/*.parquet')"
                        ).fetchall()[0][0] for t in ("o1", "o2")]
    assert again == [3000, 2000]


def test_checkpointed_relational_insert_is_refused(weir, tmp_path):
    proc = weir("sql", "-D", f"DIR={tmp_path}", "-e", """
        SET 'execution.checkpointing.interval' = '1s';
        SET 'state.checkpoints.dir' = '${DIR}/chk';
        CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
        CREATE TABLE o (id BIGINT) WITH ('connector' = 'blackhole');
        INSERT INTO o SELECT id FROM g ORDER BY id""", check=False)
    assert proc.returncode == 1 and "exactly-once" in proc.stderr


def test_continuous_parquet_source_with_sigterm_savepoint(tmp_path):
    src = tmp_path / "src"
    src.mkdir()

    def add_file(k):
        ids = list(range(k * 1000, k * 1000 + 1000))
        import pyarrow as pa
        pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), src / f"f{k}.parquet")

    script = tmp_path / "cont.sql"
    script.write_text("""
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = '${DIR}/chk';
SET 'parallelism.default' = '1';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${DIR}/src',
  'format' = 'parquet', 'source.monitor-interval' = '100ms');
CREATE TABLE out_t (id BIGINT, half BIGINT) WITH ('connector' = 'filesystem',
  'path' = '${DIR}/out', 'format' = 'parquet');
INSERT INTO out_t SELECT id, id / 2 FROM src WHERE MOD(id, 2) = 0;
""")
    cmd = [str(weir_binary()), "sql", "-f", str(script), "-D", f"DIR={tmp_path}"]

    def run_until_sigterm(new_file):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        add_file(new_file)
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        return duckdb.sql(f"select count(*), count(distinct id) from "
                          f"read_parquet('{tmp_path}/out/*.parquet')").fetchall()[0]

    add_file(0)
    assert run_until_sigterm(1) == (1000, 1000)   # files 0 and 1, even ids
    # Started again: resumes from the savepoint; file 0 and 1 are not read again.
    assert run_until_sigterm(2) == (1500, 1500)


def test_interactive_shell_ctrl_c_cancels_the_query_not_the_shell(tmp_path):
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["HOME"] = str(tmp_path)
        os.execv(str(weir_binary()), [str(weir_binary()), "sql"])
    output = b""

    def read_until(needle, timeout=30):
        nonlocal output
        deadline = time.time() + timeout
        while needle not in output and time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 4096)
                except OSError:
                    break
        return needle in output

    try:
        assert read_until(b"weir> ")
        os.write(fd, b"SET 'execution.runtime-mode' = 'batch';\n")
        os.write(fd, b"CREATE TABLE g (a BIGINT) WITH ('connector' = 'datagen', "
                     b"'number-of-rows' = '4000000000');\n")
        os.write(fd, b"SELECT COUNT(*) FROM g;\n")
        time.sleep(2)
        os.write(fd, b"\x03")
        assert read_until(b"cancel"), output.decode(errors="replace")
        os.write(fd, b"SELECT 40 + 2 AS answer;\n")
        assert read_until(b"42"), output.decode(errors="replace")
        os.write(fd, b"QUIT;\n")
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
        assert (tmp_path / ".weir_history").exists()
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_csv_and_json_tables_in_batch(weir, tmp_path):
    (tmp_path / "csv" / "region=emea").mkdir(parents=True)
    (tmp_path / "csv" / "region=emea" / "a.csv").write_text("1,alice,2.5\n2,,3.5\n3,\"c,d\",\n")
    (tmp_path / "csv" / "region=amer").mkdir(parents=True)
    (tmp_path / "csv" / "region=amer" / "b.csv").write_text("4,dan,1\n")
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "a.json").write_text(
        '{"id": 1, "name": "x", "tags": ["a", "b"]}\n{"id": 2, "extra": true}\n')
    out = weir("sql", "--format", "csv", "-D", f"DIR={tmp_path}", "-e", """
        SET 'execution.runtime-mode' = 'batch';
        CREATE TABLE c (id BIGINT, name STRING, score DOUBLE, region STRING)
          PARTITIONED BY (region) WITH ('connector' = 'filesystem', 'path' = '${DIR}/csv',
          'format' = 'csv');
        CREATE TABLE j (id INT, name STRING, tags ARRAY<STRING>) WITH (
          'connector' = 'filesystem', 'path' = '${DIR}/json', 'format' = 'json');
        SELECT id, name, score, region FROM c ORDER BY id;
        SELECT id, name, tags[2] FROM j ORDER BY id;""").stdout
    assert out == ('id,name,score,region\n1,alice,2.5,emea\n2,,3.5,emea\n3,"c,d",,emea\n'
                   '4,dan,1,amer\nid,name,EXPR$2\n1,x,b\n2,,\n')
    bad = weir("sql", "-D", f"DIR={tmp_path}", "-e", """
        CREATE TABLE c (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${DIR}/csv',
          'format' = 'csv', 'json.ignore-parse-errors' = 'true')""", check=False)
    assert bad.returncode == 1 and "does not apply to format 'csv'" in bad.stderr
