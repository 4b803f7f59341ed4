"""SELECT column1 + column2 AS sum over a Parquet table, with the Table API.

    python examples/python/column_sum.py [parquet_file_or_folder]

Without an argument it writes a small Parquet file with pyarrow first.
"""

import sys
import tempfile

# weir first: it picks the allocator Arrow uses (docs/python.md).
from weir.table import DataTypes, EnvironmentSettings, Schema, TableDescriptor, TableEnvironment
from weir.table.expressions import col

import pyarrow as pa
import pyarrow.parquet as pq


def main(path: str) -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.create_temporary_table(
        "parquet_table",
        TableDescriptor.for_connector("filesystem")
        .schema(Schema.new_builder()
                .column("column1", DataTypes.BIGINT())
                .column("column2", DataTypes.BIGINT())
                .build())
        .option("path", path)
        .format("parquet")
        .build())
    table = t_env.from_path("parquet_table")
    result = table.select((col("column1") + col("column2")).alias("sum"))
    result.limit(5).execute().print()
    # The same in SQL, and the total through pandas.
    total = t_env.sql_query("SELECT column1 + column2 AS sum FROM parquet_table").to_pandas()
    print(f"rows: {len(total)}, total of sum: {int(total['sum'].sum())}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            n = 1_000_000
            pq.write_table(pa.table({"column1": pa.array(range(n), pa.int64()),
                                     "column2": pa.array(range(0, 2 * n, 2), pa.int64())}),
                           f"{folder}/numbers.parquet")
            main(folder)
