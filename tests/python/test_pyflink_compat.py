"""PyFlink's own Table API examples (shipped in the PyFlink 2.2 package) run on weir
with only `pyflink` changed to `weir` in their imports. Runs where PyFlink is
installed (bench/flink/setup.sh); pyflink_compat.py lists all of them and why the
others do not run yet (docs/python.md)."""

from __future__ import annotations

import pytest

import math
import pathlib
import sys

from pyflink_compat import changelog_lines, examples_dir, output_of, run

EXPECTED_TO_RUN = [
    "basic_operations.py",
    "mixing_use_of_datastream_and_table.py",
    "multi_sink.py",
    "pandas/conversion_from_dataframe.py",
    "pandas/pandas_udaf.py",
    "process_json_data_with_udf.py",
    "word_count.py",
]

RECORDED = pathlib.Path(__file__).resolve().parent / "pyflink_recorded"


def _same_row(ours: str, flinks: str) -> bool:
    """Rows are equal field by field; FLOAT sums may differ in the last digits
    (weir adds FLOATs in double precision, Flink in single: flink-compatibility.md)."""
    a, b = ours[3:-1].split(", "), flinks[3:-1].split(", ")
    if ours[:3] != flinks[:3] or len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        try:
            if not math.isclose(float(x), float(y), rel_tol=1e-6):
                return False
        except ValueError:
            return False
    return True


@pytest.mark.skipif(examples_dir() is None, reason="PyFlink is not installed "
                    "(bench/flink/setup.sh); the examples are read from its package")
@pytest.mark.parametrize("name", EXPECTED_TO_RUN)
def test_pyflink_example_runs_with_imports_changed(name: str) -> None:
    ok, error = run(examples_dir() / name, timeout=120)
    assert ok, error


@pytest.mark.skipif(examples_dir() is None, reason="PyFlink is not installed "
                    "(bench/flink/setup.sh); the examples are read from its package")
@pytest.mark.parametrize("recorded", sorted(p.name for p in RECORDED.glob("*.txt")))
def test_pyflink_example_prints_what_flink_printed(recorded: str) -> None:
    # record_pyflink_outputs.py recorded PyFlink 2.2's own output of the example.
    name = recorded.replace("__", "/").replace(".txt", ".py")
    want = (RECORDED / recorded).read_text().splitlines()
    got = changelog_lines(output_of(examples_dir() / name, sys.executable, timeout=120))
    assert len(got) == len(want), f"{name}: {got} vs Flink's {want}"
    for ours, flinks in zip(got, want):
        assert _same_row(ours, flinks), f"{name}: {ours} vs Flink's {flinks}"


def _cells(text: str) -> list:
    """The rows of the tables a program printed, as lists of stripped cells."""
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]


@pytest.mark.skipif(examples_dir() is None, reason="PyFlink is not installed "
                    "(bench/flink/setup.sh); the examples are read from its package")
def test_basic_operations_prints_the_rows_its_comments_show() -> None:
    # The rows below are the ones the example's comments show from Flink itself:
    # join_lateral with a whole-row udtf, flat_map, map to a ROW, a udaf over
    # rows with aggregate(), and flat_aggregate with a udtaf.
    rows = _cells(output_of(examples_dir() / "basic_operations.py", sys.executable))
    for want in (["1", "Flink", "123", "Germany", "Fl"], ["4", "PyFlink", "32", "China", "nk"],
                 ["1", "Berlin"], ["4", "Hangzhou"], ["1", "Germany"], ["3", "China"],
                 ["China", "3", "291"], ["Germany", "1", "123"],
                 ["China", "135"], ["China", "124"], ["Germany", "123"]):
        assert want in rows, f"{want} not printed"
