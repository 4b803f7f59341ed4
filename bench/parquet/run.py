#!/usr/bin/env python3
"""Parquet scan and write benchmark: weir vs pyarrow.dataset vs DuckDB, same data,
same run, same thread count. Prints rows/s and ratios; `--markdown` prints a table
row block for docs/benchmarks.md.

Methodology (keep it honest):
- Data: N rows (default 20M) of int64 id (sorted), int64 user, double value,
  string category (12 values), string note (random 8-16 chars), timestamp[us] ts;
  written once by pyarrow with 1M-row row groups, page index and snappy.
- Scans materialise every selected column: weir and pyarrow iterate record batches
  (pyarrow's timing includes opening the dataset, as weir's includes opening the
  file); DuckDB computes sums over every selected column, which forces it to decode
  each value (min/max alone would be answered from the footer statistics).
- Selective filter: `id BETWEEN a AND b` covering 1% of rows, on the sorted column.
- Writes: the table is in memory first; only writing it (snappy) is timed. weir
  also writes a page index (its default); pyarrow and DuckDB do not.
- Each measurement is the best of --repeat runs.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "bench" / "parquet_bench"


def make_data(path: Path, rows: int):
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    cats = np.array([f"category-{i:02d}" for i in range(12)])
    writer = None
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        letters = rng.integers(97, 123, size=(n, 16), dtype=np.uint8)
        lengths = rng.integers(8, 17, size=n)
        notes = [bytes(letters[i, :lengths[i]]).decode() for i in range(n)]
        table = pa.table({
            "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
            "user": pa.array(rng.integers(0, 1_000_000, size=n, dtype=np.int64)),
            "value": pa.array(rng.normal(100, 25, size=n)),
            "category": pa.array(cats[rng.integers(0, 12, size=n)]),
            "note": pa.array(notes),
            "ts": pa.array((np.int64(1_700_000_000_000_000) + np.arange(start, start + n) * 1000)
                           .astype("datetime64[us]")),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="snappy",
                                      write_page_index=True)
        writer.write_table(table, row_group_size=chunk)
    writer.close()


def best_of(repeat, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def weir_scan(path, columns, where, threads, repeat):
    args = [BENCH, "scan", path, "--threads", str(threads), "--repeat", str(repeat)]
    if columns:
        args += ["--columns", ",".join(columns)]
    if where:
        args += ["--where", where]
    out = json.loads(subprocess.run(list(map(str, args)), check=True, capture_output=True,
                                    text=True).stdout)
    return out["seconds"], out["rows"]


def pyarrow_scan(path, columns, where, repeat):
    expr = None
    if where:
        lo, hi = where
        expr = (ds.field("id") >= lo) & (ds.field("id") <= hi)

    def run():
        dataset = ds.dataset(path, format="parquet")
        return sum(b.num_rows for b in dataset.to_batches(columns=columns, filter=expr))
    return best_of(repeat, run)


def duckdb_scan(con, path, columns, where, repeat):
    cols = columns or ["id", "user", "value", "category", "note", "ts"]
    decode = {"id": "sum(id)", "user": "sum(user)", "value": "sum(value)",
              "category": "sum(length(category))", "note": "sum(length(note))",
              "ts": "sum(epoch_us(ts))"}
    sql = (f"SELECT count(*), {', '.join(decode[c] for c in cols)} "
           f"FROM read_parquet('{path}')")
    if where:
        sql += f" WHERE id BETWEEN {where[0]} AND {where[1]}"
    seconds, rows = best_of(repeat, lambda: con.execute(sql).fetchall())
    return seconds, rows[0][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--data", default=str(ROOT / "bench" / "data"))
    args = ap.parse_args()

    data = Path(args.data) / f"bench_{args.rows}.parquet"
    print(f"preparing {args.rows:,} rows in {data} ...", flush=True)
    make_data(data, args.rows)
    pa.set_cpu_count(args.threads)
    pa.set_io_thread_count(args.threads)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")

    lo = args.rows // 2
    hi = lo + args.rows // 100 - 1
    scans = [
        ("full scan", None, None),
        ("2-column projection", ["user", "value"], None),
        ("1% filter on sorted id", None, (lo, hi)),
    ]
    results = []
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, threads={args.threads}, "
          f"pyarrow {pa.__version__}, duckdb {duckdb.__version__}")
    print(f"{'benchmark':28} {'weir rows/s':>14} {'pyarrow rows/s':>15} {'duckdb rows/s':>14} "
          f"{'vs pyarrow':>10} {'vs duckdb':>10}")
    full_scan_seconds = None
    for name, columns, rng in scans:
        where = f"id BETWEEN {rng[0]} AND {rng[1]}" if rng else None
        w_s, w_rows = weir_scan(data, columns, where, args.threads, args.repeat)
        p_s, p_rows = pyarrow_scan(data, columns, rng, args.repeat)
        d_s, d_rows = duckdb_scan(con, data, columns, rng, args.repeat)
        assert w_rows == p_rows == d_rows, (name, w_rows, p_rows, d_rows)
        if full_scan_seconds is None:
            full_scan_seconds = w_s
        # rows/s over the rows the query had to consider (the whole dataset).
        rate = lambda s: args.rows / s  # noqa: E731
        results.append((name, rate(w_s), rate(p_s), rate(d_s), p_s / w_s, d_s / w_s, w_s))
        print(f"{name:28} {rate(w_s):14,.0f} {rate(p_s):15,.0f} {rate(d_s):14,.0f} "
              f"{p_s / w_s:9.2f}x {d_s / w_s:9.2f}x", flush=True)

    table = pq.read_table(data)
    out_dir = Path(args.data)
    w_s = json.loads(subprocess.run(
        [str(BENCH), "write", str(data), str(out_dir / "weir_out.parquet"), "--compression",
         "snappy", "--repeat", str(args.repeat)], check=True, capture_output=True,
        text=True).stdout)["seconds"]
    p_s, _ = best_of(args.repeat, lambda: pq.write_table(
        table, out_dir / "pyarrow_out.parquet", compression="snappy", row_group_size=1 << 20))
    con.close()
    wcon = duckdb.connect()
    wcon.execute(f"SET threads = {args.threads}")
    wcon.register("bench_table", table)
    d_s, _ = best_of(args.repeat, lambda: wcon.execute(
        f"COPY bench_table TO '{out_dir / 'duckdb_out.parquet'}' (FORMAT parquet, "
        f"COMPRESSION snappy)").fetchall())
    rate = lambda s: args.rows / s  # noqa: E731
    results.append(("write (snappy)", rate(w_s), rate(p_s), rate(d_s), p_s / w_s, d_s / w_s, w_s))
    print(f"{'write (snappy)':28} {rate(w_s):14,.0f} {rate(p_s):15,.0f} {rate(d_s):14,.0f} "
          f"{p_s / w_s:9.2f}x {d_s / w_s:9.2f}x")

    selective = results[2][6]
    print(f"\nselective filter vs full scan (weir): {full_scan_seconds / selective:.1f}x faster")
    print("\nratios are peer time / weir time: above 1.00x weir is faster.")
    print("\nmarkdown:")
    for name, wr, pr, dr, vp, vd, _ in results:
        print(f"| {name} | {wr:,.0f} | {pr:,.0f} | {dr:,.0f} | {vp:.2f}x | {vd:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
