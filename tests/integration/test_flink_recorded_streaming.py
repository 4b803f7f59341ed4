"""Apache Flink as the oracle for streaming queries whose answers depend on the
order of rows: the queries in tests/sql/flink_recorded/streaming_over.json (OVER
aggregations with LAG) and window_order.json (LISTAGG over TUMBLE, HOP, CUMULATE and
legacy HOP windows; FIRST_VALUE/LAST_VALUE over sliced windows) were run by Flink
itself in streaming mode over the CSV file each recording holds
(bench/flink/record_streaming_over.py and record_window_order.py, PyFlink). weir
runs the same DDL and queries in streaming mode and must give the same rows (as
text, sorted) or fail where Flink fails. Rows with equal times matter for LAG:
Flink's streaming LAG over a RANGE window gives them all the same value, unlike the
SQL standard's (and the batch engine's) row-by-row answer. For LISTAGG, the order in
which a window's slices merge: a HOP table function's newest slice first, CUMULATE's
and a legacy HOP group window's oldest first.
"""
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parents[1] / "sql" / "flink_recorded"
RECORDINGS = {name: json.loads((RECORDED / f"{name}.json").read_text())
              for name in ("streaming_over", "window_order")}
CASES = [(name, case) for name, recording in RECORDINGS.items()
         for case in recording["results"]]

# Flink's root causes -> what weir's message says for the same refusal.
ERRORS = {
    "ROW/RANGE not allowed with RANK, DENSE_RANK or ROW_NUMBER functions":
        "ROW/RANGE not allowed with RANK, DENSE_RANK or ROW_NUMBER functions",
}


# Queries Flink refuses and weir answers (docs/flink-compatibility.md).
RUNS_IN_WEIR = {
    "SELECT k, v, LAG(ts, 1) OVER (PARTITION BY k ORDER BY ts) AS lt, SUM(v) OVER":
        "OVER aggregates over different windows in one streaming SELECT",
    "SELECT k, v, LEAD(v) OVER": "LEAD in stream mode over a bounded source",
    "SELECT k, window_start, window_end, FIRST_VALUE(v) AS f FROM TABLE(HOP":
        "FIRST_VALUE/LAST_VALUE over HOP and CUMULATE windows",
    "SELECT k, window_start, window_end, LAST_VALUE(v) AS l FROM TABLE(CUMULATE":
        "FIRST_VALUE/LAST_VALUE over HOP and CUMULATE windows",
}


def normalize(value):
    """Flink prints timestamps as 2024-01-01 00:00:01 (Python's datetime)."""
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        return value


@pytest.mark.parametrize("name,case", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                 enumerate(CASES)])
def test_same_as_flink(weir, tmp_path, name, case):
    recording = RECORDINGS[name]
    input_csv = tmp_path / "input.csv"
    input_csv.write_text(recording["input"])
    ddl = recording["ddl"].format(path=input_csv)
    proc = weir("sql", "--format", "csv", "-e",
                f"SET 'execution.runtime-mode' = 'streaming';\n{ddl};\n{case['query']};",
                check=False)
    if any(case["query"].startswith(prefix) for prefix in RUNS_IN_WEIR):
        assert "error" in case  # Flink refused it
        assert proc.returncode == 0, proc.stderr
        return
    if "error" in case:
        assert proc.returncode == 1, proc.stdout
        expected = next(w for f, w in ERRORS.items() if f in case["error"])
        assert expected in proc.stderr, proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))[1:]
    got = sorted(",".join(normalize(x) for x in row) for row in rows)
    want = sorted(",".join(normalize(x) for x in row.split(",")) for row in case["rows"])
    assert got == want
