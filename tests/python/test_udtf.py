"""Python table functions (@udtf, TableFunction) in-process: LATERAL TABLE in SQL,
join_lateral / left_outer_join_lateral / flat_map in the Table API, in batch
queries and streaming jobs; their errors. DuckDB's UNNEST-free SQL is the oracle."""

from __future__ import annotations

import pathlib

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.common import Row
from weir.table import DataTypes, TableEnvironment, TableFunction, udtf
from weir.table.expressions import col, lit

LINES = ["the quick brown fox", "", "jumps over the lazy dog", None, "the end"]


@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
def split(line):
    if line is None:
        return
    for word in line.split():
        yield word, len(word)


def lines(env: TableEnvironment, copies: int = 1):
    rows = [(i, text) for i, text in enumerate(LINES * copies)]
    return env.from_arrow(pa.table({"id": pa.array([r[0] for r in rows], pa.int64()),
                                    "line": pa.array([r[1] for r in rows], pa.string())}))


def expected_words(copies: int = 1):
    return sorted((i, w, len(w)) for i, text in enumerate(LINES * copies) if text
                  for w in text.split())


def test_lateral_table_in_sql(env) -> None:
    env.create_temporary_view("lines", lines(env))
    env.create_temporary_function("split", split)
    got = env.execute_sql("SELECT id, word, length FROM lines, "
                          "LATERAL TABLE(split(line)) AS T(word, length)").to_arrow()
    assert sorted(zip(*[got.column(c).to_pylist() for c in ("id", "word", "length")])) \
        == expected_words()
    # Without aliases the columns are f0, f1 (PyFlink's names).
    names = env.execute_sql("SELECT * FROM lines CROSS JOIN LATERAL TABLE(split(line))"
                            ).to_arrow().column_names
    assert names == ["id", "line", "f0", "f1"]


def test_left_join_lateral_keeps_rows_without_output(env) -> None:
    env.create_temporary_view("lines", lines(env))
    env.create_temporary_function("split", split)
    got = env.execute_sql("SELECT id, word FROM lines LEFT JOIN "
                          "LATERAL TABLE(split(line)) AS T(word, n) ON TRUE").to_arrow()
    empty = {i for i, text in enumerate(LINES) if not text}
    rows = list(zip(got.column("id").to_pylist(), got.column("word").to_pylist()))
    assert sorted(i for i, w in rows if w is None) == sorted(empty)
    assert len(rows) == len(expected_words()) + len(empty)


def test_word_count_in_a_streaming_job(stream_env, tmp_path: pathlib.Path) -> None:
    stream_env.create_temporary_view("lines", lines(stream_env, copies=300))
    stream_env.create_temporary_function("split", split)
    stream_env.execute_sql(f"""CREATE TABLE words (id BIGINT, word STRING, n INT) WITH (
        'connector' = 'filesystem', 'path' = '{tmp_path}', 'format' = 'parquet')""")
    stream_env.execute_sql("INSERT INTO words SELECT id, word, n FROM lines, "
                           "LATERAL TABLE(split(line)) AS T(word, n)").wait()
    written = pq.read_table(tmp_path)
    assert sorted(zip(*[written.column(c).to_pylist() for c in ("id", "word", "n")])) \
        == expected_words(300)
    counts = duckdb.sql(f"SELECT word, COUNT(*) AS c FROM read_parquet('{tmp_path}/**') "
                        "GROUP BY word").fetchall()
    assert dict(counts)["the"] == 3 * 300


def test_table_api_join_lateral_and_flat_map(env) -> None:
    t = lines(env)
    got = (t.join_lateral(split(col("line")).alias("word", "length"))
            .select(col("id"), col("word"), col("length")).to_arrow())
    assert sorted(zip(*[got.column(c).to_pylist() for c in ("id", "word", "length")])) \
        == expected_words()
    outer = t.left_outer_join_lateral(split(col("line")).alias("word", "length")).to_arrow()
    assert outer.num_rows == len(expected_words()) + 2

    # PyFlink's word count: flat_map hands the function the whole row.
    @udtf(result_types=[DataTypes.STRING()])
    def words(row: Row):
        for w in (row.line or "").split():
            yield Row(w)

    # PyFlink's join_lateral(f.alias(...)): the function gets the whole row.
    @udtf(result_types=[DataTypes.STRING()])
    def halves(row: Row):
        if row.line:
            yield from row.line.split("o")

    split_rows = t.join_lateral(halves.alias("part")).select(col("id"), col("part")).to_arrow()
    assert split_rows.num_rows == sum(len(x.split("o")) for x in LINES if x)

    counted = (t.flat_map(words).alias("word").group_by(col("word"))
                .select(col("word"), lit(1).count.alias("c")).to_pandas())
    assert dict(zip(counted["word"], counted["c"]))["the"] == 3


def test_table_function_class_with_open(batch_env) -> None:
    class Repeat(TableFunction):
        def open(self, function_context):
            self.times = int(function_context.get_job_parameter("times", "2"))

        def eval(self, value):
            return [value] * self.times  # a list instead of a generator

    repeat = udtf(Repeat(), input_types=[DataTypes.BIGINT()], result_types=DataTypes.BIGINT())
    batch_env.create_temporary_system_function("repeat", repeat)
    # The INT argument is cast to the declared BIGINT.
    got = batch_env.execute_sql("SELECT v FROM (VALUES (CAST(4 AS INT)), (5)) AS s(x), "
                                "LATERAL TABLE(repeat(x)) AS T(v)").to_arrow()
    assert sorted(got.column("v").to_pylist()) == [4, 4, 5, 5]


def test_table_function_errors(batch_env) -> None:
    @udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
    def bad_width(x):
        yield ("only one",)

    @udtf(result_types=[DataTypes.BIGINT()])
    def bad_type(x):
        yield "text"

    @udtf(result_types=[DataTypes.BIGINT()])
    def raises(x):
        raise ValueError("no rows for you")
        yield x

    batch_env.create_temporary_view("lines", lines(batch_env))
    for name, f in [("bad_width", bad_width), ("bad_type", bad_type), ("raises", raises)]:
        batch_env.create_temporary_function(name, f)
    with pytest.raises(weir.UserError, match="yield rows of 2 fields"):
        batch_env.execute_sql("SELECT * FROM lines, LATERAL TABLE(bad_width(id))")
    with pytest.raises(weir.UserError, match="not of its result types"):
        batch_env.execute_sql("SELECT * FROM lines, LATERAL TABLE(bad_type(id))")
    with pytest.raises(weir.UserError) as error:
        batch_env.execute_sql("SELECT * FROM lines, LATERAL TABLE(raises(id))")
    assert "Python table function 'raises' failed" in str(error.value)
    assert "ValueError: no rows for you" in str(error.value)
    # A table function is not a scalar function, and the other way round.
    with pytest.raises(weir.UserError, match="is a table function"):
        batch_env.execute_sql("SELECT raises(id) FROM lines")

    @udtf(result_types=[DataTypes.BIGINT()])
    def two(a, b):
        yield a

    batch_env.create_temporary_function("two", two)
    batch_env.create_temporary_function("wrong_arity", udtf(
        lambda x: [x], input_types=[DataTypes.BIGINT()], result_types=[DataTypes.BIGINT()]))
    with pytest.raises(weir.UserError, match="expects 1 argument but got 2"):
        batch_env.execute_sql("SELECT * FROM lines, LATERAL TABLE(wrong_arity(id, id))")
    with pytest.raises(weir.UserError, match="unknown table function 'nope'"):
        batch_env.execute_sql("SELECT * FROM lines, LATERAL TABLE(nope(id))")
