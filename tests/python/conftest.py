"""Fixtures of the Python API tests: environments in both modes, and small Parquet
files written by pyarrow (the oracle for results is DuckDB or pyarrow)."""

from __future__ import annotations

import os
import pathlib

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")  # as `import weir` picks

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from weir.table import EnvironmentSettings, TableEnvironment


@pytest.fixture
def batch_env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "2")
    return env


@pytest.fixture
def stream_env() -> TableEnvironment:
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "2")
    return env


@pytest.fixture(params=["batch", "streaming"])
def env(request) -> TableEnvironment:
    settings = (EnvironmentSettings.in_batch_mode() if request.param == "batch"
                else EnvironmentSettings.in_streaming_mode())
    env = TableEnvironment.create(settings)
    env.get_config().set("parallelism.default", "2")
    return env


@pytest.fixture
def orders_file(tmp_path: pathlib.Path) -> pathlib.Path:
    """1,000 orders written by pyarrow: id, customer, amount (DECIMAL(10, 2)), qty."""
    n = 1000
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "customer": pa.array([f"c{i % 7}" for i in range(n)]),
        "amount": pa.array([(i * 37 % 1000) / 100 for i in range(n)]).cast(pa.decimal128(10, 2)),
        "qty": pa.array([i % 5 + 1 for i in range(n)], pa.int32()),
    })
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path)
    return path


@pytest.fixture(scope="session")
def broker():
    """A real Kafka broker (scripts/kafka.sh), for the whole session."""
    import pathlib
    import subprocess

    script = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "kafka.sh"
    started = subprocess.run([str(script), "start"], capture_output=True, text=True,
                             timeout=600)
    assert started.returncode == 0, started.stderr
    yield started.stdout.strip()
    subprocess.run([str(script), "stop"], capture_output=True, timeout=120)
