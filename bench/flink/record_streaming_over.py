"""Records what Apache Flink answers for streaming OVER aggregations with LAG (and
what it refuses), so tests can use Flink as the oracle without starting a JVM.

    WEIR_FLINK_PYTHON=$(bench/flink/setup.sh | sed -n 's/^WEIR_FLINK_PYTHON=//p')
    $WEIR_FLINK_PYTHON bench/flink/record_streaming_over.py \
        > tests/sql/flink_recorded/streaming_over.json

The input is the CSV in INPUT below, read by Flink's filesystem connector in
streaming mode with a watermark on `ts` (a bounded source: the final watermark
fires every row). It is in time order, so no row is late: which rows a periodic
watermark makes late is a race, not semantics. Each entry holds the query, the result rows as text (sorted; the
order of rows with equal times is not part of the semantics) or Flink's error.
tests/integration/test_flink_recorded_streaming.py runs the same through weir.
"""
import recording

INPUT = """a,1,2024-01-01 00:00:01
b,10,2024-01-01 00:00:01
a,2,2024-01-01 00:00:02
a,null,2024-01-01 00:00:03
a,4,2024-01-01 00:00:04
a,5,2024-01-01 00:00:04
b,20,2024-01-01 00:00:05
a,6,2024-01-01 00:00:06
"""

DDL = ("CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), "
       "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem', "
       "'path' = '{path}', 'format' = 'csv', 'csv.null-literal' = 'null')")

QUERIES = [
    "SELECT k, v, ts, LAG(v) OVER w AS l1, LAG(v, 2) OVER w AS l2, "
    "LAG(v, 1, -1) OVER w AS ld FROM t "
    "WINDOW w AS (PARTITION BY k ORDER BY ts)",
    "SELECT k, v, ts, LAG(v) OVER w AS l1, LAG(v, 3) OVER w AS l3, SUM(v) OVER w AS s "
    "FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING "
    "AND CURRENT ROW)",
    "SELECT k, v, LAG(k) OVER (PARTITION BY v > 3 ORDER BY ts) AS lk FROM t",
    "SELECT k, v, LAG(ts, 1) OVER (PARTITION BY k ORDER BY ts) AS lt, SUM(v) OVER "
    "(PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t",
    "SELECT v, LAG(v, 0) OVER (ORDER BY ts) AS l0, LAG(CAST(v AS STRING), 4, 'none') "
    "OVER (ORDER BY ts) AS l4 FROM t",
    "SELECT k, v, LAG(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND "
    "CURRENT ROW) AS l1 FROM t",
    "SELECT k, v, LEAD(v) OVER (PARTITION BY k ORDER BY ts) AS n1 FROM t",
]


def main():
    recording.record(INPUT, DDL, QUERIES)


if __name__ == "__main__":
    main()
