#!/usr/bin/env python3
"""Stateful streaming SQL, weir against Apache Flink 2.2 on the same machine and
the same SQL: group aggregation over many keys, tumbling and sliding (HOP) window
aggregation, Top-N, deduplication and OVER aggregation, each as a streaming job at
parallelism 1 (per core).

  .venv/bin/python bench/streaming_sql/run.py [--events 20000000] [--keys 1000000]
      [--repeat 3] [--skip-flink]
      [--only group,tumble,hop,topn,dedup,over,group-checkpointed]

Both engines read the same generated stream: Flink's `datagen` connector (unthrottled) with a
`sequence` id (weir implements the same connector), event time computed from it
(`ts AS TO_TIMESTAMP_LTZ(id, 3)`: one event per millisecond) with a watermark, and
write to `blackhole`. Measured from outside: wall time, CPU time and peak RSS of the
engine's whole process tree (bench/measure.py); events/s per core = events / CPU s.
Flink's numbers include its JVM and mini-cluster start (a few CPU seconds; use more
events to shrink their share). The run of median CPU time of --repeat is reported.
Flink comes from bench/flink/setup.sh.
"""
import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import flink_env, measured  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WEIR = ROOT / "build" / "weir"

QUERIES = {
    "group": ("group aggregation, {keys:,} keys",
              "CREATE TABLE snk (k BIGINT, n BIGINT, s BIGINT, hi BIGINT) "
              "WITH ('connector' = 'blackhole')",
              "INSERT INTO snk SELECT MOD(id, {keys}), COUNT(*), SUM(v), MAX(v) FROM src "
              "GROUP BY MOD(id, {keys})"),
    "tumble": ("tumbling window 10 s, 1,000 keys",
               "CREATE TABLE snk (ws TIMESTAMP(3), k BIGINT, n BIGINT, s BIGINT) "
               "WITH ('connector' = 'blackhole')",
               "INSERT INTO snk SELECT window_start, MOD(id, 1000), COUNT(*), SUM(v) FROM "
               "TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
               "GROUP BY window_start, window_end, MOD(id, 1000)"),
    "hop": ("sliding window 10 s every 2 s, 1,000 keys",
            "CREATE TABLE snk (ws TIMESTAMP(3), k BIGINT, n BIGINT, s BIGINT) "
            "WITH ('connector' = 'blackhole')",
            "INSERT INTO snk SELECT window_start, MOD(id, 1000), COUNT(*), SUM(v) FROM "
            "TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) "
            "GROUP BY window_start, window_end, MOD(id, 1000)"),
    "topn": ("Top-3 per key by value, 1,000 keys",
             "CREATE TABLE snk (k BIGINT, v INT, id BIGINT) WITH ('connector' = 'blackhole')",
             "INSERT INTO snk SELECT k, v, id FROM (SELECT MOD(id, 1000) AS k, v, id, "
             "ROW_NUMBER() OVER (PARTITION BY MOD(id, 1000) ORDER BY v DESC) AS rn "
             "FROM src) WHERE rn <= 3"),
    "dedup": ("deduplication, first row per key on event time, {keys:,} keys",
              "CREATE TABLE snk (k BIGINT, id BIGINT) WITH ('connector' = 'blackhole')",
              "INSERT INTO snk SELECT k, id FROM (SELECT MOD(id, {keys}) AS k, id, "
              "ROW_NUMBER() OVER (PARTITION BY MOD(id, {keys}) ORDER BY ts) AS rn "
              "FROM src) WHERE rn = 1"),
    "over": ("OVER aggregation, last 10 rows per key, 1,000 keys",
             "CREATE TABLE snk (id BIGINT, s BIGINT) WITH ('connector' = 'blackhole')",
             "INSERT INTO snk SELECT id, SUM(v) OVER (PARTITION BY MOD(id, 1000) "
             "ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) FROM src"),
}


def source_sql(events):
    return ("CREATE TABLE src (id BIGINT, v INT, ts AS TO_TIMESTAMP_LTZ(id, 3), "
            "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', "
            "'rows-per-second' = '1000000000', 'fields.id.kind' = 'sequence', "
            "'fields.id.start' = '0', "
            f"'fields.id.end' = '{events - 1}', 'fields.v.min' = '0', "
            "'fields.v.max' = '1000')")


def statements(query, events, keys):
    _, sink, insert = QUERIES[query]
    return [source_sql(events), sink, insert.format(keys=keys)]


def run_weir(query, events, keys, checkpoint_dir=None):
    settings = ["SET 'parallelism.default' = '1'"]
    if checkpoint_dir:
        settings += ["SET 'execution.checkpointing.interval' = '1s'",
                     f"SET 'state.checkpoints.dir' = '{checkpoint_dir}'"]
    script = ";\n".join(settings + statements(query, events, keys)) + ";\n"
    return measured([str(WEIR), "sql", "-e", script])


FLINK_JOB = """
import sys, json
from pyflink.table import EnvironmentSettings, TableEnvironment
statements = json.loads(sys.argv[1])
t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
c = t.get_config()
c.set("parallelism.default", "1")
for s in statements[:-1]:
    t.execute_sql(s)
t.execute_sql(statements[-1]).wait()
"""


def run_flink(query, events, keys):
    env = flink_env()
    return measured([env["WEIR_FLINK_PYTHON"], "-c", FLINK_JOB,
                     json.dumps(statements(query, events, keys))])


def median(runs):
    return sorted(runs, key=lambda r: r["cpu_s"])[len(runs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-flink", action="store_true")
    ap.add_argument("--only", default="group,tumble,hop,topn,dedup,over,group-checkpointed")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="weir-streaming-bench-") as tmp:
        for name in args.only.split(","):
            checkpointed = name.endswith("-checkpointed")
            query = name.removesuffix("-checkpointed")
            weir = median([run_weir(query, args.events, args.keys,
                                    f"{tmp}/chk-{name}-{i}" if checkpointed else None)
                           for i in range(args.repeat)])
            flink = None
            if not args.skip_flink and not checkpointed:
                flink = median([run_flink(query, args.events, args.keys)
                                for _ in range(args.repeat)])
            rows.append((name, weir, flink))
            print(f"{name}: weir {weir['cpu_s']:.1f} CPU s"
                  + (f", Flink {flink['cpu_s']:.1f} CPU s" if flink else ""),
                  file=sys.stderr)
    print(f"\n{args.events:,} events, parallelism 1, sink blackhole\n")
    print("| query | engine | wall (s) | CPU (s) | events/s per core | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for name, weir, flink in rows:
        title = QUERIES[name.removesuffix("-checkpointed")][0].format(keys=args.keys)
        if name.endswith("-checkpointed"):
            title += ", checkpoints every 1 s"
        for engine, r in (("weir", weir), ("Flink 2.2", flink)):
            if r is None:
                continue
            print(f"| {title} | {engine} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
                  f"{args.events / r['cpu_s']:,.0f} | {r['peak_rss_mb']:.0f} |")
    print()
    for name, weir, flink in rows:
        if flink:
            print(f"{name}: weir / Flink per core {flink['cpu_s'] / weir['cpu_s']:.1f}x "
                  f"(target ≥ 5x); peak RSS weir / Flink "
                  f"{weir['peak_rss_mb'] / flink['peak_rss_mb']:.2f} (target ≤ 0.2)")
    plain = {n: w for n, w, _ in rows}
    if "group" in plain and "group-checkpointed" in plain:
        ratio = plain["group"]["wall_s"] / plain["group-checkpointed"]["wall_s"]
        cpu = plain["group"]["cpu_s"] / plain["group-checkpointed"]["cpu_s"]
        print(f"group aggregation with 1-s checkpoints: {ratio:.0%} of the throughput "
              f"without (events/s, target ≥ 90%); {cpu:.0%} per CPU second (the "
              f"checkpoints' asynchronous part runs on another core)")


if __name__ == "__main__":
    main()
