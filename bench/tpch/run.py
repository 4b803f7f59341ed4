#!/usr/bin/env python3
"""TPC-H, the 22 queries: weir against DuckDB on the same Parquet files, same run.

  .venv/bin/python bench/tpch/run.py [--scale 1] [--threads 2] [--repeat 3]
      [--timeout 300] [--only q01,q06] [--data-dir DIR]

Methodology (keep it honest):
- Data: `tpchgen-cli parquet -s SCALE` (pinned in scripts/requirements.txt), the
  files exactly as generated (one per table, snappy, ~7 MiB row groups), written once
  into the git-ignored .cache/tpch/tpchgen-<version>-sf<scale>/ and reused.
- Queries: tests/sql/tpch/qNN.sql (Flink SQL, the spec's validation parameters), the
  same text for both engines (DuckDB gets "x" for Flink's `x`); tables from
  tests/sql/tpch/schema.sql for weir, views over read_parquet for DuckDB.
- Each engine runs every query in a fresh process, so both read the Parquet files in
  every run (the OS page cache is warm for both after the first round) and peak RSS
  is measured the same way: ru_maxrss of the process from wait4. DuckDB's process is
  Python with the duckdb module (its baseline RSS is printed). Threads: weir
  `SET 'parallelism.default'` and OMP_NUM_THREADS (Arrow's CPU pool), DuckDB
  `SET threads`.
- Time: what each engine spends on the query itself (planning, execution, producing
  the rows), not process start-up or DDL: weir's own "in set (S seconds)", DuckDB's
  execute().fetchall() timed inside its process. Best of --repeat rounds; the RSS is
  the peak over the rounds.
- Correctness: weir's rows are compared with DuckDB's like tests/integration/
  test_tpch.py does (multiset, ORDER BY order, numbers to max(1e-6, 1e-9 relative)).
  A wrong result, an error or a timeout (--timeout, the process group is killed) is
  reported in the table and left out of the geometric means, never hidden.
"""
import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import tpch_harness as tpch  # noqa: E402


def duckdb_worker(data_dir, threads, query_file):
    """Runs in the DuckDB subprocess: prints {seconds, columns, rows} as JSON."""
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for view in tpch.duckdb_views(Path(data_dir)):
        con.execute(view)
    if not query_file:
        print(json.dumps({"seconds": 0, "columns": [], "rows": []}))
        return
    sql = Path(query_file).read_text().strip().rstrip(";")
    start = time.perf_counter()
    cursor = con.execute(tpch.duckdb_sql(sql))
    rows = cursor.fetchall()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "columns": [d[0] for d in cursor.description],
                      "rows": [[tpch.normalize(v) for v in row] for row in rows]}))


def run_duckdb(data_dir, threads, query_file, timeout):
    run = tpch.run_process([sys.executable, __file__, "--duckdb-worker", data_dir,
                            str(threads), query_file or ""], timeout)
    result = None
    if run.returncode == 0:
        result = json.loads(run.stdout)
    return run, result


def fmt_status(status, width=110):
    return status if len(status) <= width else status[:width - 3] + "..."


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--only", default="", help="e.g. q01,q06")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--weir", type=Path,
                        default=Path(os.environ.get("WEIR_BIN", ROOT / "build" / "weir")))
    parser.add_argument("--duckdb-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duckdb_worker:
        duckdb_worker(*args.duckdb_worker)
        return

    data_dir = args.data_dir or tpch.default_data_dir(args.scale)
    print(f"TPC-H SF {args.scale:g} in {data_dir} (generated once) ...", flush=True)
    tpch.generate(data_dir, args.scale)
    names = [n for n in tpch.QUERIES if not args.only or n in args.only.split(",")]
    settings = [("parallelism.default", args.threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))

    base, _ = run_duckdb(str(data_dir), args.threads, None, 60)
    results = []
    for name in names:
        sql = tpch.query_text(name)
        query_file = str(tpch.QUERY_DIR / f"{name}.sql")
        best = {"weir": None, "duckdb": None}
        rss = {"weir": 0, "duckdb": 0}
        status = {"weir": "ok", "duckdb": "ok"}
        weir_rows = duck = header = None
        for _ in range(args.repeat):
            if status["weir"] == "ok":
                try:
                    run = tpch.run_weir(args.weir, data_dir, sql, args.timeout, settings, env)
                except OSError as e:  # e.g. the binary is being relinked
                    run = None
                    status["weir"] = f"ERROR: cannot start {args.weir}: {e}"
                seconds = run and tpch.weir_query_seconds(run.stderr)
                if run is None:
                    pass
                elif run.timed_out:
                    status["weir"] = f"TIMEOUT (> {args.timeout:g} s)"
                elif run.returncode != 0 or seconds is None:
                    status["weir"] = "ERROR: " + tpch.error_excerpt(run, 200).replace(
                        "weir: error: ", "").replace(str(data_dir), "${DATA}")
                else:
                    best["weir"] = seconds if best["weir"] is None else min(best["weir"], seconds)
                    if weir_rows is None:
                        header, weir_rows = tpch.parse_csv(run.stdout)
                if run is not None:
                    rss["weir"] = max(rss["weir"], run.maxrss_kb)
            if status["duckdb"] == "ok":
                run, out = run_duckdb(str(data_dir), args.threads, query_file, args.timeout)
                rss["duckdb"] = max(rss["duckdb"], run.maxrss_kb)
                if run.timed_out:
                    status["duckdb"] = f"TIMEOUT (> {args.timeout:g} s)"
                elif out is None:
                    status["duckdb"] = "ERROR: " + tpch.error_excerpt(run, 200)
                else:
                    best["duckdb"] = (out["seconds"] if best["duckdb"] is None
                                      else min(best["duckdb"], out["seconds"]))
                    duck = duck or out
        correct = None
        if status["weir"] == "ok" and weir_rows is not None and duck is not None:
            problems = tpch.compare(header or duck["columns"], weir_rows, duck["rows"],
                                    tpch.key_indexes(sql, duck["columns"]))
            correct = not problems
            if problems:
                status["weir"] = "WRONG: " + "; ".join(p.strip() for p in problems[:2])
        ratio = (best["weir"] / best["duckdb"]
                 if correct and best["duckdb"] else None)
        results.append((name, best, rss, status, ratio))
        w = f"{best['weir']:8.3f} s" if best["weir"] is not None else "       - "
        d = f"{best['duckdb']:8.3f} s" if best["duckdb"] is not None else "       - "
        r = f"{ratio:6.2f}x" if ratio else "     - "
        print(f"{name}  weir {w}  {rss['weir'] / 1024:7.0f} MB   duckdb {d}  "
              f"{rss['duckdb'] / 1024:7.0f} MB   weir/duckdb {r}  "
              f"{fmt_status(status['weir']) if status['weir'] != 'ok' else ''}"
              f"{' duckdb: ' + fmt_status(status['duckdb']) if status['duckdb'] != 'ok' else ''}",
              flush=True)

    import duckdb
    ok = [r for r in results if r[4]]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores; {args.threads} threads "
          f"per engine; best of {args.repeat}; weir {args.weir}; duckdb {duckdb.__version__}; "
          f"DuckDB's process baseline RSS (Python + duckdb, views, no query) "
          f"{base.maxrss_kb / 1024:.0f} MB")
    print("| query | weir (s) | DuckDB (s) | weir/DuckDB | weir peak RSS (MB) | "
          "DuckDB peak RSS (MB) | weir result |")
    print("|---|---|---|---|---|---|---|")
    for name, best, rss, status, ratio in results:
        w = f"{best['weir']:.3f}" if best["weir"] is not None else "-"
        d = f"{best['duckdb']:.3f}" if best["duckdb"] is not None else "-"
        note = status["weir"] if status["weir"] != "ok" else "correct"
        if status["duckdb"] != "ok":
            note += f"; DuckDB {status['duckdb']}"
        print(f"| {name} | {w} | {d} | {f'{ratio:.2f}x' if ratio else '-'} | "
              f"{rss['weir'] / 1024:.0f} | {rss['duckdb'] / 1024:.0f} | "
              f"{fmt_status(note).replace('|', '/')} |")
    if ok:
        print(f"| geometric mean ({len(ok)} of {len(results)} correct) | "
              f"{geomean([r[1]['weir'] for r in ok]):.3f} | "
              f"{geomean([r[1]['duckdb'] for r in ok]):.3f} | "
              f"{geomean([r[4] for r in ok]):.2f}x | | | |")
    else:
        print("| geometric mean | - | - | - | | | no query correct |")
    failed = [r[0] for r in results if r[3]["weir"] != "ok"]
    if failed:
        print(f"\nnot correct or not finished in weir: {', '.join(failed)}")


if __name__ == "__main__":
    main()
