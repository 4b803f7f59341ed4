"""The weir CLI: help, exit codes and error messages."""
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture()
def sample(tmp_path):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"price": [1, 200, 300], "channel": ["web", "app", "web"]}), path)
    return path


@pytest.mark.parametrize("args", [[], ["parquet"], ["parquet", "cat", "--help"],
                                  ["parquet", "inspect", "--help"],
                                  ["parquet", "convert", "--help"], ["--help"]])
def test_help(weir, args):
    proc = weir(*args, check=False)
    if "--help" in args:
        assert proc.returncode == 0 and "Usage" in proc.stdout
    else:
        assert proc.returncode == 1


def test_cat_formats(weir, sample):
    table = weir("parquet", "cat", sample, "--where", "price > 100 AND channel = 'web'").stdout
    assert "| 300   | web     |" in table and "1 row" in table
    csv = weir("parquet", "cat", sample, "--format", "csv", "--limit", "2").stdout
    assert csv.splitlines() == ["price,channel", "1,web", "200,app"]


def test_user_errors_exit_1_and_say_what_and_where(weir, sample, tmp_path):
    cases = [
        (["parquet", "cat", tmp_path / "missing.parquet"], "missing.parquet"),
        (["parquet", "cat", sample, "--where", "pricee > 1"], "did you mean 'price'"),
        (["parquet", "cat", sample, "--where", "price > AND"], "column"),
        (["parquet", "cat", sample, "--columns", "nope"], "nope"),
        (["parquet", "cat", sample, "--format", "xml"], "xml"),
        (["parquet", "convert", sample, tmp_path / "o.parquet", "--compression", "zip"], "zip"),
        (["parquet", "convert", sample, tmp_path / "o.parquet", "--row-group-size", "x"], "x"),
        (["parquet", "convert", sample, sample], "already exists"),
        (["parquet", "convert", sample, tmp_path / "p", "--partition-by", "nope"], "nope"),
    ]
    for args, needle in cases:
        proc = weir(*args, check=False)
        assert proc.returncode == 1, (args, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)
        assert proc.stderr.startswith("weir: error:"), proc.stderr
    assert not (tmp_path / "o.parquet").exists()


def test_bad_csv_and_json_inputs_name_the_file(weir, tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("a,b\n1,2\n3\n")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"a": 1}\n{"a": \n')
    for src in (bad_csv, bad_json):
        proc = weir("parquet", "convert", src, tmp_path / "out.parquet", check=False)
        assert proc.returncode == 1, proc.stderr
        assert src.name in proc.stderr
        assert not (tmp_path / "out.parquet").exists()
        assert not list(tmp_path.glob(".*inprogress"))


def test_int96_timestamps_on_request(weir, tmp_path):
    src = tmp_path / "ts.parquet"
    pq.write_table(pa.table({"ts": pa.array([0, 1_000_000], pa.timestamp("us"))}), src)
    out = tmp_path / "int96.parquet"
    weir("parquet", "convert", src, out, "--int96-timestamps", "--quiet")
    assert pq.ParquetFile(out).schema.column(0).physical_type == "INT96"
    default = tmp_path / "int64.parquet"
    weir("parquet", "convert", src, default, "--quiet")
    assert pq.ParquetFile(default).schema.column(0).physical_type == "INT64"
    assert pq.read_table(out).column(0).cast(pa.timestamp("us")).equals(
        pq.read_table(src).column(0))
