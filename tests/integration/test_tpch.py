"""TPC-H correctness: the 22 queries at scale factor 0.1, weir against DuckDB.

Data: `tpchgen-cli parquet -s 0.1` (a few seconds), generated once into the
git-ignored .cache/tpch/ and reused (tpch_harness.generate). Queries:
tests/sql/tpch/q01.sql ... q22.sql in Flink SQL with the spec's validation parameters,
tables from tests/sql/tpch/schema.sql. Each query runs in its own `weir sql --format
csv` process in batch mode, killed (its whole process group) after QUERY_TIMEOUT
seconds; DuckDB runs the same text over views of the same Parquet files and is the
oracle.

Comparison (tpch_harness.compare): the rows must be equal as multisets, and when the
query ends with ORDER BY, weir's rows must be in that order (ties in any order).
Numbers are equal when |a - b| <= max(1e-6, 1e-9 * max(|a|, |b|)): the absolute term
is Flink's DECIMAL scale 6 for AVG and division, where DuckDB gives DOUBLE; the
relative term is DOUBLE rounding in large sums. Strings and dates compare exactly.
"""
import duckdb
import pytest

import tpch_harness as tpch

QUERY_TIMEOUT = 120  # seconds, per query
SCALE = 0.1


@pytest.fixture(scope="module")
def tpch_data():
    return tpch.generate(tpch.default_data_dir(SCALE), SCALE)


@pytest.fixture(scope="module")
def duck(tpch_data):
    con = duckdb.connect()
    for view in tpch.duckdb_views(tpch_data):
        con.execute(view)
    return con


@pytest.mark.parametrize("name", tpch.QUERIES)
def test_tpch_query(weir, tpch_data, duck, name):
    sql = tpch.query_text(name)
    cursor = duck.execute(tpch.duckdb_sql(sql))
    columns = [d[0] for d in cursor.description]
    want = [[tpch.normalize(v) for v in row] for row in cursor.fetchall()]

    run = tpch.run_weir(weir.binary, tpch_data, sql, QUERY_TIMEOUT)
    if run.timed_out:
        pytest.fail(f"{name}: weir did not finish within {QUERY_TIMEOUT} s (killed)")
    if run.returncode != 0:
        pytest.fail(f"{name}: weir exited {run.returncode}: {tpch.error_excerpt(run, 3000)}")
    header, got = tpch.parse_csv(run.stdout)
    problems = tpch.compare(header or columns, got, want,
                            tpch.key_indexes(sql, columns))
    assert not problems, f"{name}: wrong result\n" + "\n".join(problems)


@pytest.mark.parametrize("name", tpch.QUERIES)
def test_tpch_plan_has_no_cross_product(weir, tpch_data, name):
    """Every TPC-H query joins on keys: whatever order FROM lists the tables in, the
    optimizer never builds a cross product (a HashJoin on `true`), and it reports
    its estimates."""
    sql = tpch.query_text(name).strip().rstrip(";")
    run = tpch.run_weir(weir.binary, tpch_data, "EXPLAIN " + sql, QUERY_TIMEOUT)
    assert run.returncode == 0, tpch.error_excerpt(run, 3000)
    joins = [line.strip() for line in run.stdout.splitlines() if "HashJoin" in line]
    assert not [j for j in joins if " on true" in j], run.stdout
    assert all("est. " in j for j in joins), run.stdout


@pytest.mark.parametrize("name", ["q02", "q05", "q08", "q09", "q21"])
def test_tpch_written_join_order(weir, tpch_data, duck, name):
    """With join reordering off, joins run in the order written and give the same
    answer (the written order of q09 starts with a cross product)."""
    sql = tpch.query_text(name)
    cursor = duck.execute(tpch.duckdb_sql(sql))
    columns = [d[0] for d in cursor.description]
    want = [[tpch.normalize(v) for v in row] for row in cursor.fetchall()]
    run = tpch.run_weir(weir.binary, tpch_data, sql, QUERY_TIMEOUT,
                        settings=[("table.optimizer.join-reorder-enabled", "false")])
    assert run.returncode == 0, tpch.error_excerpt(run, 3000)
    header, got = tpch.parse_csv(run.stdout)
    problems = tpch.compare(header or columns, got, want, tpch.key_indexes(sql, columns))
    assert not problems, f"{name}: wrong result\n" + "\n".join(problems)
