"""Records Apache Flink's answers to the Nexmark queries over one bounded event set,
so tests can check weir's answers against Flink's without starting a JVM.

    WEIR_FLINK_PYTHON=$(bench/flink/setup.sh | sed -n 's/^WEIR_FLINK_PYTHON=//p')
    $WEIR_FLINK_PYTHON bench/flink/record_nexmark.py build/weir \\
        > tests/sql/flink_recorded/nexmark.json

weir's nexmark connector writes the event set (bench/nexmark/nexmark_sql.py:
seeded, 6,000 events) as JSON lines; Flink reads that file with the queries' own
source DDL whose connector is the filesystem (the one change), runs each query's
SELECT in streaming mode at parallelism 1 and applies its changelog. The recording
holds the file's SHA-256 (the test regenerates the file and checks it is the same
events), and per query the row count, the digest of the normalized rows and the
first rows, or Flink's error.
"""
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nexmark"))
import nexmark_sql  # noqa: E402

import pyflink  # noqa: E402
from pyflink.common import RowKind  # noqa: E402
from pyflink.table import EnvironmentSettings, TableEnvironment  # noqa: E402

KINDS = {RowKind.INSERT: "+I", RowKind.UPDATE_BEFORE: "-U",
         RowKind.UPDATE_AFTER: "+U", RowKind.DELETE: "-D"}


def run(events, name):
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.get_config().set("parallelism.default", "1")
    t.get_config().set("table.local-time-zone", "UTC")
    t.execute_sql(nexmark_sql.source_ddl(
        {"connector": "filesystem", "path": str(events), "format": "json"}))
    for view in nexmark_sql.views():
        t.execute_sql(view)
    setup, select = nexmark_sql.query(name, tempfile.mkdtemp())
    for statement in setup:
        t.execute_sql(statement)
    changes = []
    with t.execute_sql(select).collect() as rows:
        for row in rows:
            changes.append((KINDS[row.get_row_kind()],
                            [nexmark_sql.normalize(v) for v in row]))
    return nexmark_sql.materialize(changes, nexmark_sql.UPSERT_KEYS.get(name, 0))


def main():
    weir = Path(sys.argv[1]).resolve()
    folder = Path(tempfile.mkdtemp()) / "events"
    events = nexmark_sql.generate_events(weir, folder)
    results = {}
    for name in nexmark_sql.names():
        if name in nexmark_sql.SKIPPED:
            continue
        try:
            rows = run(events, name)
            results[name] = {"rows": len(rows), "digest": nexmark_sql.digest(rows),
                             "first": sorted("\t".join(r) for r in rows)[:5]}
        except Exception as e:  # noqa: BLE001 - the error is the recorded answer
            lines = [m.strip() for m in str(e).strip().splitlines() if m.strip()]
            causes = [m for m in lines if m.startswith("Caused by:")]
            results[name] = {"error": (causes[-1] if causes else lines[0])[:400]}
        print(name, "->", results[name].get("rows", results[name].get("error")),
              file=sys.stderr)
    json.dump({"flink": getattr(pyflink, "__version__", "2.2"),
               "events": nexmark_sql.EVENTS,
               "generator": nexmark_sql.GENERATOR_OPTIONS,
               "events_sha256": nexmark_sql.file_digest(events),
               "results": results}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
