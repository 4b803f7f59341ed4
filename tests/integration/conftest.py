"""Shared fixtures for the integration tests: the weir binary and the corpus."""
import os
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / ".." / "shared" / "testdata" / "parquet-testing"


def weir_binary() -> Path:
    return Path(os.environ.get("WEIR_BIN", ROOT / "build" / "weir"))


# More output than any test reads: a query that should have failed or ended but
# streams forever is stopped here, not by the machine running out of memory.
OUTPUT_LIMIT = 256 << 20


def _drain(stream, chunks, total, proc):
    """Reads `stream` into `chunks` until EOF; kills `proc` past OUTPUT_LIMIT."""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        total[0] += len(chunk)
        if total[0] > OUTPUT_LIMIT:
            proc.kill()
            break
        chunks.append(chunk)


class Weir:
    """Runs the weir CLI and returns the completed process."""

    def __init__(self, binary: Path):
        self.binary = binary

    def __call__(self, *args, check=True, timeout=120, input=None):
        cmd = [str(self.binary), *map(str, args)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        out, err, total = [], [], [0]
        readers = [threading.Thread(target=_drain, args=(proc.stdout, out, total, proc)),
                   threading.Thread(target=_drain, args=(proc.stderr, err, total, proc))]
        for r in readers:
            r.start()
        try:
            if input is not None:
                proc.stdin.write(input.encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            for r in readers:
                r.join()
            raise
        for r in readers:
            r.join()
        if total[0] > OUTPUT_LIMIT:
            raise AssertionError(f"weir {' '.join(map(str, args))} wrote more than "
                                 f"{OUTPUT_LIMIT >> 20} MB (a query that never ends?)")
        def text(chunks):  # as text=True reads it: universal newlines
            return (b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
                    .replace("\r", "\n"))

        result = subprocess.CompletedProcess(cmd, proc.returncode, text(out), text(err))
        if check and result.returncode != 0:
            raise AssertionError(
                f"weir {' '.join(map(str, args))} exited {result.returncode}\n"
                f"{result.stderr}")
        return result


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
