"""Write a partitioned Parquet table (Hive folders, exactly-once file commits).

    python examples/python/write_partitioned_parquet.py [output_folder]

Generates orders with the datagen connector and writes them partitioned by day;
pyarrow reads the result back.
"""

import os
import sys
import tempfile

# weir first: it picks the allocator Arrow uses (docs/python.md).
from weir.table import EnvironmentSettings, TableEnvironment

import pyarrow.parquet as pq


def main(out: str) -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("execution.checkpointing.interval", "1 s")
    t_env.get_config().set("state.checkpoints.dir", os.path.join(out, "_checkpoints"))
    t_env.execute_sql("""
        CREATE TABLE orders (
          order_id BIGINT,
          price DOUBLE,
          day_of_month INT
        ) WITH (
          'connector' = 'datagen',
          'number-of-rows' = '200000',
          'fields.order_id.kind' = 'sequence',
          'fields.order_id.start' = '1',
          'fields.order_id.end' = '200000',
          'fields.price.min' = '1',
          'fields.price.max' = '500',
          'fields.day_of_month.min' = '1',
          'fields.day_of_month.max' = '3'
        )""")
    t_env.execute_sql(f"""
        CREATE TABLE orders_by_day (
          order_id BIGINT,
          price DECIMAL(10, 2),
          `day` STRING
        ) PARTITIONED BY (`day`) WITH (
          'connector' = 'filesystem',
          'path' = '{out}/orders',
          'format' = 'parquet',
          'sink.rolling-policy.file-size' = '8MB'
        )""")
    result = t_env.execute_sql("""
        INSERT INTO orders_by_day
        SELECT order_id, CAST(price AS DECIMAL(10, 2)), CONCAT('2026-12-0', CAST(day_of_month AS STRING))
        FROM orders""")
    print(result.message)
    table_dir = os.path.join(out, "orders")
    for folder in sorted(os.listdir(table_dir)):
        files = [f for f in os.listdir(os.path.join(table_dir, folder)) if not f.startswith(".")]
        print(f"{folder}: {len(files)} file(s)")
    print(f"pyarrow reads {pq.read_table(table_dir).num_rows} rows")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(folder)
