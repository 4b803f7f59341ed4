"""The public parquet-testing corpus: whatever pyarrow reads, weir reads with the same
values; everything else, and every file in bad_data, fails cleanly with exit code 1."""
import json
import math
import signal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import TESTDATA

DATA_FILES = sorted(p for p in (TESTDATA / "data").rglob("*")
                    if p.is_file() and (p.suffix == ".parquet" or p.name.endswith(".encrypted")))
BAD_FILES = sorted((TESTDATA / "bad_data").glob("*.parquet"))


def pyarrow_table(path):
    try:
        return pq.read_table(path), None
    except Exception as e:  # noqa: BLE001 - any failure means "pyarrow cannot read it"
        return None, e


def same_values(a, b):
    """Deep equality that treats NaN as equal to NaN (Arrow's equals does not)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    return a == b


def assert_clean_failure(proc, path):
    assert proc.returncode == 1, (
        f"expected a user error (exit 1) for {path}, got {proc.returncode}:\n{proc.stderr}")
    assert path.name in proc.stderr, f"error does not name the file: {proc.stderr}"
    for marker in ("Traceback", "terminate called", "AddressSanitizer", "runtime error:"):
        assert marker not in proc.stderr, proc.stderr


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(TESTDATA / "data")))
def test_corpus_file_reads_like_pyarrow(weir, tmp_path, path):
    expected, error = pyarrow_table(path)
    out = tmp_path / "copy.parquet"
    proc = weir("parquet", "convert", path, out, "--quiet", check=False)
    if expected is None:
        assert_clean_failure(proc, path)
        if path.name.endswith(".encrypted"):
            assert "encrypt" in proc.stderr.lower()
        return
    assert proc.returncode == 0, f"pyarrow reads {path.name} but weir fails:\n{proc.stderr}"
    actual = pq.read_table(out)
    assert actual.schema.names == expected.schema.names
    assert actual.num_rows == expected.num_rows
    for name in expected.schema.names:
        a = actual.column(name)
        e = expected.column(name)
        if a.type != e.type:
            # Our writer may store an equivalent type (e.g. large_string); values must match.
            a = a.cast(e.type)
        assert a.equals(e) or same_values(a.to_pylist(), e.to_pylist()), (
            f"column {name} differs in {path.name}")
    # inspect must describe every readable file.
    info = json.loads(weir("parquet", "inspect", path, "--json").stdout)
    assert info["num_rows"] == expected.num_rows


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("command", ["cat", "inspect"])
def test_bad_data_fails_cleanly(weir, path, command):
    args = ["parquet", command, path]
    if command == "cat":
        args += ["--format", "json"]
    proc = weir(*args, check=False, timeout=60)
    assert proc.returncode >= 0, f"killed by signal {signal.Signals(-proc.returncode).name}"
    if command == "inspect" and proc.returncode == 0:
        return  # the footer may be valid while the pages are corrupt
    expected, _ = pyarrow_table(path)
    if expected is not None:
        # Arrow has since learnt to read this file (e.g. ARROW-GH-43605, RLE with bit
        # width 0 is valid); then weir must read the same rows instead of failing.
        assert proc.returncode == 0, proc.stderr
        assert len(proc.stdout.splitlines()) == expected.num_rows
        return
    assert_clean_failure(proc, path)
