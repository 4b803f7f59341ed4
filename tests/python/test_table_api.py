"""The Table API from Python: every operation, checked against DuckDB running the
same query over the same Arrow data."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.common import Row
from weir.table import DataTypes, Schema, TableDescriptor, FormatDescriptor
from weir.table.expressions import call, col, concat, if_then_else, lit


@pytest.fixture
def people() -> pa.Table:
    return pa.table({"id": pa.array([1, 2, 3, 4, 5], pa.int64()),
                     "name": ["ann", "bob", "cid", "dee", "eve"],
                     "dept": ["x", "y", "x", "z", "y"],
                     "pay": pa.array([10.5, 20.0, 30.25, None, 50.0])})


@pytest.fixture
def depts() -> pa.Table:
    return pa.table({"d": ["x", "y", "w"], "title": ["ops", "dev", "art"]})


def rows(table: pa.Table) -> list:
    return sorted(table.to_pylist(), key=repr)


def duck(sql: str, **tables: pa.Table) -> list:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return rows(con.sql(sql).to_arrow_table())


def test_select_where_and_expressions(env, people) -> None:
    t = env.from_arrow(people)
    got = t.where((col("pay") > 15) & col("dept").in_("x", "y")).select(
        col("id"), (col("pay") * 2).alias("double_pay"), col("name").upper_case.alias("n"),
        if_then_else(col("id") % 2 == 0, "even", "odd").alias("parity"),
        concat(col("name"), lit("!")).alias("c")).to_arrow()
    want = duck("SELECT id, pay * 2 AS double_pay, upper(name) AS n, "
                "CASE WHEN id % 2 = 0 THEN 'even' ELSE 'odd' END AS parity, "
                "name || '!' AS c FROM p WHERE pay > 15 AND dept IN ('x', 'y')", p=people)
    assert rows(got) == want


def test_group_by_and_aggregates(env, people) -> None:
    t = env.from_arrow(people)
    got = t.group_by(col("dept")).select(
        col("dept"), col("pay").sum.alias("total"), col("id").count.alias("n"),
        col("pay").max.alias("top")).to_arrow()
    want = duck("SELECT dept, SUM(pay) AS total, COUNT(id) AS n, MAX(pay) AS top "
                "FROM p GROUP BY dept", p=people)
    assert rows(got) == want


def test_joins(env, people, depts) -> None:
    p, d = env.from_arrow(people), env.from_arrow(depts)
    inner = p.join(d, col("dept") == col("d")).select(col("name"), col("title")).to_arrow()
    assert rows(inner) == duck("SELECT name, title FROM p JOIN d ON dept = d", p=people, d=depts)
    left = p.left_outer_join(d, col("dept") == col("d")).select(col("name"), col("title"))
    assert rows(left.to_arrow()) == duck(
        "SELECT name, title FROM p LEFT JOIN d ON dept = d", p=people, d=depts)
    full = p.full_outer_join(d, col("dept") == col("d")).select(col("name"), col("title"))
    assert rows(full.to_arrow()) == duck(
        "SELECT name, title FROM p FULL JOIN d ON dept = d", p=people, d=depts)
    crossed = p.join(d).where(col("dept") == col("d")).select(col("name")).to_arrow()
    assert len(crossed) == 4
    with pytest.raises(ValueError, match="needs a join predicate"):
        p.left_outer_join(d)


def test_order_limit_distinct_and_set_operations(env, people) -> None:
    t = env.from_arrow(people)
    top = t.order_by(col("id").desc).limit(2).select(col("id")).to_arrow()
    assert top.column("id").to_pylist() == [5, 4]
    page = t.order_by(col("id")).limit(2, 1).select(col("id")).to_arrow()
    assert page.column("id").to_pylist() == [2, 3]
    assert t.order_by(col("id")).fetch(1).select(col("id")).to_arrow()["id"].to_pylist() == [1]
    assert len(t.select(col("dept")).distinct().to_arrow()) == 3
    both = t.select(col("dept")).union_all(t.select(col("dept"))).to_arrow()
    assert len(both) == 10
    assert len(t.select(col("dept")).union(t.select(col("dept"))).to_arrow()) == 3
    assert rows(t.select(col("dept")).minus(t.where(col("dept") == "x").select(col("dept")))
                .to_arrow()) == [{"dept": "y"}, {"dept": "z"}]
    assert rows(t.select(col("dept")).intersect(t.where(col("id") < 3).select(col("dept")))
                .to_arrow()) == [{"dept": "x"}, {"dept": "y"}]


def test_column_operations_and_schema(env, people) -> None:
    t = env.from_arrow(people)
    added = t.add_columns((col("id") * 10).alias("id10"))
    assert added.get_schema().get_field_names() == ["id", "name", "dept", "pay", "id10"]
    replaced = t.add_or_replace_columns((col("id") * 10).alias("id"))
    assert replaced.select(col("id")).to_arrow()["id"].to_pylist()[:2] == [10, 20]
    renamed = t.rename_columns(col("name").alias("who"))
    assert renamed.get_schema().get_field_names() == ["id", "who", "dept", "pay"]
    dropped = t.drop_columns(col("pay"), col("dept"))
    assert dropped.get_schema().get_field_names() == ["id", "name"]
    aliased = t.alias("a", "b", "c", "d")
    assert aliased.get_schema().get_field_names() == ["a", "b", "c", "d"]
    schema = t.get_schema()
    assert [str(x) for x in schema.get_field_data_types()] == ["BIGINT", "STRING", "STRING",
                                                               "DOUBLE"]
    assert t.name is not None and str(t.id) == "`id`"
    with pytest.raises(ValueError, match="no column"):
        t.drop_columns(col("missing"))
    assert "BIGINT" in str(schema)


def test_cast_and_literals(batch_env) -> None:
    t = batch_env.from_elements([(1, "2.50")], ["a", "b"])
    got = t.select(col("a").cast(DataTypes.DOUBLE()).alias("d"),
                   col("b").cast(DataTypes.DECIMAL(10, 2)).alias("m"),
                   lit(0.1).alias("f"), lit("it's").alias("s"),
                   lit(None, DataTypes.INT()).alias("n")).to_arrow()
    assert got.schema.field("d").type == pa.float64()
    assert got.schema.field("m").type == pa.decimal128(10, 2)
    assert got.schema.field("f").type == pa.float64()  # a Python float is a DOUBLE
    assert got.to_pylist()[0]["s"] == "it's"
    assert got.to_pylist()[0]["n"] is None


def test_from_elements_pandas_and_tables_in_sql(batch_env) -> None:
    named = batch_env.from_elements([Row(a=1, b="x"), Row(a=2, b="y")])
    assert named.get_schema().get_field_names() == ["a", "b"]
    plain = batch_env.from_elements([(1, "x")])
    assert plain.get_schema().get_field_names() == ["_1", "_2"]
    typed = batch_env.from_elements(
        [(1, "x")], DataTypes.ROW([DataTypes.FIELD("k", DataTypes.INT()),
                                   DataTypes.FIELD("v", DataTypes.STRING())]))
    assert str(typed.get_schema().get_field_data_type("k")) == "INT"
    frame = pd.DataFrame({"k": [1, 2, 3], "v": [0.5, 1.5, 2.5]})
    t = batch_env.from_pandas(frame)
    got = batch_env.sql_query(f"SELECT SUM(v) AS s FROM {t}").to_pandas()
    assert got["s"].tolist() == [4.5]
    assert t.to_pandas().equals(frame)


def test_execute_insert_with_descriptor(env, people, tmp_path) -> None:
    target = (TableDescriptor.for_connector("filesystem")
              .schema(Schema.new_builder().column("id", DataTypes.BIGINT())
                      .column("name", DataTypes.STRING()).column("dept", DataTypes.STRING())
                      .build())
              .option("path", str(tmp_path / "out"))
              .format(FormatDescriptor.for_format("parquet").build())
              .partitioned_by("dept").build())
    env.create_temporary_table("people_out", target)
    t = env.from_arrow(people)
    result = t.select(col("id"), col("name"), col("dept")).execute_insert("people_out")
    assert result.rows_written == 5
    back = pq.read_table(tmp_path / "out")
    assert sorted(back.column("id").to_pylist()) == [1, 2, 3, 4, 5]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dept=x", "dept=y", "dept=z"]
    # An anonymous table from a descriptor, as PyFlink allows.
    csv = (TableDescriptor.for_connector("filesystem")
           .schema(Schema.new_builder().column("id", DataTypes.BIGINT()).build())
           .option("path", str(tmp_path / "csv")).format("csv").build())
    assert t.select(col("id")).execute_insert(csv).rows_written == 5


def test_statement_set(batch_env, people, tmp_path) -> None:
    for name in ("a", "b"):
        batch_env.execute_sql(f"""CREATE TABLE {name} (id BIGINT) WITH ('connector' =
            'filesystem', 'path' = '{tmp_path / name}', 'format' = 'parquet')""")
    t = batch_env.from_arrow(people)
    batch_env.create_temporary_view("p", t)
    statements = batch_env.create_statement_set()
    statements.add_insert_sql("INSERT INTO a SELECT id FROM p WHERE id < 3")
    statements.add_insert("b", t.select(col("id")))
    result = statements.execute()
    # One job for both INSERTs.
    assert "Job insert-into_a,b finished: 7 rows written (a: 2, b: 5)" in result.message
    assert result.rows_written == 7
    assert pq.read_table(tmp_path / "a").num_rows == 2
    assert pq.read_table(tmp_path / "b").num_rows == 5


def test_sql_query_errors_point_into_the_query(batch_env) -> None:
    with pytest.raises(weir.UserError, match="line 1, column 8"):
        batch_env.sql_query("SELECT missing_col FROM (VALUES (1)) AS t(a)")


def test_group_and_over_windows(stream_env, tmp_path) -> None:
    from weir.table.expressions import row_interval
    from weir.table.window import Over, Session, Slide, Tumble

    folder = tmp_path / "clicks"
    folder.mkdir()
    rows = [(f"2024-01-01 00:00:{i:02d}", "Alice" if i % 2 else "Bob", i + 0.5)
            for i in range(20)]
    (folder / "a.csv").write_text("".join(f"{ts},{n},{p}\n" for ts, n, p in rows))
    stream_env.execute_sql(f"""CREATE TABLE clicks (ts TIMESTAMP(3), name STRING, price DOUBLE,
        WATERMARK FOR ts AS ts - INTERVAL '3' SECOND) WITH ('connector' = 'filesystem',
        'path' = '{folder}', 'format' = 'csv')""")
    t = stream_env.from_path("clicks")
    tumbled = (t.window(Tumble.over(lit(5).seconds).on(col("ts")).alias("w"))
                .group_by(col("name"), col("w"))
                .select(col("name"), col("price").sum.alias("total"),
                        col("w").start.alias("ws"), col("w").end.alias("we"))).to_arrow()
    want: dict = {}
    for i, (_, name, price) in enumerate(rows):
        want[(name, i // 5 * 5)] = want.get((name, i // 5 * 5), 0) + price
    got = {(r["name"], r["ws"].second): r["total"] for r in tumbled.to_pylist()}
    assert got == want
    assert all((r["we"] - r["ws"]).total_seconds() == 5 for r in tumbled.to_pylist())
    slid = (t.window(Slide.over(lit(10).seconds).every(lit(5).seconds).on(col("ts")).alias("w"))
             .group_by(col("w")).select(col("price").count.alias("n"))).to_arrow()
    assert sorted(slid.column("n").to_pylist()) == [5, 5, 10, 10, 10]
    sessions = (t.window(Session.with_gap(lit(3).seconds).on(col("ts")).alias("w"))
                 .group_by(col("name"), col("w")).select(col("name"), col("price").count.alias("n"))
                 ).to_arrow()
    assert sorted(sessions.column("n").to_pylist()) == [10, 10]
    over = (t.over_window(Over.partition_by(col("name")).order_by(col("ts"))
                          .preceding(row_interval(2)).alias("w"))
             .select(col("name"), col("price"), col("price").sum.over(col("w")).alias("s"))
            ).to_arrow().to_pylist()
    bob = sorted((r for r in over if r["name"] == "Bob"), key=lambda r: r["price"])
    assert [r["s"] for r in bob[:4]] == [0.5, 3.0, 7.5, 13.5]
