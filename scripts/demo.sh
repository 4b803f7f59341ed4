#!/usr/bin/env bash
# The demo. The main job first: examples/quickstart.sql through `weir sql -f`
# (datagen click events -> exactly-once streaming INSERT into a Hive-partitioned
# Parquet table with checkpoints, killed with -9 once and resumed, then a batch
# query over the table). Then the Parquet tools (`weir parquet convert`, `inspect`,
# `cat`), the window_count DataStream job, the exactly-once DataStream example, and
# two Python programs (the Table API and a SQL job with Python UDFs).
set -euo pipefail
cd "$(dirname "$0")/.."
WEIR=build/weir
OUT=demo-data
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== weir sql -f examples/quickstart.sql (killed with -9 after 2 s, then run again)"
$WEIR sql -f examples/quickstart.sql -D DIR="$OUT/quickstart" > /dev/null 2>&1 &
PID=$!
sleep 2
kill -9 "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
$WEIR sql -f examples/quickstart.sql -D DIR="$OUT/quickstart"
.venv/bin/python - "$OUT/quickstart/clicks" <<'PY'
import sys, duckdb
rows, ids = duckdb.sql(f"select count(*), count(distinct event_id) from "
                       f"read_parquet('{sys.argv[1]}/**/*.parquet')").fetchall()[0]
print(f"DuckDB reads the clicks table: {rows} rows, {ids} distinct event ids "
      f"({'exactly once' if rows == ids else 'DUPLICATES'})")
PY
echo

echo "== generating 200,000 sample events (CSV)"
.venv/bin/python - "$OUT/events.csv" <<'PY'
import csv, random, sys, datetime as dt
rng = random.Random(42)
start = dt.datetime(2024, 5, 1)
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["event_id", "ts", "day", "channel", "user_id", "price"])
    for i in range(200_000):
        ts = start + dt.timedelta(seconds=i * 2)
        w.writerow([i, ts.isoformat(sep=" "), ts.date().isoformat(),
                    rng.choice(["web", "app", "store"]), rng.randrange(10_000),
                    round(rng.uniform(1, 500), 2)])
PY

echo "== weir parquet convert: CSV -> Hive-partitioned Parquet (by day, channel)"
$WEIR parquet convert "$OUT/events.csv" "$OUT/events" --partition-by day,channel \
  --row-group-size 20000 --bloom-filter user_id
find "$OUT/events" -name '*.parquet' | sort | head -n 6
echo "..."

FIRST=$(find "$OUT/events" -name '*.parquet' | sort | head -n 1)
echo
echo "== weir parquet inspect $FIRST"
$WEIR parquet inspect "$FIRST"

echo
echo "== weir parquet cat $OUT/events --where \"price > 499 AND channel = 'web'\" --limit 5"
$WEIR parquet cat "$OUT/events" --where "price > 499 AND channel = 'web'" --limit 5

echo
echo "== weir parquet cat $OUT/events --columns event_id,user_id --where \"user_id = 4242 AND day = DATE '2024-05-03'\" --stats"
$WEIR parquet cat "$OUT/events" --columns event_id,user_id,day \
  --where "user_id = 4242 AND day = DATE '2024-05-03'" --stats

echo
echo "== DataStream job (build/examples/window_count): events and revenue per channel and hour"
.venv/bin/python - "$OUT/events.csv" "$OUT/stream" <<'PY'
import sys, pathlib
import pyarrow.csv as csv, pyarrow.compute as pc, pyarrow.parquet as pq, pyarrow as pa
t = csv.read_csv(sys.argv[1])
out = pathlib.Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
t = pa.table({"key": t["channel"], "ts": t["ts"].cast(pa.timestamp("ms")),
              "value": pc.cast(pc.round(pc.multiply(t["price"], 100)), pa.int64())})
pq.write_table(t, out / "events.parquet", row_group_size=20_000)
PY
build/examples/window_count --input "$OUT/stream" --output "$OUT/hourly" \
  --window-ms 3600000 --out-of-orderness-ms 5000 --parallelism 2
$WEIR parquet cat "$OUT/hourly" --where "key = 'web'" --limit 5

echo
echo "== exactly-once pipeline (build/examples/exactly_once_pipeline): 300,000 generated rows"
echo "   into a table partitioned by part, checkpoints every 200 ms; killed with -9 once,"
echo "   then started again with the same checkpoint directory"
build/examples/exactly_once_pipeline --rows 300000 --rate 150000 --output "$OUT/table" \
  --checkpoint-dir "$OUT/checkpoints" --checkpoint-interval-ms 200 --partitions 4 \
  --parallelism 2 > /dev/null 2>&1 &
PID=$!
sleep 1
kill -9 "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
build/examples/exactly_once_pipeline --rows 300000 --rate 150000 --output "$OUT/table" \
  --checkpoint-dir "$OUT/checkpoints" --checkpoint-interval-ms 200 --partitions 4 \
  --parallelism 2 | grep -v '^progress'
.venv/bin/python - "$OUT/table" <<'PY'
import sys, duckdb
rows, ids = duckdb.sql(f"select count(*), count(distinct id) from "
                       f"read_parquet('{sys.argv[1]}/**/*.parquet')").fetchall()[0]
print(f"DuckDB reads {rows} rows, {ids} distinct ids (expected 300000 each)")
PY

echo
echo "== Python (examples/python/column_sum.py): the Table API in-process, from the weir package"
.venv/bin/python examples/python/column_sum.py
echo
echo "== Python (examples/python/pandas_udf_sql.py): SQL with a pandas UDF and a row UDF"
.venv/bin/python examples/python/pandas_udf_sql.py
