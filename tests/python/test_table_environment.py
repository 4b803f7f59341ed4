"""TableEnvironment from Python: SQL statements, configuration, errors, catalogs.
Results are checked against DuckDB reading the same files."""

from __future__ import annotations

import decimal
import pathlib

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.common import Configuration, Row, RowKind
from weir.table import (EnvironmentSettings, ResultKind, TableEnvironment)


def test_a_query_matches_duckdb(env, orders_file: pathlib.Path) -> None:
    env.execute_sql(f"""
        CREATE TABLE orders (id BIGINT, customer STRING, amount DECIMAL(10, 2), qty INT)
        WITH ('connector' = 'filesystem', 'path' = '{orders_file}', 'format' = 'parquet')""")
    query = ("SELECT customer, SUM(amount) AS total, AVG(amount) AS mean, COUNT(*) AS n "
             "FROM orders WHERE qty > 1 GROUP BY customer")
    got = env.execute_sql(query + " ORDER BY customer").to_arrow()
    want = duckdb.sql(query.replace("orders", f"'{orders_file}'") +
                      " ORDER BY customer").to_arrow_table()
    assert got.column_names == ["customer", "total", "mean", "n"]
    assert got.column("customer").to_pylist() == want.column("customer").to_pylist()
    assert got.column("total").to_pylist() == want.column("total").to_pylist()
    assert got.column("n").to_pylist() == want.column("n").to_pylist()
    # AVG of DECIMAL(10, 2) is DECIMAL(38, 6), as Flink types it.
    assert got.schema.field("mean").type == pa.decimal128(38, 6)
    for g, w in zip(got.column("mean").to_pylist(), want.column("mean").to_pylist()):
        assert abs(g - decimal.Decimal(str(w))) < decimal.Decimal("0.000001")


def test_ddl_and_set_results(batch_env: TableEnvironment) -> None:
    result = batch_env.execute_sql("CREATE TEMPORARY VIEW v AS SELECT 1 AS a")
    assert result.get_result_kind() == ResultKind.SUCCESS
    assert batch_env.list_views() == ["v"]
    rows = list(batch_env.execute_sql("SELECT a + 1 AS b FROM v").collect())
    assert rows == [Row(b=2)]
    assert rows[0].b == 2 and rows[0]["b"] == 2 and rows[0][0] == 2
    assert rows[0].get_row_kind() == RowKind.INSERT


def test_print_shows_types_and_rows(batch_env: TableEnvironment, capsys) -> None:
    batch_env.execute_sql("SELECT 0.1 + 0.2 AS d, 'x' AS s").print()
    out = capsys.readouterr().out
    assert "DECIMAL(3, 1)" in out and "0.3" in out and "1 row in set" in out


def test_insert_into_parquet_is_read_by_pyarrow(env, orders_file, tmp_path) -> None:
    out = tmp_path / "out"
    env.execute_sql(f"""
        CREATE TABLE orders (id BIGINT, customer STRING, amount DECIMAL(10, 2), qty INT)
        WITH ('connector' = 'filesystem', 'path' = '{orders_file}', 'format' = 'parquet')""")
    env.execute_sql(f"""
        CREATE TABLE big (id BIGINT, customer STRING) PARTITIONED BY (customer)
        WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'parquet')""")
    result = env.execute_sql("INSERT INTO big SELECT id, customer FROM orders WHERE qty = 5")
    assert result.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert result.rows_written == 200
    assert result.get_job_client() is not None
    written = pq.read_table(out)
    assert sorted(written.column("id").to_pylist()) == [i for i in range(1000) if i % 5 == 4]


def test_configuration(batch_env: TableEnvironment) -> None:
    config = batch_env.get_config()
    config.set("table.exec.state.ttl", "1 h")
    assert config.get("table.exec.state.ttl") == "1 h"
    config.get_configuration().set_string("parallelism.default", "1")
    assert config.get("parallelism.default") == "1"
    with pytest.raises(weir.UserError, match="no-such-key"):
        config.set("no-such-key", "1")
    with pytest.raises(weir.UserError, match="parallelism"):
        config.set("parallelism.default", "many")


def test_create_from_configuration() -> None:
    config = Configuration()
    config.set_string("execution.runtime-mode", "batch")
    env = TableEnvironment.create(config)
    assert env.execute_sql("SELECT 1 AS a").to_arrow().num_rows == 1
    settings = EnvironmentSettings.new_instance().in_batch_mode().build()
    assert not settings.is_streaming_mode()


def test_sql_errors_carry_position_and_caret(batch_env: TableEnvironment) -> None:
    with pytest.raises(weir.UserError) as error:
        batch_env.execute_sql("SELECT nope FROM (VALUES (1)) AS t(yes)")
    message = str(error.value)
    assert "unknown column 'nope' at line 1, column 8" in message
    assert "\n         ^" in message
    assert error.value.code == "Invalid"
    with pytest.raises(weir.UserError, match="does not exist|not found|unknown"):
        batch_env.sql_query("SELECT * FROM missing_table")
    with pytest.raises(weir.WeirError):
        batch_env.execute_sql("SELEC 1")


def test_missing_file_is_a_user_error(batch_env: TableEnvironment, tmp_path) -> None:
    batch_env.execute_sql(f"""
        CREATE TABLE t (a INT) WITH ('connector' = 'filesystem',
          'path' = '{tmp_path / "nothing-here"}', 'format' = 'parquet')""")
    with pytest.raises(weir.UserError, match="nothing-here"):
        batch_env.execute_sql("SELECT * FROM t")


def test_explain(batch_env: TableEnvironment) -> None:
    plan = batch_env.explain_sql("SELECT a FROM (VALUES (1), (2)) AS t(a) WHERE a > 1")
    assert "Filter" in plan or "filter" in plan.lower()


def test_read_parquet_takes_the_schema_from_the_files(batch_env, orders_file) -> None:
    t = batch_env.read_parquet(str(orders_file))
    assert t.get_schema().get_field_names() == ["id", "customer", "amount", "qty"]
    assert str(t.get_schema().get_field_data_type("amount")) == "DECIMAL(10, 2)"
    assert t.to_arrow().num_rows == 1000


def test_streaming_group_by_over_bounded_input_in_changelog_mode(stream_env) -> None:
    stream_env.get_config().set("sql-client.execution.result-mode", "changelog")
    stream_env.get_config().set("parallelism.default", "1")
    first = stream_env.from_elements([("a", 1), ("b", 2)], ["k", "v"])
    second = stream_env.from_elements([("a", 3)], ["k", "v"])
    stream_env.create_temporary_view("src", first.union_all(second))
    result = stream_env.execute_sql("SELECT k, SUM(v) AS s FROM src GROUP BY k")
    assert result.get_table_schema().get_field_names() == ["k", "s"]
    rows = list(result.collect())
    kinds = [r.get_row_kind().short_string() for r in rows]
    assert "-U" in kinds and "+U" in kinds, kinds
    final: dict = {}
    for r in rows:  # apply the changelog
        if r.get_row_kind() in (RowKind.INSERT, RowKind.UPDATE_AFTER):
            final[r.k] = r.s
        else:
            assert final.pop(r.k) == r.s
    assert final == {"a": 4, "b": 2}
