"""A SQL job with Python functions: a vectorized (pandas) UDF and a row UDF, both
run in-process on whole Arrow batches.

    python examples/python/pandas_udf_sql.py
"""

# weir first: it picks the allocator Arrow uses (docs/python.md).
from weir.table import DataTypes, EnvironmentSettings, TableEnvironment, udf

import pandas as pd


@udf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def with_tax(price: pd.Series, rate: pd.Series) -> pd.Series:
    return (price * (1 + rate)).round(2)


@udf(result_type=DataTypes.STRING())
def bucket(price: float) -> str:
    return "cheap" if price < 50 else "pricey"


def main() -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.create_temporary_function("with_tax", with_tax)
    t_env.create_temporary_function("bucket", bucket)
    t_env.execute_sql("""
        CREATE TABLE sales (price DOUBLE, rate DOUBLE) WITH (
          'connector' = 'datagen', 'number-of-rows' = '100000',
          'fields.price.min' = '1', 'fields.price.max' = '100',
          'fields.rate.min' = '0.05', 'fields.rate.max' = '0.25')""")
    t_env.execute_sql("""
        SELECT bucket(price) AS kind, COUNT(*) AS n,
               ROUND(AVG(with_tax(price, rate)), 2) AS avg_gross
        FROM sales GROUP BY bucket(price) ORDER BY kind""").print()


if __name__ == "__main__":
    main()
