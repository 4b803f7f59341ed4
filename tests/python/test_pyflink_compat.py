"""PyFlink's own Table API examples (shipped in the PyFlink 2.2 package) run on weir
with only `pyflink` changed to `weir` in their imports. Runs where PyFlink is
installed (bench/flink/setup.sh); pyflink_compat.py lists all of them and why the
others do not run yet (docs/python.md)."""

from __future__ import annotations

import pytest

from pyflink_compat import examples_dir, run

EXPECTED_TO_RUN = [
    "multi_sink.py",
    "pandas/conversion_from_dataframe.py",
    "process_json_data_with_udf.py",
]


@pytest.mark.skipif(examples_dir() is None, reason="PyFlink is not installed "
                    "(bench/flink/setup.sh); the examples are read from its package")
@pytest.mark.parametrize("name", EXPECTED_TO_RUN)
def test_pyflink_example_runs_with_imports_changed(name: str) -> None:
    ok, error = run(examples_dir() / name, timeout=120)
    assert ok, error
