#!/usr/bin/env python3
"""Runs the Table API examples that ship with PyFlink (pyflink/examples/table in the
PyFlink 2.2 that bench/flink/setup.sh installs) on weir, with only the imports
changed (`pyflink.` -> `weir.`), and prints which run and the first error of those
that do not. The programs are read from the PyFlink install, not copied here.

    .venv/bin/python tests/python/pyflink_compat.py [--markdown]

test_pyflink_compat.py runs the ones listed in EXPECTED_TO_RUN when PyFlink is
installed; docs/python.md lists the others and why.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import tempfile

FLINK_DIR = pathlib.Path(os.environ.get("WEIR_FLINK_DIR",
                                        pathlib.Path.home() / ".cache/weir/flink-2.2.0"))


def examples_dir() -> pathlib.Path | None:
    found = sorted(FLINK_DIR.glob("venv/lib/python3*/site-packages/pyflink/examples/table"))
    return found[0] if found else None


def programs() -> list[pathlib.Path]:
    root = examples_dir()
    if root is None:
        return []
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def rewrite(source: str) -> str:
    """Changes only the imports: pyflink -> weir."""
    return re.sub(r"\bpyflink\b", "weir", source)


def run(program: pathlib.Path, timeout: int = 30) -> tuple[bool, str]:
    """Runs one program; one still running after `timeout` seconds (an unbounded
    streaming job, as in Flink) counts as running when it has printed results."""
    with tempfile.TemporaryDirectory() as tmp:
        script = pathlib.Path(tmp) / program.name
        script.write_text(rewrite(program.read_text()))
        try:
            proc = subprocess.run([sys.executable, str(script)], capture_output=True,
                                  text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout or b""
            printed = (out.decode() if isinstance(out, bytes) else out).strip()
            if printed:
                return True, f"(unbounded: still running after {timeout} s, printing results)"
            return False, f"no output after {timeout} s"
    if proc.returncode == 0:
        return True, ""
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    error = next((l for l in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)", l)),
                 lines[-1] if lines else f"exit code {proc.returncode}")
    return False, error.strip()


def changelog_lines(text: str) -> list[str]:
    """The rows a program printed (`+I[…]`, `-U[…]`, … with any `id> ` prefix), sorted."""
    return sorted(m.group(1) for m in re.finditer(r"^(?:\S+> )?([+-][IUD]\[.*\])$", text,
                                                  re.MULTILINE))


def output_of(program: pathlib.Path, python: str, pyflink: bool = False,
              timeout: int = 300) -> str:
    """Runs a bounded example (on weir, or with `pyflink` as written) and returns what
    it printed; fails on a non-zero exit."""
    with tempfile.TemporaryDirectory() as tmp:
        script = pathlib.Path(tmp) / program.name
        script.write_text(program.read_text() if pyflink else rewrite(program.read_text()))
        proc = subprocess.run([python, str(script)], capture_output=True, text=True,
                              timeout=timeout, cwd=tmp)
    if proc.returncode != 0:
        raise RuntimeError(f"{program.name} failed: {proc.stderr[-2000:]}")
    return proc.stdout


def main() -> None:
    markdown = "--markdown" in sys.argv
    root = examples_dir()
    if root is None:
        sys.exit("PyFlink is not installed: run bench/flink/setup.sh")
    for program in programs():
        ok, error = run(program)
        name = program.relative_to(root)
        if markdown:
            print(f"| `{name}` | {'runs ' + error if ok else 'fails: ' + error.replace('|', '/')} |",
                  flush=True)
        else:
            print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + error if error else ''}", flush=True)


if __name__ == "__main__":
    main()
