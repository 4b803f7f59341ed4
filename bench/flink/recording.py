"""What the record_*.py scripts share: run queries in Flink (PyFlink, streaming mode,
parallelism 1) over a CSV input written to a temporary file, and print the recording
(the input, the DDL and per query its rows as sorted text or Flink's error) as JSON."""
import json
import os
import sys
import tempfile

import pyflink
from pyflink.table import EnvironmentSettings, TableEnvironment


def flink_error(exception):
    """Flink's root cause (py4j wraps it in its own first line)."""
    lines = [m.strip() for m in str(exception).strip().splitlines() if m.strip()]
    causes = [m for m in lines if m.startswith("Caused by:")]
    return (causes[-1] if causes else lines[min(1, len(lines) - 1)])[:400]


def record(input_text, ddl, queries):
    """Runs `queries` over `ddl` (its '{path}' is the input file) and prints the
    recording to stdout."""
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "input.csv")
    with open(path, "w") as f:
        f.write(input_text)
    results = []
    for query in queries:
        t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        t.get_config().set("parallelism.default", "1")
        t.execute_sql(ddl.format(path=path))
        entry = {"query": query}
        try:
            with t.execute_sql(query).collect() as rows:
                entry["rows"] = sorted(
                    ",".join("" if x is None else str(x) for x in row) for row in rows)
        except Exception as e:  # noqa: BLE001 - the error is the recorded answer
            entry["error"] = flink_error(e)
        results.append(entry)
        print(query, "->", entry.get("rows") or entry.get("error"), file=sys.stderr)
    json.dump({"flink": getattr(pyflink, "__version__", "2.2"), "input": input_text,
               "ddl": ddl, "results": results}, sys.stdout, indent=1)
    print()
