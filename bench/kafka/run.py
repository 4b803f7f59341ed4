#!/usr/bin/env python3
"""Kafka → partitioned Parquet, weir against Apache Flink 2.2 on the same broker,
topic and machine, with librdkafka's raw consume rate as the ceiling.

  .venv/bin/python bench/kafka/run.py [--records 10000000] [--partitions 4]
      [--parallelism 2] [--skip-flink]

The broker is scripts/kafka.sh; Flink comes from bench/flink/setup.sh. A topic of
`--records` JSON click events (about 110 bytes each) is produced once (by weir's
Kafka sink) and kept for later runs. Each engine then runs the same streaming SQL
job: a bounded Kafka source (to the end offsets at its start) into a Parquet table
partitioned by day, checkpoints every 10 s, until it ends. Measured from outside:
wall time, CPU time and peak RSS of the engine's whole process tree (sampled from
/proc every 50 ms), rows, files and row groups in the output (read back with DuckDB).
Each engine runs --repeat times (3); the run of median CPU time is reported.
Throughput per core = records / CPU seconds.
"""
import argparse
import shutil
import json
import time
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import flink_env, measured  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WEIR = ROOT / "build" / "weir"
RAW = ROOT / "build" / "bench" / "rdkafka_consume"
def topic_records(bootstrap, topic):
    from confluent_kafka import Consumer, KafkaException, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-probe"})
    meta = c.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or meta.error is not None:
        c.close()
        return None
    total = 0
    try:
        for p in meta.partitions:
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            total += high - low
    except KafkaException:  # a new topic whose leaders are not elected yet
        c.close()
        return None
    c.close()
    return total


def ensure_topic(bootstrap, topic, records, partitions):
    have = topic_records(bootstrap, topic)
    if have == records:
        return
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if have is not None:
        for f in admin.delete_topics([topic]).values():
            f.result()
        time.sleep(2)
    for f in admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                           replication_factor=1)]).values():
        f.result()
    while topic_records(bootstrap, topic) is None:  # until the metadata has it
        time.sleep(0.2)
    print(f"producing {records} records to {topic} …", file=sys.stderr)
    script = f"""
CREATE TABLE gen (id BIGINT, user_id BIGINT, amount DOUBLE, page STRING) WITH (
  'connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',
  'fields.id.end' = '{records}', 'fields.user_id.min' = '1', 'fields.user_id.max' = '100000',
  'fields.amount.min' = '0', 'fields.amount.max' = '1000', 'fields.page.length' = '16');
CREATE TABLE k (id BIGINT, user_id BIGINT, amount DOUBLE, page STRING, ts STRING, `day` STRING)
  WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{bootstrap}', 'format' = 'json',
  'properties.linger.ms' = '20', 'properties.batch.size' = '1000000');
INSERT INTO k SELECT id, user_id, amount, page,
  CONCAT('2024-01-0', CAST(MOD(id, 7) + 1 AS STRING), ' 12:00:00'),
  CONCAT('2024-01-0', CAST(MOD(id, 7) + 1 AS STRING)) FROM gen;
"""
    subprocess.run([str(WEIR), "sql", "-e", script], check=True, capture_output=True,
                   timeout=3600)
    assert topic_records(bootstrap, topic) == records


def job_sql(bootstrap, topic, out_dir, flink, weir_sink_options=""):
    # The same statements for both engines (Flink's dialect).
    return [
        f"""CREATE TABLE src (id BIGINT, user_id BIGINT, amount DOUBLE, page STRING,
  ts STRING, `day` STRING) WITH ('connector' = 'kafka', 'topic' = '{topic}',
  'properties.bootstrap.servers' = '{bootstrap}', 'properties.group.id' = 'bench-{"flink" if flink else "weir"}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'format' = 'json')""",
        f"""CREATE TABLE lake (id BIGINT, user_id BIGINT, amount DOUBLE, page STRING,
  ts STRING, `day` STRING) PARTITIONED BY (`day`) WITH ('connector' = 'filesystem',
  'path' = '{out_dir}', 'format' = 'parquet'{weir_sink_options if not flink else ''})""",
        "INSERT INTO lake SELECT * FROM src",
    ]


def run_weir(bootstrap, topic, out_dir, parallelism, budget=None):
    extra = f", 'sink.memory-budget' = '{budget}'" if budget else ""
    statements = job_sql(bootstrap, topic, out_dir, False, extra)
    script = (f"SET 'parallelism.default' = '{parallelism}';\n"
              "SET 'execution.checkpointing.interval' = '10s';\n"
              f"SET 'state.checkpoints.dir' = '{out_dir}-chk';\n" +
              ";\n".join(statements) + ";\n")
    return measured([str(WEIR), "sql", "-e", script])


FLINK_JOB = """
import sys, json
from pyflink.table import EnvironmentSettings, TableEnvironment
statements = json.loads(sys.argv[1])
t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
c = t.get_config()
c.set("pipeline.jars", sys.argv[2])
c.set("parallelism.default", sys.argv[3])
c.set("execution.checkpointing.interval", "10s")
c.set("execution.checkpointing.dir", "file://" + sys.argv[4])
for s in statements[:-1]:
    t.execute_sql(s)
t.execute_sql(statements[-1]).wait()
"""


def run_flink(bootstrap, topic, out_dir, parallelism):
    env_vars = flink_env()
    jars = ";".join("file://" + str(p) for p in
                    sorted(Path(env_vars["WEIR_FLINK_JARS"]).glob("*.jar")))
    statements = job_sql(bootstrap, topic, out_dir, True)
    return measured([env_vars["WEIR_FLINK_PYTHON"], "-c", FLINK_JOB,
                     json.dumps(statements), jars, str(parallelism), f"{out_dir}-chk"])


def output_stats(out_dir):
    files = [p for p in Path(out_dir).rglob("*") if p.is_file() and
             not p.name.startswith((".", "_"))]
    rows, distinct = duckdb.sql(
        f"select count(*), count(distinct id) from read_parquet('{out_dir}/**/*', "
        f"hive_partitioning = true)").fetchall()[0]
    groups = duckdb.sql(
        f"select count(distinct (file_name, row_group_id)) from "
        f"parquet_metadata('{out_dir}/**/*')").fetchall()[0][0]
    return {"rows": rows, "distinct": distinct, "files": len(files), "row_groups": groups,
            "mb": sum(p.stat().st_size for p in files) / 2**20}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--parallelism", type=int, default=2)
    ap.add_argument("--skip-flink", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per engine; the run of median CPU time is reported")
    ap.add_argument("--weir-sink-budget", help="weir's sink.memory-budget (default: "
                    "weir's default); the job is otherwise the same")
    args = ap.parse_args()
    bootstrap = subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "start"], check=True,
                               capture_output=True, text=True).stdout.strip()
    topic = f"bench-clicks-{args.records}-{args.partitions}"
    ensure_topic(bootstrap, topic, args.records, args.partitions)
    def median(runs):
        """The run of median CPU time (runs on a shared 2-core machine vary)."""
        return sorted(runs, key=lambda r: r["cpu_s"])[len(runs) // 2]

    raws = [json.loads(subprocess.run([str(RAW), "--bootstrap", bootstrap, "--topic", topic],
                                      check=True, capture_output=True, text=True).stdout)
            for _ in range(args.repeat)]
    raw = median(raws)
    mb = raw["bytes"] / 2**20
    results = {"librdkafka (raw consume)": {**raw, "peak_rss_mb": float("nan"),
                                            "rows": raw["records"], "files": 0}}
    with tempfile.TemporaryDirectory(prefix="weir-kafka-bench-") as tmp:
        def weir(*a):
            return run_weir(*a, budget=args.weir_sink_budget)
        engines = [("weir", weir)] + ([] if args.skip_flink else [("Flink 2.2", run_flink)])
        for name, run in engines:
            runs = []
            for i in range(args.repeat):
                out_dir = f"{tmp}/{name.split()[0].lower()}-{i}"
                r = run(bootstrap, topic, out_dir, args.parallelism)
                r.update(output_stats(out_dir))
                if r["rows"] != args.records or r["distinct"] != args.records:
                    raise RuntimeError(f"{name} wrote {r['rows']} rows, {r['distinct']} "
                                       f"distinct; expected {args.records}")
                runs.append(r)
                shutil.rmtree(out_dir, ignore_errors=True)
                shutil.rmtree(f"{out_dir}-chk", ignore_errors=True)
            results[name] = median(runs)
            print(f"{name}: CPU s per run " + ", ".join(f"{r['cpu_s']:.1f}" for r in runs) +
                  "; peak RSS MB " + ", ".join(f"{r['peak_rss_mb']:.0f}" for r in runs),
                  file=sys.stderr)
    print("librdkafka (raw consume): CPU s per run " +
          ", ".join(f"{r['cpu_s']:.1f}" for r in raws), file=sys.stderr)
    print(f"\n{args.records:,} JSON records ({mb:.0f} MB) in {args.partitions} partitions, "
          f"parallelism {args.parallelism}, checkpoints every 10 s\n")
    print("| engine | wall (s) | CPU (s) | records/s | records/s per core | MB/s per core "
          "| peak RSS (MB) | files | row groups | output MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        per_core = args.records / r["cpu_s"] if r["cpu_s"] else float("nan")
        print(f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
              f"{args.records / r['wall_s']:,.0f} | {per_core:,.0f} | "
              f"{mb / r['cpu_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['files']} | "
              f"{r.get('row_groups', 0)} | {r.get('mb', 0):.0f} |")
    w = results["weir"]
    ceiling = args.records / raw["cpu_s"]
    weir_core = args.records / w["cpu_s"]
    print(f"\nweir per core / librdkafka ceiling per core: {weir_core / ceiling:.2f} "
          f"(target ≥ 0.5)")
    if "Flink 2.2" in results:
        f = results["Flink 2.2"]
        print(f"weir / Flink per core: {weir_core / (args.records / f['cpu_s']):.1f}x "
              f"(target ≥ 5x); weir / Flink wall: {f['wall_s'] / w['wall_s']:.1f}x faster; "
              f"peak RSS weir / Flink: {w['peak_rss_mb'] / f['peak_rss_mb']:.2f} "
              f"(target ≤ 0.1)")


if __name__ == "__main__":
    main()
