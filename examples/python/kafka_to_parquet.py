"""Kafka consumer -> time-bucketed Parquet files, exactly once, with checkpoints.

    python examples/python/kafka_to_parquet.py BOOTSTRAP TOPIC OUTPUT_FOLDER [--bounded]

Reads JSON events {"id", "user", "amount", "ts"} from TOPIC and writes them into
OUTPUT_FOLDER/dt=YYYY-MM-DD/hr=HH/. Part files become visible only when the
checkpoint covering them completes; a restarted job continues from the last
checkpoint without losing or duplicating an event. With --bounded it stops at the
offsets the topic has when it starts (for tests); otherwise it runs until Ctrl-C.
"""

import sys

from weir.datastream import CheckpointingMode, StreamExecutionEnvironment
from weir.table import StreamTableEnvironment


def main(bootstrap: str, topic: str, out: str, bounded: bool) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(2000, CheckpointingMode.EXACTLY_ONCE)
    env.get_checkpoint_config().set_checkpoint_storage_dir(f"{out}/_checkpoints")
    t_env = StreamTableEnvironment.create(env)
    bounded_option = ",\n          'scan.bounded.mode' = 'latest-offset'" if bounded else ""
    t_env.execute_sql(f"""
        CREATE TABLE events (
          id BIGINT,
          `user` STRING,
          amount INT,
          ts TIMESTAMP(3)
        ) WITH (
          'connector' = 'kafka',
          'topic' = '{topic}',
          'properties.bootstrap.servers' = '{bootstrap}',
          'properties.group.id' = 'weir-example',
          'scan.startup.mode' = 'earliest-offset',
          'format' = 'json'{bounded_option}
        )""")
    t_env.execute_sql(f"""
        CREATE TABLE bucketed (
          id BIGINT,
          `user` STRING,
          amount INT,
          ts TIMESTAMP(3),
          dt STRING,
          hr STRING
        ) PARTITIONED BY (dt, hr) WITH (
          'connector' = 'filesystem',
          'path' = '{out}/events',
          'format' = 'parquet',
          'sink.rolling-policy.rollover-interval' = '1 min'
        )""")
    result = t_env.execute_sql("""
        INSERT INTO bucketed
        SELECT id, `user`, amount, ts,
               DATE_FORMAT(ts, 'yyyy-MM-dd'), DATE_FORMAT(ts, 'HH')
        FROM events""")
    print(result.message)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--bounded"]
    if len(args) != 3:
        sys.exit(__doc__)
    main(args[0], args[1], args[2], "--bounded" in sys.argv)
