#!/usr/bin/env python3
"""The Python API, weir against PyFlink 2.2 on the same machine, same programs with
only the imports changed (`from weir.table …` / `from pyflink.table …`):

  (a) a row-at-a-time Python UDF over N rows in SQL
  (b) a pandas (vectorized) Python UDF over N rows in SQL
  (c) a Python map and filter over N records in a DataStream job
  (d) to_pandas() of M rows of a query
  (e) start-up to the first result (`SELECT 1` printed), a new process each time
  (f) a native-only query from Python against the same query through `weir sql`

  .venv/bin/python bench/python/run.py [--rows 20000000] [--pandas-rows 1000000]
      [--repeat 3] [--skip-flink] [--only a,b,c,d,e,f]

Every job runs at parallelism 1 in streaming mode (the UDF jobs write to the
`blackhole` connector; both read Flink's `datagen` connector with a `sequence` id,
which weir implements the same way). Measured from outside: wall time, CPU time and
peak RSS of the whole process tree (bench/measure.py): for PyFlink that is the
Python driver, the JVM and the Python UDF worker it starts. Throughput per core =
rows / CPU s. The run of median CPU time of --repeat is reported. In (c) PyFlink
reads a NumberSequenceSource and weir a collection of the same numbers. PyFlink comes
from bench/flink/setup.sh.
"""
import argparse
import os
import re
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import flink_env, measured  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WEIR_PYTHON = ROOT / ".venv" / "bin" / "python"
WEIR = ROOT / "build" / "weir"

UDF_JOB = """
import pandas as pd
from {pkg}.table import DataTypes, EnvironmentSettings, TableEnvironment
from {pkg}.table.udf import udf

@udf(result_type=DataTypes.BIGINT(){func_type})
def add_one(x):
    return x + 1

t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.get_config().set("parallelism.default", "1")
t_env.create_temporary_function("add_one", add_one)
t_env.execute_sql("CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', "
                  "'rows-per-second' = '1000000000', 'fields.id.kind' = 'sequence', "
                  "'fields.id.start' = '1', 'fields.id.end' = '{rows}')")
t_env.execute_sql("CREATE TABLE snk (v BIGINT) WITH ('connector' = 'blackhole')")
t_env.execute_sql("INSERT INTO snk SELECT add_one(id) FROM src").wait()
"""

MAP_JOB_WEIR = """
from weir.common import Types
from weir.datastream import StreamExecutionEnvironment
env = StreamExecutionEnvironment.get_execution_environment()
env.set_parallelism(1)
ds = env.from_collection(range(1, {rows} + 1), Types.LONG())
ds.map(lambda x: x + 1, Types.LONG()).filter(lambda x: x < 0).print()
env.execute("map")
"""

MAP_JOB_FLINK = """
import sys
from pyflink.common import Types, WatermarkStrategy
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors.number_seq import NumberSequenceSource
env = StreamExecutionEnvironment.get_execution_environment()
env.set_parallelism(1)
env.set_python_executable(sys.executable)  # the worker's Python (PyFlink only)
ds = env.from_source(NumberSequenceSource(1, {rows}), WatermarkStrategy.no_watermarks(),
                     "sequence")
ds.map(lambda x: x + 1, Types.LONG()).filter(lambda x: x < 0).print()
env.execute("map")
"""

TO_PANDAS_JOB = """
import time
from {pkg}.table import EnvironmentSettings, TableEnvironment
t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.get_config().set("parallelism.default", "1")
t_env.execute_sql("CREATE TABLE src (id BIGINT, v DOUBLE, s STRING) WITH ("
                  "'connector' = 'datagen', 'number-of-rows' = '{rows}', "
                  "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', "
                  "'fields.id.end' = '{rows}', 'fields.s.length' = '8')")
frame = t_env.sql_query("SELECT id, v, s FROM src").to_pandas()
assert len(frame) == {rows}, len(frame)
"""

STARTUP_JOB = """
from {pkg}.table import EnvironmentSettings, TableEnvironment
t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.execute_sql("SELECT 1 AS x").print()
"""

NATIVE_QUERY = ("SELECT MOD(id, 1000) AS k, COUNT(*) AS n, SUM(v) AS s FROM src "
                "GROUP BY MOD(id, 1000)")
NATIVE_SOURCE = ("CREATE TABLE src (id BIGINT, v INT) WITH ('connector' = 'datagen', "
                 "'number-of-rows' = '{rows}', 'fields.id.kind' = 'sequence', "
                 "'fields.id.start' = '1', 'fields.id.end' = '{rows}')")
NATIVE_JOB = """
import time
from weir.table import EnvironmentSettings, TableEnvironment
t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
t_env.get_config().set("parallelism.default", "1")
t_env.execute_sql(\"\"\"{source}\"\"\")
start = time.perf_counter()
assert t_env.execute_sql(\"\"\"{query}\"\"\").to_arrow().num_rows == 1000
print(f"({{time.perf_counter() - start:.3f}} seconds)")
"""


def query_seconds(stdout):
    """The time of the last statement as printed: "(0.123 seconds)"."""
    return float(re.findall(r"\(([0-9.]+) seconds\)", stdout)[-1])


def run_program(python, template, **values):
    return measured([str(python), "-c", textwrap.dedent(template.format(**values))])


def median(runs):
    return sorted(runs, key=lambda r: r["cpu_s"])[len(runs) // 2]


def both(args, template, **values):
    weir = median([run_program(WEIR_PYTHON, template, pkg="weir", **values)
                   for _ in range(args.repeat)])
    flink = None
    if not args.skip_flink:
        python = flink_env()["WEIR_FLINK_PYTHON"]
        flink = median([run_program(python, template, pkg="pyflink", **values)
                        for _ in range(args.repeat)])
    return weir, flink


def line(title, engine, r, rows=None):
    per_core = f"{rows / r['cpu_s']:,.0f}" if rows else "–"
    text = (f"| {title} | {engine} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {per_core} | "
            f"{r['peak_rss_mb']:.0f} |")
    print(text, file=sys.stderr, flush=True)  # as it goes: the runs are long
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--pandas-rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-flink", action="store_true")
    ap.add_argument("--only", default="a,b,c,d,e,f")
    args = ap.parse_args()
    only = set(args.only.split(","))
    table, ratios = [], []
    if "a" in only:
        w, f = both(args, UDF_JOB, rows=args.rows, func_type="")
        table += [line(f"(a) row UDF, {args.rows:,} rows", "weir", w, args.rows)]
        if f:
            table.append(line(f"(a) row UDF, {args.rows:,} rows", "PyFlink 2.2", f, args.rows))
            ratios.append(f"(a) row UDF: weir / PyFlink per core {f['cpu_s'] / w['cpu_s']:.1f}x"
                          " (target ≥ 20x)")
    if "b" in only:
        w, f = both(args, UDF_JOB, rows=args.rows, func_type=', func_type="pandas"')
        table += [line(f"(b) pandas UDF, {args.rows:,} rows", "weir", w, args.rows)]
        if f:
            table.append(line(f"(b) pandas UDF, {args.rows:,} rows", "PyFlink 2.2", f,
                              args.rows))
            ratios.append(f"(b) pandas UDF: weir / PyFlink per core "
                          f"{f['cpu_s'] / w['cpu_s']:.1f}x (target ≥ 20x)")
    if "c" in only:
        w = median([run_program(WEIR_PYTHON, MAP_JOB_WEIR, rows=args.rows)
                    for _ in range(args.repeat)])
        title = f"(c) DataStream map + filter, {args.rows:,} records"
        table.append(line(title, "weir", w, args.rows))
        if not args.skip_flink:
            python = flink_env()["WEIR_FLINK_PYTHON"]
            f = median([run_program(python, MAP_JOB_FLINK, rows=args.rows)
                        for _ in range(args.repeat)])
            table.append(line(title, "PyFlink 2.2", f, args.rows))
            ratios.append(f"(c) DataStream map: weir / PyFlink per core "
                          f"{f['cpu_s'] / w['cpu_s']:.1f}x (target ≥ 20x)")
    if "d" in only:
        w, f = both(args, TO_PANDAS_JOB, rows=args.pandas_rows)
        table += [line(f"(d) to_pandas(), {args.pandas_rows:,} rows", "weir", w,
                       args.pandas_rows)]
        if f:
            table.append(line(f"(d) to_pandas(), {args.pandas_rows:,} rows", "PyFlink 2.2", f,
                              args.pandas_rows))
            ratios.append(f"(d) to_pandas: PyFlink / weir wall {f['wall_s'] / w['wall_s']:.1f}x")
    if "e" in only:
        w, f = both(args, STARTUP_JOB)
        table += [line("(e) start-up to first result", "weir", w)]
        if f:
            table.append(line("(e) start-up to first result", "PyFlink 2.2", f))
            ratios.append(f"(e) start-up: weir / PyFlink wall {w['wall_s'] / f['wall_s']:.3f} "
                          "(target ≤ 1/20 = 0.05)")
    if "f" in only:
        rows = args.rows * 5
        source = NATIVE_SOURCE.format(rows=rows)
        py = median([run_program(WEIR_PYTHON, NATIVE_JOB, source=source, query=NATIVE_QUERY)
                     for _ in range(args.repeat)])
        script = (f"SET 'execution.runtime-mode' = 'batch'; SET 'parallelism.default' = '1';"
                  f"{source}; {NATIVE_QUERY};")
        cli = median([measured([str(WEIR), "sql", "-e", script]) for _ in range(args.repeat)])
        title = f"(f) GROUP BY over {rows:,} datagen rows"
        table += [line(title, "weir from Python", py, rows), line(title, "weir sql", cli, rows)]
        in_py, in_cli = query_seconds(py["stdout"]), query_seconds(cli["stderr"])
        ratios.append(f"(f) native query: {in_py:.3f} s from Python, {in_cli:.3f} s in weir sql "
                      f"(the query alone, as each reports it): {in_py / in_cli:.3f} "
                      "(target ≤ 1.05); whole processes "
                      f"{py['wall_s'] / cli['wall_s']:.2f} (Python's own start-up included)")
    print(f"\nparallelism 1, streaming mode unless noted; {os.cpu_count()} cores\n")
    print("| program | engine | wall (s) | CPU (s) | rows/s per core | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))
    print()
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
