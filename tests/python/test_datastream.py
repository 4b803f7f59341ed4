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


def _failing_once_job(env, tmp_path, build):
    """A throttled datagen (ids 0-2999 at 2,000 rows/s) whose ids go through a map
    that fails once at id 2000, then `build(stream)`; checkpoints every 100 ms and one
    restart, so the job restores its latest checkpoint: the sources from their
    positions, the Python state from the checkpoint (or the totals come out wrong)."""
    import os

    from weir.datastream.stream_execution_environment import RestartStrategies
    from weir.table import StreamTableEnvironment

    env.set_parallelism(2)
    env.enable_checkpointing(100)
    env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
    env.set_restart_strategy(RestartStrategies.fixed_delay_restart(1, 0))
    t_env = StreamTableEnvironment.create(env)
    t_env.execute_sql("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', "
                      "'rows-per-second' = '2000', 'fields.id.kind' = 'sequence', "
                      "'fields.id.start' = '0', 'fields.id.end' = '2999')")
    flag = tmp_path / "failed"

    def tag(row):
        if row.id == 2000 and not os.path.exists(flag):
            flag.touch()
            raise RuntimeError("injected failure")
        return (f"k{row.id % 3}", 1)
    stream = t_env.to_data_stream(t_env.from_path("g")).map(
        tag, Types.TUPLE([Types.STRING(), Types.INT()]))
    out = list(build(stream).execute_and_collect())
    assert flag.exists()
    return out


def test_python_reduce_state_is_restored_from_a_checkpoint(env, tmp_path) -> None:
    out = _failing_once_job(env, tmp_path, lambda s: s.key_by(lambda t: t[0]).sum(1))
    last = {}
    for key, total in out:
        last[key] = total
    # Every key's running sum ends at its exact count: the restored state went on.
    assert last == {"k0": 1000, "k1": 1000, "k2": 1000}


def test_keyed_process_state_is_restored_from_a_checkpoint(env, tmp_path) -> None:
    from weir.datastream.functions import KeyedProcessFunction
    from weir.datastream.state import ValueStateDescriptor

    class Count(KeyedProcessFunction):
        def open(self, runtime_context):
            self.count = runtime_context.get_state(ValueStateDescriptor("n", Types.LONG()))

        def process_element(self, value, ctx):
            n = (self.count.value() or 0) + 1
            self.count.update(n)
            yield (value[0], n)

    out = _failing_once_job(env, tmp_path, lambda s: s.key_by(lambda t: t[0]).process(
        Count(), Types.TUPLE([Types.STRING(), Types.LONG()])))
    last = {}
    for key, n in out:
        last[key] = n
    assert last == {"k0": 1000, "k1": 1000, "k2": 1000}


def test_batch_mode_and_empty_environment() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    with pytest.raises(RuntimeError, match="No operators"):
        env.execute()
    out = env.from_collection([3, 1, 2], Types.INT()).map(lambda x: x * x, Types.INT())
    assert sorted(out.execute_and_collect()) == [1, 4, 9]


def test_event_time_tumbling_windows(env) -> None:
    from weir.common import Duration, WatermarkStrategy
    from weir.common.watermark_strategy import TimestampAssigner
    from weir.datastream.window import TumblingEventTimeWindows

    class ByField(TimestampAssigner):
        def extract_timestamp(self, value, record_timestamp):
            return value[1]

    # (key, epoch ms, amount); a little out of order.
    events = [("a", 1000, 1), ("b", 1500, 10), ("a", 9000, 2), ("a", 4000, 3),
              ("a", 11000, 4), ("b", 12000, 20), ("a", 19999, 5), ("a", 20000, 6)]
    ds = env.from_collection(events, Types.TUPLE([Types.STRING(), Types.LONG(), Types.INT()]))
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(5))
                .with_timestamp_assigner(ByField()))
    sums = (ds.assign_timestamps_and_watermarks(strategy)
              .key_by(lambda e: e[0])
              .window(TumblingEventTimeWindows.of(Duration.of_seconds(10)))
              .reduce(lambda a, b: (a[0], max(a[1], b[1]), a[2] + b[2])))
    got = sorted(sums.execute_and_collect())
    assert got == [("a", 9000, 6), ("a", 19999, 9), ("a", 20000, 6), ("b", 1500, 10),
                   ("b", 12000, 20)]


def test_sliding_windows_with_aggregate_and_process(env) -> None:
    from weir.common import Duration, WatermarkStrategy
    from weir.datastream.window import (AggregateFunction, ProcessWindowFunction,
                                        SlidingEventTimeWindows)

    class Average(AggregateFunction):
        def create_accumulator(self):
            return (0, 0)

        def add(self, value, acc):
            return acc[0] + value[1], acc[1] + 1

        def get_result(self, acc):
            return acc[0] / acc[1]

        def merge(self, a, b):
            return a[0] + b[0], a[1] + b[1]

    class Describe(ProcessWindowFunction):
        def process(self, key, context, elements):
            window = context.window()
            yield f"{key} [{window.start}, {window.end}) n={len(list(elements))}"

    events = [("k", i * 1000, float(i)) for i in range(10)]  # one per second
    typed = Types.TUPLE([Types.STRING(), Types.LONG(), Types.DOUBLE()])
    strategy = (WatermarkStrategy.for_monotonous_timestamps()
                .with_timestamp_assigner(lambda value, ts: value[1]))

    def stamped():
        return env.from_collection(events, typed).assign_timestamps_and_watermarks(strategy)

    windows = SlidingEventTimeWindows.of(Duration.of_seconds(4), Duration.of_seconds(2))
    averages = (stamped().map(lambda e: (e[0], e[2]),
                              Types.TUPLE([Types.STRING(), Types.DOUBLE()]))
                .key_by(lambda e: e[0]).window(windows).aggregate(Average(),
                                                                  output_type=Types.DOUBLE()))
    assert sorted(averages.execute_and_collect()) == [0.5, 1.5, 3.5, 5.5, 7.5, 8.5]
    described = stamped().key_by(lambda e: e[0]).window(windows).process(Describe(),
                                                                         Types.STRING())
    lines = sorted(described.execute_and_collect())
    assert "k [-2000, 2000) n=2" in lines and "k [8000, 12000) n=2" in lines
    assert len(lines) == 6


def test_windows_need_timestamps_and_refuse_what_is_not_built(env) -> None:
    from weir.common import Duration
    from weir.datastream.window import EventTimeSessionWindows, TumblingEventTimeWindows

    keyed = env.from_collection([1, 2], Types.LONG()).key_by(lambda x: x)
    with pytest.raises(ValueError, match="assign_timestamps_and_watermarks"):
        keyed.window(TumblingEventTimeWindows.of(Duration.of_seconds(1)))
    with pytest.raises(ValueError, match="gap must be positive"):
        EventTimeSessionWindows.with_gap(Duration.of_seconds(0))


def test_event_time_session_windows(env) -> None:
    from weir.common import Duration, WatermarkStrategy
    from weir.datastream.window import (AggregateFunction, EventTimeSessionWindows,
                                        ProcessWindowFunction)

    # Per key, events closer than the 3-s gap form one session, also when they
    # arrive out of order and a late-arriving event bridges two sessions.
    events = [("a", 1000), ("a", 2500), ("b", 1000), ("a", 9000), ("a", 6000),
              ("b", 20000), ("a", 4000), ("a", 30000)]
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(10))
                .with_timestamp_assigner(lambda e, ts: e[1]))
    rows = Types.TUPLE([Types.STRING(), Types.LONG()])

    def stream():
        return (env.from_collection(events, rows).assign_timestamps_and_watermarks(strategy)
                .key_by(lambda e: e[0]).window(EventTimeSessionWindows.with_gap(
                    Duration.of_seconds(3))))

    class Describe(ProcessWindowFunction):
        def process(self, key, context, elements):
            w = context.window()
            yield f"{key} [{w.start}, {w.end}) {sorted(e[1] for e in elements)}"

    got = sorted(stream().process(Describe(), Types.STRING()).execute_and_collect())
    assert got == ["a [1000, 12000) [1000, 2500, 4000, 6000, 9000]",
                   "a [30000, 33000) [30000]",
                   "b [1000, 4000) [1000]",
                   "b [20000, 23000) [20000]"]

    class Count(AggregateFunction):
        def create_accumulator(self):
            return 0

        def add(self, value, accumulator):
            return accumulator + 1

        def get_result(self, accumulator):
            return accumulator

        def merge(self, a, b):
            return a + b

    counts = sorted(stream().aggregate(Count(), output_type=Types.LONG()).execute_and_collect())
    assert counts == [1, 1, 1, 5]
    summed = sorted(r[1] for r in stream().reduce(lambda x, y: (x[0], x[1] + y[1]))
                    .execute_and_collect())
    assert summed == [1000, 20000, 22500, 30000]


def test_keyed_process_function_with_state_and_timers(env) -> None:
    from weir.common import Duration, WatermarkStrategy
    from weir.datastream import (KeyedProcessFunction, ListStateDescriptor,
                                 MapStateDescriptor, ValueStateDescriptor)

    class SessionEnd(KeyedProcessFunction):
        """Counts a key's events; reports the count 5 s after its last event."""

        def open(self, runtime_context):
            self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))
            self.last = runtime_context.get_state(ValueStateDescriptor("last", Types.LONG()))
            self.seen = runtime_context.get_list_state(ListStateDescriptor("seen", Types.LONG()))
            self.per = runtime_context.get_map_state(MapStateDescriptor("per", Types.STRING(),
                                                                        Types.LONG()))

        def process_element(self, value, ctx):
            self.count.update((self.count.value() or 0) + 1)
            self.seen.add(value[1])
            self.per.put(value[2], (self.per.get(value[2]) or 0) + 1)
            if self.last.value() is not None:
                ctx.timer_service().delete_event_time_timer(self.last.value() + 5000)
            self.last.update(ctx.timestamp())
            ctx.timer_service().register_event_time_timer(ctx.timestamp() + 5000)

        def on_timer(self, timestamp, ctx):
            yield (f"{ctx.get_current_key()} n={self.count.value()} "
                   f"first={min(self.seen.get())} kinds={sorted(self.per.items())} "
                   f"at={timestamp}")
            self.count.clear()
            self.last.clear()
            self.seen.clear()
            self.per.clear()

    events = [("a", 1000, "x"), ("a", 3000, "y"), ("b", 2000, "x"), ("a", 20000, "x"),
              ("b", 4000, "x"), ("a", 21000, "x")]
    strategy = (WatermarkStrategy.for_monotonous_timestamps()
                .with_timestamp_assigner(lambda e, ts: e[1]))
    ds = env.from_collection(events, Types.TUPLE([Types.STRING(), Types.LONG(),
                                                  Types.STRING()]))
    out = (ds.assign_timestamps_and_watermarks(strategy).key_by(lambda e: e[0])
             .process(SessionEnd(), Types.STRING()).execute_and_collect())
    # The collection is one batch, so the first watermark comes after all of it (in
    # Flink too: watermarks are periodic): a's timer at 8000 was replaced by 26000.
    assert sorted(out) == [
        "a n=4 first=1000 kinds=[('x', 3), ('y', 1)] at=26000",
        "b n=2 first=2000 kinds=[('x', 2)] at=9000",
    ]


def test_tables_from_and_to_data_streams(env, tmp_path) -> None:
    import pyarrow.parquet as pq

    from weir.table import StreamTableEnvironment

    t_env = StreamTableEnvironment.create(env)
    people = Types.ROW_NAMED(["name", "amount"], [Types.STRING(), Types.INT()])
    ds = env.from_collection([("a", 1), ("b", 5), ("c", 7)], people)
    upper = ds.map(lambda r: Row(name=r.name.upper(), amount=r.amount), people)
    t_env.create_temporary_view("v", t_env.from_data_stream(upper))
    doubled = t_env.to_data_stream(
        t_env.sql_query("SELECT name, amount * 2 AS d FROM v WHERE amount > 1"))
    out = doubled.map(lambda r: f"{r.name}:{r.d}", Types.STRING()).execute_and_collect()
    assert sorted(out) == ["B:10", "C:14"]

    # An INSERT reading a stream table runs the stream's job.
    env2 = StreamExecutionEnvironment.get_execution_environment()
    t_env2 = StreamTableEnvironment.create(env2)
    numbers = env2.from_collection([(i, f"w{i % 3}") for i in range(100)],
                                   Types.TUPLE([Types.LONG(), Types.STRING()]))
    t_env2.execute_sql(f"""CREATE TABLE o (id BIGINT, w STRING) WITH ('connector' =
        'filesystem', 'path' = '{tmp_path}', 'format' = 'parquet')""")
    table = t_env2.from_data_stream(numbers.filter(lambda r: r[0] % 2 == 0))
    assert table.get_schema().get_field_names() == ["f0", "f1"]
    assert table.execute_insert("o").rows_written == 50
    assert sorted(pq.read_table(tmp_path).column("id").to_pylist()) == list(range(0, 100, 2))
    with pytest.raises(TypeError, match="typed records"):
        t_env2.from_data_stream(env2.from_collection([{"x": 1}]))
    with pytest.raises(NotImplementedError, match="Schema"):
        t_env2.from_data_stream(numbers, "ignored")


def test_from_data_stream_with_a_schema_gives_event_time(env) -> None:
    # Flink's fromDataStream with a Schema: a computed rowtime column with a watermark,
    # the declared fields kept (cast to the declared type), windows over it.
    from weir.common.time import Instant
    from weir.table import DataTypes, Schema, StreamTableEnvironment

    env.set_parallelism(1)
    t_env = StreamTableEnvironment.create(env)
    events = [(Instant.of_epoch_milli(ms), name, price) for ms, name, price in
              [(1000, "a", 1), (4000, "b", 2), (3000, "a", 3), (6000, "a", 4),
               (12000, "b", 5), (9000, "b", 6)]]
    ds = env.from_collection(events, Types.ROW([Types.INSTANT(), Types.STRING(),
                                                Types.INT()]))
    table = t_env.from_data_stream(
        ds, Schema.new_builder()
        .column_by_expression("ts", "CAST(f0 AS TIMESTAMP(3))")
        .column("f1", DataTypes.STRING())
        .column("f2", DataTypes.BIGINT())
        .watermark("ts", "ts - INTERVAL '3' SECOND")
        .build())
    assert table.get_schema().get_field_names() == ["ts", "f1", "f2"]
    assert str(table.get_schema().get_field_data_types()[2]).upper().startswith("BIGINT")
    t_env.create_temporary_view("events", table)
    sums = t_env.sql_query("""SELECT f1, window_start, SUM(f2) AS s FROM TABLE(
        TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND))
        GROUP BY f1, window_start, window_end""")
    rows = t_env.to_data_stream(sums).execute_and_collect()
    got = sorted((r[0], r[1].second, r[2]) for r in rows)
    # Windows of 5 s: a: [0,5) 1+3, [5,10) 4; b: [0,5) 2, [5,10) 6, [10,15) 5.
    assert got == [("a", 0, 4), ("a", 5, 4), ("b", 0, 2), ("b", 5, 6), ("b", 10, 5)]

    # A watermark on a field of the stream itself; no declared fields keeps them all.
    millis = env.from_collection([(1, "x"), (2, "y")],
                                 Types.ROW_NAMED(["ms", "k"], [Types.LONG(), Types.STRING()]))
    timed = t_env.from_data_stream(
        millis, Schema.new_builder()
        .column_by_expression("t", "TO_TIMESTAMP_LTZ(ms, 3)")
        .watermark("t", "t - INTERVAL '1' SECOND").build())
    assert timed.get_schema().get_field_names() == ["ms", "k", "t"]
    with pytest.raises(ValueError, match="unable to find a field named 'nope'"):
        t_env.from_data_stream(millis, Schema.new_builder()
                               .column("nope", DataTypes.STRING()).build())
    with pytest.raises(NotImplementedError, match="metadata column"):
        t_env.from_data_stream(millis, Schema.new_builder()
                               .column_by_metadata("rowtime", DataTypes.TIMESTAMP_LTZ(3))
                               .build())


def _throttled_pairs(env):
    """A datagen of 3000 ids at 1,000 rows/s as (k0|k1|k2, 1) tuples."""
    from weir.table import StreamTableEnvironment

    t_env = StreamTableEnvironment.create(env)
    t_env.execute_sql("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', "
                      "'rows-per-second' = '1000', 'fields.id.kind' = 'sequence', "
                      "'fields.id.start' = '0', 'fields.id.end' = '2999')")
    return t_env.to_data_stream(t_env.from_path("g")).map(
        lambda r: (f"k{r.id % 3}", 1), Types.TUPLE([Types.STRING(), Types.INT()]))


def test_processing_time_windows(env) -> None:
    from weir.common import Duration
    from weir.datastream.window import TumblingProcessingTimeWindows

    env.set_parallelism(2)
    out = list(_throttled_pairs(env).key_by(lambda t: t[0])
               .window(TumblingProcessingTimeWindows.of(Duration.of_millis(500)))
               .reduce(lambda a, b: (a[0], a[1] + b[1])).execute_and_collect())
    # Windows fire by the wall clock while the 3-s source runs; the window open at
    # the end of the input is dropped, as Flink drops pending processing-time timers.
    per_key = {k: [n for key, n in out if key == k] for k in ("k0", "k1", "k2")}
    assert all(len(counts) >= 3 for counts in per_key.values()), per_key
    assert 1500 <= sum(n for _, n in out) <= 3000


def test_processing_time_timers(env) -> None:
    from weir.datastream.functions import KeyedProcessFunction
    from weir.datastream.state import ValueStateDescriptor

    class Every300ms(KeyedProcessFunction):
        def open(self, runtime_context):
            self.count = runtime_context.get_state(ValueStateDescriptor("n", Types.LONG()))

        def process_element(self, value, ctx):
            n = self.count.value() or 0
            if n == 0:
                service = ctx.timer_service()
                service.register_processing_time_timer(service.current_processing_time() + 300)
            self.count.update(n + 1)

        def on_timer(self, timestamp, ctx):
            yield f"{ctx.get_current_key()} {ctx.time_domain()} {self.count.value()}"
            ctx.timer_service().register_processing_time_timer(timestamp + 300)

    env.set_parallelism(2)
    out = list(_throttled_pairs(env).key_by(lambda t: t[0])
               .process(Every300ms(), Types.STRING()).execute_and_collect())
    assert out and all(" PROCESSING_TIME " in line for line in out)
    counts = {}
    for line in out:
        key, _, n = line.split()
        assert int(n) >= counts.get(key, 0)  # a key's count only grows
        counts[key] = int(n)
    assert set(counts) == {"k0", "k1", "k2"} and all(n <= 1000 for n in counts.values())
    assert len(out) >= 3 * 5  # every 300 ms for about 3 s, per key


def test_side_outputs_of_process_functions(env) -> None:
    from weir.datastream.functions import KeyedProcessFunction, OutputTag, ProcessFunction

    odd = OutputTag("odd", Types.LONG())
    words = OutputTag("words", Types.STRING())

    class Split(ProcessFunction):
        def process_element(self, value, ctx):
            if value % 2:
                ctx.output(odd, value)
                ctx.output(words, f"odd {value}")
            else:
                yield value * 10

    main = env.from_collection(list(range(10)), Types.LONG()).process(Split(), Types.LONG())
    evens = main.map(lambda x: x + 1, Types.LONG())
    both = evens.union(main.get_side_output(odd).map(lambda x: -x, Types.LONG()))
    assert sorted(both.execute_and_collect()) == sorted(
        [x * 10 + 1 for x in range(0, 10, 2)] + [-x for x in range(1, 10, 2)])

    class Firsts(KeyedProcessFunction):
        def process_element(self, value, ctx):
            if value[1] == 0:
                ctx.output(words, f"first of {ctx.get_current_key()}")
            yield value[1]

    pairs = env.from_collection([("a", 0), ("a", 1), ("b", 0)],
                                Types.TUPLE([Types.STRING(), Types.INT()]))
    keyed = pairs.key_by(lambda p: p[0]).process(Firsts(), Types.INT())
    assert sorted(keyed.get_side_output(words).execute_and_collect()) == ["first of a",
                                                                          "first of b"]


def test_late_records_go_to_the_side_output(env) -> None:
    from weir.common import Duration, WatermarkStrategy
    from weir.datastream.functions import OutputTag
    from weir.datastream.window import TumblingEventTimeWindows

    rows = Types.TUPLE([Types.STRING(), Types.LONG()])
    late = OutputTag("late", rows)
    strategy = (WatermarkStrategy.for_monotonous_timestamps()
                .with_timestamp_assigner(lambda e, ts: e[1]))
    # The collection is read in batches of 65,536: the watermark after the first
    # (at 65,535 ms) makes the second batch's records at 5 ms late.
    events = [("a", i) for i in range(65536)] + [("a", 5)] * 10
    env.set_parallelism(1)
    windowed = (env.from_collection(events, rows).assign_timestamps_and_watermarks(strategy)
                .key_by(lambda e: e[0])
                .window(TumblingEventTimeWindows.of(Duration.of_seconds(1)))
                .side_output_late_data(late)
                .reduce(lambda x, y: (x[0], x[1] + y[1])))
    both = windowed.map(lambda r: ("window", r[1]), rows).union(
        windowed.get_side_output(late).map(lambda r: ("late", r[1]), rows))
    out = list(both.execute_and_collect())
    assert sorted(r for r in out if r[0] == "late") == [("late", 5)] * 10
    assert sum(r[1] for r in out if r[0] == "window") == sum(range(65536))


def test_connected_streams(env) -> None:
    from weir.datastream import CoFlatMapFunction, CoMapFunction, KeyedCoProcessFunction
    from weir.datastream.state import ValueStateDescriptor

    numbers = env.from_collection([1, 2, 3], Types.LONG())
    words = env.from_collection(["x", "yy"], Types.STRING())

    class Describe(CoMapFunction):
        def map1(self, value):
            return f"number {value}"

        def map2(self, value):
            return f"word {value}"

    described = numbers.connect(words).map(Describe(), Types.STRING())
    assert sorted(described.execute_and_collect()) == [
        "number 1", "number 2", "number 3", "word x", "word yy"]

    class Repeat(CoFlatMapFunction):
        def flat_map1(self, value):
            return [value] * value

        def flat_map2(self, value):
            yield len(value)

    repeated = (env.from_collection([1, 2, 3], Types.LONG())
                .connect(env.from_collection(["x", "yy"], Types.STRING()))
                .flat_map(Repeat(), Types.LONG()))
    assert sorted(repeated.execute_and_collect()) == [1, 1, 2, 2, 2, 3, 3, 3]

    # A keyed join of orders with the latest price of their item: state shared by
    # both sides of a key.
    class Enrich(KeyedCoProcessFunction):
        def open(self, runtime_context):
            self.price = runtime_context.get_state(ValueStateDescriptor("p", Types.LONG()))
            self.waiting = runtime_context.get_state(ValueStateDescriptor("w", Types.LONG()))

        def process_element1(self, order, ctx):  # (item, quantity)
            price = self.price.value()
            if price is None:
                self.waiting.update((self.waiting.value() or 0) + order[1])
            else:
                yield f"{order[0]} {order[1] * price}"

        def process_element2(self, quote, ctx):  # (item, price)
            self.price.update(quote[1])
            if self.waiting.value():
                yield f"{quote[0]} {self.waiting.value() * quote[1]}"
                self.waiting.clear()

    env.set_parallelism(2)
    pair = Types.TUPLE([Types.STRING(), Types.LONG()])
    orders = env.from_collection([("apple", 2), ("pear", 1), ("apple", 1)], pair)
    prices = env.from_collection([("apple", 10), ("pear", 7), ("kiwi", 3)], pair)
    keyed = (orders.key_by(lambda o: o[0]).connect(prices.key_by(lambda p: p[0]))
             .process(Enrich(), Types.STRING()))
    out = sorted(keyed.execute_and_collect())
    # Whatever side arrives first, every order is priced once: apple 3 * 10, pear 7.
    totals = {}
    for line in out:
        item, value = line.split()
        totals[item] = totals.get(item, 0) + int(value)
    assert totals == {"apple": 30, "pear": 7}
    again = (orders.connect(prices).key_by(lambda o: o[0], lambda p: p[0])
             .process(Enrich(), Types.STRING()))
    assert sorted(again.execute_and_collect()) == out


def test_python_state_restores_at_another_parallelism(tmp_path) -> None:
    """A keyed reduce at parallelism 2 fails for good mid-way (no restart strategy),
    leaving its checkpoints; the same job started again at parallelism 3 over the
    same checkpoint folder resumes from the newest one, each subtask getting the
    Python state of the keys it now receives (stored by key group)."""
    import os

    from weir.table import StreamTableEnvironment

    flag = tmp_path / "failed"

    def build(parallelism: int):
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(parallelism)
        env.enable_checkpointing(100)
        env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
        t_env = StreamTableEnvironment.create(env)
        t_env.execute_sql("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', "
                          "'rows-per-second' = '2000', 'fields.id.kind' = 'sequence', "
                          "'fields.id.start' = '0', 'fields.id.end' = '2999')")

        def tag(row):
            if row.id == 2000 and not os.path.exists(flag):
                flag.touch()
                raise RuntimeError("injected failure")
            return (f"k{row.id % 7}", 1)
        stream = t_env.to_data_stream(t_env.from_path("g")).map(
            tag, Types.TUPLE([Types.STRING(), Types.INT()]))
        return stream.key_by(lambda t: t[0]).sum(1)

    with pytest.raises(weir.UserError, match="injected failure"):
        list(build(2).execute_and_collect())
    last, first = {}, {}
    out = list(build(3).execute_and_collect())
    for key, total in out:
        first.setdefault(key, total)
        last[key] = total
    want = {f"k{i}": len(range(i, 3000, 7)) for i in range(7)}
    assert last == want
    # It went on from the checkpoint: the source did not start over (fewer records
    # than 3000 came through) and every key's first sum continues its old one.
    assert len(out) < 3000 and min(first.values()) > 1


def test_execute_async_runs_on_its_own_and_cancels(tmp_path) -> None:
    from weir.table import StreamTableEnvironment
    from weir.table.table_result import JobStatus

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    seen = []
    env.from_collection([1, 2, 3], Types.LONG()).map(lambda x: seen.append(x) or x,
                                                     Types.LONG())
    client = env.execute_async("three")
    assert client.get_job_id() == "three"
    client.get_job_execution_result(timeout=60)
    assert client.get_job_status() == JobStatus.FINISHED and sorted(seen) == [1, 2, 3]

    # An unbounded job runs until cancelled.
    env2 = StreamExecutionEnvironment.get_execution_environment()
    t_env = StreamTableEnvironment.create(env2)
    t_env.execute_sql("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', "
                      "'rows-per-second' = '100')")
    t_env.to_data_stream(t_env.from_path("g")).map(lambda r: r.id, Types.LONG())
    forever = env2.execute_async("forever")
    import time
    time.sleep(0.5)
    assert forever.get_job_status() == JobStatus.RUNNING
    forever.cancel()
    assert forever.get_job_status() == JobStatus.CANCELED
    with pytest.raises(weir.JobCancelledError):
        forever.get_job_execution_result(timeout=10)


def test_co_functions_open_and_side_outputs(env) -> None:
    from weir.datastream import CoMapFunction, CoProcessFunction
    from weir.datastream.functions import OutputTag

    class Scaled(CoMapFunction):
        def open(self, runtime_context):
            self.factor = 10

        def map1(self, value):
            return value * self.factor

        def map2(self, value):
            return -value

    a = env.from_collection([1, 2], Types.LONG())
    b = env.from_collection([5], Types.LONG())
    assert sorted(a.connect(b).map(Scaled(), Types.LONG()).execute_and_collect()) == [-5, 10, 20]

    rejected = OutputTag("rejected", Types.STRING())

    class Route(CoProcessFunction):
        def process_element1(self, value, ctx):
            if value > 1:
                yield value
            else:
                ctx.output(rejected, f"small {value}")

        def process_element2(self, value, ctx):
            yield value + 100

    routed = a.connect(b).process(Route(), Types.LONG())
    assert sorted(routed.get_side_output(rejected).execute_and_collect()) == ["small 1"]
    with pytest.raises(TypeError, match="two keyed streams"):
        a.key_by(lambda x: x).connect(b)
