"""Nexmark: the benchmark's queries (bench/nexmark/queries/, unchanged) run by weir
over one bounded, seeded event set, and their results checked against Apache
Flink's over the same events (recorded by bench/flink/record_nexmark.py into
tests/sql/flink_recorded/nexmark.json). Also: the queries over the nexmark connector
itself, and its errors."""
import csv
import io
import json
import sys
from pathlib import Path

import pytest

from conftest import weir_binary

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "nexmark"))
import nexmark_sql  # noqa: E402

RECORDING = json.loads((ROOT / "tests" / "sql" / "flink_recorded" / "nexmark.json")
                       .read_text())
CASES = sorted(RECORDING["results"], key=lambda q: int(q[1:]))


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    path = nexmark_sql.generate_events(weir_binary(),
                                       tmp_path_factory.mktemp("nexmark") / "events")
    # The same events Flink answered for: the generator is deterministic for a seed.
    assert nexmark_sql.file_digest(path) == RECORDING["events_sha256"], \
        "the event set changed: re-record tests/sql/flink_recorded/nexmark.json"
    return path


def run_select(weir, events, name, tmp_path):
    setup, select = nexmark_sql.query(name, str(tmp_path / "out"))
    script = [
        "SET 'execution.runtime-mode' = 'streaming'",
        "SET 'parallelism.default' = '2'",
        "SET 'sql-client.execution.result-mode' = 'changelog'",
        nexmark_sql.source_ddl({"connector": "filesystem", "path": str(events),
                                "format": "json"}),
        *nexmark_sql.views(), *setup, select]
    return weir("sql", "--format", "csv", "-e", ";\n".join(script) + ";", check=False,
                timeout=300)


@pytest.mark.parametrize("name", CASES)
def test_same_result_as_flink(weir, events, name, tmp_path):
    want = RECORDING["results"][name]
    proc = run_select(weir, events, name, tmp_path)
    if "error" in want:
        assert proc.returncode == 1, f"Flink refuses {name}: {want['error']}"
        return
    assert proc.returncode == 0, proc.stderr
    lines = list(csv.reader(io.StringIO(proc.stdout)))[1:]
    changes = [(line[0], [nexmark_sql.normalize(v if v != "" else None)
                          for v in line[1:]]) for line in lines]
    rows = nexmark_sql.materialize(changes, nexmark_sql.UPSERT_KEYS.get(name, 0))
    got = sorted("\t".join(r) for r in rows)
    assert len(rows) == want["rows"], (got[:5], want["first"])
    assert got[:5] == want["first"]
    assert nexmark_sql.digest(rows) == want["digest"]


def test_queries_run_unchanged_over_the_nexmark_connector(weir, tmp_path):
    # The DDL as the Nexmark runner substitutes it; only the events are bounded and
    # seeded. Every query that weir supports finishes; the sinks are blackholes.
    ddl = (nexmark_sql.QUERIES / "ddl_gen.sql").read_text()
    for variable, value in {"${TPS}": "100000", "${EVENTS_NUM}": "20000",
                            "${PERSON_PROPORTION}": "1", "${AUCTION_PROPORTION}": "3",
                            "${BID_PROPORTION}": "46"}.items():
        ddl = ddl.replace(variable, value)
    views = (nexmark_sql.QUERIES / "ddl_views.sql").read_text().replace(
        "${NEXMARK_TABLE}", "datagen")
    for name in nexmark_sql.names():
        if name in nexmark_sql.SKIPPED:
            continue
        query = (nexmark_sql.QUERIES / f"{name}.sql").read_text()
        query = query.replace("${NEXMARK_DIR}", str(tmp_path)).replace(
            "${SUBMIT_TIME}", "0")
        proc = weir("sql", "-e", "\n".join([ddl, views, query]), check=False,
                    timeout=300)
        assert proc.returncode == 0, f"{name}: {proc.stderr[-2000:]}"
        assert "rows written" in proc.stderr, f"{name}: {proc.stderr[-500:]}"


def test_bad_options_are_clear_errors(weir):
    def fails(options, needle):
        ddl = nexmark_sql.source_ddl({"connector": "nexmark", **options})
        proc = weir("sql", "-e", ddl + "; SELECT event_type FROM datagen;", check=False)
        assert proc.returncode == 1 and needle in proc.stderr, proc.stderr

    fails({"events.num": "-1"}, "events.num")
    fails({"first-event.rate": "0"}, "first-event.rate")
    fails({"person.avg-size": "big"}, "person.avg-size")
    fails({"events.num": "10", "no.such": "1"}, "unknown option 'no.such'")
    fails({"events.num": "10", "base-time": "yesterday"}, "base-time")
    fails({"events.num": "10", "next-event.rate": "5"}, "next-event.rate")
