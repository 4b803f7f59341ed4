"""Python aggregate functions (@udaf: AggregateFunction classes and pandas
functions) in-process: GROUP BY, global and window aggregation in SQL and the
Table API, batch and streaming (with retractions), their state restored from a
checkpoint after a failure, and their errors. DuckDB is the oracle."""

from __future__ import annotations

import os
import pathlib

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.common import Row
from weir.table import (AggregateFunction, DataTypes, TableAggregateFunction,
                        TableEnvironment, udaf, udf, udtaf)
from weir.table.expressions import col


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]

    def accumulate(self, acc, value, weight):
        if value is not None:
            acc[0] += value * weight
            acc[1] += weight

    def retract(self, acc, value, weight):
        if value is not None:
            acc[0] -= value * weight
            acc[1] -= weight

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]


class Mean(AggregateFunction):
    def create_accumulator(self):
        return [0.0, 0]

    def accumulate(self, acc, value):
        acc[0] += value
        acc[1] += 1

    def retract(self, acc, value):
        acc[0] -= value
        acc[1] -= 1

    def get_value(self, acc):
        return acc[0] / acc[1] if acc[1] else None


class SumNoRetract(AggregateFunction):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, value):
        acc[0] += value

    def get_value(self, acc):
        return acc[0]


wavg = udaf(WeightedAvg(), result_type=DataTypes.DOUBLE())


@udaf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def median(v: pd.Series) -> float:
    return v.median()


DATA = pa.table({"k": [f"k{i % 5}" for i in range(1000)],
                 "v": [None if i % 97 == 0 else i for i in range(1000)],
                 "w": [i % 3 + 1 for i in range(1000)]})


def table(env: TableEnvironment):
    # Several batches, so a streaming aggregation updates its groups.
    return env.from_arrow(pa.Table.from_batches(DATA.to_batches(max_chunksize=100)))


def oracle(sql: str) -> dict:
    data = DATA  # noqa: F841 (DuckDB reads the local)
    return {row[0]: row[1:] for row in duckdb.sql(sql).fetchall()}


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        all(x == pytest.approx(y) for x, y in zip(a[k], b[k])) for k in a)


def test_group_by_with_general_and_pandas_functions(env) -> None:
    env.create_temporary_view("t", table(env))
    env.create_temporary_function("wavg", wavg)
    env.create_temporary_function("median", median)
    got = env.execute_sql("SELECT k, wavg(v, w) AS a, median(v) AS m FROM t GROUP BY k"
                          ).to_pandas()
    want = oracle("SELECT k, SUM(v * w) / SUM(CASE WHEN v IS NOT NULL THEN w END), "
                  "MEDIAN(v) FROM data GROUP BY k")
    assert close({r.k: (r.a, r.m) for r in got.itertuples()}, want)
    # Without GROUP BY: one row.
    total = env.execute_sql("SELECT wavg(v, w) AS a FROM t").to_pandas()
    want = oracle("SELECT 1, SUM(v * w) / SUM(CASE WHEN v IS NOT NULL THEN w END) "
                  "FROM data")
    assert total["a"][0] == pytest.approx(want[1][0])


def test_retractions_in_a_streaming_changelog(stream_env) -> None:
    stream_env.get_config().set("sql-client.execution.result-mode", "changelog")
    stream_env.create_temporary_view("t", table(stream_env))
    stream_env.create_temporary_function("wavg", wavg)
    changes = stream_env.execute_sql(
        "SELECT s, wavg(c, w) AS a FROM (SELECT MOD(w, 2) AS s, k, COUNT(*) AS c, "
        "MAX(w) AS w FROM t GROUP BY k, MOD(w, 2)) GROUP BY s").to_pandas()
    assert set(changes["op"]) >= {"+I", "-U", "+U"}  # the input updated
    final = {}
    for row in changes.itertuples():
        if row.op in ("+I", "+U"):
            final[row.s] = (row.a,)
    want = oracle("SELECT s, SUM(c * w) / SUM(w) FROM (SELECT w % 2 AS s, k, COUNT(*) AS c, "
                  "MAX(w) AS w FROM data GROUP BY k, w % 2) GROUP BY s")
    assert close(final, want)


def test_a_function_without_retract_refuses_updating_input(stream_env) -> None:
    stream_env.get_config().set("sql-client.execution.result-mode", "changelog")
    stream_env.create_temporary_view("t", table(stream_env))
    stream_env.create_temporary_function("plain_sum", udaf(SumNoRetract(),
                                                           result_type=DataTypes.BIGINT()))
    with pytest.raises(weir.UserError, match="does not implement retract()"):
        stream_env.execute_sql("SELECT plain_sum(c) FROM (SELECT k, COUNT(*) AS c FROM t "
                               "GROUP BY k)").to_pandas()


def test_table_api_group_by_select_and_aggregate(env) -> None:
    t = table(env)
    got = t.group_by(col("k")).select(col("k"), wavg(col("v"), col("w")).alias("a"),
                                      median(col("v")).alias("m")).to_pandas()
    want = oracle("SELECT k, SUM(v * w) / SUM(CASE WHEN v IS NOT NULL THEN w END), "
                  "MEDIAN(v) FROM data GROUP BY k")
    assert close({r.k: (r.a, r.m) for r in got.itertuples()}, want)

    # PyFlink's row-based aggregate: the function gets whole rows, a mutable Row
    # accumulator, and a ROW result named by alias().
    class CountAndSum(AggregateFunction):
        def get_value(self, accumulator):
            return Row(accumulator[0], accumulator[1])

        def create_accumulator(self):
            return Row(0, 0)

        def accumulate(self, accumulator, row):
            accumulator[0] += 1
            accumulator[1] += row.w

        def get_result_type(self):
            return "ROW<a BIGINT, b BIGINT>"

    agg = udaf(CountAndSum(), result_type=CountAndSum().get_result_type())
    rows = (t.group_by(col("k")).aggregate(agg.alias("c", "d"))
            .select(col("k"), col("c"), col("d")).to_pandas())
    assert close({r.k: (r.c, r.d) for r in rows.itertuples()},
                 oracle("SELECT k, COUNT(*), SUM(w) FROM data GROUP BY k"))
    # A key given as a string is an output column too.
    by_name = t.group_by("k").aggregate(agg.alias("c", "d")).select("k, c").to_pandas()
    assert sorted(by_name.k) == ["k0", "k1", "k2", "k3", "k4"]

    # A pandas function over whole rows (a DataFrame), over the whole table.
    stats = udaf(lambda df: (df.w.mean(), df.w.max()), func_type="pandas",
                 result_type=DataTypes.ROW([DataTypes.FIELD("a", DataTypes.DOUBLE()),
                                            DataTypes.FIELD("b", DataTypes.BIGINT())]))
    whole = t.aggregate(stats.alias("mean", "max")).select(col("mean"), col("max")).to_pandas()
    assert whole["mean"][0] == pytest.approx(DATA.column("w").to_pandas().mean())
    assert whole["max"][0] == 3


def _events(tmp_path: pathlib.Path, n: int = 3000) -> pathlib.Path:
    path = tmp_path / "events"
    path.mkdir()
    pq.write_table(pa.table({"id": pa.array(range(n), pa.int64()),
                             "k": [f"k{i % 3}" for i in range(n)],
                             "v": pa.array([float(i % 17) for i in range(n)])}),
                   path / "part-0.parquet", row_group_size=250)
    return path


def test_window_aggregation_with_a_pandas_function(stream_env, tmp_path) -> None:
    events = _events(tmp_path)
    stream_env.create_temporary_function("median", median)
    stream_env.create_temporary_function("wavg", wavg)
    stream_env.execute_sql(f"""CREATE TABLE events (id BIGINT, k STRING, v DOUBLE,
        ts AS TO_TIMESTAMP_LTZ(id * 10, 3), WATERMARK FOR ts AS ts) WITH (
        'connector' = 'filesystem', 'path' = '{events}', 'format' = 'parquet')""")
    out = tmp_path / "out"
    stream_env.execute_sql(f"""CREATE TABLE out (w TIMESTAMP_LTZ(3), k STRING, m DOUBLE,
        a DOUBLE) WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'parquet')""")
    stream_env.execute_sql(
        "INSERT INTO out SELECT window_start, k, "
        "median(v), wavg(v, id) FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), "
        "INTERVAL '1' SECOND)) GROUP BY window_start, window_end, k").wait()
    got = duckdb.sql(f"SELECT k, COUNT(*), SUM(m), SUM(a) FROM read_parquet('{out}/**') "
                     "GROUP BY k").fetchall()
    want = duckdb.sql(f"""SELECT k, COUNT(*), SUM(m), SUM(a) FROM (
        SELECT id // 100 AS w, k, MEDIAN(v) AS m, SUM(v * id) / SUM(id) AS a
        FROM read_parquet('{events}/*.parquet') GROUP BY 1, 2) GROUP BY k""").fetchall()
    assert close({r[0]: r[1:] for r in got}, {r[0]: r[1:] for r in want})


def test_state_is_restored_after_a_failure(stream_env, tmp_path) -> None:
    """A window job with a Python aggregate over a throttled source (3000 rows at
    2000 rows/s, 1-s windows of 1000 rows) fails once in the middle of its last
    window and restarts from its last checkpoint (every 50 ms): the source goes on
    from its position, so the window is exact only if the Python accumulators came
    back from the checkpoint too."""
    flag = tmp_path / "failed"

    @udf(result_type=DataTypes.BIGINT())
    def fail_once(x):
        if x == 2500 and not os.path.exists(flag):
            flag.touch()
            raise RuntimeError("injected failure")
        return x

    config = stream_env.get_config()
    config.set("execution.checkpointing.interval", "50ms")
    config.set("execution.checkpointing.dir", str(tmp_path / "ck"))
    config.set("restart-strategy.type", "fixed-delay")
    config.set("restart-strategy.fixed-delay.attempts", "1")
    config.set("restart-strategy.fixed-delay.delay", "0ms")
    stream_env.create_temporary_function("fail_once", fail_once)
    stream_env.create_temporary_function("wavg", wavg)
    stream_env.execute_sql("""CREATE TABLE events (id BIGINT,
        k AS CONCAT('k', CAST(MOD(id, 3) AS STRING)), v AS CAST(MOD(id, 17) AS DOUBLE),
        ts AS TO_TIMESTAMP_LTZ(id, 3), WATERMARK FOR ts AS ts) WITH (
        'connector' = 'datagen', 'rows-per-second' = '2000', 'fields.id.kind' = 'sequence',
        'fields.id.start' = '0', 'fields.id.end' = '2999')""")
    out = tmp_path / "out"
    stream_env.execute_sql(f"""CREATE TABLE out (w TIMESTAMP_LTZ(3), k STRING, a DOUBLE,
        n BIGINT) WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'parquet')""")
    stream_env.execute_sql(
        "INSERT INTO out SELECT window_start, k, wavg(v, fail_once(id)), COUNT(*) "
        "FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' SECOND)) "
        "GROUP BY window_start, window_end, k").wait()
    assert flag.exists()
    assert any((tmp_path / "ck").iterdir())
    got = duckdb.sql(f"SELECT k, COUNT(*), SUM(a), SUM(n) FROM read_parquet('{out}/**') "
                     "GROUP BY k").fetchall()
    want = duckdb.sql("""SELECT k, COUNT(*), SUM(a), SUM(n) FROM (SELECT id // 1000,
        'k' || (id % 3) AS k, SUM((id % 17) * id) / SUM(id) AS a, COUNT(*) AS n
        FROM range(3000) t(id) GROUP BY 1, 2) GROUP BY k""").fetchall()
    assert close({r[0]: r[1:] for r in got}, {r[0]: r[1:] for r in want})


def test_aggregate_function_errors(batch_env) -> None:
    class Broken(AggregateFunction):
        def create_accumulator(self):
            return [0]

        def accumulate(self, acc, value):
            if value == 500:
                raise ValueError("no five hundred")

        def get_value(self, acc):
            return "text"

    batch_env.create_temporary_view("t", table(batch_env))
    batch_env.create_temporary_function("broken", udaf(Broken(), result_type="BIGINT"))
    with pytest.raises(weir.UserError) as error:
        batch_env.execute_sql("SELECT k, broken(v) FROM t GROUP BY k").to_pandas()
    assert "Python aggregate function 'broken' failed" in str(error.value)
    assert "ValueError: no five hundred" in str(error.value)
    batch_env.create_temporary_function("texty", udaf(Broken(), result_type="BIGINT"))
    with pytest.raises(weir.UserError, match="not of its result type"):
        batch_env.execute_sql("SELECT k, texty(w) FROM t GROUP BY k").to_pandas()
    batch_env.create_temporary_function("wavg", wavg)
    with pytest.raises(weir.UserError, match="aggregate function"):
        batch_env.execute_sql("SELECT wavg(v, w) + 1 FROM t WHERE wavg(v, w) > 1")
    with pytest.raises(TypeError, match="AggregateFunction instance"):
        udaf(lambda x: x, result_type="BIGINT")


class Top2(TableAggregateFunction):
    def create_accumulator(self):
        return [None, None]

    def accumulate(self, acc, row):
        v = row.v
        if v is None:
            return
        if acc[0] is None or v > acc[0]:
            acc[1], acc[0] = acc[0], v
        elif acc[1] is None or v > acc[1]:
            acc[1] = v

    def emit_value(self, acc):
        for rank, v in enumerate(acc):
            if v is not None:
                yield Row(v, rank + 1)

    def get_result_type(self):
        return DataTypes.ROW([DataTypes.FIELD("v", DataTypes.BIGINT()),
                              DataTypes.FIELD("rank", DataTypes.INT())])


def test_flat_aggregate_with_a_table_aggregate_function(env) -> None:
    t = table(env)
    got = (t.group_by(col("k")).flat_aggregate(udtaf(Top2())).select(col("k"), col("v"), col("rank"))
           .to_pandas())
    want = duckdb.sql("""SELECT k, v, rank FROM (SELECT k, v, ROW_NUMBER() OVER
        (PARTITION BY k ORDER BY v DESC) AS rank FROM DATA WHERE v IS NOT NULL)
        WHERE rank <= 2""").fetchall()
    assert sorted(zip(got.k, got.v, got["rank"])) == sorted(want)
    renamed = t.flat_aggregate(udtaf(Top2()).alias("top", "r")).select(col("top")).to_pandas()
    assert sorted(renamed.top) == [998, 999]
    with pytest.raises(TypeError, match="flat_aggregate takes a table aggregate"):
        t.flat_aggregate(wavg)


def test_table_map_with_a_row_function(env) -> None:
    @udf(result_type=DataTypes.ROW([DataTypes.FIELD("key", DataTypes.STRING()),
                                    DataTypes.FIELD("double_w", DataTypes.BIGINT())]))
    def pair(row):
        return Row(row.k.upper(), row.w * 2)

    got = table(env).map(pair).to_pandas()
    assert list(got.columns) == ["key", "double_w"]
    assert got.double_w.sum() == 2 * sum(DATA.column("w").to_pylist())
    assert set(got.key) == {"K0", "K1", "K2", "K3", "K4"}


def test_aggregate_functions_in_over_windows(env, tmp_path) -> None:
    """General and pandas functions over ROWS frames (rows leave the frame: the
    general function retracts, the pandas one drops the row), in batch and on the
    streaming OVER operator; DuckDB computes the same windows."""
    path = tmp_path / "events"
    path.mkdir()
    pq.write_table(pa.table({"k": [f"k{i % 3}" for i in range(60)],
                             "v": pa.array([float((i * 7) % 11) for i in range(60)]),
                             "ts": pa.array([i * 1000 for i in range(60)], pa.timestamp("ms"))}),
                   path / "a.parquet")
    env.execute_sql(f"""CREATE TABLE e (k STRING, v DOUBLE, ts TIMESTAMP(3),
        WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '{path}',
        'format' = 'parquet')""")
    env.create_temporary_function("median", median)
    env.get_config().set("sql-client.execution.result-mode", "changelog")
    env.create_temporary_function("mean", udaf(Mean(), result_type="DOUBLE"))
    got = env.execute_sql(
        "SELECT k, ts, mean(v) OVER w AS a, median(v) OVER w AS m FROM e "
        "WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
    ).to_pandas()
    want = duckdb.sql(f"""SELECT k, epoch_ms(ts), AVG(v) OVER w, MEDIAN(v) OVER w
        FROM read_parquet('{path}/*.parquet')
        WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
        """).fetchall()
    ours = {(r.k, int(pd.Timestamp(r.ts).value // 1_000_000)): (r.a, r.m)
            for r in got.itertuples()}
    assert close(ours, {(r[0], r[1]): r[2:] for r in want})
    # Several arguments: the batch engine takes them; the streaming OVER operator
    # says it cannot yet.
    query = ("SELECT k, wavg(v, 2) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 "
             "PRECEDING AND CURRENT ROW) AS a FROM e")
    env.create_temporary_function("wavg", wavg)
    if env.get_config().get("execution.runtime-mode", "") == "batch":
        assert len(env.execute_sql(query).to_pandas()) == 60
    else:
        with pytest.raises(weir.UserError, match="several arguments in an OVER window"):
            env.execute_sql(query).to_pandas()
