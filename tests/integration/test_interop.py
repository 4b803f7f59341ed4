"""Interop: files weir writes read identically in pyarrow and DuckDB; files pyarrow
and DuckDB write read identically in weir."""
import datetime as dt
import decimal
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def rich_table(n=2000):
    """A table with the types real writers produce, nulls in every column."""
    def nullify(values, every=7):
        return [None if i % every == 3 else v for i, v in enumerate(values)]

    base = dt.datetime(2024, 3, 1, 12, 0, 0)
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "i8": pa.array(nullify([i % 100 - 50 for i in range(n)]), pa.int8()),
        "u32": pa.array(nullify([i * 7 for i in range(n)]), pa.uint32()),
        "f32": pa.array(nullify([i / 3 for i in range(n)]), pa.float32()),
        "f64": pa.array(nullify([i * 1.25 for i in range(n)]), pa.float64()),
        "flag": pa.array(nullify([i % 2 == 0 for i in range(n)]), pa.bool_()),
        "name": pa.array(nullify([f"name-{i % 37}-é" for i in range(n)]), pa.string()),
        "blob": pa.array(nullify([bytes([i % 256, 0, 255]) for i in range(n)]), pa.binary()),
        "dec": pa.array(nullify([decimal.Decimal(i) / 100 for i in range(n)]),
                        pa.decimal128(12, 2)),
        "day": pa.array(nullify([dt.date(2024, 1, 1) + dt.timedelta(days=i % 400)
                                 for i in range(n)]), pa.date32()),
        "ts_us": pa.array(nullify([base + dt.timedelta(seconds=i) for i in range(n)]),
                          pa.timestamp("us")),
        "ts_tz": pa.array(nullify([base + dt.timedelta(minutes=i) for i in range(n)]),
                          pa.timestamp("ms", tz="UTC")),
        "tags": pa.array(nullify([[f"t{j}" for j in range(i % 4)] for i in range(n)]),
                         pa.list_(pa.string())),
        "point": pa.array(nullify([{"x": i, "y": float(i) / 2} for i in range(n)]),
                          pa.struct([("x", pa.int32()), ("y", pa.float64())])),
        "attrs": pa.array(nullify([[("k", i), ("j", -i)] for i in range(n)]),
                          pa.map_(pa.string(), pa.int64())),
    })


def test_weir_output_reads_identically_in_pyarrow_and_duckdb(weir, tmp_path):
    source = rich_table()
    src = tmp_path / "src.parquet"
    pq.write_table(source, src)
    for codec in ["zstd", "snappy", "gzip", "lz4_raw", "brotli", "none"]:
        out = tmp_path / f"weir-{codec}.parquet"
        weir("parquet", "convert", src, out, "--compression", codec, "--row-group-size", "700",
             "--quiet")
        back = pq.read_table(out)
        assert back.equals(source), codec
        assert pq.ParquetFile(out).metadata.num_row_groups == 3
        con = duckdb.connect()
        got = con.execute(
            f"SELECT count(*), sum(id), count(name), sum(dec), max(ts_us), count(tags), "
            f"sum(point.x), sum(len(tags)) FROM read_parquet('{out}')").fetchone()
        want = con.execute(
            f"SELECT count(*), sum(id), count(name), sum(dec), max(ts_us), count(tags), "
            f"sum(point.x), sum(len(tags)) FROM read_parquet('{src}')").fetchone()
        assert got == want, codec


def test_empty_and_zero_row_files(weir, tmp_path):
    empty = rich_table(0)
    src = tmp_path / "empty.parquet"
    pq.write_table(empty, src)
    out = tmp_path / "out.parquet"
    weir("parquet", "convert", src, out, "--quiet")
    back = pq.read_table(out)
    assert back.num_rows == 0 and back.schema.equals(empty.schema)
    assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone() == (0,)
    res = weir("parquet", "cat", out, "--format", "csv")
    assert res.stdout.strip() == ",".join(empty.schema.names)


def test_weir_reads_files_written_by_duckdb(weir, tmp_path):
    path = tmp_path / "duck.parquet"
    duckdb.connect().execute(f"""COPY (SELECT i AS id, 'v' || (i % 10) AS s, i * 0.5 AS d,
                           DATE '2024-01-01' + (i % 30)::INT AS day,
                           CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1] END AS l,
                           {{'a': i, 'b': 'x'}} AS st
                    FROM range(5000) t(i))
                   TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)""")
    out = tmp_path / "copy.parquet"
    weir("parquet", "convert", path, out, "--quiet")
    assert pq.read_table(out).equals(pq.read_table(path))
    rows = [json.loads(line) for line in
            weir("parquet", "cat", path, "--format", "json", "--where", "id < 3").stdout.splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert rows[0]["l"] is None and rows[1]["l"] == [1, 2]
    assert rows[2]["st"] == {"a": 2, "b": "x"}


def test_where_matches_duckdb(weir, tmp_path):
    table = rich_table(5000)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1000)
    cases = {
        "id >= 1200 AND id < 1300": "id >= 1200 AND id < 1300",
        "name = 'name-5-é' OR f64 > 6000": "name = 'name-5-é' OR f64 > 6000",
        "i8 IS NULL": "i8 IS NULL",
        "NOT (id IN (1, 2, 3000)) AND id < 10": "NOT (id IN (1, 2, 3000)) AND id < 10",
        "day = DATE '2024-01-05'": "day = DATE '2024-01-05'",
        "dec BETWEEN 10 AND 10.5": "dec BETWEEN 10 AND 10.5",
        "point.x < 5": "point.x < 5",
    }
    con = duckdb.connect()
    for ours, theirs in cases.items():
        out = weir("parquet", "cat", path, "--columns", "id", "--where", ours, "--format", "csv")
        got = [int(x) for x in out.stdout.split()[1:]]
        want = [r[0] for r in con.execute(
            f"SELECT id FROM read_parquet('{path}') WHERE {theirs} ORDER BY id").fetchall()]
        assert got == want, ours


def test_hive_partitioned_convert_reads_in_duckdb(weir, tmp_path):
    csv = tmp_path / "events.csv"
    lines = ["id,channel,day,amount"]
    for i in range(3000):
        lines.append(f"{i},{['web', 'app', 'store'][i % 3]},2024-05-0{1 + i % 4},{i * 0.25}")
    csv.write_text("\n".join(lines) + "\n")
    out = tmp_path / "events"
    weir("parquet", "convert", csv, out, "--partition-by", "day,channel", "--quiet")
    dirs = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*"))
    assert len(dirs) == 12 and dirs[0] == "day=2024-05-01/channel=app"
    assert not list(out.rglob(".*")), "hidden in-progress files were left behind"
    con = duckdb.connect()
    got = con.execute(f"""SELECT channel, count(*), sum(amount) FROM
        read_parquet('{out}/**/*.parquet', hive_partitioning=true)
        GROUP BY channel ORDER BY channel""").fetchall()
    want = con.execute(f"""SELECT channel, count(*), sum(amount) FROM read_csv('{csv}')
        GROUP BY channel ORDER BY channel""").fetchall()
    assert got == want
    # weir reads the layout back, with partition pruning.
    res = weir("parquet", "cat", out, "--where", "channel = 'web' AND day = DATE '2024-05-02'",
               "--format", "csv", "--stats")
    assert len(res.stdout.splitlines()) - 1 == con.execute(
        f"SELECT count(*) FROM read_csv('{csv}') WHERE channel = 'web' AND day = '2024-05-02'"
    ).fetchone()[0]
    assert "11 pruned by partition" in res.stderr


def test_json_input_and_writer_options(weir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"k": i % 10, "v": f"s{i}", "x": i / 4}) + "\n"
                           for i in range(1000)))
    out = tmp_path / "out.parquet"
    weir("parquet", "convert", src, out, "--compression", "zstd(7)", "--row-group-size", "250",
         "--page-size", "4K", "--no-dictionary", "--bloom-filter", "v:1000:0.01",
         "--data-page-version", "2", "--metadata", "origin=test", "--sort-by", "k", "--quiet")
    meta = pq.ParquetFile(out).metadata
    assert meta.num_row_groups == 4
    assert meta.metadata[b"origin"] == b"test"
    col = meta.row_group(0).column(1)
    assert col.compression == "ZSTD"
    assert "RLE_DICTIONARY" not in col.encodings
    info = json.loads(weir("parquet", "inspect", out, "--json").stdout)
    v = info["row_groups"][0]["columns"][1]
    assert v["bloom_filter"] and v["column_index"] and v["offset_index"]
    assert duckdb.connect().execute(f"SELECT count(*), sum(x) FROM read_parquet('{out}')").fetchone() == (
        1000, sum(i / 4 for i in range(1000)))
    res = weir("parquet", "cat", out, "--where", "v = 's500'", "--stats", "--format", "json")
    assert json.loads(res.stdout)["x"] == 125.0
    assert "by bloom filter" in res.stderr
