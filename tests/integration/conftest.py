"""Shared fixtures for the integration tests: the weir binary and the corpus."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / ".." / "shared" / "testdata" / "parquet-testing"


def weir_binary() -> Path:
    return Path(os.environ.get("WEIR_BIN", ROOT / "build" / "weir"))


class Weir:
    """Runs the weir CLI and returns the completed process."""

    def __init__(self, binary: Path):
        self.binary = binary

    def __call__(self, *args, check=True, timeout=120, input=None):
        proc = subprocess.run([str(self.binary), *map(str, args)], capture_output=True,
                              text=True, errors="replace", timeout=timeout,
                              input=input)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"weir {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stderr}")
        return proc


@pytest.fixture(scope="session")
def weir():
    binary = weir_binary()
    if not binary.exists():
        pytest.fail(f"{binary} is missing; run `make build` first")
    return Weir(binary)


@pytest.fixture(scope="session")
def testdata():
    if not TESTDATA.exists():
        pytest.fail(f"test corpus not found at {TESTDATA}")
    return TESTDATA
