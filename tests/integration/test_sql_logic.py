"""SQL logic tests: the files under tests/sql/ run through `weir sql`.

A file is a list of blocks separated by blank lines:

    statement ok            the statement must succeed
    statement error TEXT    it must fail with TEXT in the message (exit code 1)
    query [ordered]         the query's rows must equal the rows after '----'
    query duckdb [ordered]  the query's rows must equal DuckDB's rows for the same
                            text over the same Parquet files (the oracle)
    query exact [ordered]   the rows must equal the expected csv lines as text (the
                            scale of a DECIMAL, the digits of a DOUBLE)
    query types             the query's columns must have the expected `name,TYPE`
                            (Flink's type names, as DESCRIBE prints them)
    query changelog [duckdb]  the query runs as a streaming job showing its changes
                            (result-mode 'changelog'); applying them (+I/+U add a row,
                            -U/-D remove an equal one, which must be there) must give
                            the expected rows (or DuckDB's)
    query changelog oracle  as above, but the block after '----' is a DuckDB query
                            whose rows are expected (for SQL DuckDB does not share,
                            such as window table functions)

Rows compare as sorted lists unless `ordered`; floats to 1e-9 relative. Every
`statement ok` before a block is replayed first (a fresh process per block).
${DATA} is the directory of the generated Parquet data.
"""
import csv
from decimal import Decimal
import io
import math
import re
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?$")
SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


def make_data(root: Path):
    rng = random.Random(7)
    n = 3000
    regions = ["emea", "amer", "apac"]
    orders = {
        "order_id": list(range(1, n + 1)),
        "customer_id": [rng.randrange(1, 200) if i % 17 else None for i in range(n)],
        "amount": [round(rng.uniform(1, 1000), 2) if i % 13 else None for i in range(n)],
        "quantity": [rng.randrange(1, 20) for _ in range(n)],
        "status": [rng.choice(["open", "shipped", "returned", None]) for _ in range(n)],
        "ts": [datetime(2024, 1, 1) + timedelta(minutes=37 * i) for i in range(n)],
        "region": [regions[i % 3] for i in range(n)],
    }
    table = pa.table(orders).cast(pa.schema([
        ("order_id", pa.int64()), ("customer_id", pa.int64()), ("amount", pa.float64()),
        ("quantity", pa.int32()), ("status", pa.string()), ("ts", pa.timestamp("us")),
        ("region", pa.string())]))
    pq.write_to_dataset(table, root / "orders", partition_cols=["region"],
                        row_group_size=500)
    customers = pa.table({
        "customer_id": pa.array(range(1, 250), pa.int64()),
        "name": [f"customer_{i:03d}" for i in range(1, 250)],
        "tier": [["gold", "silver", "bronze", None][i % 4] for i in range(1, 250)],
        "since": [date(2020, 1, 1) + timedelta(days=5 * i) for i in range(1, 250)],
    })
    (root / "customers").mkdir(parents=True, exist_ok=True)
    pq.write_table(customers, root / "customers" / "part-0.parquet")
    nested = pa.table({
        "id": pa.array(range(1, 101), pa.int64()),
        "info": pa.array([{"city": f"c{i % 7}", "zip": i * 10} for i in range(1, 101)],
                         pa.struct([("city", pa.string()), ("zip", pa.int64())])),
        "tags": pa.array([[f"t{j}" for j in range(i % 4)] for i in range(1, 101)],
                         pa.list_(pa.string())),
        "price": pa.array([None if i % 9 == 0 else Decimal(i * 125) / 100 for i in range(1, 101)],
                          pa.decimal128(10, 2)),
    })
    (root / "nested").mkdir(parents=True, exist_ok=True)
    pq.write_table(nested, root / "nested" / "part-0.parquet")
    # Every string and binary layout a writer may store (Arrow schema in the file).
    n = 300
    layouts = pa.table({
        "id": pa.array(range(1, n + 1), pa.int64()),
        "sv": pa.array([f"k{i % 17}" for i in range(n)], pa.string_view()),
        "ls": pa.array([None if i % 11 == 0 else f"name {i % 23} special" for i in range(n)],
                       pa.large_string()),
        "dc": pa.array([f"k{i % 13}" for i in range(n)]).dictionary_encode(),
        "lb": pa.array([bytes([i % 5]) for i in range(n)], pa.large_binary()),
        "bv": pa.array([bytes([i % 3, 1]) for i in range(n)], pa.binary_view()),
    })
    (root / "layouts").mkdir(parents=True, exist_ok=True)
    pq.write_table(layouts, root / "layouts" / "part-0.parquet", row_group_size=50)
    # The Bid table of Flink's window TVF documentation, one row per row group.
    bid = pa.table({
        "bidtime": pa.array([datetime(2020, 4, 15, 8, m) for m in (5, 7, 9, 11, 13, 17)],
                            pa.timestamp("ms")),
        "price": pa.array([Decimal(p) for p in ("4.00", "2.00", "5.00", "3.00", "1.00",
                                                 "6.00")], pa.decimal128(10, 2)),
        "item": ["C", "A", "D", "B", "E", "F"],
        "supplier_id": ["supplier1", "supplier2", "supplier1", "supplier2", "supplier1",
                        "supplier2"],
    })
    (root / "bid").mkdir(parents=True, exist_ok=True)
    pq.write_table(bid, root / "bid" / "part-0.parquet", row_group_size=1)
    # Orders and their shipments, each file in time order (row groups of 40), for
    # interval joins: most orders ship within 0-5 hours, every 7th never does, and
    # some shipments belong to no order.
    start = datetime(2024, 3, 1)
    placed = pa.table({
        "oid": pa.array(range(1, 401), pa.int64()),
        "ots": pa.array([start + timedelta(minutes=13 * i) for i in range(1, 401)],
                        pa.timestamp("ms")),
        "item": [f"item{i % 9}" for i in range(1, 401)],
    })
    ships = sorted(
        [(i, start + timedelta(minutes=13 * i + rng.randrange(0, 300))) for i in range(1, 401)
         if i % 7] + [(1000 + i, start + timedelta(minutes=97 * i)) for i in range(1, 40)],
        key=lambda s: s[1])
    shipped = pa.table({
        "sid": pa.array(range(1, len(ships) + 1), pa.int64()),
        "soid": pa.array([s[0] for s in ships], pa.int64()),
        "sts": pa.array([s[1] for s in ships], pa.timestamp("ms")),
    })
    for name, table in (("placed", placed), ("shipped", shipped)):
        (root / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, root / name / "part-0.parquet", row_group_size=40)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqldata")
    make_data(root)
    con = duckdb.connect()
    # A table rather than a view: DuckDB's window operator fails on hive partition
    # columns read directly ("partition columns not supported").
    con.execute(f"CREATE TABLE orders AS SELECT * FROM read_parquet("
                f"'{root}/orders/**/*.parquet', hive_partitioning = true)")
    con.execute(f"CREATE VIEW customers AS SELECT * FROM "
                f"read_parquet('{root}/customers/*.parquet')")
    con.execute(f"CREATE VIEW nested AS SELECT * FROM "
                f"read_parquet('{root}/nested/*.parquet')")
    con.execute(f"CREATE VIEW layouts AS SELECT * FROM "
                f"read_parquet('{root}/layouts/*.parquet')")
    con.execute(f"CREATE VIEW bid AS SELECT * FROM read_parquet('{root}/bid/*.parquet')")
    for name in ("placed", "shipped"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                    f"read_parquet('{root}/{name}/*.parquet')")
    return root, con


def parse_blocks(text: str):
    blocks = []
    for chunk in text.strip().split("\n\n"):
        lines = [l for l in chunk.strip().splitlines() if not l.startswith("#")]
        if not lines:
            continue
        header = lines[0].split()
        body = lines[1:]
        expected = None
        if "----" in body:
            cut = body.index("----")
            expected = body[cut + 1:]
            body = body[:cut]
        blocks.append((header, "\n".join(body), expected))
    return blocks


def normalize(value):
    if value is None or value == "" or value == "NULL":
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = str(value)
    if TIMESTAMP.match(text):
        return datetime.fromisoformat(text.replace(" ", "T")).isoformat(sep=" ")
    try:
        return float(text)
    except ValueError:
        return text.replace("T", " ") if len(text) >= 19 and text[10] == "T" else text


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def rows_equal(got, want, ordered):
    if len(got) != len(want):
        return False
    if not ordered:
        key = lambda row: [(v is None, str(v)) for v in row]
        got, want = sorted(got, key=key), sorted(want, key=key)
    return all(len(g) == len(w) and all(same(x, y) for x, y in zip(g, w))
               for g, w in zip(got, want))


def run_weir(weir, data_dir, prefix, sql):
    script = ";\n".join(prefix + [sql]) + ";"
    return weir("sql", "--format", "csv", "-D", f"DATA={data_dir}", "-e", script,
                check=False, timeout=300)


def parse_csv(text):
    reader = list(csv.reader(io.StringIO(text)))
    if not reader:
        return []
    width = len(reader[0])
    # A row holding a single NULL is an empty line.
    return [[normalize(v) for v in (row or [""] * width)] for row in reader[1:]]


def apply_changes(rows):
    """Applies a changelog given as csv rows whose first column is the row kind;
    returns the remaining rows, or raises on a retraction of an absent row."""
    live = {}
    for row in rows:
        kind, values = row[0], tuple(row[1:])
        if kind in ("+I", "+U"):
            live[values] = live.get(values, 0) + 1
        elif live.get(values, 0) > 0:
            live[values] -= 1
        else:
            raise AssertionError(f"{kind}{list(values)} retracts a row that is not there")
    return [list(values) for values, n in live.items() for _ in range(n)]


SQL_FILES = sorted(SQL_DIR.glob("*.test")) + sorted(SQL_DIR.glob("streaming/*.test"))


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(SQL_DIR)))
def test_sql_file(weir, data, path):
    data_dir, con = data
    prefix = []
    failures = []
    for header, sql, expected in parse_blocks(path.read_text()):
        kind = header[0]
        if kind == "statement" and header[1] == "ok":
            proc = run_weir(weir, data_dir, prefix, sql)
            if proc.returncode != 0:
                failures.append(f"statement failed:\n{sql}\n{proc.stderr}")
            else:
                prefix.append(sql)
        elif kind == "statement" and header[1] == "error":
            needle = " ".join(header[2:])
            proc = run_weir(weir, data_dir, prefix, sql)
            if proc.returncode != 1 or needle not in proc.stderr:
                failures.append(f"expected error '{needle}' (exit 1) for:\n{sql}\n"
                                f"got exit {proc.returncode}: {proc.stderr}")
        elif kind == "query" and "types" in header:
            proc = run_weir(weir, data_dir, prefix,
                            f"CREATE TEMPORARY VIEW typed_query AS {sql};\n"
                            "DESCRIBE typed_query")
            if proc.returncode != 0:
                failures.append(f"query failed:\n{sql}\n{proc.stderr}")
                continue
            got = [row[:2] for row in list(csv.reader(io.StringIO(proc.stdout)))[1:]]
            want = list(csv.reader(expected or []))
            if got != want:
                failures.append(f"wrong types for:\n{sql}\nweir:     {got}\n"
                                f"expected: {want}")
        elif kind == "query" and "exact" in header:
            mode = (["SET 'sql-client.execution.result-mode' = 'changelog'"]
                    if "changelog" in header else [])
            proc = run_weir(weir, data_dir, prefix + mode, sql)
            if proc.returncode != 0:
                failures.append(f"query failed:\n{sql}\n{proc.stderr}")
                continue
            got = list(csv.reader(io.StringIO(proc.stdout)))[1:]
            if mode:
                got = apply_changes(got)
            want = list(csv.reader(expected or []))
            if "ordered" not in header:
                got, want = sorted(got), sorted(want)
            if got != want:
                failures.append(f"wrong result for:\n{sql}\nweir:     {got[:10]}\n"
                                f"expected: {want[:10]}")
        elif kind == "query":
            ordered = "ordered" in header
            changes = "changelog" in header
            mode = ["SET 'sql-client.execution.result-mode' = 'changelog'"] if changes else []
            proc = run_weir(weir, data_dir, prefix + mode, sql)
            if proc.returncode != 0:
                failures.append(f"query failed:\n{sql}\n{proc.stderr}")
                continue
            if changes:
                try:
                    rows = list(csv.reader(io.StringIO(proc.stdout)))[1:]
                    got = [[normalize(v) for v in row] for row in apply_changes(rows)]
                except AssertionError as e:
                    failures.append(f"inconsistent changelog for:\n{sql}\n{e}")
                    continue
                ordered = False
            else:
                got = parse_csv(proc.stdout)
            if "duckdb" in header:
                want = [[normalize(v) for v in row] for row in con.execute(sql).fetchall()]
            elif "oracle" in header:
                oracle = "\n".join(expected or [])
                want = [[normalize(v) for v in row] for row in con.execute(oracle).fetchall()]
            else:
                want = [[normalize(v) for v in row] for row in csv.reader(expected or [])]
            if not rows_equal(got, want, ordered):
                failures.append(f"wrong result for:\n{sql}\nweir:   {got[:10]}\n"
                                f"expected: {want[:10]} ({len(got)} vs {len(want)} rows)")
        else:
            failures.append(f"unknown block header {header}")
    assert not failures, "\n\n".join(failures)
