"""Python scalar functions in-process: row-at-a-time, pandas and arrow flavours, in
SQL and the Table API, in batch queries and streaming jobs; their errors."""

from __future__ import annotations

import pathlib

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import weir
from weir.table import DataTypes, ScalarFunction, TableEnvironment, udf
from weir.table.expressions import col


@udf(result_type=DataTypes.BIGINT())
def add_one(x):
    return None if x is None else x + 1


@udf(result_type="DOUBLE", func_type="pandas")
def scaled(x: pd.Series, y: pd.Series) -> pd.Series:
    return x * 2.5 + y


@udf(result_type=DataTypes.STRING(), func_type="arrow")
def shout(s: pa.Array) -> pa.Array:
    return pc.utf8_upper(s)


def numbers(env: TableEnvironment, n: int = 10_000):
    return env.from_arrow(pa.table({"x": pa.array(range(n), pa.int64()),
                                    "y": pa.array([float(i % 3) for i in range(n)]),
                                    "s": pa.array([f"w{i % 10}" for i in range(n)])}))


def test_row_udf_in_sql_and_table_api(env) -> None:
    t = numbers(env)
    env.create_temporary_view("nums", t)
    env.create_temporary_function("add_one", add_one)
    got = env.execute_sql("SELECT SUM(add_one(x)) AS s FROM nums").to_arrow()
    assert got.column("s").to_pylist() == [sum(range(1, 10_001))]
    via_api = t.select(add_one(col("x")).alias("z")).where(col("z") < 4).to_arrow()
    assert sorted(via_api.column("z").to_pylist()) == [1, 2, 3]


def test_vectorized_udfs(env) -> None:
    t = numbers(env, 1000)
    out = t.select(col("x"), scaled(col("x"), col("y")).alias("v"),
                   shout(col("s")).alias("u")).to_arrow().sort_by("x")
    assert out.column("v").to_pylist() == [i * 2.5 + (i % 3) for i in range(1000)]
    assert out.column("u").to_pylist()[:3] == ["W0", "W1", "W2"]
    assert out.schema.field("v").type == pa.float64()


def test_udf_in_a_streaming_job_writing_parquet(stream_env, tmp_path: pathlib.Path) -> None:
    stream_env.create_temporary_function("add_one", add_one)
    stream_env.create_temporary_view("nums", numbers(stream_env, 5000))
    stream_env.execute_sql(f"""CREATE TABLE out (x BIGINT, z BIGINT) WITH (
        'connector' = 'filesystem', 'path' = '{tmp_path}', 'format' = 'parquet')""")
    stream_env.execute_sql("INSERT INTO out SELECT x, add_one(x) FROM nums")
    written = pq.read_table(tmp_path)
    assert written.num_rows == 5000
    assert pc.all(pc.equal(written.column("z"), pc.add(written.column("x"), 1))).as_py()


def test_constant_arguments_and_nulls(batch_env) -> None:
    batch_env.create_temporary_function("add_one", add_one)
    got = batch_env.execute_sql(
        "SELECT add_one(41) AS a, add_one(CAST(NULL AS BIGINT)) AS b").to_arrow()
    assert got.to_pylist() == [{"a": 42, "b": None}]


def test_class_udf_with_open_and_input_types(batch_env) -> None:
    class Multiply(ScalarFunction):
        def open(self, function_context):
            self.factor = int(function_context.get_job_parameter("factor", "3"))

        def eval(self, x):
            return x * self.factor

    batch_env.get_config().set("pipeline.name", "udf-test")
    multiply = udf(Multiply(), input_types=[DataTypes.BIGINT()], result_type=DataTypes.BIGINT())
    batch_env.create_temporary_system_function("multiply", multiply)
    # The INT argument is cast to the declared BIGINT.
    got = batch_env.execute_sql("SELECT multiply(CAST(7 AS INT)) AS m").to_arrow()
    assert got.column("m").to_pylist() == [21]
    with pytest.raises(weir.UserError, match="expects 1 argument but got 2"):
        batch_env.execute_sql("SELECT multiply(1, 2)")


def test_system_function_shadows_a_built_in(batch_env) -> None:
    @udf(result_type=DataTypes.STRING())
    def upper(s):
        return "shadowed"

    batch_env.create_temporary_function("upper", upper)
    assert batch_env.execute_sql("SELECT UPPER('a') AS u").to_arrow()["u"][0].as_py() == "A"
    batch_env.create_temporary_system_function("upper", upper)
    assert batch_env.execute_sql("SELECT UPPER('a') AS u").to_arrow()["u"][0].as_py() == "shadowed"
    assert batch_env.drop_temporary_system_function("upper")
    assert batch_env.execute_sql("SELECT UPPER('a') AS u").to_arrow()["u"][0].as_py() == "A"


def test_registering_a_name_twice_fails(batch_env) -> None:
    batch_env.create_temporary_function("f", add_one)
    with pytest.raises(weir.UserError, match="already exist"):
        batch_env.create_temporary_function("f", add_one)


def test_a_raising_udf_fails_with_its_traceback(env) -> None:
    @udf(result_type=DataTypes.BIGINT())
    def explode(x):
        if x == 77:
            raise ValueError("no sevens")
        return x

    env.create_temporary_function("explode", explode)
    env.create_temporary_view("nums", numbers(env, 100))
    with pytest.raises(weir.UserError) as error:
        env.execute_sql("SELECT explode(x) FROM nums").to_arrow()
    message = str(error.value)
    assert "Python function 'explode' failed" in message
    assert "ValueError: no sevens" in message
    assert "in explode" in message  # the traceback's frame


def test_wrong_result_types_are_errors(batch_env) -> None:
    @udf(result_type=DataTypes.BIGINT())
    def text(x):
        return "not a number"

    @udf(result_type=DataTypes.BIGINT(), func_type="pandas")
    def short(x):
        return x.iloc[:1]

    batch_env.create_temporary_view("nums", numbers(batch_env, 10))
    batch_env.create_temporary_function("text", text)
    batch_env.create_temporary_function("short", short)
    with pytest.raises(weir.UserError, match="not of its result type int64"):
        batch_env.execute_sql("SELECT text(x) FROM nums")
    with pytest.raises(weir.UserError, match="returned 1 values for 10 rows"):
        batch_env.execute_sql("SELECT short(x) FROM nums")


def test_unsupported_function_kinds_say_so() -> None:
    from weir.table import udtaf

    with pytest.raises(NotImplementedError, match="func_type='general' only"):
        udtaf(lambda x: x, result_type=DataTypes.INT(), func_type="pandas")


def test_pyarrow_compute_imported_after_registering() -> None:
    # pyarrow.compute wraps every function of Arrow's registry when first imported,
    # ours included: they must carry the documentation it reads.
    import subprocess
    import sys
    import textwrap

    program = textwrap.dedent("""
        import weir
        from weir.table import DataTypes, EnvironmentSettings, TableEnvironment, udf
        env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
        env.create_temporary_function("f", udf(lambda x: x + 1, result_type="BIGINT"))
        import pyarrow.compute as pc
        print(env.execute_sql("SELECT f(CAST(1 AS BIGINT)) AS v").to_arrow()["v"][0])
        print(pc.weir_python_udf_0.__doc__.splitlines()[0])
    """)
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "2"
    assert "Python function 'f'" in proc.stdout
