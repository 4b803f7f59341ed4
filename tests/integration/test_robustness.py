"""Deterministic damage to valid files (truncation, bit flips) must give a clean
error or valid output: never a crash, a hang or an internal error."""
import random
import zlib
import signal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import TESTDATA

SOURCES = ["alltypes_plain.parquet", "nested_lists.snappy.parquet", "datapage_v2.snappy.parquet",
           "delta_byte_array.parquet", "nulls.snappy.parquet"]


def damaged_variants(data: bytes, seed: int, count: int):
    rng = random.Random(seed)
    n = len(data)
    for cut in (0, 3, 4, 8, n // 2, n - 9, n - 8, n - 5, n - 1):
        yield f"truncate{cut}", data[:max(cut, 0)]
    for i in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(n)
            buf[pos] ^= 1 << rng.randrange(8)
        yield f"flip{i}", bytes(buf)


@pytest.mark.parametrize("source", SOURCES)
def test_damaged_files_fail_cleanly(weir, tmp_path, source):
    data = (TESTDATA / "data" / source).read_bytes()
    failures = []
    for name, variant in damaged_variants(data, seed=zlib.crc32(source.encode()), count=40):
        path = tmp_path / f"{name}.parquet"
        path.write_bytes(variant)
        proc = weir("parquet", "cat", path, "--format", "json", check=False, timeout=60)
        if proc.returncode < 0:
            failures.append(f"{name}: killed by {signal.Signals(-proc.returncode).name}")
        elif proc.returncode not in (0, 1):
            failures.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
        elif "AddressSanitizer" in proc.stderr or "runtime error:" in proc.stderr:
            failures.append(f"{name}: sanitizer report: {proc.stderr.strip()[:500]}")
        elif proc.returncode == 1 and path.name not in proc.stderr:
            failures.append(f"{name}: error does not name the file: {proc.stderr.strip()[:300]}")
    assert not failures, "\n".join(failures)
