#!/usr/bin/env python3
"""Records what PyFlink 2.2's own Table API examples print when run by PyFlink
itself (bench/flink/setup.sh installs it), for test_pyflink_compat.py to compare
weir's output with: tests/python/pyflink_recorded/<example>.txt, the printed rows
sorted. Run again after changing RECORDED.

    .venv/bin/python tests/python/record_pyflink_outputs.py
"""
from __future__ import annotations

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from pyflink_compat import FLINK_DIR, changelog_lines, examples_dir, output_of  # noqa: E402

# Bounded examples whose printed rows are deterministic.
RECORDED = [
    "windowing/tumble_window.py",
    "windowing/sliding_window.py",
    "windowing/session_window.py",
    "windowing/over_window.py",
    "process_json_data.py",
]

OUT = pathlib.Path(__file__).resolve().parent / "pyflink_recorded"


def main() -> None:
    root = examples_dir()
    if root is None:
        sys.exit("PyFlink is not installed: run bench/flink/setup.sh")
    python = str(FLINK_DIR / "venv" / "bin" / "python")
    OUT.mkdir(exist_ok=True)
    for name in RECORDED:
        lines = changelog_lines(output_of(root / name, python, pyflink=True))
        target = OUT / (name.replace("/", "__").replace(".py", ".txt"))
        target.write_text("".join(line + "\n" for line in lines))
        print(f"{name}: {len(lines)} rows -> {target.name}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
