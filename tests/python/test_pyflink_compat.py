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
    "mixing_use_of_datastream_and_table.py",
    "multi_sink.py",
    "pandas/conversion_from_dataframe.py",
    "process_json_data_with_udf.py",
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
