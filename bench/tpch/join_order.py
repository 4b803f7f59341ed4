#!/usr/bin/env python3
"""Join ordering: TPC-H Q9 as written against hand orders, weir alone, same run.

  .venv/bin/python bench/tpch/join_order.py [--scale 1] [--threads 2] [--repeat 3]

The target (issue 14): Q9 in the order written (its FROM list starts with a cross
product of part and supplier) runs within 2x of its best hand order. The written
query runs with the optimizer's join ordering (the default); each hand order in
bench/tpch/join_order/ runs with `table.optimizer.join-reorder-enabled` = false, so
the joins run as written (only each hash join's build side is chosen). Every
variant's rows must equal the written query's. Time is weir's own "in set" figure,
best of --repeat, each run a fresh process (as bench/tpch/run.py).
"""
import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import tpch_harness as tpch  # noqa: E402

HAND_ORDERS = sorted((Path(__file__).parent / "join_order").glob("*.sql"))


def best_time(binary, data_dir, sql, settings, repeat, env):
    best, rows = None, None
    for _ in range(repeat):
        run = tpch.run_weir(binary, data_dir, sql, 600, settings, env)
        seconds = tpch.weir_query_seconds(run.stderr)
        if run.returncode != 0 or seconds is None:
            raise SystemExit(f"weir failed: {tpch.error_excerpt(run, 500)}")
        best = seconds if best is None else min(best, seconds)
        rows = tpch.parse_csv(run.stdout)[1]
    return best, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--weir", type=Path,
                        default=Path(os.environ.get("WEIR_BIN", ROOT / "build" / "weir")))
    args = parser.parse_args()
    data_dir = tpch.default_data_dir(args.scale)
    tpch.generate(data_dir, args.scale)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    threads = [("parallelism.default", args.threads)]
    written, want = best_time(args.weir, data_dir, tpch.query_text("q09"), threads,
                              args.repeat, env)
    print(f"TPC-H SF {args.scale:g}, {args.threads} threads, best of {args.repeat}")
    print(f"{'q09 as written (reordered)':40s} {written:8.3f} s")
    hand = {}
    for path in HAND_ORDERS:
        settings = threads + [("table.optimizer.join-reorder-enabled", "false")]
        seconds, rows = best_time(args.weir, data_dir, path.read_text(), settings,
                                  args.repeat, env)
        if sorted(map(tuple, rows)) != sorted(map(tuple, want)):
            raise SystemExit(f"{path.name}: rows differ from the written query's")
        hand[path.stem] = seconds
        print(f"{path.stem + ' (as written)':40s} {seconds:8.3f} s")
    best_name = min(hand, key=hand.get)
    ratio = written / hand[best_name]
    verdict = "met" if ratio <= 2 else "NOT met"
    print(f"written / best hand order ({best_name}): {ratio:.2f}x "
          f"(target <= 2x: {verdict})")


if __name__ == "__main__":
    main()
