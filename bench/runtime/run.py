#!/usr/bin/env python3
"""Runtime benchmark: weir's DataStream pipelines vs DuckDB on the same work, same
run, same thread count. Prints events/s, events/s per core, peak RSS and the ratio.

Work (N events: id = 0…N-1, key = random 0…999, value = random 0…99):
- window:    keep value < 90, ts = id / 1000 ms, count per key and 1-second tumbling
             window. DuckDB: the same over range(N) with hash() for the random columns.
- stateless: id, value * 3 + key for every event. DuckDB: the same projection,
             summed so the result is not optimised away.
weir's figures include generating the data (datagen), as DuckDB's include range().
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "bench" / "runtime_bench"

QUERIES = {
    "window": """
        SELECT count(*) FROM (
          SELECT key, ts // 1000 AS w, count(*) AS cnt FROM (
            SELECT hash(i) % 1000 AS key, hash(i + 1234567) % 100 AS value, i // 1000 AS ts
            FROM range({n}) t(i))
          WHERE value < 90 GROUP BY ALL)""",
    "stateless": """
        SELECT sum(score) FROM (
          SELECT i AS id, (hash(i + 1234567) % 100) * 3 + hash(i) % 1000 AS score
          FROM range({n}) t(i))""",
}


def best_of(repeat, fn):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def weir(pipeline, n, threads, repeat):
    runs = []
    for _ in range(repeat):
        out = subprocess.run([str(BENCH), pipeline, "--events", str(n), "--parallelism",
                              str(threads)], check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout))
    return min(runs, key=lambda r: r["seconds"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    print(f"{args.events:,} events, {args.threads} threads, duckdb {duckdb.__version__}")
    print(f"{'pipeline':10} {'weir ev/s':>14} {'per core':>13} {'weir RSS':>9} "
          f"{'duckdb ev/s':>14} {'vs duckdb':>9}")
    rows = []
    for pipeline in ("stateless", "window"):
        w = weir(pipeline, args.events, args.threads, args.repeat)
        sql = QUERIES[pipeline].format(n=args.events)
        d_s = best_of(args.repeat, lambda: con.execute(sql).fetchall())
        d_rate = args.events / d_s
        ratio = d_s / w["seconds"]
        rows.append((pipeline, w, d_rate, ratio))
        print(f"{pipeline:10} {w['events_per_s']:14,.0f} {w['events_per_s_per_core']:13,.0f} "
              f"{w['peak_rss_mb']:7.1f}MB {d_rate:14,.0f} {ratio:8.2f}x", flush=True)
    duck_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nDuckDB process peak RSS: {duck_rss:.0f} MB (includes Python)")
    print("ratio is DuckDB time / weir time: above 1.00x weir is faster.")
    print("\nmarkdown:")
    for pipeline, w, d_rate, ratio in rows:
        print(f"| {pipeline} | {w['events_per_s']:,.0f} | {w['events_per_s_per_core']:,.0f} | "
              f"{w['peak_rss_mb']:.0f} MB | {d_rate:,.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
