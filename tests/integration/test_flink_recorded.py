"""Apache Flink as the oracle: the queries in tests/sql/flink_recorded/semantics.json
were run by Flink itself (bench/flink/record_sql_semantics.py, PyFlink); weir must
give the same column types and the same values, or fail where Flink fails.

Values compare as text (a DECIMAL's scale is part of its value), except DOUBLE and
FLOAT (as numbers: Flink prints 1000.0, weir 1000) and TIMESTAMP (as instants).
KNOWN lists the differences docs/flink-compatibility.md records; they are strict,
so a difference that goes away fails until its entry is removed.
"""
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parents[1] / "sql" / "flink_recorded" / "semantics.json"
CASES = json.loads(RECORDED.read_text())["results"]

# (query prefix, column) -> (Flink's type, weir's type): recorded differences.
KNOWN = {
    ("SELECT AVG(d) AS a, SUM(d)", "si"): ("INT", "BIGINT"),  # SUM of INT never wraps
    ("SELECT TIMESTAMP '2024-01-31", "a"): ("TIMESTAMP(0)", "TIMESTAMP(6)"),
    ("SELECT TIMESTAMP '2024-01-31", "b"): ("TIMESTAMP(0)", "TIMESTAMP(6)"),
    # TIMESTAMPADD keeps its argument's type: the TIMESTAMP literals' precision again.
    ("SELECT TIMESTAMPADD(SECOND, 90", "a"): ("TIMESTAMP(0)", "TIMESTAMP(6)"),
    ("SELECT TIMESTAMPADD(SECOND, 90", "b"): ("TIMESTAMP(3)", "TIMESTAMP(6)"),
    ("SELECT TIMESTAMPADD(SECOND, 90", "c"): ("TIMESTAMP(0)", "TIMESTAMP(6)"),
    ("SELECT TIMESTAMPADD(SECOND, 90", "d"): ("TIMESTAMP(0)", "TIMESTAMP(6)"),
}


def run(weir, sql):
    script = f"SET 'execution.runtime-mode' = 'batch';\n{sql};"
    return weir("sql", "--format", "csv", "-e", script, check=False)


def same_value(flink_type, flink, weir):
    if flink is None or weir is None:
        return flink is None and (weir is None or weir == "")
    if flink_type in ("DOUBLE", "FLOAT"):
        return float(flink) == pytest.approx(float(weir), rel=1e-6)
    if flink_type.startswith("TIMESTAMP"):
        return datetime.fromisoformat(flink) == datetime.fromisoformat(weir)
    return flink == weir


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_same_as_flink(weir, case):
    query = case["query"]
    if "error" in case:
        proc = run(weir, query)
        assert proc.returncode == 1, proc.stdout
        # Flink: java.lang.ArithmeticException: Division by zero
        assert case["error"].split(": ", 1)[-1].lower() in proc.stderr.lower()
        return
    described = run(weir, f"CREATE TEMPORARY VIEW typed_query AS {query};\n"
                          "DESCRIBE typed_query")
    assert described.returncode == 0, described.stderr
    weir_types = [row[:2] for row in list(csv.reader(io.StringIO(described.stdout)))[1:]]
    assert [name for name, _ in weir_types] == [name for name, _ in case["columns"]]
    for (name, flink_type), (_, weir_type) in zip(case["columns"], weir_types):
        known = next((v for (prefix, column), v in KNOWN.items()
                      if query.startswith(prefix) and column == name), None)
        expected = known[1] if known else flink_type
        assert known is None or known[0] == flink_type, f"{name}: Flink now says {flink_type}"
        assert weir_type == expected, f"column {name}: Flink {flink_type}, weir {weir_type}"
    proc = run(weir, query)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))[1:]
    assert len(rows) == len(case["rows"]), rows
    for flink_row, weir_row in zip(sorted(case["rows"], key=str), sorted(rows, key=str)):
        for (name, flink_type), flink, got in zip(case["columns"], flink_row, weir_row):
            assert same_value(flink_type, flink, got), \
                f"column {name}: Flink {flink!r}, weir {got!r}"
