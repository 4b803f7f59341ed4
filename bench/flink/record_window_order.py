"""Records what Apache Flink answers for window aggregations whose results depend on
the order rows are merged in (LISTAGG over TUMBLE, HOP, CUMULATE and legacy HOP
group windows) and which order-dependent aggregates it refuses over sliced windows
(FIRST_VALUE/LAST_VALUE: no merge method), so tests can use Flink as the oracle
without starting a JVM.

    WEIR_FLINK_PYTHON=$(bench/flink/setup.sh | sed -n 's/^WEIR_FLINK_PYTHON=//p')
    $WEIR_FLINK_PYTHON bench/flink/record_window_order.py \\
        > tests/sql/flink_recorded/window_order.json

The input is out of order within each window but never late: the watermark lags
the largest time by 10 s, and every row's slice ends after the watermark that any
earlier row can have produced, so the periodic watermark's timing cannot change the
answer. Each entry holds the query and the result rows as text (sorted) or Flink's
error. tests/integration/test_flink_recorded_streaming.py runs the same through weir.
"""
import recording

INPUT = """a,1,2024-01-01 00:00:07
a,2,2024-01-01 00:00:02
b,10,2024-01-01 00:00:03
a,3,2024-01-01 00:00:12
a,4,2024-01-01 00:00:06
b,20,2024-01-01 00:00:01
a,5,2024-01-01 00:00:04
b,30,2024-01-01 00:00:09
a,6,2024-01-01 00:00:30
"""

DDL = ("CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), "
       "WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH ('connector' = 'filesystem', "
       "'path' = '{path}', 'format' = 'csv')")

QUERIES = [
    "SELECT k, window_start, window_end, LISTAGG(CAST(v AS STRING), '|') AS g, "
    "FIRST_VALUE(v) AS f, LAST_VALUE(v) AS l FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
    "INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
    "SELECT k, window_start, window_end, LISTAGG(CAST(v AS STRING), '|') AS g, "
    "COUNT(*) AS c FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND, "
    "INTERVAL '15' SECOND)) GROUP BY k, window_start, window_end",
    "SELECT k, window_start, window_end, LISTAGG(CAST(v AS STRING), '|') AS g, "
    "SUM(v) AS s FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND, "
    "INTERVAL '15' SECOND)) GROUP BY k, window_start, window_end",
    "SELECT k, HOP_START(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND) AS s, "
    "LISTAGG(CAST(v AS STRING), '|') AS g FROM t "
    "GROUP BY k, HOP(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND)",
    "SELECT k, window_start, window_end, FIRST_VALUE(v) AS f FROM TABLE(HOP(TABLE t, "
    "DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
    "GROUP BY k, window_start, window_end",
    "SELECT k, window_start, window_end, LAST_VALUE(v) AS l FROM TABLE(CUMULATE(TABLE t, "
    "DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND)) "
    "GROUP BY k, window_start, window_end",
]


def main():
    recording.record(INPUT, DDL, QUERIES)


if __name__ == "__main__":
    main()
