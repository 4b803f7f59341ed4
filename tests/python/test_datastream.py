"""The DataStream API from Python: Python functions over records in the engine's
operators, partitioning by Python keys, rolling reduce, union, print, collect."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import weir
from weir.common import Row, Types
from weir.datastream import (MapFunction, RuntimeExecutionMode, StreamExecutionEnvironment)


@pytest.fixture
def env() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    return env


def test_map_filter_flat_map_with_types(env) -> None:
    ds = env.from_collection([(i, f"w{i % 3}") for i in range(1000)],
                             Types.ROW_NAMED(["id", "word"], [Types.LONG(), Types.STRING()]))
    out = (ds.filter(lambda r: r.id % 2 == 0)
             .map(lambda r: Row(id=r.id * 10, word=r.word.upper()),
                  Types.ROW_NAMED(["id", "word"], [Types.LONG(), Types.STRING()]))
             .flat_map(lambda r: [r.word] * (1 if r.id < 100 else 0), Types.STRING())
             .execute_and_collect())
    assert sorted(out) == sorted(f"W{i % 3}" for i in range(0, 10, 2))


def test_pickled_records_by_default(env) -> None:
    ds = env.from_collection([{"a": 1}, {"a": 2}, {"a": 3}])
    out = ds.map(lambda d: {**d, "b": d["a"] * 2}).execute_and_collect(limit=10)
    assert sorted(o["b"] for o in out) == [2, 4, 6]


def test_key_by_reduce_and_rolling_sum(env) -> None:
    words = ["a", "b", "a", "c", "a", "b"] * 100
    ds = env.from_collection([(w, 1) for w in words],
                             Types.TUPLE([Types.STRING(), Types.INT()]))
    counts = ds.key_by(lambda t: t[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
    final: dict = {}
    for word, count in counts.execute_and_collect():
        final[word] = max(final.get(word, 0), count)
    assert final == {"a": 300, "b": 200, "c": 100}
    summed = env.from_collection([(w, 2) for w in words],
                                 Types.TUPLE([Types.STRING(), Types.INT()]))
    totals: dict = {}
    for word, total in summed.key_by(lambda t: t[0]).sum(1).execute_and_collect():
        totals[word] = max(totals.get(word, 0), total)
    assert totals == {"a": 600, "b": 400, "c": 200}


def test_function_classes_and_union(env) -> None:
    class Double(MapFunction):
        def open(self, runtime_context):
            self.factor = 2

        def map(self, value):
            return value * self.factor

    a = env.from_collection([1, 2, 3], Types.LONG())
    b = env.from_collection([10, 20], Types.LONG())
    out = a.union(b).map(Double(), Types.LONG()).execute_and_collect()
    assert sorted(out) == [2, 4, 6, 20, 40]
    with pytest.raises(TypeError, match="one type"):
        a.union(env.from_collection(["x"], Types.STRING()))


def test_print_and_execute() -> None:
    program = textwrap.dedent("""
        from weir.common import Types
        from weir.datastream import StreamExecutionEnvironment
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(1)
        env.from_collection([1, 2, 3], Types.LONG()).map(lambda x: x + 1, Types.LONG()).print()
        env.from_collection([("a", 1)], Types.ROW_NAMED(["k", "v"], [Types.STRING(),
                            Types.INT()])).print("rows")
        env.execute("print job")
    """)
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert sorted(l for l in lines if not l.startswith("rows")) == ["2", "3", "4"]
    assert "rows> +I[a, 1]" in lines


def test_a_failing_function_names_itself(env) -> None:
    def explode(x):
        if x == 3:
            raise RuntimeError("three is bad")
        return x

    ds = env.from_collection([1, 2, 3, 4], Types.LONG()).map(explode, Types.LONG())
    with pytest.raises(weir.UserError) as error:
        ds.execute_and_collect()
    assert "Python function 'explode' failed" in str(error.value)
    assert "RuntimeError: three is bad" in str(error.value)


def test_wrong_output_types_are_errors(env) -> None:
    ds = env.from_collection([1, 2], Types.LONG()).map(lambda x: "text", Types.LONG())
    with pytest.raises(weir.UserError):
        ds.execute_and_collect()


def test_stateful_python_with_checkpoints_is_refused(env, tmp_path) -> None:
    env.enable_checkpointing(1000)
    env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path))
    ds = env.from_collection([("a", 1)], Types.TUPLE([Types.STRING(), Types.INT()]))
    ds.key_by(lambda t: t[0]).sum(1).print()
    with pytest.raises(weir.UserError, match="checkpoints do not cover yet"):
        env.execute()


def test_batch_mode_and_empty_environment() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    with pytest.raises(RuntimeError, match="No operators"):
        env.execute()
    out = env.from_collection([3, 1, 2], Types.INT()).map(lambda x: x * x, Types.INT())
    assert sorted(out.execute_and_collect()) == [1, 4, 9]
