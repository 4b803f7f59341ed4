"""TPC-H helpers shared by tests/integration/test_tpch.py and bench/tpch/run.py.

- Data: `tpchgen-cli parquet` (pinned in scripts/requirements.txt) writes one Parquet
  file per table, <dir>/<table>.parquet, used exactly as generated. A directory is
  complete once it holds `.complete` (generation goes to a temporary sibling first,
  then is renamed).
- Queries: tests/sql/tpch/qNN.sql in Flink SQL with the spec's validation parameters,
  tables from tests/sql/tpch/schema.sql (`${DATA}` is the data directory). DuckDB runs
  the same text over views of read_parquet; the only rewrite is identifier quoting
  (Flink's `x` becomes DuckDB's "x").
- Results: weir's rows come from `weir sql --format csv`. Both sides are normalized
  (numbers to float, dates to ISO text, strings unchanged) and compared as multisets;
  when the query has a top-level ORDER BY, weir's rows must also be sorted by its keys
  (ties may come in any order, so the order is checked on weir's own rows rather
  than by position against DuckDB's). Numbers are equal when
      |a - b| <= max(1e-6, 1e-9 * max(|a|, |b|))
  The absolute 1e-6 covers results Flink types as DECIMAL with scale 6 (AVG of a
  DECIMAL, decimal division: at least 6 fractional digits, rounded) where DuckDB
  returns DOUBLE; the relative 1e-9 covers the rounding of DOUBLE sums. Everything
  the spec computes exactly (sums of DECIMAL(15, 2) products, counts) is far inside
  both bounds when right and far outside them when wrong.
"""
import csv
import io
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_DIR = ROOT / "tests" / "sql" / "tpch"
TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders",
          "lineitem"]
QUERIES = [f"q{i:02d}" for i in range(1, 23)]
TPCHGEN_VERSION = "4.0.0"


def tpchgen_binary() -> str:
    local = Path(sys.executable).parent / "tpchgen-cli"
    if local.exists():
        return str(local)
    found = shutil.which("tpchgen-cli")
    if not found:
        raise RuntimeError("tpchgen-cli is missing: .venv/bin/pip install -r "
                           "scripts/requirements.txt")
    return found


def generate(out_dir: Path, scale: float) -> Path:
    """Generates the 8 tables at `scale` into out_dir once; returns out_dir."""
    out_dir = Path(out_dir)
    if (out_dir / ".complete").exists():
        return out_dir
    tmp = out_dir.with_name(out_dir.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run([tpchgen_binary(), "parquet", "-s", str(scale), "--output-dir",
                    str(tmp), "--quiet"], check=True)
    missing = [t for t in TABLES if not (tmp / f"{t}.parquet").exists()]
    if missing:
        raise RuntimeError(f"tpchgen-cli did not write {missing} into {tmp}")
    (tmp / ".complete").write_text(f"tpchgen-cli {TPCHGEN_VERSION} -s {scale}\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def default_data_dir(scale: float) -> Path:
    """The git-ignored cache for a scale factor, reused across runs."""
    return ROOT / ".cache" / "tpch" / f"tpchgen-{TPCHGEN_VERSION}-sf{scale:g}"


def query_text(name: str) -> str:
    """The query file's text without its trailing ';'."""
    return (QUERY_DIR / f"{name}.sql").read_text().strip().rstrip(";").rstrip()


def schema_text() -> str:
    return (QUERY_DIR / "schema.sql").read_text()


def weir_script(sql: str, settings=()) -> str:
    lines = [schema_text(), "SET 'execution.runtime-mode' = 'batch';"]
    lines += [f"SET '{k}' = '{v}';" for k, v in settings]
    lines.append(sql + ";")
    return "\n".join(lines)


def duckdb_sql(sql: str) -> str:
    return re.sub(r"`([^`]*)`", r'"\1"', sql)


def duckdb_views(data_dir: Path):
    return [f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data_dir}/{t}.parquet')"
            for t in TABLES]


def strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def order_keys(sql: str):
    """[(column name, descending)] of the top-level ORDER BY, [] without one. TPC-H's
    final ORDER BY items are all plain output column names."""
    text = strip_comments(sql)
    m = list(re.finditer(r"\bORDER\s+BY\b", text, re.I))
    if not m:
        return []
    tail = text[m[-1].end():]
    tail = re.split(r"\bLIMIT\b", tail, flags=re.I)[0]
    keys = []
    for item in tail.split(","):
        words = item.replace("`", "").split()
        keys.append((words[0].lower(), len(words) > 1 and words[1].upper() == "DESC"))
    return keys


# --- running processes -------------------------------------------------------------


@dataclass
class Run:
    returncode: int | None  # None when killed for the timeout
    stdout: str
    stderr: str
    wall: float  # seconds from start to exit, process start-up included
    maxrss_kb: int  # peak resident set of the process (ru_maxrss of wait4)
    timed_out: bool


def run_process(argv, timeout: float, env=None) -> Run:
    """Runs argv in its own process group; on timeout kills the whole group. Output
    goes to temporary files (no pipe deadlock); the process is reaped with wait4 so
    its own peak RSS is known."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env=env)
        result = {}

        def reap():
            _, status, usage = os.wait4(proc.pid, 0)
            result["status"], result["usage"] = status, usage
            result["end"] = time.perf_counter()

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        timed_out = waiter.is_alive()
        if timed_out:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            waiter.join()
        status = result["status"]
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped above
        out.seek(0)
        err.seek(0)
        return Run(None if timed_out else proc.returncode,
                   out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"),
                   result["end"] - start, result["usage"].ru_maxrss, timed_out)


def run_weir(binary, data_dir: Path, sql: str, timeout: float, settings=(), env=None):
    return run_process([binary, "sql", "--format", "csv", "-D", f"DATA={data_dir}",
                        "-e", weir_script(sql, settings)], timeout, env)


def weir_query_seconds(stderr: str):
    """The time weir reports for the last statement ('N rows in set (S seconds)')."""
    found = re.findall(r"in set \(([0-9.]+) seconds\)", stderr)
    return float(found[-1]) if found else None


def error_excerpt(run: Run, limit=300) -> str:
    if run.timed_out:
        return "timeout"
    text = " ".join(l.strip() for l in run.stderr.strip().splitlines()
                    if l.strip() and "in set (" not in l and not l.startswith("[INFO]"))
    return text[:limit]


# --- comparing results -------------------------------------------------------------


def parse_csv(text: str):
    """(header, rows) of weir's CSV output."""
    reader = list(csv.reader(io.StringIO(text)))
    if not reader:
        return [], []
    header = reader[0]
    return header, [[normalize(v) for v in (row or [""] * len(header))]
                    for row in reader[1:]]


def normalize(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text in ("", "NULL"):
        return None
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?", text):
        return datetime.fromisoformat(text.replace(" ", "T")).isoformat(sep=" ")
    return text


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= max(1e-6, 1e-9 * max(abs(a), abs(b)))
    return a == b


def _sort_key(row):
    return [(v is None, isinstance(v, str), v if v is not None else 0) for v in row]


def _row_same(g, w):
    return len(g) == len(w) and all(same(x, y) for x, y in zip(g, w))


def _describe_columns(header, got, want):
    """Per-column differences of rows aligned after sorting."""
    notes = []
    for c in range(min(len(got[0]), len(want[0])) if got and want else 0):
        bad = [(g[c], w[c]) for g, w in zip(got, want) if not same(g[c], w[c])]
        if not bad:
            continue
        name = header[c] if c < len(header) else f"#{c}"
        note = f"column {name}: {len(bad)} of {len(got)} rows differ, e.g. weir={bad[0][0]!r} duckdb={bad[0][1]!r}"
        nums = [(x, y) for x, y in bad if isinstance(x, float) and isinstance(y, float)]
        if nums:
            worst = max(nums, key=lambda p: abs(p[0] - p[1]))
            rel = abs(worst[0] - worst[1]) / max(abs(worst[1]), 1e-300)
            note += f"; max |diff| {abs(worst[0] - worst[1]):.6g} (rel {rel:.3g})"
        notes.append(note)
    return notes


def compare(header, got, want, keys):
    """A list of problems, empty when weir's rows `got` match DuckDB's `want`.
    `keys` are the ORDER BY columns as (index, descending)."""
    problems = []
    got_sorted, want_sorted = sorted(got, key=_sort_key), sorted(want, key=_sort_key)
    if len(got) == len(want) and all(_row_same(g, w) for g, w in zip(got_sorted, want_sorted)):
        matched = True
    else:
        # Near-equal numbers may sort differently: match each row to any equal one.
        pending = list(want_sorted)
        extra = []
        for row in got_sorted:
            for i, w in enumerate(pending):
                if _row_same(row, w):
                    del pending[i]
                    break
            else:
                extra.append(row)
        matched = not extra and not pending
        if not matched:
            problems.append(f"weir returned {len(got)} rows, DuckDB {len(want)}; "
                            f"{len(extra)} of weir's rows are not in DuckDB's, "
                            f"{len(pending)} of DuckDB's are missing")
            if len(got) == len(want):
                problems += _describe_columns(header, got_sorted, want_sorted)
            problems += [f"  weir only:   {r}" for r in extra[:3]]
            problems += [f"  duckdb only: {r}" for r in pending[:3]]
    if keys and matched:
        for i in range(1, len(got)):
            a = [_sort_key([got[i - 1][c]])[0] for c, _ in keys]
            b = [_sort_key([got[i][c]])[0] for c, _ in keys]
            for (c, desc), x, y in zip(keys, a, b):
                if x == y:
                    continue
                if (x > y) != desc:
                    problems.append(f"weir's rows {i - 1} and {i} are out of ORDER BY order: "
                                    f"{got[i - 1]} then {got[i]}")
                break
            if problems:
                break
    return problems


def key_indexes(sql: str, columns):
    names = [c.lower() for c in columns]
    return [(names.index(name), desc) for name, desc in order_keys(sql)]
