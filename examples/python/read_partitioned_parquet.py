"""Read a Parquet folder with Hive partitions (day=…/country=…) into a table.

    python examples/python/read_partitioned_parquet.py [folder]

The schema comes from the files (t_env.read_parquet), partition columns included;
filters on partition columns skip whole folders. Without an argument a small
partitioned dataset is written with pyarrow first.
"""

import sys
import tempfile

# weir first: it picks the allocator Arrow uses (docs/python.md).
from weir.table import EnvironmentSettings, TableEnvironment
from weir.table.expressions import col

import pyarrow as pa
import pyarrow.dataset as ds


def write_sample(folder: str) -> None:
    n = 100_000
    table = pa.table({
        "user_id": pa.array(range(n), pa.int64()),
        "amount": pa.array([(i * 7919) % 1000 / 10 for i in range(n)]),
        "day": [f"2026-12-0{1 + i % 3}" for i in range(n)],
        "country": [("DE", "FR", "US")[i % 3 if i % 5 else 0] for i in range(n)],
    })
    ds.write_dataset(table, folder, format="parquet",
                     partitioning=ds.partitioning(pa.schema([("day", pa.string()),
                                                              ("country", pa.string())]),
                                                  flavor="hive"))


def main(folder: str) -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    events = t_env.read_parquet(folder)
    events.print_schema()
    per_partition = (events.where(col("day") >= "2026-12-02")
                     .group_by(col("day"), col("country"))
                     .select(col("day"), col("country"), col("amount").sum.alias("total"),
                             col("user_id").count.alias("n"))
                     .order_by(col("day"), col("country")))
    per_partition.execute().print()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            write_sample(folder)
            main(folder)
