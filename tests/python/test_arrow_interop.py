"""Arrow in and out without copies, through the Arrow C Stream interface, and data
from pandas, polars and DuckDB."""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa

from weir.table import EnvironmentSettings, TableEnvironment
from weir.table.expressions import col


def first_address(table: pa.Table) -> int:
    return table.column(0).chunk(0).buffers()[1].address


def test_ten_million_rows_round_trip_without_a_copy(batch_env) -> None:
    n = 10_000_000
    source = pa.table({"x": pa.array(range(n), pa.int64())})
    table = batch_env.from_arrow(source)
    result = table.execute()
    before = pa.total_allocated_bytes()
    out = result.to_arrow()
    again = pa.table(result)
    # The engine and pyarrow share one Arrow: nothing the size of the data (80 MB)
    # is allocated to hand the rows over, and both views share the same buffers...
    assert pa.total_allocated_bytes() - before < 4_000_000
    assert out.num_rows == n and first_address(out) == first_address(again)
    # ...which are the source's own: a scan of Arrow data reads it in place.
    assert first_address(out) == first_address(source)
    assert out.column("x")[n - 1].as_py() == n - 1


def test_results_are_a_c_stream(batch_env) -> None:
    t = batch_env.from_elements([(1, "a"), (2, "b")], ["k", "v"])
    reader = pa.RecordBatchReader.from_stream(t.execute())
    assert reader.schema.names == ["k", "v"]
    assert reader.read_all().num_rows == 2
    # A Table is a C stream too: DuckDB and polars read it directly.
    assert duckdb.sql("SELECT SUM(k) AS s FROM t").fetchall()[0][0] == 3
    assert pl.from_arrow(pa.table(t)).shape == (2, 2)


def test_inputs_from_pandas_polars_duckdb_and_readers(batch_env) -> None:
    frames = [
        pd.DataFrame({"a": [1, 2, 3]}),
        pl.DataFrame({"a": [1, 2, 3]}),
        duckdb.sql("SELECT * FROM range(1, 4) AS r(a)"),
        pa.RecordBatchReader.from_batches(
            pa.schema([("a", pa.int64())]),
            [pa.record_batch({"a": pa.array([1, 2, 3], pa.int64())})]),
        pa.record_batch({"a": pa.array([1, 2, 3], pa.int64())}),
    ]
    for data in frames:
        t = batch_env.from_arrow(data)
        got = t.select(col("a").sum.alias("s")).to_arrow()
        assert got.column("s").to_pylist() == [6], type(data)


def test_streaming_insert_from_arrow_data(tmp_path) -> None:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "2")
    source = pa.table({"k": pa.array([i % 10 for i in range(100_000)], pa.int64())})
    env.create_temporary_view("src", env.from_arrow(source))
    env.execute_sql(f"""CREATE TABLE out (k BIGINT) WITH ('connector' = 'filesystem',
        'path' = '{tmp_path}', 'format' = 'parquet')""")
    assert env.execute_sql("INSERT INTO out SELECT k FROM src WHERE k < 5").rows_written == 50_000
